"""Error pages that speak plainly and never leak internals."""
import logging
from typing import Optional
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app, g, has_request_context, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from scorecard.security import safe_next, wants_json

log = logging.getLogger(__name__)
# A form posted over plain http to a server whose session cookie is Secure: the browser never sent the
# cookie back, so the form's CSRF check finds no session ("The CSRF session token is missing.").
PLAIN_HTTP = ("This site works over HTTPS only: its sign-in cookie is not sent over a plain http connection, so "
              "the form could not be checked and nothing was changed. Open the site's https:// address. (Behind a "
              "TLS proxy, the administrator sets SCORECARD_TRUSTED_PROXIES so the app sees the connection as "
              "HTTPS.)")
FORM_NOT_CHECKED = ("Nothing was saved or changed: this form could not be checked as yours. It was opened in a "
                    "session that has ended or changed since (a sign-out, or signing in again in another tab or "
                    "window), or it did not come from this site's page. Open the page again and send the form from "
                    "there.")
SAVED_TWICE = ("What you sent met something saved at the same moment (a second click of the button, or someone "
               "else saving the same thing), so this request saved nothing; what was saved first stands. Open the "
               "page again to see what is saved now.")
DATABASE_DOWN = ("The database is not answering (it may be restarting). Nothing was changed; try again in a "
                 "minute.")
# SQLite's one writer, held past the wait (busy_timeout) by a long change of another request or command: the
# database answers, and said "not answering (it may be restarting)" an officer looked for an outage.
DATABASE_BUSY = ("The database is busy with another long change (an import, its revert or an evaluation of the "
                 "rules). Nothing was changed; try again in a minute.")
# The same, met after the request had saved its change (reading it back for the answer): sent again, it could
# be saved twice.
DATABASE_DOWN_AFTER_SAVE = ("Your change was saved, but the database stopped answering (it may be restarting) "
                            "before this answer could be made. Do not send it again: look at it in a minute.")
# A database that answers but holds none of this release's tables (a deploy that skipped its migration): what
# every page met said the database was not answering (SQLite's "no such table"), or failed as a bare 500
# (PostgreSQL's undefined table).
NOT_SET_UP = ("CX Scorecard is not ready: its database has not been set up for this release, so nothing was read "
              "or changed. An administrator sets it up with `scorecard db upgrade`; /healthz says what it found.")
FAILED = "The request failed unexpectedly; nothing was changed."
FAILED_AFTER_SAVE = ("Your change was saved, but the request failed unexpectedly after saving it. Do not send it "
                     "again: look at it first.")


def init_app(app) -> None:
    for code in (400, 401, 403, 404, 405, 413, 414, 429, 500):
        app.register_error_handler(code, _handler(code))
    app.register_error_handler(sa.exc.OperationalError, _database_down)
    app.register_error_handler(sa.exc.ProgrammingError, _database_down)
    app.register_error_handler(sa.exc.IntegrityError, _saved_twice)
    app.teardown_appcontext(_end_session)  # runs before Flask-SQLAlchemy's own (teardowns run last first)
    # After the checks before every view (security's, the API's sign-in): what they commit is the app's own
    # bookkeeping (a token's last use, a timed-out session recorded), not the person's change.
    app.before_request(_count_saves_from_here)


# ---------------------------------------------------------------------------- what a request saved

_WROTE, _SAVED = "_scorecard_wrote", "_scorecard_saved"
_WRITES = ("INSERT", "UPDATE", "DELETE")


@sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
def _note_write(_connection, _cursor, statement, _parameters, _context, _executemany) -> None:
    if has_request_context() and statement.lstrip()[:6].upper() in _WRITES:
        g.setdefault(_WROTE, True)


@sa.event.listens_for(so.Session, "after_commit")
def _note_saved(_session) -> None:
    if has_request_context() and g.pop(_WROTE, False):
        g.setdefault(_SAVED, True)


@sa.event.listens_for(so.Session, "after_rollback")
def _note_undone(_session) -> None:
    if has_request_context():
        g.pop(_WROTE, None)


def _count_saves_from_here() -> None:
    g.pop(_WROTE, None)
    g.pop(_SAVED, None)


def saved_a_change() -> bool:
    """Whether this request (a form sent, an API write) has committed a change: a failure after it must
    not say that nothing was changed, and an answer read back from the database may fail after it. A
    read's own bookkeeping (an API token's last use) is not a change of the person's."""
    return (has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")
            and bool(g.get(_SAVED, False)))


def database_down_words() -> str:
    return DATABASE_DOWN_AFTER_SAVE if saved_a_change() else DATABASE_DOWN


def failed_words() -> str:
    return FAILED_AFTER_SAVE if saved_a_change() else FAILED


def _end_session(_error=None) -> None:
    """End the request's database session. Its rollback meets a connection the database dropped (a
    restart mid-request): that failure came after the answer was made, and raised it reached the server
    as its bare 500 in place of the answer; it is logged and the session let go instead."""
    from scorecard.extensions import db

    try:
        db.session.remove()
    except sa.exc.DBAPIError as error:
        log.warning("database connection lost while ending a request: %s", error.__class__.__name__)
        db.session.registry.clear()  # a new session next time; the pool checks the connection before use


TITLES = {
    400: "The request could not be understood",
    401: "Please sign in",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The file is too large",
    409: "Saved at the same moment",
    414: "The address is too long",
    503: "The service is not available",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


# In place of Werkzeug's own words, where a refusal gave none of its own ("You don't have the permission to
# access the requested resource. It is either read-protected or not readable by the server.").
PLAIN_WORDS = {
    401: "You are not signed in, so nothing was saved or changed. Sign in, then open the page again.",
    403: "Your role does not give access to this page or action. If your work needs it, ask an administrator.",
    404: "There is no page at this address: the link may be out of date, or the address mistyped. The menu above "
         "leads to every page your role can open.",
    405: "This address does not take that kind of request: open the page and use its buttons or forms.",
}


def _description(code: int, error) -> str | None:
    description = getattr(error, "description", None)
    if isinstance(error, HTTPException) and code in PLAIN_WORDS and description == type(error).description:
        return PLAIN_WORDS[code]
    return description


# Flask-WTF's reasons that a proxy set up wrong gives every form: the operator's log says where to look.
PROXY_HINTS = {"The referrer does not match the host.": (" (behind a proxy: does it pass on the Host header the "
                                                         "browser sent, and SCORECARD_TRUSTED_PROXIES its scheme?)")}


def _log_refused_form(reason: str) -> None:
    """The reason a form was refused, for the operator: the page says only that it could not be checked
    (the same words whatever the reason), and a proxy that rewrites the Host refuses every sign-in."""
    log.warning("form refused, %s %s: %s%s", request.method, request.path, reason, PROXY_HINTS.get(reason, ""))


def _handler(code):
    def handle(error):
        if code == 500:
            _roll_back()  # the page's navigation reads the user: a failed flush would fail it again
        description = _description(code, error) if code != 500 else failed_words()
        if code == 413:
            description = too_large_words()
        # The error's own headers, less its content type: a 405's Allow (RFC 9110), a 401's WWW-Authenticate.
        headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"] \
            if isinstance(error, HTTPException) else []
        if isinstance(error, CSRFError):  # Flask-WTF's own words ("The CSRF tokens do not match.") name its code
            _log_refused_form(error.description)
            plain_http = "session token is missing" in (description or "") and not request.is_secure \
                and current_app.config["SESSION_COOKIE_SECURE"]
            description = PLAIN_HTTP if plain_http else FORM_NOT_CHECKED
        if wants_json():
            return jsonify(error=TITLES[code], detail=description), code, headers
        return render_template("error.html", code=code, title=TITLES[code], description=description,
                               sign_in=_sign_in() if code == 401 else None), code, headers
    return handle


def _sign_in() -> str:
    """Where a 401 page's "Sign in" leads: back to the page the refused form was sent from (same site only)."""
    referrer = urlsplit(request.referrer or "")
    same_site = referrer.netloc == request.host
    back = safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""), "") if same_site else ""
    return url_for("auth.login", next=back) if back else url_for("auth.login")


def too_large_words() -> str:
    """What a 413 means here: the upload limit, and where to go on (werkzeug's own words name neither); the
    API's problems say it too."""
    limit = current_app.config.get("MAX_UPLOAD_BYTES")
    size = f"{limit / (1024 * 1024):g} MB" if limit else "the server's limit"
    if not request.path.startswith("/imports"):
        return f"A request may be at most {size}; nothing was received or changed."
    return (f"Uploads may be at most {size}; nothing was received or changed. Split the file (by quarter or by "
            "component) or save it as .xlsx or .csv without unused sheets, and upload the parts from Imports ▸ "
            "Upload.")


def _roll_back() -> None:
    """End the session's transaction after a failure, so that rendering the error page can query."""
    from scorecard.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 — the connection itself is gone
        db.session.remove()


RETRY_AFTER = "30"  # seconds: how long a client is asked to wait while the database is away


def database_gone(error) -> None:
    """What every answer to a request that met a database gone away does first: log it with the
    database's reason (`database_reason`) and roll the session's transaction back."""
    log.warning("database unavailable: %s: %s", error.__class__.__name__, database_reason(error))
    _roll_back()


def database_reason(error) -> str:
    """The driver's own words for `error` ("Connection refused", "database "x" does not exist",
    "password authentication failed ..."), on one line and cut to 300 characters, with the connection's
    password written as ***: an operator tells the outages apart. Not SQLAlchemy's message, which adds
    the statement and the values it was sent with (a user's data)."""
    from scorecard.extensions import db

    reason = getattr(error, "orig", None)
    if reason is None and isinstance(error, sa.exc.DBAPIError):
        return "no reason given"
    said = " ".join(str(reason if reason is not None else error).split())
    try:
        password = db.engine.url.password
    except RuntimeError:  # outside the app
        password = None
    if password:
        said = said.replace(str(password), "***")
    return said[:300] + ("…" if len(said) > 300 else "")


def _not_set_up() -> bool:
    """Whether the database answers but lacks this release's schema (checked after a failed statement)."""
    from scorecard.extensions import db
    from scorecard.main.services import schema_problem

    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        _roll_back()
        return False  # not answering at all
    problem = schema_problem(db.session)
    if problem:
        log.error("the database cannot serve this release: %s", problem)
    return problem is not None


def _database_down(error):
    """A request that met a database that went away (restarted, failed over): 503 with Retry-After,
    the session's transaction rolled back; the pool checks connections before use (pool_pre_ping),
    so the next request after the database is back succeeds without restarting the app. One that
    answers without this release's tables says so; any other failed statement is the 500 it is."""
    from scorecard.extensions import db

    words = unavailable_words(error)
    if words is None:
        current_app.log_exception((type(error), error, error.__traceback__))
        return _handler(500)(error)
    headers = {"Retry-After": RETRY_AFTER}
    if request.path.startswith("/api/") or "/_dash-" in request.path or request.is_json:
        return jsonify(title=TITLES[503], status=503, detail=words), 503, headers
    try:
        page = render_template("error.html", code=503, title=TITLES[503], description=words)
    except Exception:  # noqa: BLE001 — the page's navigation needed the database too
        db.session.remove()
        page = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{TITLES[503]}</title></head>"
                f"<body><main><h1>{TITLES[503]}</h1><p>{words}</p></main></body></html>")
    return page, 503, headers


def unavailable_words(error) -> Optional[str]:
    """What a 503 says of a database error (the web pages' and the API's): a database without this release's
    tables is not set up (`scorecard db upgrade`), not "not answering": a client told to wait for a restart
    would wait for ever. None for a failed statement of a database that is set up (PostgreSQL's
    ProgrammingError): the 500 it is. A database gone is logged as such (`database_gone`)."""
    if isinstance(error, sa.exc.ProgrammingError):
        _roll_back()
        return NOT_SET_UP if _not_set_up() else None
    database_gone(error)
    if _is_missing_table(error) and _not_set_up():
        return NOT_SET_UP
    return DATABASE_BUSY if _is_locked(error) and not saved_a_change() else database_down_words()


def _is_locked(error) -> bool:
    """SQLite's word for a write that waited its busy_timeout for another writer to finish."""
    return error.orig is not None and str(error.orig).startswith("database is locked")


def _is_missing_table(error) -> bool:
    """SQLite's word for a table or column the schema lacks (it raises OperationalError for both)."""
    return str(error.orig).startswith(("no such table", "no such column")) if error.orig is not None else False


def _saved_twice(error):
    """A save that broke a unique rule the page's own check had passed: the same form sent twice at
    once (a double click) or two people saving the same thing; the database kept one. 409 with what
    happened, the transaction rolled back, not a 500 (the API answers with its own problems)."""
    log.warning("a save met another at the same moment: %s %s broke %s", request.method, request.path,
                _constraint(error))
    _roll_back()
    if wants_json():
        return jsonify(error=TITLES[409], detail=SAVED_TWICE), 409
    return render_template("error.html", code=409, title=TITLES[409], description=SAVED_TWICE), 409


def _constraint(error) -> str:
    """The rule a save broke, for the log (never the values: PostgreSQL's detail quotes them)."""
    name = getattr(getattr(error.orig, "diag", None), "constraint_name", None)  # psycopg
    if name:
        return name
    text = str(error.orig).splitlines()[0] if error.orig is not None else ""
    return text if text.startswith(("UNIQUE constraint failed", "FOREIGN KEY", "NOT NULL", "CHECK")) else "a constraint"
