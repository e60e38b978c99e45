"""The warm answers (dashboards.warm): a callback the cache answers, sent in front of the framework exactly
as the app sends it, and every request the app must see (a session to rewrite or end, another viewer,
changed data, a body it refuses) passed on to it."""
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dashboards import warm
from scorecard.extensions import db
from scorecard.models import Agency, CapacityAssessment, Component, Role, User
from scorecard.security import SEEN_RESOLUTION
from tests.conftest import PASSWORD
from tests.helpers import CALLBACK_URL, callback_body, csrf_token, sign_in

HEATMAP = {"heatmap-period.value": "FY2026-Q4", "heatmap-agency.value": "all", "heatmap-sort.value": "worst"}
UNSTABLE = {"Date", "Set-Cookie"}


def _middleware(app) -> warm.WarmAnswers:
    layer = app.wsgi_app
    while not isinstance(layer, warm.WarmAnswers):
        layer = layer.app  # a proxy's middleware in front
    return layer


@pytest.fixture
def seen(demo, monkeypatch):
    """The demo app with the callback requests that reach the app behind the warm answers counted."""
    layer = _middleware(demo)
    reached = []
    inner = layer.wsgi_app

    def counted(environ, start_response):
        if environ["PATH_INFO"] == CALLBACK_URL:
            reached.append(environ["PATH_INFO"])
        return inner(environ, start_response)
    monkeypatch.setattr(layer, "wsgi_app", counted)
    return reached


def _signed_in(app, role="viewer", **headers):
    """A client signed in through the sign-in form, as a browser is (its session names its client)."""
    with app.app_context():
        user = User(email=f"{role}.warm@test.gov", role=Role(role))
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    client.environ_base.update(headers)
    assert sign_in(client, f"{role}.warm@test.gov", PASSWORD).status_code == 302
    return client


def _headers(response) -> dict:
    return {name: value for name, value in response.headers.items() if name not in UNSTABLE}


def test_a_kept_answer_is_sent_before_the_app_with_the_apps_bytes_and_headers(demo, seen):
    client = _signed_in(demo, "viewer", HTTP_USER_AGENT="Mozilla/5.0 (X11) Firefox/128.0")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    first = client.post(CALLBACK_URL, json=body)
    assert first.status_code == 200 and seen == [CALLBACK_URL]
    again = client.post(CALLBACK_URL, json=body)
    assert again.status_code == 200 and seen == [CALLBACK_URL], "the second answer came from the warm path"
    assert again.data == first.data and _headers(again) == _headers(first)
    assert again.headers["Cache-Control"] == "no-store" and again.headers["Vary"] == "Cookie"
    assert "Set-Cookie" not in again.headers


def test_over_https_the_warm_answer_carries_strict_transport_security_as_the_apps_does(demo, seen):
    demo.config["HSTS_SECONDS"] = 31536000
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    first = client.post(CALLBACK_URL, json=body, base_url="https://localhost")
    again = client.post(CALLBACK_URL, json=body, base_url="https://localhost")
    assert first.status_code == again.status_code == 200 and len(seen) == 1
    assert "max-age=31536000" in again.headers["Strict-Transport-Security"]
    assert _headers(again) == _headers(first)
    plain = client.post(CALLBACK_URL, json=body)  # http: the app's answer would carry none
    assert plain.status_code == 200 and "Strict-Transport-Security" not in plain.headers


def test_a_session_ended_on_the_server_gets_no_warm_answer(demo, seen):
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert client.post(CALLBACK_URL, json=body).status_code == 200
    with demo.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "viewer.warm@test.gov"))
        user.end_sessions()  # signed out everywhere (an administrator deactivating the account does this)
        db.session.commit()
    assert client.post(CALLBACK_URL, json=body).status_code == 401 and len(seen) == 2


def test_a_copy_of_the_cookie_kept_past_sign_out_gets_no_warm_answer(demo, seen):
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert client.post(CALLBACK_URL, json=body).status_code == 200
    kept = client.get_cookie("session").value
    page = client.get("/auth/password").get_data(as_text=True)  # a Flask page: its sign-out form's token
    assert client.post("/auth/logout", data={"csrf_token": csrf_token(page)}).status_code == 302
    client.set_cookie("session", kept)  # replayed, as a copied cookie would be
    assert client.post(CALLBACK_URL, json=body).status_code == 401 and len(seen) == 2


def test_a_user_made_inactive_gets_no_warm_answer_though_their_token_stands(demo, seen):
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert client.post(CALLBACK_URL, json=body).status_code == 200
    with demo.app_context():
        db.session.execute(sa.update(User).where(User.email == "viewer.warm@test.gov").values(active=False))
        db.session.commit()  # by hand, the session token left as it was
    assert client.post(CALLBACK_URL, json=body).status_code == 401 and len(seen) == 2


def test_a_request_the_app_reads_otherwise_is_left_to_it(demo, seen):
    """Chunks beside a Content-Length, an address sent longer than its path, a scheme not http(s): the app
    refuses each, so each reaches it."""
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert client.post(CALLBACK_URL, json=body).status_code == 200
    raw = client.application.json.dumps(body).encode()
    chunked = client.post(CALLBACK_URL, data=raw, content_type="application/json",
                          headers={"Transfer-Encoding": "chunked", "Content-Length": str(len(raw))})
    assert chunked.status_code == 400 and len(seen) == 2
    long = client.post(CALLBACK_URL, json=body, environ_overrides={"RAW_URI": CALLBACK_URL + "#" + "a" * 9000})
    assert long.status_code == 414 and len(seen) == 3
    assert client.post(CALLBACK_URL, json=body, environ_overrides={"wsgi.url_scheme": "wss"}).status_code != 200
    assert len(seen) == 4


def test_a_body_is_not_read_for_a_request_not_signed_in(demo, seen):
    """A signed-out client's slow body holds no thread: the app refuses it on its cookie alone."""
    class Unread:
        def read(self, *_):
            raise AssertionError("the body was read")
    anonymous = demo.test_client()
    body = callback_body("heatmap-graph.figure", HEATMAP)
    answer = anonymous.post(CALLBACK_URL, json=body, environ_overrides={"wsgi.input": Unread()})
    assert answer.status_code == 401 and len(seen) == 1


def test_a_tampered_or_foreign_cookie_gets_no_warm_answer(demo, seen):
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert client.post(CALLBACK_URL, json=body).status_code == 200
    cookie = client.get_cookie("session")
    client.set_cookie("session", cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB"))
    assert client.post(CALLBACK_URL, json=body).status_code == 401 and len(seen) == 2
    anonymous = demo.test_client()
    assert anonymous.post(CALLBACK_URL, json=body).status_code == 401 and len(seen) == 3


def test_a_session_whose_last_seen_time_is_due_is_rewritten_by_the_app(demo, seen, monkeypatch):
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert client.post(CALLBACK_URL, json=body).status_code == 200
    later = time.time() + SEEN_RESOLUTION + 1
    monkeypatch.setattr(time, "time", lambda: later)
    moved = client.post(CALLBACK_URL, json=body)
    assert moved.status_code == 200 and len(seen) == 2 and "Set-Cookie" in moved.headers, "the app moved last-seen on"
    assert client.post(CALLBACK_URL, json=body).status_code == 200 and len(seen) == 2, "then warm again"
    idle = later + demo.config["SESSION_IDLE_MINUTES"] * 60 + 1
    monkeypatch.setattr(time, "time", lambda: idle)
    assert client.post(CALLBACK_URL, json=body).status_code == 401 and len(seen) == 3, "idle: the app ends it"


def test_a_cookie_read_before_is_judged_again_for_its_age_and_by_the_apps_keys(demo, seen, monkeypatch):
    """What a cookie holds is read once and kept; its lifetime, and the keys it was signed with, are not."""
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    for _ in range(2):
        assert client.post(CALLBACK_URL, json=body).status_code == 200
    assert len(seen) == 1, "the cookie read once, then kept"
    with monkeypatch.context() as patched:
        patched.setattr(demo, "permanent_session_lifetime", timedelta(seconds=1))
        later = time.time() + 3
        patched.setattr(time, "time", lambda: later)
        assert client.post(CALLBACK_URL, json=body).status_code == 401 and len(seen) == 2, "past its lifetime: the app"
    assert client.post(CALLBACK_URL, json=body).status_code == 200 and len(seen) == 2, "within it again: warm"
    monkeypatch.setattr(demo, "secret_key", "a rotated key, and the old one not kept among the fallbacks")
    assert client.post(CALLBACK_URL, json=body).status_code == 401 and len(seen) == 3, "signed with a key gone"


def test_another_client_with_the_same_cookie_is_seen_by_the_app(demo, seen):
    """Flask-Login's session protection: a session sent from another client is marked not fresh by the app."""
    client = _signed_in(demo, "viewer", HTTP_USER_AGENT="Firefox")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert client.post(CALLBACK_URL, json=body).status_code == 200
    elsewhere = client.post(CALLBACK_URL, json=body, headers={"User-Agent": "curl/8"})
    assert elsewhere.status_code == 200 and len(seen) == 2 and "Set-Cookie" in elsewhere.headers
    assert client.post(CALLBACK_URL, json=body, headers={"User-Agent": "curl/8"}).status_code == 200
    assert len(seen) == 2, "marked not fresh once, the app changes nothing more: warm"


def test_another_viewer_changed_data_or_a_cleared_cache_reach_the_app(demo, seen):
    from dashboards.cache import cache

    viewer, officer = _signed_in(demo, "viewer"), _signed_in(demo, "executive")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert viewer.post(CALLBACK_URL, json=body).status_code == 200 and len(seen) == 1
    assert officer.post(CALLBACK_URL, json=body).status_code == 200 and len(seen) == 2, "another kind of viewer"
    assert officer.post(CALLBACK_URL, json=body).status_code == 200 and len(seen) == 2
    with demo.app_context():
        component = Component(agency=db.session.scalars(sa.select(Agency)).first(), code="NEW", name="New")
        db.session.add(CapacityAssessment(component=component, fiscal_year=2026))
        db.session.commit()
    assert viewer.post(CALLBACK_URL, json=body).status_code == 200 and len(seen) == 3, "changed data"
    with demo.app_context():
        cache.clear()
    assert viewer.post(CALLBACK_URL, json=body).status_code == 200 and len(seen) == 4, "nothing kept"


def test_a_request_the_app_refuses_is_refused_though_a_close_one_is_kept(demo, seen):
    client = _signed_in(demo, "viewer")
    body = callback_body("heatmap-graph.figure", HEATMAP)
    assert client.post(CALLBACK_URL, json=body).status_code == 200
    extra = {**body, "inputs": [*body["inputs"], {"id": "heatmap-sort", "property": "value", "value": "worst"}]}
    assert client.post(CALLBACK_URL, json=extra).status_code == 400 and len(seen) == 2
    # the same inputs (the answer's key) with outputs the callback does not write: the app refuses it
    wrong = {**body, "outputs": body["outputs"][:1]}
    assert client.post(CALLBACK_URL, json=wrong).status_code == 400
    assert client.post(CALLBACK_URL + "?x=1", json=body).status_code == 200 and len(seen) == 4, "a query string"
    as_text = client.post(CALLBACK_URL, data=client.application.json.dumps(body), content_type="text/plain")
    assert as_text.status_code == 400 and len(seen) == 5


def test_a_callback_whose_answer_is_not_kept_always_reaches_the_app(demo, seen):
    client = _signed_in(demo, "viewer")
    body = callback_body("_pages_content.children", {"_pages_location.pathname": "/dashboards/",
                                                      "_pages_location.search": ""})
    for _ in range(2):
        assert client.post(CALLBACK_URL, json=body).status_code == 200
    assert len(seen) == 2, "a page's layout holds the session's CSRF token: never kept"


@pytest.mark.parametrize("environ", [
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "Mozilla/5.0"},
    {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.2", "HTTP_USER_AGENT": "Édge"},
    {"REMOTE_ADDR": "10.0.0.1"},
    {},
])
def test_the_client_is_identified_as_flask_login_identifies_it(app, environ):
    from flask_login.utils import _create_identifier

    with app.test_request_context("/", environ_base=environ):
        expected = _create_identifier()
    assert warm._identifier(environ) == expected


def test_behind_a_trusted_proxy_the_warm_answer_reads_the_clients_scheme(demo, db_url, tmp_path):
    """The proxy's headers are read before the warm answers (ProxyFix wraps them): over HTTPS at the
    proxy, the warm answer carries Strict-Transport-Security as the app's does."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    from scorecard import create_app
    from scorecard.config import TestingConfig

    behind = create_app(type("Behind", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": db_url, "TRUSTED_PROXIES": 1,
                                                         "HSTS_SECONDS": 600, "UPLOAD_FOLDER": str(tmp_path / "u")}))
    try:
        assert isinstance(behind.wsgi_app, ProxyFix) and isinstance(behind.wsgi_app.app, warm.WarmAnswers)
        reached = []
        layer = behind.wsgi_app.app
        inner = layer.wsgi_app
        layer.wsgi_app = lambda environ, start: reached.append(environ["PATH_INFO"]) or inner(environ, start)
        client = _signed_in(behind, "viewer", HTTP_X_FORWARDED_PROTO="https",
                            HTTP_REFERER="https://localhost/auth/login")  # CSRF over HTTPS checks the referrer
        reached.clear()
        body = callback_body("heatmap-graph.figure", HEATMAP)
        first, again = (client.post(CALLBACK_URL, json=body) for _ in range(2))
        assert first.status_code == again.status_code == 200 and len(reached) == 1
        assert again.headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
        assert _headers(again) == _headers(first)
    finally:
        with behind.app_context():
            db.session.remove()
            db.engine.dispose()
