"""Warm answers, served in front of the framework: a dashboard callback the cache already answers.

A page opened again asks Dash's callback endpoint for answers the cache holds (`cache.answered`).
Through Flask, Flask-Login and Dash such a lookup cost about 1.3 ms, nearly all of it the framework's
own work (a request context, the session, the user loaded through the ORM, the data version read
through it, the answer wrapped and its headers added): on the small pages, as much as computing the
answer's numbers. `WarmAnswers`, a WSGI middleware around the app, answers such a request itself when,
and only when, the app would answer it from the cache with nothing else to do:

- a POST over http or https to the callback endpoint, addressed by its path alone (no query string),
  sent as JSON of at most `validation.MAX_BODY_BYTES` with its Content-Length, not in chunks;
- the app's own signed session cookie (its serializer, its lifetime) of an active signed-in user, whose session
  token is still the user's (read in one statement with the data version), within its idle and absolute
  limits with a last-seen time too recent to be rewritten (`security.session_current`), whose client is
  the one it was signed in from as Flask-Login's session protection reads it, with no remember-me state;
- a body that `validation.check_request` accepts, for a callback marked `cached_answer`, whose answer
  the cache holds under the key the app reads (`cache.answer_key`: the request, who is looking, the
  data version).

Its answer is the app's bytes with the headers the app's would carry (`security.add_security_headers`,
`Vary: Cookie`). Anything else (a miss, a session to rewrite, a cache or database that does not answer,
any error of its own) goes on to the app untouched but for the body it read, put back: the middleware
never refuses and never answers otherwise than the app would.
"""
import hmac
import io
import logging
import time
from hashlib import sha512
from types import SimpleNamespace

import sqlalchemy as sa
from werkzeug.datastructures import Headers
from werkzeug.http import parse_cookie, parse_options_header

from dashboards import cache, validation
from scorecard.extensions import db, login_manager
from scorecard.models import Role, User
from scorecard.security import add_security_headers, session_current

log = logging.getLogger(__name__)

# The signed-in user's columns the statement reads after the data version's.
_USER = (User.session_token, User.role, User.function_id, User.leader_id, User.active)


class WarmAnswers:
    """WSGI middleware: a warm callback request answered from the cache, everything else passed on."""

    def __init__(self, app, dash_app, wsgi_app):
        self.app, self.dash_app, self.wsgi_app = app, dash_app, wsgi_app
        self.path = dash_app.config.routes_pathname_prefix + "_dash-update-component"
        self._kept_headers = {}  # by (HTTPS, HSTS_SECONDS)
        self._sql = {}  # by kind of database: (the data version's SQL, the user's, whether its parameter is positional)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == self.path \
                and not environ.get("QUERY_STRING") and _as_sent(environ) \
                and environ.get("wsgi.url_scheme") in ("http", "https"):
            found = self._answer(environ)
            if found is not None:
                headers, body = found
                start_response("200 OK", headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ):
        """(headers, body) of the app's kept answer to this request, or None: the app answers it."""
        kept = self._session(environ)  # first: a body is read only for a session this may answer for
        body = _body(environ) if kept is not None else None
        if body is None:
            return None
        try:
            with self.app.app_context():
                return self._kept_answer(environ, body, kept)
        except Exception:  # noqa: BLE001 — the app answers: its own handling (a 503 for a database down) applies
            log.debug("a warm answer was passed to the app", exc_info=True)
            return None

    def _session(self, environ) -> dict | None:
        """The signed session the cookie holds, when it is one this middleware may answer for."""
        app = self.app  # read as the app reads it at each request (its settings, its secret keys)
        value = parse_cookie(environ).get(app.config["SESSION_COOKIE_NAME"])
        serializer = app.session_interface.get_signing_serializer(app)
        if not value or serializer is None:
            return None
        try:
            kept = serializer.loads(value, max_age=int(app.permanent_session_lifetime.total_seconds()))
        except Exception:  # noqa: BLE001 — a bad or expired signature: the app's own reading decides
            return None
        if not isinstance(kept, dict) or not isinstance(kept.get("_user_id"), str) or "_remember" in kept:
            return None
        protection = app.config.get("SESSION_PROTECTION", login_manager.session_protection)
        if protection in ("basic", "strong") and kept.get("_id") != _identifier(environ) \
                and (protection == "strong" or kept.get("_fresh") is not False):
            return None  # the app marks the session no longer fresh (then keeps it so), or ends it
        return kept

    def _kept_answer(self, environ, raw: bytes, kept: dict):
        if not session_current(kept, time.time()):
            return None
        user_id, _, token = kept["_user_id"].partition(":")
        if not (user_id.isascii() and user_id.isdigit() and token) or int(user_id) > validation.MAX_ID:
            return None
        body = self.app.json.loads(raw)
        if not cache.marked(self.dash_app.callback_map, body):
            return None
        try:
            validation.check_request(self.dash_app.callback_map, body)
        except validation.CallbackInputError:
            return None  # the app answers 400, naming what was wrong
        values, user = self._read(int(user_id))
        if user is None or not user[4] or not user[0] or not hmac.compare_digest(user[0], token):
            return None  # no such user, an inactive one (Flask-Login: not authenticated) or an ended session
        parts = cache.version_parts(values)
        environ[cache.READ_PARTS] = parts  # the app, answering, reads the data version no second time
        viewer = cache.viewer_of(SimpleNamespace(role=Role(user[1]), function_id=user[2], leader_id=user[3]))
        found = cache.look_up(cache.answer_key(body, viewer, cache.version_of(parts)))
        if found is cache.MISSING:
            return None
        return self._headers(environ.get("wsgi.url_scheme") == "https") + [("Content-Length", str(len(found)))], found

    def _read(self, user_id: int) -> tuple:
        """The data version's values and the user's (session token, role, function, leader, active; None when
        there is no such user), on a bare connection of the pool: the statements' SQL is built once."""
        engine = db.engine
        if engine.dialect.name not in self._sql:
            user = sa.select(*_USER).where(User.id == sa.bindparam("user_id")).compile(dialect=engine.dialect)
            self._sql[engine.dialect.name] = (cache.version_sql(engine.dialect), user.string, user.positional)
        version, user, positional = self._sql[engine.dialect.name]
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(version)
            values = cursor.fetchone()
            cursor.execute(user, (user_id,) if positional else {"user_id": user_id})
            found = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        return values, found

    def _headers(self, secure: bool) -> list:
        """The headers of the app's answer from the cache, but its length (the same for every answer)."""
        which = (secure, self.app.config.get("HSTS_SECONDS"))
        if which not in self._kept_headers:
            headers = Headers([("Content-Type", "application/json")])
            add_security_headers(headers, secure=secure)
            headers.add("Vary", "Cookie")
            self._kept_headers[which] = headers.to_wsgi_list()
        return list(self._kept_headers[which])


def _body(environ) -> bytes | None:
    """The request's JSON body, read whole and put back for the app; None when it is not one this
    middleware answers (no Content-Length, too long, not JSON)."""
    mimetype = parse_options_header(environ.get("CONTENT_TYPE", ""))[0].lower()
    if not (mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))):
        return None
    if environ.get("HTTP_TRANSFER_ENCODING"):  # sent in chunks: the app reads no Content-Length beside them
        return None
    length = environ.get("CONTENT_LENGTH", "")
    if not (length.isascii() and length.isdigit()) or not 0 < int(length) <= validation.MAX_BODY_BYTES:
        return None
    body = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    return body if len(body) == int(length) else None


def _as_sent(environ) -> bool:
    """Whether the address the client sent (RAW_URI or REQUEST_URI, where the server gives it) is the path
    alone: a longer one (a fragment, an absolute form, past MAX_URL_LENGTH) is the app's to judge."""
    sent = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return sent is None or sent == environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")


def _identifier(environ) -> str:
    """Flask-Login's identifier of the client (flask_login.utils._create_identifier), from the environ:
    the first X-Forwarded-For address, else the remote address, and the user agent, as bytes."""
    address = environ.get("HTTP_X_FORWARDED_FOR", environ.get("REMOTE_ADDR"))
    if address is not None:
        address = address.encode("utf-8").split(b",")[0].strip()
    agent = environ.get("HTTP_USER_AGENT")
    if agent is not None:
        agent = agent.encode("utf-8")
    return sha512(f"{address}|{agent}".encode()).hexdigest()
