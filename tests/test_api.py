"""The REST API: every operation of the OpenAPI document for every role (generated from the
document and the permission table), tokens and their scope, session cookies refused, the
commitment update's ETag / If-Match, problem details, pages, filters and the rate limit."""
import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from scorecard.api.permissions import PREFIX, RULES
from scorecard.api.tokens import create_token
from scorecard.clock import agency_today
from scorecard.commitments.services import visible_commitments
from scorecard.extensions import db
from scorecard.models import (
    Agency,
    ApiToken,
    AuditEvent,
    BatchStatus,
    CapacityAssessment,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Finding,
    Function,
    ImportBatch,
    LifeExperience,
    Metric,
    Observation,
    PerformancePlan,
    Program,
    Role,
    TokenScope,
    User,
)
from scorecard.permissions import can
from scorecard.plans.services import visible_plans

DEMO = {"admin": "admin@demo.cx.gov", "executive": "executive@demo.cx.gov", "officer": "cfo.officer@demo.cx.gov",
        "analyst": "analyst@demo.cx.gov", "leader": "leader@demo.cx.gov", "viewer": "viewer@demo.cx.gov"}
ROLES = tuple(DEMO)
CSV = b"component,program,metric,period,value\nNo such component,Nothing,trust,FY2027-Q1,4\n"


def _user(role: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == DEMO[role]))


def _secret(app, role: str, scope: str = "write", **kwargs) -> str:
    with app.app_context():
        user = _user(role)
        scope = "read" if user.role is Role.viewer else scope
        return create_token(db.session, user, scope=scope, **kwargs)[1]


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def api(evaluated):
    """The demo agency with the rules' findings, and one committed import batch of an analyst's."""
    with evaluated.app_context():
        db.session.add(ImportBatch(filename="q1.csv", checksum="0" * 64, user_id=_user("analyst").id, format="metrics",
                                   status=BatchStatus.committed))
        db.session.commit()
    return evaluated


@pytest.fixture
def http(api):
    return api.test_client()


def _spec(app, client, secret) -> dict:
    response = client.get(f"{PREFIX}/openapi.json", headers=_bearer(secret))
    assert response.status_code == 200
    return response.get_json()


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                yield method.upper(), path


# ----------------------------------------------------------------------------- the permission table

def test_every_operation_of_the_document_has_a_permission_rule_and_every_rule_an_operation(api, http):
    spec = _spec(api, http, _secret(api, "viewer"))
    operations = {(method, path.removeprefix(PREFIX)) for method, path in _operations(spec)}
    assert operations, "the document lists no operation"
    assert sorted(operations - set(RULES)) == []  # a new operation needs a rule in scorecard/api/permissions.py
    assert sorted(set(RULES) - operations) == []  # a rule for an operation that no longer exists


def _ids_for(user: User) -> dict:
    """A path parameter for each kind of object: one the user may see where the role is scoped."""
    first = lambda model: db.session.scalar(sa.select(model.id).order_by(model.id).limit(1))  # noqa: E731
    commitment = db.session.scalar(visible_commitments(user).with_only_columns(Commitment.id)
                                   .order_by(Commitment.id).limit(1))
    plan = db.session.scalar(visible_plans(db.session, user).with_only_columns(PerformancePlan.id)
                             .order_by(None).order_by(PerformancePlan.id).limit(1))
    batch = db.session.scalar(sa.select(ImportBatch.id).where(ImportBatch.user_id == user.id).limit(1))
    ids = {"agency_id": first(Agency), "component_id": first(Component), "program_id": first(Program),
            "function_id": first(Function), "metric_id": first(Metric), "observation_id": first(Observation),
            "finding_id": first(Finding), "commitment_id": commitment or first(Commitment),
            "plan_id": plan or first(PerformancePlan), "assessment_id": first(CapacityAssessment),
            "batch_id": batch or first(ImportBatch)}
    assert None not in ids.values(), ids
    return ids


def _request(client, method: str, path: str, ids: dict, secret: str):
    """A well-formed request for the operation (a body where it takes one)."""
    url = re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
    headers = _bearer(secret)
    kwargs = {}
    if (method, path) == ("PATCH", f"{PREFIX}/commitments/{{commitment_id}}"):
        version = db.session.scalar(sa.select(Commitment.version).where(Commitment.id == ids["commitment_id"]))
        headers["If-Match"] = f'"{version}"'
        kwargs["json"] = {"note": "Checked: still current."}
    elif (method, path) == ("POST", f"{PREFIX}/observations"):
        url += "?dry_run=true"
        kwargs["json"] = [{"component": "Benefits Administration", "program": "Benefits Call Center",
                           "metric": "trust", "period": "FY2027-Q1", "n": 10, "count_4": 4, "count_5": 6}]
    elif (method, path) == ("POST", f"{PREFIX}/imports"):
        import io
        kwargs["data"] = {"file": (io.BytesIO(CSV), "rows.csv")}
        kwargs["content_type"] = "multipart/form-data"
    elif method == "GET" and path == f"{PREFIX}/scores":
        url += "?metric=trust&period=FY2026-Q4"
    return client.open(url, method=method, headers=headers, **kwargs)


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_for_every_role_follows_the_permission_table(api, http, role):
    """Generated from the OpenAPI document: a role the table refuses gets 403 and changes nothing; a
    role it allows is never refused for its role (an object outside its scope may still be 404)."""
    secret = _secret(api, role)
    spec = _spec(api, http, secret)
    wrong = []
    with api.app_context():
        user = _user(role)
        for method, path in _operations(spec):
            rule = RULES[(method, path.removeprefix(PREFIX))]
            allowed = any(can(user, action) for action in rule.actions) and (
                not rule.writes or user.role is not Role.viewer)  # a viewer's token is a read token
            response = _request(http, method, path, _ids_for(user), secret)
            db.session.expire_all()
            status = response.status_code
            if status >= 500 or (allowed and status in (401, 403)) or (not allowed and status != 403):
                wrong.append(f"{method} {path}: {status} {response.get_data(as_text=True)[:200]}")
            elif status >= 400:
                assert response.content_type == "application/problem+json", (method, path, status)
    assert wrong == []


@pytest.mark.parametrize("role", ("admin", "officer", "analyst", "leader", "viewer"))
def test_a_read_token_cannot_write(api, http, role):
    secret = _secret(api, role, "read")
    spec = _spec(api, http, secret)
    writes = [(m, p) for m, p in _operations(spec) if RULES[(m, p.removeprefix(PREFIX))].writes]
    assert len(writes) == 6
    with api.app_context():
        ids = _ids_for(_user(role))
        before = db.session.execute(sa.select(Commitment.id, Commitment.version)).all()
        user = _user(role)
        for method, path in writes:
            response = _request(http, method, path, ids, secret)
            assert response.status_code == 403, (method, path)
            # a write token is offered only to a role that may do it: a leader's read token posting observations
            # was told to make one, and the write token was then refused for the role
            allowed = any(can(user, action) for action in RULES[(method, path.removeprefix(PREFIX))].actions)
            said = "read token" if allowed else f"Your role ({role}) may not do this."
            assert said in response.get_json()["detail"], (method, path, response.get_json()["detail"])
        assert db.session.execute(sa.select(Commitment.id, Commitment.version)).all() == before


def test_without_a_valid_token_every_operation_is_401(api, http):
    spec = _spec(api, http, _secret(api, "admin"))
    revoked = _secret(api, "admin")
    with api.app_context():
        db.session.execute(sa.update(ApiToken).where(ApiToken.prefix == revoked[:12]).values(revoked_at=sa.func.now()))
        db.session.commit()
    for method, path in _operations(spec):
        url = re.sub(r"{\w+}", "1", path)
        for headers in ({}, {"Authorization": "Bearer cxs_not-a-token"}, {"Authorization": "Basic YTpi"},
                        _bearer(revoked)):
            response = http.open(url, method=method, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.content_type == "application/problem+json"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_request_without_a_bearer_token_is_told_what_it_sent_instead(api, http):
    """Basic credentials were answered "the API does not accept session cookies", though no cookie was sent."""
    said = {name: http.get(f"{PREFIX}/agencies", headers=headers).get_json()["detail"] for name, headers in (
        ("basic", {"Authorization": "Basic Zm9vOmJhcg=="}), ("bare", {"Authorization": "Bearer "}),
        ("none", {}))}
    assert said["basic"].endswith("the API does not accept the 'Basic' scheme sent, only Bearer.")
    assert said["bare"].endswith("the Authorization header sent says Bearer but gives no token.")
    assert said["none"].endswith("the API does not accept session cookies.")
    asked = "Send a personal access token as 'Authorization: Bearer <token>'"
    assert all(text.startswith(asked) for text in said.values())


def test_session_cookies_are_not_accepted(api):
    with api.app_context():
        signed_in = api.test_client(user=_user("admin"))
    assert signed_in.get("/").status_code == 200  # the web session works...
    response = signed_in.get(f"{PREFIX}/agencies")  # ...but not for the API
    assert response.status_code == 401
    assert response.get_json()["status"] == 401
    # With a token the same browser gets the token's user (a viewer), never the session's (an admin).
    viewer = _secret(api, "viewer")
    assert signed_in.get(f"{PREFIX}/commitments", headers=_bearer(viewer)).status_code == 403
    assert signed_in.get(f"{PREFIX}/agencies", headers=_bearer(viewer)).status_code == 200


def test_the_api_needs_no_csrf_token(api, http):
    """Writes come with a bearer token, never a cookie, so the API blueprint is exempt from CSRF."""
    secret = _secret(api, "analyst")
    response = http.post(f"{PREFIX}/observations?dry_run=true", headers=_bearer(secret), json=[
        {"component": "Benefits Administration", "program": "Benefits Call Center", "metric": "trust",
         "period": "FY2027-Q1", "n": 10, "count_4": 4, "count_5": 6}])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "would_import"


# ----------------------------------------------------------------------------- commitments

def _commitment_of(function_code: str, **where) -> int:
    return db.session.scalar(sa.select(Commitment.id).join(Function).where(Function.code == function_code, *[
        getattr(Commitment, k) == v for k, v in where.items()]).order_by(Commitment.id).limit(1))


def test_code_filters_take_any_case_and_a_code_nothing_has_is_refused_by_name(api, http):
    """`function=cfo` matched and `component=dps-ba` did not (compared as sent); `function=XYZ` gave an empty page
    where an unknown metric is a 422: every code filter reads any case, and the commitments' codes nothing has
    are refused naming the value, as a metric's are. Agencies and life experiences read any case too."""
    secret = _secret(api, "executive")
    def listed(query):
        answer = http.get(f"{PREFIX}/{query}", headers=_bearer(secret))
        assert answer.status_code == 200, (query, answer.get_json())
        return [item["id"] for item in answer.get_json()["items"]]
    assert listed("commitments?function=cfo&page_size=500") == listed("commitments?function=CFO&page_size=500") != []
    assert listed("commitments?component=dps-ba&page_size=500") == listed(
        "commitments?component=DPS-BA&page_size=500") != []
    for query, name, value in (("commitments?function=XYZ", "function", "XYZ"),
                               ("commitments?component=NOPE", "component", "NOPE")):
        refused = http.get(f"{PREFIX}/{query}", headers=_bearer(secret))
        assert refused.status_code == 422, refused.get_json()
        (error,) = refused.get_json()["errors"]
        assert error["column"] == name and error["value"] == value and f"code {value!r}" in error["message"], error
    with api.app_context():
        agency = db.session.scalar(sa.select(Agency).order_by(Agency.id))
        experience = db.session.scalar(sa.select(LifeExperience).where(LifeExperience.programs.any()))
    assert listed(f"agencies?code={agency.code.lower()}") == [agency.id]
    assert listed(f"programs?life_experience={experience.name.upper()}&page_size=500") == listed(
        f"programs?life_experience={experience.name}&page_size=500") != []


def test_another_functions_commitment_is_404_to_an_officers_token(api, http):
    secret = _secret(api, "officer")
    with api.app_context():
        own, other = _commitment_of("CFO"), _commitment_of("CIO")
        version = db.session.get(Commitment, other).version
    assert http.get(f"{PREFIX}/commitments/{own}", headers=_bearer(secret)).status_code == 200
    for response in (http.get(f"{PREFIX}/commitments/{other}", headers=_bearer(secret)),
                     http.patch(f"{PREFIX}/commitments/{other}", json={"note": "mine now"},
                                headers={**_bearer(secret), "If-Match": f'"{version}"'})):
        assert response.status_code == 404
        assert response.content_type == "application/problem+json"
    listed = http.get(f"{PREFIX}/commitments?page_size=500", headers=_bearer(secret)).get_json()
    with api.app_context():
        cfo = db.session.scalar(sa.select(Function.id).where(Function.code == "CFO"))
        assert listed["total"] == db.session.scalar(sa.select(sa.func.count()).select_from(Commitment)
                                                    .where(Commitment.function_id == cfo))
        assert db.session.get(Commitment, other).version == version
    assert {c["function"]["code"] for c in listed["items"]} == {"CFO"}


def test_a_database_lost_after_the_change_was_saved_says_it_was_saved(api, http, monkeypatch):
    """The commit succeeded and reading the commitment back for the answer met a database gone away:
    the 503 must not say "nothing was changed" (a client retrying would save it twice). Lost before
    the save, it still says nothing was changed."""
    from scorecard.api.resources import commitments as resource

    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
        updates = db.session.scalar(sa.select(sa.func.count()).select_from(CommitmentUpdate))
    url = f"{PREFIX}/commitments/{cid}"
    etag = http.get(url, headers=_bearer(secret)).headers["ETag"]
    gone = sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
    real, reads = resource._visible, []

    def visible(commitment_id):
        reads.append(commitment_id)
        if len(reads) > 1:  # the read after the save
            raise gone
        return real(commitment_id)
    monkeypatch.setattr(resource, "_visible", visible)
    lost = http.patch(url, json={"note": "checked after the save"}, headers={**_bearer(secret), "If-Match": etag})
    assert lost.status_code == 503 and lost.headers["Retry-After"]
    assert "Your change was saved" in lost.get_json()["detail"] and "Nothing was changed" not in lost.get_json()[
        "detail"]
    with api.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CommitmentUpdate)) == updates + 1

    def lost_first(commitment_id):
        raise gone
    monkeypatch.setattr(resource, "_visible", lost_first)
    fresh = _secret(api, "officer")  # its first use records when it was used: bookkeeping, not the change
    before = http.patch(url, json={"note": "never saved"}, headers={**_bearer(fresh), "If-Match": etag})
    assert before.status_code == 503 and "Nothing was changed" in before.get_json()["detail"]


def test_every_problem_type_names_an_entry_of_the_documentation(api, http, monkeypatch):
    """A problem's `type` is the documentation page's entry for its status: a 503 (the database gone) pointed to
    "#problem-503", which the page did not have."""
    from scorecard.api.resources import org

    secret = _secret(api, "viewer")
    gone = sa.exc.OperationalError("SELECT", {}, Exception("server closed the connection unexpectedly"))
    monkeypatch.setattr(org, "get_or_404", lambda *args: (_ for _ in ()).throw(gone))
    answers = [http.get(f"{PREFIX}/programs/1", headers=_bearer(secret)), http.get(f"{PREFIX}/nothing-here",
               headers=_bearer(secret)), http.get(f"{PREFIX}/programs?page=0", headers=_bearer(secret))]
    assert [a.status_code for a in answers] == [503, 404, 422]
    page = http.get(f"{PREFIX}/docs", headers=_bearer(secret)).get_data(as_text=True)
    for answer in answers:
        problem = answer.get_json()
        entry = re.search(rf'<dt id="{problem["type"].split("#")[1]}">.*?<dd>(.*?)</dd>', page)
        assert entry and entry.group(1) == problem["title"], problem


def test_bodies_and_paths_no_value_here_can_hold_are_refused_not_failed(api, http):
    """A whole number of 5,000 digits (more than Python converts), a NUL in the path, a status moved to
    off track on an old reason: each answers a 4xx that says so; nothing is changed."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(secret))
    headers = {**_bearer(secret), "If-Match": read.headers["ETag"], "Content-Type": "application/json"}
    huge = http.patch(url, data='{"reason": 1' + "0" * 5000 + "}", headers=headers)
    assert huge.status_code == 400 and huge.mimetype == "application/problem+json", huge.get_data(as_text=True)[:300]
    assert huge.get_json()["errors"][0]["message"] == (
        "Invalid JSON body: a number with more digits than any value here takes.")
    assert http.get(f"{PREFIX}/commitments/%00", headers=_bearer(secret)).status_code == 404
    hidden = http.patch(url, json={"reason": "ok \u202eevil"}, headers=headers)  # the web form refuses it too
    assert hidden.status_code == 422 and [(e["column"], e["message"]) for e in hidden.get_json()["errors"]] == [
        ("reason", "The text holds a hidden text-direction character (U+202E), which cannot be kept: remove it.")]
    links = http.patch(url, json={"evidence_links": ["https://[::1"]}, headers=headers)
    assert links.status_code == 422 and "is not a web address" in json.dumps(links.get_json())
    form = http.patch(url, data={"reason": "x"}, headers={**_bearer(secret), "If-Match": read.headers["ETag"]})
    assert form.status_code == 415 and "this operation reads JSON" in form.get_json()["detail"]
    nan = http.patch(url, data='{"status": NaN}', headers=headers)
    assert nan.status_code == 422 and json.loads(nan.get_data(as_text=True), parse_constant=lambda c: 1 / 0)[
        "errors"][0]["value"] == "NaN", "strict JSON: the value sent quoted as a text"
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()


def test_a_change_sent_as_no_json_object_says_the_body_is_an_object_of_fields(api, http):
    """A PATCH whose body is JSON but no object ([], null, a text, an array of the object) was refused with
    marshmallow's bare "Invalid input type.", naming nothing: it says what the body is; nothing is changed."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(secret))
    headers = {**_bearer(secret), "If-Match": read.headers["ETag"], "Content-Type": "application/json"}
    for body in ("[]", "null", '"on_track"', '[{"status": "on_track"}]'):
        refused = http.patch(url, data=body, headers=headers)
        assert refused.status_code == 422 and refused.mimetype == "application/problem+json", body
        [error] = refused.get_json()["errors"]
        assert error["message"] == ('The body is a JSON object of the fields to change, such as '
                                    '{"status": "on_track"}.'), (body, error)
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()


def test_every_path_under_api_answers_as_the_api(api, http):
    """Paths under /api but outside /api/v1 answered the web's redirect to its sign-in page (a client following
    it read a 200 HTML form): they answer as /api/v1's unknown paths, 401 without a token, else 404."""
    secret = _secret(api, "viewer")
    for path in ("/api", "/api/", "/api/v2/x", "/api/v1x"):
        anonymous = http.get(path)
        assert anonymous.status_code == 401 and anonymous.content_type == "application/problem+json", path
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
        found = http.get(path, headers=_bearer(secret))
        assert found.status_code == 404 and found.content_type == "application/problem+json", path
        assert found.get_json()["detail"].startswith(f"Nothing is at {path}:")
    assert http.get(f"{PREFIX}/no-such-thing").status_code == 401, "as under /api/v1"
    page = http.get("/api-tokens/")
    assert page.status_code == 302 and "/auth/login" in page.headers["Location"], "the tokens page is a web page"


def test_the_api_document_answers_a_program_401_and_a_browser_the_sign_in_page(http):
    program = http.get(f"{PREFIX}/openapi.json")
    assert program.status_code == 401 and program.mimetype == "application/problem+json"
    browser = http.get(f"{PREFIX}/openapi.json", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert browser.status_code == 302 and "/auth/login" in browser.headers["Location"]


def test_commitment_update_needs_the_etag_in_if_match(api, http):
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(secret))
    etag = read.headers["ETag"]
    assert etag == f'"{read.get_json()["version"]}"'
    body = {"status": "at_risk", "reason": "Vendor slipped two weeks.", "next_step": "Escalate to the CIO.",
            "evidence_links": ["https://www.performance.gov/cx/"], "note": "Weekly check"}
    missing = http.patch(url, json=body, headers=_bearer(secret))
    assert missing.status_code == 428 and missing.headers["ETag"] == etag
    unchanged = http.get(url, headers={**_bearer(secret), "If-None-Match": f"W/{etag}"})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag and not unchanged.data
    assert http.get(url, headers={**_bearer(secret), "If-None-Match": '"0"'}).get_json() == read.get_json()
    documented = http.get(f"{PREFIX}/openapi.json", headers=_bearer(secret)).get_json()
    header, = [p for p in documented["paths"][f"{PREFIX}/commitments/{{commitment_id}}"]["patch"]["parameters"]
               if p["in"] == "header"]
    assert header["name"] == "If-Match" and header["required"] is True, "documented as it behaves"
    assert header["schema"]["minLength"] == 1, "an empty If-Match is no valid request (428)"
    documented_tag = re.compile(header["schema"]["pattern"])
    assert documented_tag.match(etag) and documented_tag.match(f'"0", W/"7", {etag}') and documented_tag.match("*")
    assert not documented_tag.match("") and not documented_tag.match("abc") and not documented_tag.match(f"{etag}, x")
    responses = documented["paths"][f"{PREFIX}/commitments/{{commitment_id}}"]["patch"]["responses"]
    assert {"400", "412", "428", "415"} <= set(responses)
    bodies = [operation for path in documented["paths"].values() for operation in path.values()
              if isinstance(operation, dict) and "requestBody" in operation]
    assert len(bodies) >= 3 and all("415" in operation["responses"] for operation in bodies), \
        "a body of another media type is refused (415) by every operation that reads one"
    stale = http.patch(url, json=body, headers={**_bearer(secret), "If-Match": '"999"'})
    assert stale.status_code == 412
    # A weak tag never matches for a change (412); a header that is no list of entity tags is a request HTTP
    # cannot read (400 naming the header), not a commitment changed since; an empty one names nothing, as a
    # missing one (428)
    for sent, status, said in ((f"W/{etag}", 412, "as a weak tag, which never matches"),
                               ("W/\"l{6'O[\"", 412, "names another"),
                               ('"no,such", W/"x"', 412, "names another"),  # a tag may hold a comma
                               ('"no", ,"such",', 412, "names another"),  # empty elements are accepted
                               ("not a tag", 400, "not a list of entity tags"),
                               (etag.strip('"'), 400, "not a list of entity tags"),
                               (f'{etag}, x', 400, "not a list of entity tags"),
                               ("", 428, "If-Match is empty"), ("  ", 428, "If-Match is empty")):
        refused = http.patch(url, json=body, headers={**_bearer(secret), "If-Match": sent})
        assert refused.status_code == status and refused.headers["ETag"] == etag, (sent, refused.status_code)
        assert said in refused.get_json()["detail"], (sent, refused.get_json()["detail"])
        if status == 400:
            assert refused.get_json()["errors"][0] | {"message": ""} == {
                "row": None, "column": "If-Match", "value": sent, "message": ""}
    # no body at all is no change asked for (webargs read it as {}, and answered 200)
    bodiless = http.patch(url, headers={**_bearer(secret), "If-Match": etag})
    assert bodiless.status_code == 400 and "as a JSON object" in bodiless.get_json()["detail"]
    assert http.patch(f"{PREFIX}/commitments/2147483647", headers=_bearer(secret)).status_code == 404, (
        "a commitment not there is that first, as with a body")
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()  # nothing changed
    done = http.patch(url, json=body, headers={**_bearer(secret), "If-Match": f', "0", W/"7",, {etag} ,'})
    assert done.status_code == 200, done.get_data(as_text=True)
    changed = done.get_json()
    assert changed["status"] == "at_risk" and changed["reason"] == body["reason"]
    assert changed["next_step"] == body["next_step"] and changed["evidence_links"] == body["evidence_links"]
    assert done.headers["ETag"] == f'"{changed["version"]}"' != etag
    latest = changed["history"][0]
    assert latest["note"] == "Weekly check" and latest["by"].endswith("(cfo.officer@demo.cx.gov)")
    assert latest["changes"]["status"][1] == "at_risk"
    assert "import_batch_id" in latest and latest["import_batch_id"] is None, "written through the API, not an import"
    # The old ETag is stale now: a second writer holding it changes nothing.
    again = http.patch(url, json={"status": "on_track"}, headers={**_bearer(secret), "If-Match": etag})
    assert again.status_code == 412
    # who saved it since, when, and what that save changed (it said only the version)
    said = again.get_json()["detail"]
    assert "Saved last by " in said and "(cfo.officer@demo.cx.gov) at " in said, said
    assert "changing the status, reason, next step and evidence links" in said, said
    assert ".." not in said and said.endswith("Nothing was changed."), said
    with api.app_context():
        assert db.session.get(Commitment, cid).status is CommitmentStatus.at_risk
        # the audit log says it came through the API, with which token (a user agent is the client's to write)
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.entity_type == "commitment",
                                                              AuditEvent.entity_id == cid)
                                  .order_by(AuditEvent.id.desc()).limit(1))
        token = db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == _user("officer").id)
                                  .order_by(ApiToken.id.desc()).limit(1))
        assert event.after["via_api_token"] == {"id": token.id, "name": token.name}
    # "*" matches whatever version is current (RFC 9110, 13.1.1): the client chose to overwrite
    anyway = http.patch(url, json={"note": "Checked"}, headers={**_bearer(secret), "If-Match": "*"})
    assert anyway.status_code == 200 and anyway.get_json()["version"] == changed["version"] + 1


def test_a_stale_patch_after_a_revert_says_the_revert_put_fields_back(api, http, tmp_path):
    """After a revert put a commitment's status back, a stale PATCH was told the last save was "adding a note"
    (a revert's history row holds its changes in words only), by "an import or the system"."""
    from importers.pipeline import run_import
    from importers.revert import revert_batch
    from scorecard.commitments.export import export_commitments

    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
        path = tmp_path / "cfo.csv"
        export_commitments(db.session, path, "CFO")
        text = path.read_text(encoding="utf-8-sig").splitlines()
        header = text[0].split(",")
        rows = [line for line in text[1:] if line.split(",")[0] == str(cid)]
        row = next(csv.reader(rows))
        row[header.index("next_step")] = "From the file."
        path.write_text(",".join(header) + "\n" + ",".join(f'"{v}"' for v in row) + "\n", encoding="utf-8")
        batch = run_import(db.session, path).batch_id
        stale = db.session.get(Commitment, cid).version
        revert_batch(db.session, batch)
    refused = http.patch(f"{PREFIX}/commitments/{cid}", json={"note": "late"},
                         headers={**_bearer(secret), "If-Match": f'"{stale}"'})
    said = refused.get_json()["detail"]
    assert refused.status_code == 412 and "adding a note" not in said, said
    assert "Changed last by no person (the command line or the system) at " in said, said
    assert f"Reverted import batch {batch} (cfo.csv): next step back from “From the file.” to " in said, said


@pytest.mark.parametrize("note", ["\u200b", "\u2060\ufeff", " \u00ad ", "   ", None])
def test_a_note_of_invisible_characters_is_no_update(api, http, note):
    """A note of a zero-width space alone was stored as an update: the commitment read as confirmed
    current (its days since the last update back to 0) with nothing said, where a reason of the same
    is refused. Such a note alone, or an empty object, then answered 200 with nothing recorded and
    nothing said: it is refused as sending nothing to change, the note named."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
        updates = db.session.scalar(sa.select(sa.func.count(CommitmentUpdate.id))
                                    .where(CommitmentUpdate.commitment_id == cid))
    url = f"{PREFIX}/commitments/{cid}"
    etag = http.get(url, headers=_bearer(secret)).headers["ETag"]
    answer = http.patch(url, json={} if note is None else {"note": note}, headers={**_bearer(secret), "If-Match": etag})
    assert answer.status_code == 422, (answer.status_code, answer.get_data())
    problem = answer.get_json()
    assert problem["detail"].startswith("Nothing to change was sent: send the fields to change") and (
        problem["detail"].endswith("Nothing was changed."))
    assert [(e["column"], e["value"]) for e in problem["errors"]] == ([] if note is None else [("note", note)])
    assert http.get(url, headers=_bearer(secret)).headers["ETag"] == etag
    with api.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CommitmentUpdate.id))
                                 .where(CommitmentUpdate.commitment_id == cid)) == updates


@pytest.mark.parametrize("cleared", [{"reason": None}, {"reason": "  "}, {"reason": "", "note": "tidying"}])
def test_a_dropped_commitment_keeps_its_reason(api, http, cleared):
    """A dropped commitment's reason could be removed by a later change (the commitment then read "Dropped ·
    Reason: none given"), through the API as on the web form and by a file."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    dropped = http.patch(url, json={"status": "dropped", "reason": "Superseded by the FY28 plan"},
                         headers={**_bearer(secret), "If-Match": "*"})
    assert dropped.status_code == 200, dropped.get_data(as_text=True)
    refused = http.patch(url, json=cleared, headers={**_bearer(secret), "If-Match": dropped.headers["ETag"]})
    assert refused.status_code == 422, refused.get_data(as_text=True)
    assert [(e["column"], e["message"]) for e in refused.get_json()["errors"]] == [
        ("reason", "a dropped commitment keeps its reason: it cannot be removed (write another to replace it)")]
    replaced = http.patch(url, json={"reason": "Folded into the FY28 plan"},
                          headers={**_bearer(secret), "If-Match": dropped.headers["ETag"]})
    assert replaced.status_code == 200 and replaced.get_json()["reason"] == "Folded into the FY28 plan"
    with api.app_context():
        assert db.session.get(Commitment, cid).reason == "Folded into the FY28 plan"


def test_a_commitment_dropped_without_a_reason_before_it_was_kept_takes_a_note_and_other_changes(api, http):
    """A commitment dropped without a reason (as the rule let it be before) was refused every later change, a note
    alone too ("dropping a commitment needs a reason"), and one such row refused a whole file: it takes them as it
    is; removing the reason of one that has a reason stays refused."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
        db.session.execute(sa.update(Commitment).where(Commitment.id == cid).values(
            status=CommitmentStatus.dropped, reason=None))
        db.session.commit()
    url = f"{PREFIX}/commitments/{cid}"
    noted = http.patch(url, json={"note": "Still dropped: confirmed with the bureau."},
                       headers={**_bearer(secret), "If-Match": "*"})
    assert noted.status_code == 200, noted.get_data(as_text=True)
    stepped = http.patch(url, json={"next_step": "None: folded into the FY28 plan"},
                         headers={**_bearer(secret), "If-Match": "*"})
    assert stepped.status_code == 200 and stepped.get_json()["status"] == "dropped", stepped.get_data(as_text=True)


def test_commitment_update_follows_the_web_forms_rules(api, http):
    officer, leader = _secret(api, "officer"), _secret(api, "leader")
    with api.app_context():
        cid = _commitment_of("CFO")
        own = db.session.scalar(sa.select(Commitment).where(Commitment.leader_id == _user("leader").leader_id)
                                .order_by(Commitment.id).limit(1))
        own_id, own_version = own.id, own.version
    url = f"{PREFIX}/commitments/{cid}"
    etag = http.get(url, headers=_bearer(officer)).headers["ETag"]
    no_reason = http.patch(url, json={"status": "off_track", "reason": None},
                           headers={**_bearer(officer), "If-Match": etag})
    assert no_reason.status_code == 422
    assert [e["column"] for e in no_reason.get_json()["errors"]] == ["reason"]
    bad_link = http.patch(url, json={"evidence_links": ["javascript:alert(1)"]},
                          headers={**_bearer(officer), "If-Match": etag})
    assert bad_link.status_code == 422
    assert bad_link.get_json()["errors"][0] == {"row": None, "column": "evidence_links",
                                                "value": ["javascript:alert(1)"],
                                                "message": bad_link.get_json()["errors"][0]["message"]}
    for spaced in ("https://www.performance.gov/cx/ annual report.pdf", " https://ok.gov", "https://a b.gov",
                   "https://evil.gov\nhttps://x.gov", "https://ok.gov/\x07",
                   "https://www.performance\u200b.gov/cx/"):
        refused = http.patch(url, json={"evidence_links": [spaced]}, headers={**_bearer(officer), "If-Match": etag})
        assert refused.status_code == 422, (spaced, refused.status_code)
        assert refused.get_json()["errors"][0]["column"] == "evidence_links"
        message = refused.get_json()["errors"][0]["message"]
        assert ("holds a space, a control or an invisible character" in message
                or "holds a control character (U+0007)" in message), message
    # an item a form or a file would read otherwise: the next save of the form, or an unedited download uploaded,
    # changed it in the officer's name ("https://y.gov/p;" became "https://y.gov/p")
    for item, said in (("https://y.gov/p;", "would be read as a link without its final semicolon"),
                       ("https://c.gov,https://d.gov", "runs two web addresses together"),
                       ("https://a.gov;https://b.gov", "runs two web addresses together"),
                       ("https://e.gov\uff1bhttps://f.gov", "runs two web addresses together")):
        refused = http.patch(url, json={"evidence_links": [item]}, headers={**_bearer(officer), "If-Match": etag})
        assert refused.status_code == 422 and said in refused.get_json()["errors"][0]["message"], (item, refused.json)
    kept = http.patch(url, json={"evidence_links": ["https://x.gov/p;jsessionid=1"]},
                      headers={**_bearer(officer), "If-Match": etag})
    assert kept.status_code == 200 and kept.get_json()["evidence_links"] == ["https://x.gov/p;jsessionid=1"]
    etag = kept.headers["ETag"]
    unknown = http.patch(url, json={"title": "Renamed"}, headers={**_bearer(officer), "If-Match": etag})
    assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["column"] == "title"
    # A leader changes the status and reason of their own commitments, nothing else.
    headers = {**_bearer(leader), "If-Match": f'"{own_version}"'}
    refused = http.patch(f"{PREFIX}/commitments/{own_id}", json={"next_step": "Mine"}, headers=headers)
    assert refused.status_code == 422 and "leaders may change only" in refused.get_json()["detail"]
    fine = http.patch(f"{PREFIX}/commitments/{own_id}", json={"status": "on_track"}, headers=headers)
    assert fine.status_code == 200, fine.get_data(as_text=True)


def test_a_leader_changes_nothing_on_a_dropped_commitment_through_the_api_as_on_the_web(api, http):
    """Once an officer or administrator dropped it, a commitment naming a leader is theirs alone: the web offers
    the leader no form, and the API let the leader's token rewrite the drop's reason (a 200, twice)."""
    admin, leader = _secret(api, "admin"), _secret(api, "leader")
    with api.app_context():
        cid = db.session.scalar(sa.select(Commitment.id).where(Commitment.leader_id == _user("leader").leader_id)
                                .order_by(Commitment.id).limit(1))
    url = f"{PREFIX}/commitments/{cid}"
    etag = http.get(url, headers=_bearer(admin)).headers["ETag"]
    dropped = http.patch(url, json={"status": "dropped", "reason": "Merged into another"},
                         headers={**_bearer(admin), "If-Match": etag})
    assert dropped.status_code == 200, dropped.get_data(as_text=True)
    etag = dropped.headers["ETag"]
    for body in ({"reason": "Mine now"}, {"status": "dropped", "reason": "Mine now"}, {"note": "Still on it"},
                 {"status": "on_track"}):
        refused = http.patch(url, json=body, headers={**_bearer(leader), "If-Match": etag})
        assert refused.status_code == 403, (body, refused.status_code)
        assert "only the" in refused.get_json()["detail"] and "officers and administrators" in \
            refused.get_json()["detail"]
    stale = http.patch(url, json={"reason": "Mine now"}, headers={**_bearer(leader), "If-Match": '"1"'})
    assert stale.status_code == 403, "refused as it is, not 412 'read it again and retry' to a retry refused anyway"
    with api.app_context():
        kept = db.session.get(Commitment, cid)
        assert kept.reason == "Merged into another" and f'"{kept.version}"' == etag
    taken_up = http.patch(url, json={"status": "on_track", "reason": "Back on the plan"},
                          headers={**_bearer(admin), "If-Match": etag})
    assert taken_up.status_code == 200, "an administrator may"


def test_a_commitment_completed_through_the_api_leaves_its_at_risk_reason_behind(api, http):
    officer = _secret(api, "officer")
    with api.app_context():
        url = f"{PREFIX}/commitments/{_commitment_of('CFO')}"
    etag = http.get(url, headers=_bearer(officer)).headers["ETag"]
    risky = http.patch(url, json={"status": "at_risk", "reason": "The vendor is late."},
                       headers={**_bearer(officer), "If-Match": etag})
    assert risky.status_code == 200 and risky.get_json()["reason"] == "The vendor is late."
    done = http.patch(url, json={"status": "complete"}, headers={**_bearer(officer), "If-Match": risky.headers["ETag"]})
    assert done.status_code == 200 and done.get_json()["status"] == "complete"
    assert done.get_json()["reason"] is None


@pytest.mark.parametrize("sent", ["20270331", "2027-W13-3", "2027-02-30", "２０２７-03-31", 20270331])
def test_a_due_date_is_refused_unless_written_as_the_document_says(api, http, sent):
    """The document says YYYY-MM-DD (format: date); date.fromisoformat took 20270331 and 2027-W13-3 as well. A
    refusal names the value."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(secret))
    refused = http.patch(url, json={"due_date": sent, "reason": "Moved by the vendor"},
                         headers={**_bearer(secret), "If-Match": read.headers["ETag"]})
    assert refused.status_code == 422
    (error,) = refused.get_json()["errors"]
    assert error["column"] == "due_date" and error["value"] == sent
    assert error["message"] == f"{sent!r} is not a date: write one that exists, as YYYY-MM-DD (2027-03-31)."
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()
    schema = http.get(f"{PREFIX}/openapi.json", headers=_bearer(secret)).get_json()["components"]["schemas"]
    assert schema["CommitmentPatch"]["properties"]["due_date"]["format"] == "date"


def test_an_officer_moves_a_due_date_through_the_api_as_on_the_web(api, http):
    """DESIGN §2: an officer keeps status, reason, evidence and due date current; the API refused a due date
    as an unknown field, so a program could not do what the web form does."""
    officer, leader = _secret(api, "officer"), _secret(api, "leader")
    with api.app_context():
        cid = _commitment_of("CFO")
        was = db.session.get(Commitment, cid).due_date
        own = db.session.scalar(sa.select(Commitment).where(Commitment.leader_id == _user("leader").leader_id)
                                .order_by(Commitment.id).limit(1))
        own_id, own_version = own.id, own.version
    later = (was or date(2027, 1, 1)) + timedelta(days=45)
    url = f"{PREFIX}/commitments/{cid}"
    etag = http.get(url, headers=_bearer(officer)).headers["ETag"]
    no_reason = http.patch(url, json={"due_date": later.isoformat()}, headers={**_bearer(officer), "If-Match": etag})
    assert no_reason.status_code == 422, no_reason.get_data(as_text=True)
    assert [e["column"] for e in no_reason.get_json()["errors"]] == ["reason"]
    moved = http.patch(url, json={"due_date": later.isoformat(), "reason": "The vendor slipped a quarter."},
                       headers={**_bearer(officer), "If-Match": etag})
    assert moved.status_code == 200, moved.get_data(as_text=True)
    assert moved.get_json()["due_date"] == later.isoformat()
    with api.app_context():
        assert db.session.get(Commitment, cid).due_date == later
    wrong = http.patch(url, json={"due_date": "2027-02-30"},
                       headers={**_bearer(officer), "If-Match": moved.headers["ETag"]})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["column"] == "due_date"
    headers = {**_bearer(leader), "If-Match": f'"{own_version}"'}
    refused = http.patch(f"{PREFIX}/commitments/{own_id}", json={"due_date": later.isoformat(), "reason": "x"},
                         headers=headers)
    assert refused.status_code == 422 and "leaders may change only" in refused.get_json()["detail"]


def test_a_due_date_set_to_a_day_past_is_kept_with_a_warning_as_the_web_form_says(api, http):
    """The web form flashes a warning when a save sets an open commitment's due date to a day already past (2020
    typed for 2026); the API kept it in silence, and a program syncing from another system never heard of the
    slip. Its answer now carries the same words in `warnings` (documented), empty when there is nothing to say."""
    officer = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
        today = agency_today()
    url = f"{PREFIX}/commitments/{cid}"
    etag = http.get(url, headers=_bearer(officer)).headers["ETag"]
    slipped = (today - timedelta(days=400)).isoformat()
    kept = http.patch(url, json={"due_date": slipped, "reason": "Moved by the vendor."},
                      headers={**_bearer(officer), "If-Match": etag})
    assert kept.status_code == 200, kept.get_data(as_text=True)
    assert kept.get_json()["due_date"] == slipped
    assert kept.get_json()["warnings"] == [f"The due date {slipped} has already passed, so the commitment now reads "
                                           "overdue by 400 days. If that date was a slip, edit the due date."]
    noted = http.patch(url, json={"note": "Still current."},
                       headers={**_bearer(officer), "If-Match": kept.headers["ETag"]})
    assert noted.status_code == 200 and noted.get_json()["warnings"] == [], "said once, when the date is set"
    assert "warnings" not in http.get(url, headers=_bearer(officer)).get_json(), "a read is no save"
    schema = http.get(f"{PREFIX}/openapi.json", headers=_bearer(officer)).get_json()["components"]["schemas"]
    assert "warnings" in schema["CommitmentSaved"]["properties"]


# ----------------------------------------------------------------------------- tokens

def test_a_token_name_holding_a_control_character_is_refused_by_the_command(api):
    """`token create --name $'a\\x07b'` stored the bell character in a name the web's one-line box refuses."""
    result = api.test_cli_runner().invoke(args=["token", "create", "analyst@demo.cx.gov", "--scope", "read",
                                                "--name", "a\x07b"])
    assert result.exit_code == 1 and "holds the character U+0007" in result.output, result.output
    with api.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(ApiToken.name == "a\x07b")) == 0


def test_token_command_prints_the_secret_once_and_stores_its_hash(api):
    runner = api.test_cli_runner()
    result = runner.invoke(args=["token", "create", "analyst@demo.cx.gov", "--scope", "write", "--expires-days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("cxs_") and len(secret) > 40
    with api.app_context():
        token = db.session.scalar(sa.select(ApiToken).order_by(ApiToken.id.desc()).limit(1))
        assert token.scope is TokenScope.write and token.user.email == "analyst@demo.cx.gov"
        assert secret not in (token.token_hash, token.prefix) and len(token.token_hash) == 64
        assert token.expires_at is not None and token.last_used_at is None
    http = api.test_client()
    assert http.get(f"{PREFIX}/metrics", headers=_bearer(secret)).status_code == 200
    with api.app_context():
        assert db.session.get(ApiToken, token.id).last_used_at is not None
    viewer = runner.invoke(args=["token", "create", "viewer@demo.cx.gov", "--scope", "write"])
    assert viewer.exit_code != 0 and "read tokens only" in viewer.output
    unknown = runner.invoke(args=["token", "create", "nobody@demo.cx.gov", "--scope", "read"])
    assert unknown.exit_code != 0


def test_the_revoke_command_names_one_token_in_use_and_says_it_was_the_command_line(api):
    """`scorecard token revoke EMAIL cxs_` took the first token starting so (one revoked already), said
    "Revoked" and left both tokens in use working; a whole token pasted was "no token starting ..."; and the
    revocation was audited as the token's own user's."""
    runner = api.test_cli_runner()
    secrets = [runner.invoke(args=["token", "create", "analyst@demo.cx.gov", "--scope", "read"]).stdout.strip()
               for _ in range(3)]
    first = runner.invoke(args=["token", "revoke", "analyst@demo.cx.gov", secrets[0][:12] + "…"])  # as shown
    assert first.exit_code == 0 and first.output.startswith(f"Revoked {secrets[0][:12]}…"), first.output
    again = runner.invoke(args=["token", "revoke", "analyst@demo.cx.gov", secrets[0][:12]])
    assert again.exit_code != 0 and "revoked already" in again.output, again.output
    several = runner.invoke(args=["token", "revoke", "analyst@demo.cx.gov", "cxs_"])
    assert several.exit_code != 0 and "starts 2 tokens of analyst@demo.cx.gov still in use" in several.output
    assert secrets[1][:12] in several.output and secrets[2][:12] in several.output
    near = runner.invoke(args=["token", "revoke", "analyst@demo.cx.gov", secrets[1][:12] + "XXXX"])
    assert near.exit_code != 0 and secrets[1][:12] + "XXXX" not in near.output, (
        "a text merely beginning with a token's prefix revoked it; and a whole secret given is not echoed")
    whole = runner.invoke(args=["token", "revoke", "analyst@demo.cx.gov", secrets[1]])
    assert whole.exit_code == 0 and whole.output.startswith(f"Revoked {secrets[1][:12]}…"), whole.output
    with api.app_context():
        revoked = {t.prefix for t in db.session.scalars(sa.select(ApiToken).where(ApiToken.revoked_at.is_not(None)))}
        assert revoked == {secrets[0][:12], secrets[1][:12]}
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.revoke")
                                  .order_by(AuditEvent.id.desc()).limit(1))
        assert event.user_id is None and event.after["by"] == "the command line"
        assert event.after["user"] == "analyst@demo.cx.gov"
        made = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api_token.create").limit(1))
        assert made.user_id is None and made.after["by"] == "the command line"


def test_an_expired_token_or_one_of_an_inactive_user_is_refused(api, http):
    expired, inactive = _secret(api, "analyst"), _secret(api, "executive")
    with api.app_context():
        db.session.execute(sa.update(ApiToken).where(ApiToken.prefix == expired[:12])
                           .values(expires_at=datetime.now(UTC) - timedelta(days=1)))
        _user("executive").active = False
        db.session.commit()
    assert http.get(f"{PREFIX}/agencies", headers=_bearer(expired)).status_code == 401
    assert http.get(f"{PREFIX}/agencies", headers=_bearer(inactive)).status_code == 401


def test_the_api_tokens_page_makes_shows_once_and_revokes(api):
    from tests.helpers import csrf_token

    with api.app_context():
        viewer = api.test_client(user=_user("viewer"))
        officer = api.test_client(user=_user("officer"))
    page = viewer.get("/api-tokens/")
    assert page.status_code == 200 and 'value="write"' not in page.get_data(as_text=True)  # viewers: read only
    refused = viewer.post("/api-tokens/", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                "scope": "write", "name": "sneaky"})
    assert refused.status_code == 400
    page = officer.get("/api-tokens/").get_data(as_text=True)
    assert "API tokens" in page
    made = officer.post("/api-tokens/", data={"csrf_token": csrf_token(page), "scope": "write", "name": "sync job",
                                              "expires_days": "90"})
    assert made.status_code == 200
    secret = re.search(r'id="new-token"[^>]*>(cxs_[^<]+)<', made.get_data(as_text=True)).group(1)
    http = api.test_client()
    assert http.get(f"{PREFIX}/commitments", headers=_bearer(secret)).status_code == 200
    listing = officer.get("/api-tokens/").get_data(as_text=True)
    assert secret not in listing and secret[:12] in listing  # shown once; then only its first characters
    token_id = int(re.search(r"/api-tokens/(\d+)/revoke", listing).group(1))
    # a step before it (WCAG 3.3.4: a revoke cannot be taken back), which changes nothing by itself
    asked = officer.get(f"/api-tokens/{token_id}/revoke").get_data(as_text=True)
    assert "A revoked token never works again" in asked and f'action="/api-tokens/{token_id}/revoke"' in asked
    assert http.get(f"{PREFIX}/commitments", headers=_bearer(secret)).status_code == 200
    revoked = officer.post(f"/api-tokens/{token_id}/revoke", data={"csrf_token": csrf_token(asked)})
    assert revoked.status_code == 303
    assert officer.get(f"/api-tokens/{token_id}/revoke").status_code == 303, "revoked: nothing left to confirm"
    assert http.get(f"{PREFIX}/commitments", headers=_bearer(secret)).status_code == 401
    # Another user cannot revoke it (nor see it).
    with api.app_context():
        other = api.test_client(user=_user("analyst"))
    other_page = other.get("/api-tokens/").get_data(as_text=True)
    assert secret[:12] not in other_page
    listing = officer.get("/api-tokens/").get_data(as_text=True)
    forever = officer.post("/api-tokens/", data={"csrf_token": csrf_token(listing), "scope": "read",
                                                 "name": "never expires", "expires_days": ""})
    assert forever.status_code == 200 and 'id="new-token"' in forever.get_data(as_text=True), (
        "an empty expiry is 'never', as the label says")
    wrong = officer.post("/api-tokens/", data={"csrf_token": csrf_token(listing), "scope": "read",
                                               "name": "minus five", "expires_days": "-5"})
    field = re.search(r'<input[^>]*id="expires_days"[^>]*>', wrong.get_data(as_text=True)).group(0)
    assert wrong.status_code == 400 and 'aria-invalid="true"' in field and "usa-input--error" in field, (
        "marked as every form's field at fault is, its border too")



def test_the_new_token_form_sent_again_makes_no_second_token(api):
    """A refresh of the answer showing the secret, or Back and the form sent again, sends the same form:
    it makes no second token and says which token it made. The page after it is a new form."""
    from scorecard.models import ApiToken
    from tests.helpers import csrf_token

    with api.app_context():
        officer = api.test_client(user=_user("officer"))
        officer_id = _user("officer").id
    page = officer.get("/api-tokens/").get_data(as_text=True)
    form_id = re.search(r'name="form_id" type="hidden" value="([^"]+)"', page).group(1)
    sent = {"csrf_token": csrf_token(page), "form_id": form_id, "scope": "read", "name": "nightly"}
    made = officer.post("/api-tokens/", data=sent)
    answer = made.get_data(as_text=True)
    assert made.status_code == 200 and 'id="new-token"' in answer
    assert re.search(r'name="form_id" type="hidden" value="([^"]+)"', answer).group(1) != form_id, "a new form"
    again = officer.post("/api-tokens/", data=sent, follow_redirects=True)
    told = again.get_data(as_text=True)
    assert again.status_code == 200 and 'id="new-token"' not in told
    with api.app_context():
        tokens = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == officer_id)).all()
    assert len(tokens) == 1
    assert f"token {tokens[0].prefix}… was made from it" in told and "revoke that token" in told

    forged = officer.post("/api-tokens/", data={**sent, "form_id": "../../x"})
    assert forged.status_code == 400 and "not one this page made" in forged.get_data(as_text=True)
    assert re.search(r'name="form_id" type="hidden" value="[A-Za-z0-9_-]{22}"', forged.get_data(as_text=True)), (
        "the page's form is one it made again: the next press is not refused the same way")
    with api.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)
                                 .where(ApiToken.user_id == officer_id)) == 1


# ----------------------------------------------------------------------------- reading

def test_lists_are_pages_in_id_order_with_a_total(api, http):
    secret = _secret(api, "analyst")
    first = http.get(f"{PREFIX}/observations?page_size=7", headers=_bearer(secret)).get_json()
    second = http.get(f"{PREFIX}/observations?page_size=7&page=2", headers=_bearer(secret)).get_json()
    with api.app_context():
        total = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
    assert first["total"] == second["total"] == total and first["page_size"] == 7
    ids = [o["id"] for o in first["items"] + second["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 14
    beyond = http.get(f"{PREFIX}/observations?page=100000&page_size=500", headers=_bearer(secret)).get_json()
    assert beyond["items"] == [] and beyond["total"] == total
    too_big = http.get(f"{PREFIX}/observations?page_size=501", headers=_bearer(secret))
    assert too_big.status_code == 422
    assert too_big.get_json()["errors"][0]["column"] == "page_size"


def test_a_sync_asks_for_the_commitments_changed_since_and_pages_scores_by_program(api, http):
    secret = _secret(api, "officer")
    with api.app_context():
        since = db.session.scalar(sa.select(sa.func.max(Commitment.updated_at))) + timedelta(microseconds=1)
    listed = http.get(f"{PREFIX}/commitments?page_size=500", headers=_bearer(secret)).get_json()["items"]
    chosen = listed[len(listed) // 2]
    url = f"{PREFIX}/commitments/{chosen['id']}"
    etag = http.get(url, headers=_bearer(secret)).headers["ETag"]
    saved = http.patch(url, json={"note": "Checked with the vendor."}, headers={**_bearer(secret), "If-Match": etag})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    changed = http.get(f"{PREFIX}/commitments", query_string={"updated_since": since.isoformat()},
                       headers=_bearer(secret)).get_json()
    assert [c["id"] for c in changed["items"]] == [chosen["id"]] and changed["total"] == 1

    scores = f"{PREFIX}/scores?metric=trust&period=FY2026-Q4&page_size=500"
    every = [s["program"]["id"] for s in http.get(scores, headers=_bearer(secret)).get_json()["items"]]
    assert len(every) > 4 and every == sorted(every)
    rest = http.get(f"{scores}&after_id={every[2]}", headers=_bearer(secret)).get_json()
    assert [s["program"]["id"] for s in rest["items"]] == every[3:] and rest["total"] == len(every) - 3


def test_observation_filters(api, http):
    secret = _secret(api, "viewer")
    with api.app_context():
        program, period = db.session.execute(
            sa.select(Observation.program_id, Observation.period).join(Metric).where(
                Observation.program_id.is_not(None), Metric.code == "trust").order_by(Observation.id).limit(1)).one()
    year, quarter = period[2:6], period[-1]
    found = http.get(f"{PREFIX}/observations?program_id={program}&metric=trust&period_from={period}"
                     f"&period_to=FY{year}-Q{quarter}&page_size=500", headers=_bearer(secret)).get_json()
    assert found["total"] > 0
    for item in found["items"]:
        assert item["program_id"] == program and item["metric"]["code"] == "trust" and item["period"] == period
        assert {"n", "count_1", "count_5", "question_text", "non_standard_wording", "import_batch_id"} <= set(item)
    bad = http.get(f"{PREFIX}/observations?period_from=sometime", headers=_bearer(secret))
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0] | {"message": ""} == {"row": None, "column": "period_from",
                                                             "value": "sometime", "message": ""}


def test_a_refused_item_quotes_each_value_as_the_item_sent_it(api, http):
    """The import reads the posted items as a CSV file; its refusals quote the values as the JSON held them (a
    number as that number, null as null), not as the cells they were written to ("3", "", 1e300 in 301 digits)."""
    secret = _secret(api, "analyst")
    row = {"program": "DPS-BA-01", "period": "FY2026-Q1"}
    sent = [{**row, "metric": "backlog", "value": 1e300}, {**row, "metric": "trust", "count_1": 5, "n": 3},
            {**row, "metric": "wait_time", "value": None}]
    refused = http.post(f"{PREFIX}/observations?dry_run=true", json=sent, headers=_bearer(secret))
    assert refused.status_code == 422 and refused.get_json()["import_status"] == "rejected"
    found = {(e["row"], e["column"]): e["value"] for e in refused.get_json()["errors"]}
    assert found == {(1, "value"): 1e300, (2, "n"): 3, (3, "value"): None}, refused.get_json()["errors"]


def test_posted_observations_answer_where_their_import_batch_is(api, http):
    """A 201 says where what it created is (RFC 9110, 10.2.2): the rows' import batch, to follow or revert."""
    secret = _secret(api, "analyst")
    row = {"program": "DPS-BA-01", "metric": "backlog", "period": "FY2026-Q1", "channel": "web", "value": 1234}
    created = http.post(f"{PREFIX}/observations", json=[row], headers=_bearer(secret))
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"].endswith(f"{PREFIX}/imports/{created.get_json()['batch']}")
    batch = http.get(created.headers["Location"], headers=_bearer(secret))
    assert batch.status_code == 200 and batch.get_json()["status"] == "committed"
    again = http.post(f"{PREFIX}/observations", json=[row], headers=_bearer(secret))
    assert again.status_code == 200 and again.get_json()["status"] == "duplicate" and "Location" not in again.headers
    spec = http.get(f"{PREFIX}/openapi.json", headers=_bearer(secret)).get_json()
    assert "Location" in spec["paths"][f"{PREFIX}/observations"]["post"]["responses"]["201"]["headers"]


def test_posted_observations_warnings_name_the_items_not_the_rows_of_a_file(api, http):
    """The warnings of posted rows said "on row 4" of three items, and "upload the file again" (the rows of the
    CSV file they are written as, its header row 1): they name the request's items, as its errors do."""
    secret = _secret(api, "analyst")
    counted = {"program": "DPS-BA-01", "metric": "trust", "channel": "web", "count_1": 5, "count_5": 40}
    rows = [{**counted, "period": "FY2025-Q2"}, {**counted, "period": "FY2025-Q3"},
            {"program": "DPS-BA-01", "metric": "trust", "period": "FY2025-Q1", "channel": "web", "value": 4, "n": 40}]
    answer = http.post(f"{PREFIX}/observations?dry_run=true", json=rows, headers=_bearer(secret)).get_json()
    (uncounted,) = [w for w in answer["warnings"] if "without its answer counts" in w]
    assert "(on item 3: FY2025-Q1, 4)" in uncounted and "row" not in uncounted, uncounted
    months = [{**counted, "period": "2025-01"}, {**counted, "period": "2025-05"}]  # May: plainly a month
    answer = http.post(f"{PREFIX}/observations?dry_run=true", json=months, headers=_bearer(secret)).get_json()
    (month,) = [w for w in answer["warnings"] if "2025-01" in w]
    assert "(first on item 1)" in month and "the file" not in month and "row 2" not in month, month
    guessed = [{**counted, "period": "2025-01"}, {**counted, "period": "2025-02"}]  # months, or quarters?
    refused = http.post(f"{PREFIX}/observations?dry_run=true", json=guessed, headers=_bearer(secret)).get_json()
    assert "as item 1, but 2025-01 to 2025-04 may mean quarters" in json.dumps(refused), refused
    assert not [w for w in refused.get("warnings", []) if "nothing needs to change" in w], "refused, not fine"
    created = http.post(f"{PREFIX}/observations", json=rows[:1], headers=_bearer(secret)).get_json()
    with api.app_context():
        assert db.session.get(ImportBatch, created["batch"]).filename == "POST /api/v1/observations (1 row)"
    again = http.post(f"{PREFIX}/observations", json=rows[:1], headers=_bearer(secret)).get_json()
    assert again["message"].startswith(f"these rows were already imported as batch {created['batch']}"), again


def test_posted_observations_warnings_keep_the_values_they_quote_as_sent(api, http):
    """Rows became items in the warnings' own words, and in the values they quote too: a touchpoint named
    "Desk row 12" was said back as "Desk item 11"."""
    secret = _secret(api, "analyst")
    counted = {"program": "DPS-BA-01", "metric": "trust", "channel": "web", "period": "FY2025-Q2",
               "count_1": 5, "count_5": 40}
    rows = [{**counted, "touchpoint": "Desk row 12"}, {**counted, "touchpoint": "desk ROW 12"}]
    answer = http.post(f"{PREFIX}/observations?dry_run=true", json=rows, headers=_bearer(secret)).get_json()
    (alike,) = [w for w in answer["warnings"] if "differ only in case" in w]
    assert alike.startswith("Touchpoints 'Desk row 12' (item 1) and 'desk ROW 12' (item 2)"), alike
    assert "send the rows again" in alike, alike


@pytest.mark.parametrize("spelling", ["2025-01", "Q1 2026", "FY26 Q1", "fy2026-q1", "2026-01-15", "FY2026-Q1 "])
def test_a_period_parameter_takes_the_documented_spelling_only(api, http, spelling):
    """The document's pattern is FY2025-Q1: another spelling is refused by name, not read as a quarter ("2025-01"
    is January, so FY2025-Q2)."""
    secret = _secret(api, "viewer")
    for query in (f"observations?period_from={spelling}", f"scores?metric=trust&period={spelling}",
                  f"findings?period={spelling}"):
        refused = http.get(f"{PREFIX}/{query}", headers=_bearer(secret))
        assert refused.status_code == 422, (query, refused.get_json())
        (error,) = refused.get_json()["errors"]
        assert error["value"] == spelling and "FY2025-Q1" in error["message"] and repr(spelling) in error["message"]


@pytest.mark.parametrize("period, said", [("FY9999-Q4", "fiscal year must be 1900-2200, got 9999"),
                                           ("FY2026-Q5", "quarter must be 1-4, got 5")])
def test_a_period_in_the_documented_spelling_that_is_no_quarter_says_why(api, http, period, said):
    """A period written as the document asks but with a year or quarter there is none of was refused as "not a
    fiscal quarter written as FY2025-Q1", which it is: the problem says what is wrong with it."""
    secret = _secret(api, "viewer")
    for query in (f"observations?period_from={period}", f"scores?metric=trust&period={period}",
                  f"findings?period={period}"):
        refused = http.get(f"{PREFIX}/{query}", headers=_bearer(secret))
        assert refused.status_code == 422, (query, refused.get_json())
        (error,) = refused.get_json()["errors"]
        assert error["value"] == period and error["message"] == f"{period!r} is no fiscal quarter: {said}.", error


def test_findings_show_inputs_and_explanation_and_plan_findings_follow_the_plan(api, http):
    from scorecard.models import RuleSubject

    viewer, admin = _secret(api, "viewer"), _secret(api, "admin")
    everything = http.get(f"{PREFIX}/findings?page_size=500", headers=_bearer(admin)).get_json()
    seen = http.get(f"{PREFIX}/findings?page_size=500", headers=_bearer(viewer)).get_json()
    assert everything["total"] > 0
    assert {f["subject_type"] for f in seen["items"]} <= {s.value for s in RuleSubject} - {"requirement"}
    about_plans = [f for f in everything["items"] if f["subject_type"] == "requirement"]
    if about_plans:
        assert http.get(f"{PREFIX}/findings/{about_plans[0]['id']}", headers=_bearer(viewer)).status_code == 404
    one = http.get(f"{PREFIX}/findings/{everything['items'][0]['id']}", headers=_bearer(admin)).get_json()
    assert one["explanation"] and one["inputs"] and one["rule"]["key"]
    assert everything["total"] == len(everything["items"])  # every one on the page: counted below
    statuses = {f["status"] for f in everything["items"] if f["status"]}
    for status in statuses:  # the findings of one status, by the filter
        chosen = http.get(f"{PREFIX}/findings?page_size=500&status={status}", headers=_bearer(admin)).get_json()
        assert chosen["total"] == sum(f["status"] == status for f in everything["items"]) > 0, status
    refused = http.get(f"{PREFIX}/findings?status=purple", headers=_bearer(admin))
    assert refused.status_code == 422 and "purple" not in statuses


def test_plans_are_scoped_like_the_web(api, http):
    leader = _secret(api, "leader")
    plans = http.get(f"{PREFIX}/plans?page_size=500", headers=_bearer(leader)).get_json()
    with api.app_context():
        own = _user("leader").leader_id
        other = db.session.scalar(sa.select(PerformancePlan.id).where(PerformancePlan.leader_id != own).limit(1))
    assert plans["total"] >= 1 and {p["leader"]["id"] for p in plans["items"]} == {own}
    plan = plans["items"][0]
    assert plan["elements"] and {"proposed_rating", "decided_rating", "requirements"} <= set(plan["elements"][0])
    assert {"score", "level", "complete"} <= set(plan["summary"])
    assert http.get(f"{PREFIX}/plans/{other}", headers=_bearer(leader)).status_code == 404


def test_a_plans_summary_is_of_the_decisions_alone_and_its_projection_says_so(api, http):
    """Four elements decided at 5 and Results Driven undecided (proposed 5): the plan's summary read
    `complete: true, level 5, score 500`, a rating the official never gave, where the plans list and the leaders
    page said "not yet decided". `summary` is the decisions' (as those say); `projected_summary` the page's."""
    from scorecard.models import PlanElement
    from scorecard.plans.services import decide, plan_view

    with api.app_context():
        plan = db.session.scalar(sa.select(PerformancePlan).where(PerformancePlan.elements.any(
            PlanElement.is_results_driven)).order_by(PerformancePlan.id))
        view = plan_view(db.session, plan)
        official = _user("admin")
        undecided = next(e for e in view.elements if e.element.is_results_driven)
        for e in view.elements:
            if e is not undecided and e.confirmed is None:
                decide(db.session, e.element, 5, "An exceptional year.", official)
        db.session.commit()
        plan_id, elements = plan.id, len(view.elements)
        rd_decided = undecided.confirmed is not None
    if rd_decided:
        pytest.skip("the demo's first plan has its Results Driven element decided")
    got = http.get(f"{PREFIX}/plans/{plan_id}", headers=_bearer(_secret(api, "executive"))).get_json()
    assert got["summary"] == {"score": None, "level": None, "rated": elements - 1, "elements": elements,
                              "complete": False}, got["summary"]
    assert got["projected_summary"]["rated"] >= elements - 1, got["projected_summary"]
    with api.app_context():
        executive = api.test_client(user=_user("executive"))
    page = executive.get(f"/plans/{plan_id}").get_data(as_text=True)
    assert "Projected summary, not yet a rating" in page and '<th scope="row">Projected summary level</th>' in page


def test_a_page_of_plans_is_read_in_as_many_queries_whatever_its_size(api, http):
    """Each plan was viewed alone (its elements, each element's requirements, each requirement's programs,
    its findings, decisions and commitments): about 17 queries a plan, 846 for a page of 50."""
    admin = _secret(api, "admin")
    statements = []

    def count(_conn, _cursor, statement, *_):
        statements.append(statement[:80])

    http.get(f"{PREFIX}/plans?page_size=1", headers=_bearer(admin))  # anything read once per process, read
    with api.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        queries = {}
        for size in (1, 50):
            statements.clear()
            page = http.get(f"{PREFIX}/plans?page_size={size}", headers=_bearer(admin))
            assert page.status_code == 200 and len(page.get_json()["items"]) == size
            queries[size] = len(statements)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    # the token and its user, the total, then one query of each: plans, elements, leaders, requirements, their
    # programs, findings, decisions, and the commitments of the functions named (none named on a page of one)
    assert max(queries.values()) <= 11, (queries, statements)
    listed = page.get_json()["items"]
    for item in (listed[0], listed[-1]):
        assert http.get(f"{PREFIX}/plans/{item['id']}", headers=_bearer(admin)).get_json() == item, (
            "a plan in the list is the plan read alone")


def test_scores_are_one_item_per_program_with_the_pooled_counts(api, http):
    from scorecard.survey import stats_from_counts

    secret = _secret(api, "viewer")
    found = http.get(f"{PREFIX}/scores?metric=trust&period=FY2026-Q4&page_size=500", headers=_bearer(secret)).get_json()
    assert found["total"] > 0
    with api.app_context():
        for item in found["items"]:
            rows = db.session.scalars(sa.select(Observation).join(Metric).where(
                Metric.code == "trust", Observation.period == "FY2026-Q4",
                Observation.program_id == item["program"]["id"])).all()
            counts = [sum(getattr(r, f"count_{k}") or 0 for r in rows) for k in range(1, 6)]
            assert [item[f"count_{k}"] for k in range(1, 6)] == counts
            stats = stats_from_counts(counts)
            assert item["n"] == stats.n and item["value"] == pytest.approx(stats.mean)
            assert item["ci_low"] == pytest.approx(stats.ci_low) and item["ci_high"] == pytest.approx(stats.ci_high)
            assert item["share_who_trust"] == pytest.approx(100 * (counts[3] + counts[4]) / stats.n), (
                "FY2026 is A-11's v2 survey: the share who trust, as the program page gives it")
            assert item["status"] in ("green", "amber", "red", "insufficient_data", "no_target")
            assert item["metric"] == "trust" and item["driver"] == "trust" and item["period"] == "FY2026-Q4"
            assert {"id", "name", "component", "agency"} <= set(item["program"])
    ids = [i["program"]["id"] for i in found["items"]]
    assert ids == sorted(ids)
    # a bad value of a parameter, as the other parameters' (422), not a 404 read as "no such operation"
    unknown = http.get(f"{PREFIX}/scores?metric=nope&period=FY2026-Q4", headers=_bearer(secret))
    assert unknown.status_code == 422 and unknown.content_type == "application/problem+json"
    [error] = unknown.get_json()["errors"]
    assert (error["row"], error["column"], error["value"]) == (None, "metric", "nope")
    assert "no metric with the code 'nope'" in error["message"]
    documented = http.get(f"{PREFIX}/openapi.json", headers=_bearer(secret)).get_json()
    assert "no metric" in documented["paths"][f"{PREFIX}/scores"]["get"]["responses"]["422"]["description"]


def test_a_metric_is_named_the_same_way_to_every_operation(api, http):
    """A metric's code is read by GET /observations and GET /scores as an import reads it (case, spacing
    and characters that draw nothing aside): "TRUST" filtered nothing from observations (200, an empty
    page) while POST /observations stored rows of "TRUST" as trust; a code of no metric is refused by
    both, naming the value, not answered with an empty page that reads as "no data"."""
    secret = _secret(api, "viewer")
    exact = http.get(f"{PREFIX}/observations?metric=trust&page_size=5", headers=_bearer(secret)).get_json()
    assert exact["total"] > 0
    for spelling in ("TRUST", " Trust ", "trust\u200b"):
        found = http.get(f"{PREFIX}/observations", query_string={"metric": spelling, "page_size": 5},
                         headers=_bearer(secret))
        assert found.status_code == 200, found.get_json()
        assert found.get_json()["total"] == exact["total"], spelling
        scored = http.get(f"{PREFIX}/scores", query_string={"metric": spelling, "period": "FY2026-Q4"},
                          headers=_bearer(secret))
        assert scored.status_code == 200 and scored.get_json()["total"] > 0, spelling
    unknown = http.get(f"{PREFIX}/observations?metric=nosuch", headers=_bearer(secret))
    assert unknown.status_code == 422 and unknown.content_type == "application/problem+json"
    [error] = unknown.get_json()["errors"]
    assert (error["column"], error["value"]) == ("metric", "nosuch")
    assert "no metric with the code 'nosuch'" in error["message"]


def test_a_metric_no_metric_has_is_named_beside_the_other_parameters_errors(api, http):
    """?metric=nope&period=FY2026-Q9 named the period alone; put right, the next request was refused for the
    metric: every error of a request is named in its one answer, the metric's too."""
    secret = _secret(api, "viewer")
    for path in ("scores?metric=nope&period=FY2026-Q9", "observations?metric=nope&period_from=FY2026-Q9"):
        answer = http.get(f"{PREFIX}/{path}", headers=_bearer(secret))
        assert answer.status_code == 422, path
        named = {e["column"]: e for e in answer.get_json()["errors"]}
        assert set(named) == {"metric", path.split("&")[1].split("=")[0]}, (path, named)
        assert named["metric"]["value"] == "nope" and "no metric with the code 'nope'" in named["metric"]["message"]
    assert http.get(f"{PREFIX}/observations?metric=&page_size=1", headers=_bearer(secret)).status_code == 200


# ----------------------------------------------------------------------------- problems, docs, limits

def test_errors_are_problem_details(api, http):
    secret = _secret(api, "admin")
    for url, status in ((f"{PREFIX}/programs/999999", 404), (f"{PREFIX}/no-such-thing", 404),
                        (f"{PREFIX}/scores?metric=trust", 422)):
        response = http.get(url, headers=_bearer(secret))
        assert response.status_code == status
        assert response.content_type == "application/problem+json"
        body = response.get_json()
        assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == status
    not_allowed = http.delete(f"{PREFIX}/agencies", headers=_bearer(secret))
    assert not_allowed.status_code == 405 and "GET" in not_allowed.headers["Allow"]
    assert not_allowed.content_type == "application/problem+json"


def test_unknown_or_repeated_parameters_are_refused_naming_them(api, http):
    secret = _secret(api, "admin")
    for url, named in ((f"{PREFIX}/programs?page=1&page=2", "page"), (f"{PREFIX}/metrics?pagesize=5", "pagesize"),
                       (f"{PREFIX}/programs?agency_id[x]=1", "agency_id[x]")):
        response = http.get(url, headers=_bearer(secret))
        assert response.status_code == 422, url
        assert named in json.dumps(response.get_json()), response.get_json()
        assert "nothing was changed" not in response.get_json()["detail"], "a read changes nothing anyway"
    listed = http.get(f"{PREFIX}/commitments?status=on_track&status=at_risk", headers=_bearer(secret))
    assert listed.status_code == 200  # a list parameter may repeat
    too_long = http.get(f"{PREFIX}/programs?life_experience={'x' * 9000}", headers=_bearer(secret))
    assert too_long.status_code == 414 and too_long.content_type == "application/problem+json"
    page = http.get(f"/plans/?q={'x' * 9000}")
    assert page.status_code == 414 and "The address is too long" in page.get_data(as_text=True)


def test_a_parameter_or_field_left_out_is_named_in_its_message(api, http):
    """marshmallow's "Missing data for required field." named nothing a client reading the message could act on."""
    secret = _secret(api, "admin")
    found = http.get(f"{PREFIX}/scores?period=FY2026-Q4", headers=_bearer(secret))
    assert found.status_code == 422
    assert [(e["column"], e["message"]) for e in found.get_json()["errors"]] == [
        ("metric", "metric is required and was not sent.")]
    row = http.post(f"{PREFIX}/observations?dry_run=true", json=[{"metric": "trust", "value": 4.1}],
                    headers=_bearer(_secret(api, "analyst")))
    assert row.status_code == 422
    messages = {(e["row"], e["column"]): e["message"] for e in row.get_json()["errors"]}
    assert messages[(1, "period")] == "period is required and was not sent.", messages


def test_each_bad_value_is_named_with_what_was_sent(api, http):
    secret = _secret(api, "admin")
    listed = http.get(f"{PREFIX}/commitments?status=on_track&status=bogus", headers=_bearer(secret))
    assert listed.status_code == 422
    [error] = listed.get_json()["errors"]
    assert (error["row"], error["column"], error["value"]) == (None, "status", "bogus"), "the item sent, no row"
    assert listed.get_json()["detail"] == "1 value in the request has problems.", "not 'value(s) ... have'"
    layout = http.get(f"{PREFIX}/imports?format=zzz", headers=_bearer(secret))
    assert layout.status_code == 422, "an unknown layout is refused, as every other filter's unknown value"
    assert layout.get_json()["errors"][0] == {"row": None, "column": "format", "value": "zzz",
                                              "message": layout.get_json()["errors"][0]["message"]}
    assert http.get(f"{PREFIX}/imports?format=metrics", headers=_bearer(secret)).status_code == 200
    analyst = _secret(api, "analyst")
    not_an_array = http.post(f"{PREFIX}/observations", json={"metric": "trust", "period": "FY2027-Q1"},
                             headers=_bearer(analyst))
    assert not_an_array.status_code == 422
    assert "a JSON array of rows" in not_an_array.get_json()["errors"][0]["message"]
    one_bad_item = http.post(f"{PREFIX}/observations", json=[["trust"]], headers=_bearer(analyst))
    assert one_bad_item.status_code == 422 and one_bad_item.get_json()["errors"][0]["row"] == 1
    assert one_bad_item.get_json()["detail"] == "1 value in the request has problems; nothing was changed."


def test_an_operation_that_reads_no_query_refuses_one_and_changes_nothing(api, http):
    """Operations reading query parameters refuse one they do not know; those reading none ignored any sent, so
    `PATCH /commitments/1?dry_run=true`, a dry run as POST /observations has one, changed the commitment."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(secret))
    tried = http.patch(f"{url}?dry_run=true", json={"next_step": "Only trying"},
                       headers={**_bearer(secret), "If-Match": read.headers["ETag"]})
    assert tried.status_code == 422 and tried.mimetype == "application/problem+json"
    assert [(e["column"], e["value"]) for e in tried.get_json()["errors"]] == [("dry_run", "true")]
    assert "nothing was changed" in tried.get_json()["detail"]
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()
    for answer in (http.get(f"{url}?expand=history", headers=_bearer(secret)),
                   http.post(f"{PREFIX}/imports/1/cancel?force=1", headers=_bearer(secret))):
        assert answer.status_code == 422 and answer.get_json()["errors"][0]["column"] in ("expand", "force")
    assert http.get(f"{url}", headers=_bearer(secret)).status_code == 200
    assert http.options(f"{url}?x=1", headers=_bearer(secret)).status_code == 200


def test_every_status_given_more_than_once_is_refused_saying_so(api, http):
    """`status` repeats to choose several: given seven times it was refused as "Longer than maximum length 6.",
    which said neither what was long nor what to send."""
    query = "&".join(["status=on_track"] * 7)
    answer = http.get(f"{PREFIX}/commitments?{query}", headers=_bearer(_secret(api, "admin")))
    assert answer.status_code == 422
    (error,) = answer.get_json()["errors"]
    assert error["column"] == "status" and error["message"] == (
        "Given more than 6 times: there are 6 statuses; give each at most once.")


def _cfo_commitment_to_patch(api, http) -> tuple:
    """(a CFO officer's token, one of the CFO's commitments' URL, its reading, the headers to change it)."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(secret))
    return secret, url, read, {**_bearer(secret), "If-Match": read.headers["ETag"]}


def test_too_many_or_too_long_evidence_links_are_refused_saying_so(api, http):
    """21 evidence links, or one of 2,001 characters, were refused as "Longer than maximum length 20." (and
    "... 2000."), which said neither that links were counted nor which link was long."""
    secret, url, read, headers = _cfo_commitment_to_patch(api, http)
    many = [f"https://www.performance.gov/cx/{i}" for i in range(21)]
    long = "https://www.performance.gov/" + "a" * 1973
    for sent, said in ((many, "More than 20 links were sent: a commitment keeps at most 20 evidence links."),
                       ([long], f"{long[:60]!r}... is longer than 2,000 characters: a link is at most 2,000.")):
        refused = http.patch(url, json={"evidence_links": sent}, headers=headers)
        assert refused.status_code == 422
        [error] = refused.get_json()["errors"]
        assert (error["column"], error["message"]) == ("evidence_links", said)
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()


def test_a_text_longer_than_its_field_takes_is_refused_naming_the_field_and_its_limit(api, http):
    """A reason, next step or note of over 10,000 characters was refused as "Longer than maximum length 10000.",
    naming neither the field nor that characters were counted; and a metric filter sent empty likewise."""
    secret, url, read, headers = _cfo_commitment_to_patch(api, http)
    for field in ("reason", "next_step", "note"):
        refused = http.patch(url, json={field: "x" * 10_001}, headers=headers)
        assert refused.status_code == 422, refused.get_data(as_text=True)[:300]
        [error] = refused.get_json()["errors"]
        assert (error["column"], error["message"]) == (
            field, f"{field} is longer than 10,000 characters: it is at most 10,000.")
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json(), "nothing changed"
    empty = http.get(f"{PREFIX}/scores?metric=&period=FY2026-Q4", headers=_bearer(secret))
    assert empty.status_code == 422
    assert empty.get_json()["errors"][0]["message"] == "metric takes 1 to 64 characters."


def test_whole_number_parameters_are_the_digits_0_9_alone(api, http):
    """int() read page_size=1_0 as 10, program_id=1_0 as program 10, and "+3", " 3", "５" (fullwidth) and "١"
    (Arabic-Indic) as numbers: the web forms refuse them (scorecard.fields.whole_number), and so does the API."""
    secret = _secret(api, "analyst")
    for name, sent in (("page_size", "1_0"), ("page_size", "\uff15"), ("page", "\u0661"), ("program_id", "1_0"),
                       ("page_size", "+3"), ("page_size", " 3"), ("page_size", "3 "), ("page", "-1"),
                       ("fiscal_year", "2\u0660\u0662\u0666")):
        path = "plans" if name == "fiscal_year" else "observations"
        refused = http.get(f"{PREFIX}/{path}", query_string={name: sent}, headers=_bearer(secret))
        assert refused.status_code == 422, (name, sent, refused.status_code)
        [error] = refused.get_json()["errors"]
        assert (error["column"], error["value"]) == (name, sent), error
        # what the parameter takes is said from its own range: "-1" was told "a whole number of 0 or more", and
        # page=0 was then refused too
        how = {"+3": "it takes a whole number from 1 to 500, written without a sign",
               "-1": "it takes a whole number from 1 to 1,000,000, written without a sign"}.get(
            sent, "write it with the digits 0-9")
        assert error["message"] == f"{sent!r} is not a number this parameter takes: {how}"
    for name, sent, range_ in (("page", "0", "1 to 1,000,000"), ("page_size", "501", "1 to 500"),
                               # beyond any integer column too: said by the parameter's own range, not by
                               # "larger than 2,147,483,647"
                               ("page", "9" * 20, "1 to 1,000,000"), ("page_size", "9" * 11, "1 to 500")):
        # beyond the range, as a signed value is told: not marshmallow's "Must be greater than or equal to 1 ..."
        [error] = http.get(f"{PREFIX}/observations?{name}={sent}", headers=_bearer(secret)).get_json()["errors"]
        assert error["message"] == (f"{sent!r} is not a number this parameter takes: it takes a whole number "
                                    f"from {range_}")
    for sent in ("2101", "1999", "99999999999", "-2026"):  # a year is said as one: not marshmallow's words, no "2,000"
        [error] = http.get(f"{PREFIX}/plans?fiscal_year={sent}", headers=_bearer(secret)).get_json()["errors"]
        assert error["message"].startswith(f"{sent!r} is not a number this parameter takes: it takes a year from "
                                           "2000 to 2100"), error
        assert http.get(f"{PREFIX}/capacity-assessments?fiscal_year={sent}",
                        headers=_bearer(secret)).get_json()["errors"][0]["message"] == error["message"]
    found = http.get(f"{PREFIX}/observations?page_size=03&page=1", headers=_bearer(secret))
    assert found.status_code == 200 and found.get_json()["page_size"] == 3
    huge = http.get(f"{PREFIX}/observations?program_id={'9' * 5000}", headers=_bearer(secret))
    assert huge.status_code == 422 and "larger than 2,147,483,647" in huge.get_json()["errors"][0]["message"]


def test_a_key_given_twice_in_a_body_is_refused_naming_it_and_where(api, http):
    """Python's parser keeps a key's last value silently: {"note": "first", "note": "second"} saved "second"."""
    officer, analyst = _secret(api, "officer"), _secret(api, "analyst")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(officer))
    twice = http.patch(url, data='{"note": "first", "note": "second"}', content_type="application/json",
                       headers={**_bearer(officer), "If-Match": read.headers["ETag"]})
    assert twice.status_code == 422, twice.get_data(as_text=True)
    [error] = twice.get_json()["errors"]
    assert (error["row"], error["column"]) == (None, "note") and "given more than once" in error["message"]
    assert http.get(url, headers=_bearer(officer)).get_json() == read.get_json(), "nothing changed"
    row = '{"program": "DPS-BA-01", "metric": "trust", "period": "FY2026-Q1", "channel": "web", "value": 4}'
    rows = f'[{row}, {row}, {row}, {row[:-1]}, "value": 2}}]'
    refused = http.post(f"{PREFIX}/observations?dry_run=true", data=rows, content_type="application/json",
                        headers=_bearer(analyst))
    assert refused.status_code == 422, refused.get_data(as_text=True)
    [error] = refused.get_json()["errors"]
    assert (error["row"], error["column"]) == (4, "value"), "the fourth row's value"
    assert error["message"].startswith("'value' is given more than once in one object")


def test_a_refused_value_is_quoted_back_cut_short_not_whole(api, http):
    """A note of 20 MB refused as too long was sent back whole: a 20 MB problem for any body up to the limit.
    The value quoted is cut at 200 characters, as is one refused as no choice (its message quotes it too). (A body
    of one object is at most 1 MB now: a note of a million characters.)"""
    officer = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(officer))
    for body, column in (({"note": "x" * 1_000_000}, "note"), ({"status": "y" * 500_000}, "status"),
                         ({"evidence_links": ["https://www.cfo.gov/" + "z" * 400_000]}, "evidence_links")):
        refused = http.patch(url, json=body, headers={**_bearer(officer), "If-Match": read.headers["ETag"]})
        assert refused.status_code == 422, refused.get_data(as_text=True)[:500]
        assert len(refused.get_data()) < 5_000, (column, len(refused.get_data()))
        [error] = refused.get_json()["errors"]
        assert error["column"] == column and len(error["value"]) == 201 and error["value"].endswith("…"), error
    # cut before a refused character is written as its escape: never half of "\u0001"
    refused = http.patch(url, json={"reason": "x" * 198 + "\u0001\u0002" + "y" * 50},
                         headers={**_bearer(officer), "If-Match": read.headers["ETag"]})
    assert refused.get_json()["errors"][0]["value"] == "x" * 198 + "\\u0001\\u0002…"
    assert http.get(url, headers=_bearer(officer)).get_json() == read.get_json(), "nothing changed"


def test_a_number_too_large_to_read_is_said_so_and_quoted_as_sent(api, http):
    """1e400 was read as infinity: refused as "Special numeric values (nan or infinity) are not permitted" and
    quoted as "Infinity", where the client had sent a finite number. NaN and Infinity themselves stay refused."""
    analyst = _secret(api, "analyst")
    row = '{"function": "CFO", "metric": "cfo_cx_budget_aligned", "period": "FY2027-Q1", "value": %s}'
    refused = http.post(f"{PREFIX}/observations?dry_run=true", data=f"[{row % '50'}, {row % '1e400'}]",
                        content_type="application/json", headers=_bearer(analyst))
    assert refused.status_code == 422, refused.get_data(as_text=True)
    [error] = refused.get_json()["errors"]
    assert (error["row"], error["column"], error["value"]) == (2, "value", "1e400"), error
    assert error["message"] == "The number 1e400 is beyond what can be read as a number; nothing was changed."
    alone = http.post(f"{PREFIX}/observations?dry_run=true", data="-1E+999", content_type="application/json",
                      headers=_bearer(analyst))
    assert alone.status_code == 422 and "-1E+999 is beyond what can be read" in alone.get_data(as_text=True)
    twice = (row % "50")[:-1] + ', "value": 2}'  # and a key given twice: each named
    both = http.post(f"{PREFIX}/observations?dry_run=true", data=f'[{row % "1e400"}, {twice}]',
                     content_type="application/json", headers=_bearer(analyst))
    assert sorted((e["row"], e["column"], e["message"][:18]) for e in both.get_json()["errors"]) == [
        (1, "value", "The number 1e400 i"), (2, "value", "'value' is given m")], both.get_json()
    for special in ("Infinity", "NaN"):
        kept = http.post(f"{PREFIX}/observations?dry_run=true", data=f"[{row % special}]",
                         content_type="application/json", headers=_bearer(analyst))
        assert kept.status_code in (400, 422) and "too large" not in kept.get_data(as_text=True)
    fine = http.post(f"{PREFIX}/observations?dry_run=true", data=f"[{row % '5.0e1'}]",
                     content_type="application/json", headers=_bearer(analyst))
    assert fine.status_code == 200, fine.get_data(as_text=True)


def test_a_body_of_very_many_bad_values_lists_the_first_of_them(api, http):
    """Each bad value was quoted: a body of a million unknown keys took a minute and a gigabyte to answer with a
    114 MB problem. The problem lists the first MAX_ERRORS_LISTED, as an import keeps its first errors, and says
    how many there are."""
    from scorecard.api.problems import MAX_ERRORS_LISTED

    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    sent = {f"unknown_{i}": i for i in range(MAX_ERRORS_LISTED + 1000)}
    refused = http.patch(f"{PREFIX}/commitments/{cid}", json=sent, headers={**_bearer(secret), "If-Match": "*"})
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["detail"] == (f"{MAX_ERRORS_LISTED + 1000:,} values in the request have problems (the first "
                                 f"{MAX_ERRORS_LISTED:,} are listed); nothing was changed.")
    assert len(problem["errors"]) == MAX_ERRORS_LISTED
    assert all(e["message"] == "Unknown field." and e["value"] == sent[e["column"]] for e in problem["errors"])


def test_a_commitment_field_the_patch_does_not_change_is_said_to_be_one(api, http):
    """A title or programs sent to PATCH were answered "Unknown field.", as if commitments had none."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    sent = {"title": "x", "program_ids": [1], "version": 3, "id": 9, "colour": "red", "function": "CIO"}
    refused = http.patch(f"{PREFIX}/commitments/{cid}", json=sent, headers={**_bearer(secret), "If-Match": "*"})
    assert refused.status_code == 422
    said = {e["column"]: e["message"] for e in refused.get_json()["errors"]}
    for name in ("title", "program_ids"):
        assert said[name] == (f"{name} is not changed through the API: it is changed on the commitment's page, by "
                              "its function's officers and administrators. This operation changes status, reason, "
                              "next_step, due_date, evidence_links, note.")
    assert said["version"] == "version is the app's: send the version read as the If-Match header (its ETag)."
    assert said["id"].startswith("id is the app's record of the commitment: no request sets it.")
    assert said["colour"] == "Unknown field."
    assert said["function"].startswith("function is the commitment's owner, set when it was made, and it does not "
                                        "change"), "no page changes it either: it said to change it on the page"
    named = http.patch(f"{PREFIX}/commitments/{cid}", json={"leader_id": 4, "function_id": 2},
                       headers={**_bearer(secret), "If-Match": "*"})
    said = {e["column"]: e["message"] for e in named.get_json()["errors"]}
    assert said["leader_id"].startswith("leader_id is the web form's name of the commitment's leader: leader is not "
                                        "changed through the API"), "it said 'Unknown field.'"
    assert said["function_id"].startswith("function_id is the web form's name of the commitment's function: "
                                          "function is the commitment's owner")
    # a leader is told what a leader may change with it: the next step, due date and links it listed were then
    # refused one by one ("leaders may change only the status and reason")
    leader = _secret(api, "leader")
    with api.app_context():
        own = db.session.scalar(sa.select(Commitment.id).where(Commitment.leader_id == _user("leader").leader_id)
                                .order_by(Commitment.id))
    refused = http.patch(f"{PREFIX}/commitments/{own}", json={"title": "x"}, headers={**_bearer(leader),
                                                                                        "If-Match": "*"})
    [error] = refused.get_json()["errors"]
    assert error["message"].endswith("This operation changes status, reason, note for a leader."), error


def test_a_whole_number_parameter_sent_with_a_decimal_point_is_told_what_it_takes(api, http):
    """page_size=2.5 was told "write it with the digits 0-9", which it was: it is told what the parameter takes."""
    secret = _secret(api, "analyst")
    for sent in ("2.5", "10.0", ".5"):
        refused = http.get(f"{PREFIX}/observations", query_string={"page_size": sent}, headers=_bearer(secret))
        assert refused.status_code == 422
        [error] = refused.get_json()["errors"]
        assert (error["column"], error["value"], error["message"]) == (
            "page_size", sent, f"{sent!r} is not a number this parameter takes: it takes a whole number from 1 to "
                               "500, written without a decimal point")


def test_a_fractional_count_is_refused_not_cut_to_a_whole_number(api, http):
    """marshmallow's Integer reads 2.7 as 2: a count of 2.7 would be stored as 2 (a file's '2.7' is
    refused too). A whole number sent as 12.0 is 12."""
    analyst = _secret(api, "analyst")
    row = {"program": "DPS-BA-01", "metric": "trust", "period": "FY2026-Q1", "channel": "web",
           "touchpoint": "whole numbers", "n": 12.99, "count_1": 2.7, "count_5": 10.3}
    with api.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
    refused = http.post(f"{PREFIX}/observations", json=[row], headers=_bearer(analyst))
    assert refused.status_code == 422
    found = {(e["row"], e["column"], e["value"]) for e in refused.get_json()["errors"]}
    assert found == {(1, "n", 12.99), (1, "count_1", 2.7), (1, "count_5", 10.3)}
    assert all(e["message"].startswith("Not a whole number") for e in refused.get_json()["errors"])
    whole = {**row, "n": 12.0, "count_1": 2.0, "count_5": 10.0}
    accepted = http.post(f"{PREFIX}/observations?dry_run=true", json=[whole], headers=_bearer(analyst))
    assert accepted.status_code == 200, accepted.get_data(as_text=True)[:500]
    with api.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == before


def test_a_number_sent_as_a_string_is_refused_naming_it(api, http):
    """The document says `value` is a number and the counts integers: "10" and "4" were stored as 10 and 4.0,
    so a client that sends text got no word of it (a file's cells are text and read as numbers; JSON has types)."""
    analyst = _secret(api, "analyst")
    row = {"program": "DPS-BA-01", "metric": "trust", "period": "FY2026-Q2", "channel": "as text",
           "count_1": "10", "count_5": 30, "n": "40", "value": "4"}
    with api.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(Observation))
    for query in ("", "?dry_run=true"):
        refused = http.post(f"{PREFIX}/observations{query}", json=[row], headers=_bearer(analyst))
        assert refused.status_code == 422, refused.get_data(as_text=True)[:300]
        found = {(e["row"], e["column"], e["value"]) for e in refused.get_json()["errors"]}
        assert found == {(1, "count_1", "10"), (1, "n", "40"), (1, "value", "4")}
        assert all("not a string: '" in e["message"] for e in refused.get_json()["errors"])
    with api.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Observation)) == before
    numbers = {**row, "count_1": 10, "n": 40, "value": 4}
    accepted = http.post(f"{PREFIX}/observations?dry_run=true", json=[numbers], headers=_bearer(analyst))
    assert accepted.status_code == 200, accepted.get_data(as_text=True)[:500]


def test_a_value_so_large_its_pool_overflows_is_refused_naming_it(api, http):
    """1e308 was kept, and the scores pooled it to infinity, which JSON cannot hold ("value": Infinity)."""
    analyst = _secret(api, "analyst")
    rows = [{"program": "DPS-BA-01", "metric": "wait_time", "period": "FY2026-Q1", "channel": channel,
             "touchpoint": "huge", "value": value} for channel, value in (("web", 1e308), ("phone", -5.0))]
    refused = http.post(f"{PREFIX}/observations", json=rows, headers=_bearer(analyst))
    assert refused.status_code == 422, refused.get_data(as_text=True)[:300]
    errors = {(e["row"], e["column"]): e["message"] for e in refused.get_json()["errors"]}
    assert "1e+308 is outside the range of a duration metric (0 to 1,000,000,000,000,000)" in errors[(1, "value")]
    assert "-5 is outside the range of a duration metric" in errors[(2, "value")]
    largest = http.post(f"{PREFIX}/observations?dry_run=true", json=[{**rows[0], "value": 1e15}],
                        headers=_bearer(analyst))
    assert largest.status_code == 200, largest.get_data(as_text=True)[:300]


def test_a_v2_aspects_share_of_few_respondents_is_insufficient_data_in_the_scores(api, http):
    """Survey data is judged only with enough respondents, a v2 aspect's share too: the scores gave 62.5%
    of 16 respondents "green", where the rules and the program page said insufficient data."""
    from scorecard.models import Metric

    with api.app_context():
        aspect = db.session.scalar(sa.select(Metric).where(Metric.code == "a11v2_positive_ease"))
        assert aspect is not None and aspect.is_survey
    analyst = _secret(api, "analyst")
    row = {"program": "DPS-BA-01", "metric": "a11v2_positive_ease", "period": "FY2027-Q1", "channel": "kiosk",
           "touchpoint": "few", "value": 62.5, "n": 16}
    assert http.post(f"{PREFIX}/observations", json=[row], headers=_bearer(analyst)).status_code == 201
    with api.app_context():
        program_id = db.session.scalar(sa.select(Observation.program_id).where(Observation.touchpoint == "few"))
        others = db.session.scalar(sa.select(sa.func.count()).select_from(Observation).where(
            Observation.program_id == program_id, Observation.metric_id == aspect.id,
            Observation.period == "FY2027-Q1", Observation.touchpoint != "few"))
    scores = http.get(f"{PREFIX}/scores?metric=a11v2_positive_ease&period=FY2027-Q1&program_id={program_id}",
                      headers=_bearer(analyst)).get_json()["items"]
    assert others == 0, "the kiosk's 16 respondents are the program's only answers of the quarter"
    assert [(s["n"], s["status"]) for s in scores] == [(16, "insufficient_data")]


def test_the_documentation_is_served_by_the_app(api, http):
    secret = _secret(api, "viewer")
    spec = http.get(f"{PREFIX}/openapi.json", headers=_bearer(secret)).get_json()
    assert spec["openapi"].startswith("3.") and spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    # the rows posted are documented as read: an empty array is refused (422) and so is one beyond ROWS_MAX (413);
    # without it an empty array was a valid body by the document, and Schemathesis reported its 422
    rows = spec["paths"][f"{PREFIX}/observations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert (rows["type"], rows["minItems"], rows["maxItems"]) == ("array", 1, 50_000)
    assert http.post(f"{PREFIX}/observations", json=[], headers=_bearer(_secret(api, "analyst"))).status_code == 422
    # a commitment's change holds one field at least ({} is refused, 422): documented so, or Schemathesis reported
    # a schema-valid body refused
    assert spec["components"]["schemas"]["CommitmentPatch"]["minProperties"] == 1
    page = http.get(f"{PREFIX}/docs", headers=_bearer(secret)).get_data(as_text=True)
    for method, path in _operations(spec):
        assert f"{method} {path}" in page
    # nothing from another site (a CDN): every script, style sheet and image is the app's own. (Not a search for
    # "cdn": a random CSRF token holds those letters now and then.)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page, re.IGNORECASE)
    assert "https://" not in page.split("<main", 1)[1].split("</main>")[0]
    with api.app_context():
        signed_in = api.test_client(user=_user("viewer"))
    assert signed_in.get(f"{PREFIX}/docs").status_code == 200  # people signed in on the web read it too
    assert http.get(f"{PREFIX}/docs").status_code == 302  # anyone else signs in first


def test_requests_are_rate_limited_per_user_whatever_their_tokens(api, http):
    api.config["API_RATE_LIMIT"] = "3 per minute"
    first, second, another_of_the_first = _secret(api, "viewer"), _secret(api, "analyst"), _secret(api, "viewer")
    answered = [http.get(f"{PREFIX}/functions", headers=_bearer(first)) for _ in range(4)]
    assert [a.status_code for a in answered] == [200, 200, 200, 429]
    assert answered[0].headers["X-RateLimit-Remaining"] == "2" and "Retry-After" not in answered[0].headers, (
        "a 200 says what is left, and no 'retry after'")
    limited = http.get(f"{PREFIX}/functions", headers=_bearer(first))
    assert limited.content_type == "application/problem+json" and limited.headers.get("Retry-After")
    assert http.get(f"{PREFIX}/agencies", headers=_bearer(first)).status_code == 429, "one count for every operation"
    assert http.get(f"{PREFIX}/agencies", headers=_bearer(another_of_the_first)).status_code == 429, (
        "a second token of the same user is not three more requests")
    assert http.get(f"{PREFIX}/functions", headers=_bearer(second)).status_code == 200
    assert http.get("/auth/login").status_code == 200  # the web pages are not limited


def test_a_429_never_says_retry_after_0_seconds(api, http):
    """In the last fraction of a second of its window the limiter said "Retry-After: 0", and a client that
    waited that long was refused again at once (a load test's client looped on it): at least a second."""
    api.config["API_RATE_LIMIT"] = "1 per second"  # every refusal falls in the window's last second
    guesser = {"REMOTE_ADDR": "198.51.100.99"}
    answered = [http.get(f"{PREFIX}/agencies/1", environ_base=guesser) for _ in range(6)]
    refused = [a for a in answered if a.status_code == 429]
    assert refused and {a.headers["Retry-After"] for a in refused} == {"1"}, [a.headers for a in refused]
    # The limiter writes int(reset - now): 0 in a window's last fraction of a second (the memory store's rounding
    # hides it here, Redis's TTL does not); the hook that answers every API request makes it 1.
    from flask import Response

    from scorecard.api import _retry_after_when_refused

    assert _retry_after_when_refused(Response(status=429, headers={"Retry-After": "0"})).headers["Retry-After"] == "1"
    assert _retry_after_when_refused(Response(status=429, headers={"Retry-After": "7"})).headers["Retry-After"] == "7"


def test_requests_without_a_valid_token_are_rate_limited_per_address(api, http, client_as):
    """Authentication refused them before the limiter counted anything, so a client without a valid token
    (no token, a guessed one, at any path: one ending ".static" too, which the limiter takes for a static
    file) could send requests without end."""
    api.config["API_RATE_LIMIT"] = "3 per minute"
    guesser = {"REMOTE_ADDR": "198.51.100.77"}
    answered = [http.get(f"{PREFIX}/agencies/1", environ_base=guesser),
                http.get(f"{PREFIX}/agencies/1.static", headers=_bearer("cxs_guessed"), environ_base=guesser),
                http.get(f"{PREFIX}/no-such-operation", headers=_bearer("cxs_guessed"), environ_base=guesser),
                http.get(f"{PREFIX}/no-such-operation.static", environ_base=guesser)]
    assert [a.status_code for a in answered] == [401, 401, 401, 429]
    # A person signed in on the web, behind the same address, still reads the API's document.
    reader = client_as("analyst")
    reader.environ_base.update(guesser)
    assert reader.get(f"{PREFIX}/openapi.json").status_code == 200
    limited = answered[-1]
    assert limited.content_type == "application/problem+json" and limited.headers.get("Retry-After")
    assert "from one address without a valid token" in limited.get_json()["detail"]
    assert http.get(f"{PREFIX}/agencies/1", environ_base={"REMOTE_ADDR": "198.51.100.78"}).status_code == 401, (
        "another address is counted apart")
    assert http.get(f"{PREFIX}/agencies/1", headers=_bearer(_secret(api, "viewer")),
                    environ_base=guesser).status_code == 200, "a valid token is counted by its user, not its address"


def test_a_range_of_quarters_that_ends_before_it_begins_is_refused(api, http):
    secret = _secret(api, "analyst")
    refused = http.get(f"{PREFIX}/observations?period_from=FY2026-Q3&period_to=FY2025-Q4", headers=_bearer(secret))
    assert refused.status_code == 422 and refused.content_type == "application/problem+json"
    assert "FY2025-Q4 is before period_from, FY2026-Q3" in json.dumps(refused.get_json())
    one = http.get(f"{PREFIX}/observations?period_from=FY2026-Q3&period_to=FY2026-Q3", headers=_bearer(secret))
    assert one.status_code == 200 and one.get_json()["items"], "one quarter is a range"


def test_a_database_that_stops_answering_leaves_the_rate_limit_counting(api, client_as, caplog):
    """With the database down, a person signed in on the web who asked the API had the limiter fail to read
    who they were: it logged "Failed to rate limit" with a traceback at every request and counted in its
    own memory meanwhile. Whom it cannot read it counts by address."""
    import sqlalchemy as sa

    reader = client_as("analyst")

    def down(_session_id):
        raise sa.exc.OperationalError("SELECT users", {}, ConnectionRefusedError("the database is not answering"))
    api.login_manager._user_callback, kept = down, api.login_manager._user_callback
    try:
        with caplog.at_level("ERROR"):
            answered = reader.get(f"{PREFIX}/agencies/1")
    finally:
        api.login_manager._user_callback = kept
    assert answered.status_code in (401, 503)
    assert not [r for r in caplog.records if "rate limit" in r.getMessage().lower()], caplog.text[-2000:]


def test_a_long_file_name_keeps_its_extension_on_the_web_and_through_the_api(api, http, client_as):
    """Both doors name an upload the same way (importers.jobs.store): the last part of the path sent, at
    most 300 characters for the user and 100 for the storage, each with its extension, so that a long
    name is still read as the layout it is (here a CSV the reader opens, whose one row is refused)."""
    from tests.helpers import upload

    api.config["IMPORTS_INLINE"] = True
    sent = "Users/analyst/Desktop/" + "Quarterly CX report for the deputy secretary " * 9 + ".csv"
    answer = http.post(f"{PREFIX}/imports", headers=_bearer(_secret(api, "analyst")),
                       data={"file": (io.BytesIO(CSV), sent)}, content_type="multipart/form-data")
    assert answer.status_code == 201, answer.get_data(as_text=True)[:400]
    by_api = answer.get_json()["id"]
    by_web = upload(client_as("analyst"), CSV, name=sent)
    with api.app_context():
        for batch_id in (by_api, by_web):
            batch = db.session.get(ImportBatch, batch_id)
            assert batch.filename.startswith("Quarterly CX report") and batch.filename.endswith(".csv")
            assert len(batch.filename) == 300 and batch.stored_path.endswith(".csv")
            assert batch.status is BatchStatus.rejected and batch.errors, batch.message  # read as a CSV, row refused


def test_json_nested_too_deeply_answers_400_and_changes_nothing(api, http):
    """Python's parser gives up on ~1,000 levels of nesting with a RecursionError, not a ValueError;
    a body of 60 KB of brackets must still be bad input (400), on the API as on the dashboards."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(secret))
    deep = '{"note": ' + "[" * 30_000 + "]" * 30_000 + "}"
    answer = http.patch(url, data=deep, content_type="application/json",
                        headers={**_bearer(secret), "If-Match": read.headers["ETag"]})
    assert answer.status_code == 400, answer.get_data(as_text=True)[:300]
    assert answer.get_json()["errors"][0]["message"] == "Invalid JSON body: JSON nested too deeply."
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()


def test_a_body_beyond_the_upload_limit_is_refused_naming_the_limit(api, http, monkeypatch):
    """werkzeug's own words ("The data value transmitted exceeds the capacity limit.") named no limit."""
    monkeypatch.setitem(api.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    monkeypatch.setitem(api.config, "MAX_UPLOAD_BYTES", 1024 * 1024)
    secret = _secret(api, "analyst")
    row = {"program": "DPS-BA-01", "metric": "backlog", "period": "FY2026-Q1", "value": 1}
    rows = http.post(f"{PREFIX}/observations?dry_run=true", json=[row] * 20_000, headers=_bearer(secret))
    # Encoded in memory: werkzeug's test client spools a large multipart body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(b"x" * 1024 * 1024), "big.csv")})
    upload = http.post(f"{PREFIX}/imports", headers=_bearer(secret), data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")
    for answer in (rows, upload):
        assert answer.status_code == 413 and answer.mimetype == "application/problem+json"
        assert answer.get_json()["detail"] == "A request may be at most 1 MB; nothing was received or changed."


def test_a_file_of_the_upload_limit_exactly_is_taken_and_one_byte_more_refused(api, http, monkeypatch):
    """The limit bound the whole request: a file of 25 MB exactly, with the form around it, was refused as
    more than 25 MB, as the upload page's "Up to 25 MB" had promised it would not be."""
    from tests.helpers import csrf_token

    assert api.config["MAX_CONTENT_LENGTH"] - api.config["MAX_UPLOAD_BYTES"] == 64 * 1024, (
        "as configured, a request holds a file of the limit and the form around it")
    monkeypatch.setitem(api.config, "MAX_UPLOAD_BYTES", 1024 * 1024)
    monkeypatch.setitem(api.config, "MAX_CONTENT_LENGTH", 1024 * 1024 + 64 * 1024)
    monkeypatch.setitem(api.config, "IMPORTS_INLINE", True)
    secret = _secret(api, "analyst")
    line = b"program,metric,period,value\n"
    exactly = line + b"DPS-BA-01,backlog,FY2026-Q1,1\n" + b"#" * (1024 * 1024 - len(line) - 31) + b"\n"
    assert len(exactly) == 1024 * 1024
    for content, taken in ((exactly, True), (exactly + b"#", False)):
        boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), "limit.csv")})
        answer = http.post(f"{PREFIX}/imports", headers=_bearer(secret), data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
        assert (answer.status_code != 413) is taken, answer.get_data(as_text=True)[:300]
        if not taken:
            assert answer.get_json()["detail"] == "A request may be at most 1 MB; nothing was received or changed."
        with api.app_context():
            web = api.test_client(user=_user("analyst"))
        token = csrf_token(web.get("/imports/upload").get_data(as_text=True))
        boundary, body = encode_multipart({"csrf_token": token, "file": FileStorage(io.BytesIO(content), "limit.csv")})
        sent = web.post("/imports/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}")
        assert (sent.status_code == 302) is taken, sent.get_data(as_text=True)[:300]
        if not taken:
            assert sent.status_code == 413 and "Uploads may be at most 1 MB" in sent.get_data(as_text=True)
        assert "Up to 1 MB." in web.get("/imports/upload").get_data(as_text=True)


def test_a_body_sent_in_chunks_beyond_the_limit_is_refused_as_too_large_not_cut(api, http, monkeypatch):
    """A body sent in chunks (no Content-Length) was read cut at MAX_CONTENT_LENGTH and parsed so: rows beyond
    the limit were refused as "Invalid JSON body: Unterminated string ... column 1048573", where the same body
    sent with its length was refused as too large. It is a 413 too; a body of the limit exactly is read."""
    monkeypatch.setitem(api.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    monkeypatch.setitem(api.config, "MAX_UPLOAD_BYTES", 1024 * 1024)
    secret = _secret(api, "analyst")
    row = {"program": "DPS-BA-01", "metric": "backlog", "period": "FY2026-Q1", "value": 1, "notes": "n" * 100}
    body = json.dumps([row] * 20_000).encode()
    chunked = {**_bearer(secret), "Transfer-Encoding": "chunked"}
    terminated = {"wsgi.input_terminated": True}  # as gunicorn serves a chunked body: read to its end, no length
    rows = http.post(f"{PREFIX}/observations?dry_run=true", input_stream=io.BytesIO(body), headers=chunked,
                     content_type="application/json", environ_overrides=terminated)
    assert rows.status_code == 413 and rows.mimetype == "application/problem+json", rows.get_data(as_text=True)[:300]
    assert rows.get_json()["detail"] == "A request may be at most 1 MB; nothing was received or changed."
    exactly = json.dumps([row]).encode()
    exactly = exactly[:-1] + b" " * (1024 * 1024 - len(exactly)) + b"]"
    read = http.post(f"{PREFIX}/observations?dry_run=true", input_stream=io.BytesIO(exactly), headers=chunked,
                     content_type="application/json", environ_overrides=terminated)
    assert read.status_code == 200 and read.get_json()["status"] == "would_import", read.get_json()


def test_a_body_that_is_no_json_is_refused_saying_where(api, http):
    """A syntax error is named by its line and column, a byte that is not UTF-8 by its offset: "Invalid JSON
    body." alone left the client to search the body for it."""
    secret = _secret(api, "officer")
    with api.app_context():
        cid = _commitment_of("CFO")
    url = f"{PREFIX}/commitments/{cid}"
    read = http.get(url, headers=_bearer(secret))
    headers = {**_bearer(secret), "If-Match": read.headers["ETag"]}
    for body, where in ((b'{\n  "note": "ok"\n  "reason": "x"}', "Expecting ',' delimiter at line 3, column 3"),
                        (b'{"note": "caf\xe9"}', "the byte 0xe9 at offset 13 is not UTF-8"),
                        # Python's "Unterminated string starting at" and "Invalid control character at": one "at"
                        (b'{"note": "cut', "Unterminated string starting at line 1, column 10"),
                        (b'{"note": "a\tb"}', "Invalid control character at line 1, column 12")):
        answer = http.patch(url, data=body, content_type="application/json", headers=headers)
        assert answer.status_code == 400 and answer.mimetype == "application/problem+json"
        assert answer.get_json()["errors"] == [{"row": None, "column": None, "value": None,
                                                "message": f"Invalid JSON body: {where}."}]
        assert answer.get_json()["detail"] == f"Invalid JSON body: {where}. Nothing was changed."
    rows = http.post(f"{PREFIX}/observations?dry_run=true", data=b'[{"metric": "trust",}]',
                     content_type="application/json", headers=_bearer(_secret(api, "analyst")))
    assert rows.status_code == 400 and "at line 1, column 21" in rows.get_json()["detail"]
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()


def test_an_upload_waits_for_its_preview_outside_any_transaction_and_only_so_many_at_once(api, http, monkeypatch):
    """An upload waits for its background job to answer with the preview, but holds no transaction open
    while it sleeps (PostgreSQL showed it 'idle in transaction' for 30 s), and no more than
    API_IMPORT_WAITERS requests of a process wait at once: the others answer at once, the batch pending,
    so uploads never take every thread from the health check."""
    from importers import jobs
    from scorecard.api.resources import imports as resource

    monkeypatch.setattr(jobs, "start", lambda *args, **kwargs: None)  # a job that never gets to run
    sleeps = []

    def sleep(seconds):
        sleeps.append(db.session().in_transaction())

    monkeypatch.setattr(resource.time, "sleep", sleep)
    monkeypatch.setitem(api.config, "API_IMPORT_WAIT_SECONDS", 0.2)
    monkeypatch.setitem(api.config, "API_IMPORT_WAITERS", 1)
    monkeypatch.delitem(api.extensions, "scorecard.api.import_waiters", raising=False)  # made from the setting
    secret = _secret(api, "analyst")

    def upload():
        answer = http.post(f"{PREFIX}/imports", headers=_bearer(secret), content_type="multipart/form-data",
                           data={"file": (io.BytesIO(CSV), "wait.csv")})
        assert answer.status_code == 201, answer.get_data(as_text=True)[:300]
        return answer.get_json()["status"]

    assert upload() == "pending" and sleeps and not any(sleeps), "it waited, with no transaction open"
    sleeps.clear()
    waiters = api.extensions["scorecard.api.import_waiters"]
    assert waiters.acquire(blocking=False)  # another request of the process is waiting
    try:
        assert upload() == "pending" and sleeps == [], "answered at once"
    finally:
        waiters.release()


def test_an_upload_whose_quarter_is_no_quarter_is_refused_at_once(api, http):
    """The option `period` was any text: an upload with period "1.35e-105" was stored and answered 201 (its
    batch failing later). A quarter is checked as the import page reads it, in any spelling."""
    api.config["IMPORTS_INLINE"] = True
    secret = _secret(api, "analyst")
    with api.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))
    refused = http.post(f"{PREFIX}/imports", headers=_bearer(secret), content_type="multipart/form-data",
                        data={"file": (io.BytesIO(CSV), "cx.csv"), "period": "1.3511758077406914e-105"})
    assert refused.status_code == 422, refused.get_data(as_text=True)[:300]
    assert "is not a fiscal quarter" in json.dumps(refused.get_json())
    with api.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == before
    taken = http.post(f"{PREFIX}/imports", headers=_bearer(secret), content_type="multipart/form-data",
                      data={"file": (io.BytesIO(CSV), "cx.csv"), "period": "FY26 Q3"})
    assert taken.status_code == 201, taken.get_data(as_text=True)[:300]


def test_a_touchpoints_upload_without_its_program_and_quarter_is_refused_at_once(api, http):
    """It was stored and answered 201, its batch failing in the background with the web's words ("the Program
    field"); the layout's choices are now asked for at the upload, each named."""
    secret = _secret(api, "analyst")
    with api.app_context():
        before = db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch))
    refused = http.post(f"{PREFIX}/imports", headers=_bearer(secret), content_type="multipart/form-data",
                        data={"file": (io.BytesIO(b"external_id,question_1\n1,1\n"), "responses.csv"),
                              "format": "touchpoints-a11-v2", "program": "DPS-BA-01"})
    assert refused.status_code == 422, refused.get_data(as_text=True)[:300]
    problem = refused.get_json()
    assert "needs period chosen at upload" in problem["detail"] and "Field" not in problem["detail"]
    assert "send period as a form field beside the file" in problem["detail"], "one field, not 'form fields'"
    assert [e["column"] for e in problem["errors"]] == ["period"]
    with api.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ImportBatch)) == before


def test_keys_given_twice_are_named_by_their_paths_at_every_depth_at_the_cost_of_the_depth():
    """The walk for them keeps one path, as deep as the body: a path copied for every node made a 60 kB
    body (a wide array nested 900 deep beside a key given twice) take 200 MB before the 422."""
    import tracemalloc

    import marshmallow as ma

    from scorecard.json_bodies import loads_once_each

    body = ('{"a": [{"b": 1, "b": 2}, [{"c": {"d": 1, "d": 2}}]], "e": {"f": [0, {"g": 1, "g": 2, "h": {"i": 1, '
            '"i": 2}}]}, "j": 1, "j": 2}')
    with pytest.raises(ma.ValidationError) as refused:
        loads_once_each(body.encode())
    named = refused.value.messages
    assert set(named) == {"a", "e", "j"} and set(named["a"]) == {0, 1}
    assert list(named["a"][0]) == ["b"] and list(named["a"][1][0]["c"]) == ["d"]
    assert set(named["e"]["f"][1]) == {"g", "h"} and list(named["e"]["f"][1]["h"]) == ["i"]
    deep = ('{"note": "a", "note": "b", "reason": ' + "[" * 900 + ",".join(["0"] * 30000) + "]" * 900 + "}").encode()
    tracemalloc.start()
    try:
        with pytest.raises(ma.ValidationError):
            loads_once_each(deep)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * len(deep), f"{peak:,} bytes traced for a body of {len(deep):,}"


def test_reading_every_text_of_a_body_costs_memory_as_deep_as_the_body():
    """Every JSON body (the API's, the dashboards' callbacks') is read for characters no column keeps; the
    walk copied its path for every node, so a 60 kB body of a wide array nested 900 deep took 216 MB."""
    import json
    import tracemalloc

    from scorecard.json_bodies import refusing_unkept

    deep = '{"reason": ' + "[" * 900 + ",".join(["0"] * 30000) + "]" * 900 + "}"
    document = json.loads(deep)
    tracemalloc.start()
    try:
        assert refusing_unkept(document) is document
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100 * len(deep), f"{peak:,} bytes traced for a body of {len(deep):,}"


@pytest.mark.parametrize("role, scope", [("admin", "write"), ("admin", "read"), ("analyst", "write"),
                                         ("officer", "read")])
def test_options_answers_with_the_methods_of_every_path_its_caller_may_use(api, http, role, scope):
    """OPTIONS reads and changes nothing: it answers with the path's methods (Allow) whoever may call one of
    its operations, read token or not. Paths of POSTs alone (confirm, cancel, revert) have no GET rule: they
    answered 403 "no permission rule, so nobody may call it", though their 405 names OPTIONS as allowed."""
    secret = _secret(api, role, scope)
    spec = _spec(api, http, secret)
    with api.app_context():
        user = _user(role)
    wrong = []
    for path in {path for _, path in _operations(spec)}:
        url = re.sub(r"{\w+}", "1", path)
        allowed = any(can(user, action) for (_, at), rule in RULES.items() if at == path.removeprefix(PREFIX)
                      for action in rule.actions)
        response = http.open(url, method="OPTIONS", headers=_bearer(secret))
        if allowed and (response.status_code != 200 or "OPTIONS" not in response.headers.get("Allow", "")):
            wrong.append(f"OPTIONS {path}: {response.status_code} {response.get_data(as_text=True)[:120]}")
        elif not allowed and response.status_code != 403:
            wrong.append(f"OPTIONS {path}: {response.status_code}, not 403")
    assert wrong == []


def test_a_change_to_one_commitment_longer_than_one_can_be_is_refused_before_it_is_read(api, http):
    """A leader's token could send 21 MB of empty objects as a commitment's note: 15 s of a worker's time to
    read, and half a gigabyte kept. A change to one object is at most 1 MB, the longest one that can be valid
    (every text and link at its limit, each character escaped) fits, and the limit is documented."""
    secret, url, read, headers = _cfo_commitment_to_patch(api, http)
    body = b'{"note": [' + b"{}," * 400_000 + b"{}]}"
    refused = http.patch(url, data=body, headers={**headers, "Content-Type": "application/json"})
    assert refused.status_code == 413, refused.get_data(as_text=True)[:300]
    assert refused.get_json()["detail"] == (f"The body is {len(body):,} bytes; a change to one object is at most "
                                            "1,048,576 bytes (1 MB). Nothing was changed.")
    assert http.get(url, headers=_bearer(secret)).get_json() == read.get_json()
    longest = {field: "\U0001d4b3" * 10_000 for field in ("reason", "next_step", "note")}
    longest["evidence_links"] = [f"https://www.performance.gov/{i:02d}/" + "\u00e9" * 1_970 for i in range(20)]
    sent = json.dumps(longest).encode()  # ASCII: every character escaped, the longest form of it
    assert 500_000 < len(sent) < 1024 * 1024
    assert http.patch(url, data=sent, headers={**headers, "Content-Type": "application/json"}).status_code != 413
    spec = _spec(api, http, secret)
    assert "413" in spec["paths"]["/api/v1/commitments/{commitment_id}"]["patch"]["responses"]


def test_a_large_refused_body_is_given_back_once_it_is_answered(api, http):
    """A refused document stays in a cycle (the validation error holds it, its traceback the frames that read
    it) of objects the collector's thresholds never count: each 21 MB of empty objects kept a worker half a
    gigabyte larger, for good. The answer sent, it is collected."""
    import gc

    secret = _secret(api, "analyst")
    body = (b'[{"program": "DPS-BA-01", "period": "FY2026-Q1", "metric": "trust", "value": ['
            + b"{}," * 300_000 + b"{}]}]")
    refused = http.post(f"{PREFIX}/observations?dry_run=true", data=body,
                        headers={**_bearer(secret), "Content-Type": "application/json"})
    assert refused.status_code == 422
    refused.close()  # as a server does once the answer is sent
    kept = [o for o in gc.get_objects() if isinstance(o, list) and len(o) > 100_000]
    assert not kept, [len(o) for o in kept]


def test_links_sent_as_a_list_are_not_said_to_have_been_split_at_spaces(api, http):
    """In JSON each link is an item of its own: "if it is the rest of 'https://a.gov/x', links are split at
    spaces" (the web form's box) misled a client whose second link was refused."""
    secret, url, read, headers = _cfo_commitment_to_patch(api, http)
    refused = http.patch(url, json={"evidence_links": ["https://a.gov/x", "report.pdf"]}, headers=headers)
    assert refused.status_code == 422
    [error] = refused.get_json()["errors"]
    assert error["message"].startswith("'report.pdf' is not a web address") and "split" not in error["message"], error


def test_an_id_a_revert_freed_is_not_given_again_so_paging_by_key_misses_nothing(api, http):
    """SQLite gave a deleted row's id again: an observation posted, reverted and another posted took the same id,
    and a sync that had read up to it (`after_id`) never listed the new one."""
    secret = _secret(api, "analyst")
    row = {"program": "DPS-BA-02", "metric": "satisfaction", "period": "FY2026-Q3", "channel": "phone",
           "count_1": 1, "count_2": 2, "count_3": 10, "count_4": 20, "count_5": 31}
    created = http.post(f"{PREFIX}/observations", json=[{**row, "touchpoint": "sync a"}], headers=_bearer(secret))
    assert created.status_code == 201, created.get_json()
    with api.app_context():  # the posted row's id: the largest, read by a sync
        last = db.session.scalar(sa.select(sa.func.max(Observation.id)))
    assert http.get(f"{PREFIX}/observations?after_id={last}", headers=_bearer(secret)).get_json()["items"] == []
    reverted = http.post(f"{PREFIX}/imports/{created.get_json()['batch']}/revert", headers=_bearer(secret))
    assert reverted.status_code == 200, reverted.get_json()
    again = http.post(f"{PREFIX}/observations", json=[{**row, "touchpoint": "sync b"}], headers=_bearer(secret))
    assert again.status_code == 201, again.get_json()
    listed = http.get(f"{PREFIX}/observations?after_id={last}", headers=_bearer(secret)).get_json()["items"]
    assert [item["touchpoint"] for item in listed] == ["sync b"] and listed[0]["id"] > last


def test_a_refused_body_under_the_collection_threshold_is_freed_as_soon_as_it_is_answered(api, http):
    """Under 256 KB no collection follows the answer: a refused body of 80,000 empty objects stayed in its cycle
    (marshmallow's error holds the document, its traceback the frame holding the error), and requests of them
    grew each worker by hundreds of megabytes. The refusal lets go of it: freed without the collector."""
    import gc

    secret, url, _read, headers = _cfo_commitment_to_patch(api, http)
    body = b'{"note": [' + b"{}," * 80_000 + b"{}]}"
    assert len(body) < 256 * 1024
    gc.collect()
    gc.disable()
    try:
        refused = http.patch(url, data=body, headers={**headers, "Content-Type": "application/json"})
        assert refused.status_code == 422
        refused.close()
        kept = [len(o) for o in gc.get_objects() if isinstance(o, list) and len(o) > 50_000]
    finally:
        gc.enable()
    assert not kept, kept


def test_a_rows_whole_object_rules_are_documented_as_the_import_holds_them(api, http):
    """A row names a program or a function (not both) and gives a value or answer counts: refused (422) though the
    published schema took it, so a client (and Schemathesis) built requests the server always refuses."""
    import jsonschema

    secret = _secret(api, "analyst")
    spec = http.get(f"{PREFIX}/openapi.json", headers=_bearer(secret)).get_json()
    row_schema = {**spec["components"]["schemas"]["ObservationRow"], "components": spec["components"]}
    base = {"metric": "trust", "period": "FY2027-Q1", "component": "Benefits Administration"}
    rows = {"neither": {**base, "value": 4.1}, "both": {**base, "program": "Benefits Call Center",
                                                        "function": "CFO", "value": 4.1},
            "blank program": {**base, "program": " ", "value": 4.1},
            "no value": {**base, "program": "Benefits Call Center"},
            "a value": {**base, "program": "Benefits Call Center", "value": 4.1},
            "counts": {**base, "program": "Benefits Call Center", "n": 10, "count_4": 4, "count_5": 6}}
    for name, row in rows.items():
        documented = jsonschema.Draft4Validator(row_schema).is_valid(row)
        answer = http.post(f"{PREFIX}/observations?dry_run=true", headers=_bearer(secret), json=[row])
        assert documented == (answer.status_code == 200), (name, documented, answer.get_data(as_text=True)[:300])
        assert documented == (name in ("a value", "counts")), name
