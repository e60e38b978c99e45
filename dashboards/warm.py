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

A page asks the same few callbacks again and again with the same cookie: what was read of a cookie (its
signature checked, its payload) and of a body (checked, and what it asks) is kept by their text, at most
`MEMO_ENTRIES` of each. A cookie's age is judged at every request, and one signed with keys the app no longer
has is read again (and refused).

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
        # What was read of a cookie or a body already seen: a page asks the same few callbacks again and again,
        # with the same cookie (its signature checked, then its payload read: a fifth of the time of a warm answer)
        self._signing = None  # the keys the sessions read were signed with
        self._sessions: dict = {}  # a cookie's value -> (its session, when it was signed), or None: not one of ours
        self._asked: dict = {}  # a body -> what it asks (cache.asked), or None: not a request this answers

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
        if not value:
            return None
        signing = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if signing != self._signing:  # keys changed: nothing read under the old ones stands
            self._signing, self._sessions = signing, {}
        found = _remembered(self._sessions, value, lambda: _signed(app, value))
        if found is None:
            return None
        kept, signed_at = found  # kept as read: never changed here
        age = int(time.time()) - int(signed_at.timestamp())  # as itsdangerous reads max_age: whole seconds
        if not 0 <= age <= int(app.permanent_session_lifetime.total_seconds()):
            return None  # expired (or signed in the future): the app's own reading decides
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
        asked = _remembered(self._asked, raw, lambda: self._read_body(raw))
        if asked is None:
            return None
        values, user = self._read(int(user_id))
        if user is None or not user[4] or not user[0] or not hmac.compare_digest(user[0], token):
            return None  # no such user, an inactive one (Flask-Login: not authenticated) or an ended session
        parts = cache.version_parts(values)
        environ[cache.READ_PARTS] = parts  # the app, answering, reads the data version no second time
        viewer = cache.viewer_of(SimpleNamespace(role=Role(user[1]), function_id=user[2], leader_id=user[3]))
        found = cache.look_up(cache.answer_key(asked, viewer, cache.version_of(parts)))
        if found is cache.MISSING:
            return None
        return self._headers(environ.get("wsgi.url_scheme") == "https") + [("Content-Length", str(len(found)))], found

    def _read_body(self, raw: bytes) -> str | None:
        """What the request body `raw` asks (cache.asked), or None: not JSON the app reads, not for a callback
        whose answer is kept, or one the app refuses (it answers 400, naming what was wrong)."""
        try:
            body = self.app.json.loads(raw)
            if not cache.marked(self.dash_app.callback_map, body):
                return None
            validation.check_request(self.dash_app.callback_map, body)
        except (ValueError, validation.CallbackInputError):
            return None
        return cache.asked(body)

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


MEMO_ENTRIES = 1024  # cookies, and bodies, whose reading is kept (then all forgotten at once)
MEMO_BYTES = 4096  # the longest cookie or body kept: a session's cookie and a page's request are far shorter
_UNREAD = object()


def _remembered(memo: dict, key, read):
    """`read()`, kept in `memo` under `key` (a text or bytes of at most MEMO_BYTES) and read from there again
    (in one step: another thread may empty the memo between two)."""
    value = memo.get(key, _UNREAD)
    if value is not _UNREAD:
        return value
    value = read()
    if len(key) <= MEMO_BYTES:
        if len(memo) >= MEMO_ENTRIES:
            memo.clear()
        memo[key] = value
    return value


def _signed(app, value: str) -> tuple | None:
    """(the session, when it was signed) that the cookie's `value` holds, signed with the app's keys as its
    session interface signs it; None when it is not such a cookie."""
    serializer = app.session_interface.get_signing_serializer(app)
    if serializer is None:
        return None
    try:
        return serializer.loads(value, return_timestamp=True)
    except Exception:  # noqa: BLE001 — a bad signature, or a payload that does not read: the app's own reading decides
        return None


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
