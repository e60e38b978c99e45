"""Ids in URLs: every page route taking a number answers 404 for a number larger than any
database id, for every method it accepts, rather than failing in the database driver (500)."""
import re

import pytest
from werkzeug.routing import IntegerConverter

from scorecard.routing import MAX_ID

HUGE = 10**20


def _id_routes(app):
    """(rule, its URL with every number HUGE) for each rule whose parts are all numbers."""
    for rule in app.url_map.iter_rules():
        if rule.arguments and all(isinstance(rule._converters[a], IntegerConverter) for a in rule.arguments):
            yield rule, re.sub(r"<[^>]+>", str(HUGE), rule.rule)


def test_every_number_in_a_url_is_bounded_by_the_largest_id(app):
    bounded = [rule for rule, _url in _id_routes(app)]
    assert len(bounded) > 20, "the pages with ids: commitments, plans, imports, findings, capacity, admin, API"
    for rule in bounded:
        for argument in rule.arguments:
            assert rule._converters[argument].max is not None and rule._converters[argument].max <= MAX_ID, rule


@pytest.mark.parametrize("role", ["admin", "analyst", "viewer"])
def test_a_number_larger_than_any_id_is_not_found(app, client_as, role):
    client = client_as(role)
    tried = 0
    for rule, url in _id_routes(app):
        if rule.rule.startswith("/api/"):
            continue  # the API's own bounds and problem documents: tests/test_api*.py
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            tried += 1
            assert response.status_code in (400, 404), (method, url, response.status_code)
    assert tried > 20


@pytest.mark.parametrize("accept_json", [False, True])
def test_a_method_a_page_does_not_take_is_405_with_the_methods_it_does(app, client_as, accept_json):
    client = client_as("admin")
    kwargs = {"json": {}} if accept_json else {}
    response = client.delete("/commitments/", **kwargs)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"].split(", ") and "DELETE" not in response.headers["Allow"]
    assert response.mimetype == ("application/json" if accept_json else "text/html")
    assert client.put("/imports/upload", **kwargs).headers.get("Allow"), "RFC 9110: a 405 names what is allowed"


@pytest.mark.parametrize("number", [HUGE, MAX_ID + 1])
def test_past_the_largest_id_every_method_finds_no_route(app, number):
    """Not found for every method, the API's too: a bound checked only after the path matched answered
    405 to a PATCH (a GET rule on the same address had matched first) where a GET answered 404."""
    from werkzeug.exceptions import NotFound

    adapter = app.url_map.bind("localhost")
    tried = 0
    for rule, _url in _id_routes(app):
        url = re.sub(r"<[^>]+>", str(number), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            with pytest.raises(NotFound):
                adapter.match(url, method=method)
            tried += 1
    assert tried > 30


def test_the_largest_id_itself_is_read():
    from scorecard.routing import up_to

    pattern = re.compile(up_to(MAX_ID))
    for number in (0, 7, 10**9, MAX_ID - 1, MAX_ID, 2 * 10**9 + 147483647):
        assert pattern.fullmatch(str(number)), number
    for number in (MAX_ID + 1, 2**32, 10**10, 2147483650, 2147483700, 3 * 10**9):
        assert not pattern.fullmatch(str(number)), number
    assert not pattern.fullmatch("\uff11") and not pattern.fullmatch("\u0661\u0662"), "digits of other scripts"
    small = re.compile(up_to(305))
    assert [n for n in range(1000) if small.fullmatch(str(n))] == list(range(306))


def test_the_apis_not_found_says_an_id_may_be_past_the_largest(demo):
    """"There is no such operation" was said of /programs/99999999999, an operation that exists."""
    from tests.test_api import _bearer, _secret

    response = demo.test_client().get(f"/api/v1/programs/{MAX_ID + 1}", headers=_bearer(_secret(demo, "viewer")))
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    detail = response.get_json()["detail"]
    assert f"Nothing is at /api/v1/programs/{MAX_ID + 1}" in detail and "past the largest one stored" in detail
