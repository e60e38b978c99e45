"""The REST API, /api/v1: JSON described by OpenAPI 3 at /api/v1/openapi.json, with a documentation
page at /api/v1/docs and an "API tokens" page for people.

Built on flask-smorest: the marshmallow schemas that validate every request are also what the
OpenAPI document says, so the document cannot drift from the code. Requests authenticate with a
personal access token (scorecard.api.auth), are checked against one permission table
(scorecard.api.permissions), are rate limited per user, all their tokens together, and without a
valid token per client address (Flask-Limiter; API_RATE_LIMIT), and every error is an RFC 9457
problem (scorecard.api.problems)."""
import logging
import os

import sqlalchemy as sa
from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address
from flask_login import current_user

from scorecard.api.permissions import PREFIX
from scorecard.api.ports import EXTENSION, ImportServices
from scorecard.api.problems import ApiProblem, too_many_words
from scorecard.config import redis_timeouts

__all__ = ["ImportServices", "init_app"]

SETTINGS = {
    "API_TITLE": "CX Scorecard API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
    # API_RATE_LIMIT, API_IMPORT_WAIT_SECONDS and API_IMPORT_WAITERS are read from the environment with the
    # others (scorecard.config.Config), and checked before anything starts.
    "RATELIMIT_STORAGE_URI": os.environ.get("SCORECARD_RATELIMIT_STORAGE_URI", "memory://"),
    "RATELIMIT_HEADERS_ENABLED": True,
    # A shared store (Redis) that stops answering: limits are kept in memory meanwhile, requests go on.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_SWALLOW_ERRORS": True,
}


def init_app(app, imports: ImportServices) -> None:
    """Register the API on `app`; `imports` is the import pipeline, handed in by the app factory."""
    from scorecard.api import auth, problems, schemas
    from scorecard.api.base import Api
    from scorecard.api.resources import capacity, commitments, findings, observations, org, plans, scores
    from scorecard.api.resources import imports as import_resources
    from scorecard.api.web import docs_bp, tokens_bp
    from scorecard.extensions import csrf

    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    app.extensions[EXTENSION] = imports
    schemas.LAYOUTS[:] = list(imports.access.FORMATS)  # documented as the `format` parameters' enum

    api = Api(app, spec_kwargs={"info": {"description": __doc__}, "security": [{"bearer": []}]})
    api.spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                                   "description": "A personal access token (API tokens page)."})
    app.extensions["scorecard.api"] = api

    blueprints = (org.blp, observations.blp, scores.blp, findings.blp, commitments.blp, plans.blp, capacity.blp,
                  import_resources.blp)
    for blp in blueprints:
        api.register_blueprint(blp, url_prefix=PREFIX)
        csrf.exempt(blp)  # a bearer token, never a cookie, authenticates the API: there is no CSRF to guard
    app.register_blueprint(docs_bp, url_prefix=PREFIX)
    app.register_blueprint(tokens_bp, url_prefix="/api-tokens")
    # Raised before any blueprint is known (authentication runs first, see auth.py), so app-wide.
    app.register_error_handler(problems.ApiProblem, problems.handle_problem)
    app.url_value_preprocessor(auth.authenticate)
    app.after_request(_retry_after_when_refused)  # registered before the limiter's own: runs after it
    _limit(app)
    app.after_request(_no_store)


def _limit(app) -> None:
    """Rate limits for the API only, one in-memory store per app unless RATELIMIT_STORAGE_URI names
    a shared one (Redis), keyed by user (all their tokens): one count across every operation (an application limit;
    a default limit would count each operation apart, 300 a minute on each of thirty)."""
    from scorecard.api.auth import is_api_request

    if app.config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_timeouts(app.config))  # as the cache's
    # A request to no operation has no endpoint, which the limiter would pass uncounted: its path stands for
    # it, marked so that it never reads as a static file's endpoint (one ending ".static" is let through).
    limiter = Limiter(_rate_key, application_limits=[lambda: app.config["API_RATE_LIMIT"]],
                      request_identifier=lambda: request.endpoint or f"{request.path} (no operation)")
    limiter.request_filter(lambda: not is_api_request())
    limiter.init_app(app)
    app.extensions[LIMITER] = limiter
    limiter_log = logging.getLogger("flask-limiter")
    if _store_not_answering not in limiter_log.filters:
        limiter_log.addFilter(_store_not_answering)


def _store_not_answering(record: logging.LogRecord) -> bool:
    """The limiter's "Failed to rate limit. Swallowing error" (its shared store, Redis, not answering: the limits
    are kept in memory meanwhile), said in one line as a warning, as the app says its cache or job service is
    not answering: as an ERROR with a traceback it read as a fault, and set off every alert on them."""
    error = record.exc_info[1] if record.exc_info else None
    # the store's own errors (redis-py's, the limits package's, the connection's); any other stays as it is
    if record.levelno >= logging.ERROR and (isinstance(error, (ConnectionError, TimeoutError, OSError)) or (
            error is not None and type(error).__module__.split(".")[0] in ("redis", "limits"))):
        record.msg = f"{record.getMessage()} (the rate limits' store is not answering: {error.__class__.__name__}: " \
                     f"{str(error)[:200]}); limits are counted in memory meanwhile"
        record.args, record.exc_info, record.exc_text = None, None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
    return True


LIMITER = "scorecard.api.limiter"


def count_request() -> None:
    """Count this request against the API's limit now, by _rate_key (429 past it). Authentication calls it
    for a request it refuses (no valid token, no such operation, not allowed): Flask runs authentication (a
    URL value preprocessor) before the limiter's own check (a before_request function), which then never
    sees the request, so one without a token could be sent without end."""
    try:
        current_app.extensions[LIMITER]._check_request_limit()  # the check the limiter runs before each request
    except RateLimitExceeded as error:
        # a problem, whichever handler answers: a path of no operation is no blueprint's, and the app's is a page
        raise ApiProblem(429, too_many_words(error.description)) from None


def _rate_key() -> str:
    """Whose requests are counted together: the token's user (all their tokens: more tokens are not
    more requests), else the person signed in on the web (reading the API's documentation), else the
    client's address: requests without a token from one address (behind one NAT or proxy) do not use up
    a signed-in person's count."""
    token = g.get("api_token")
    if token is not None:
        return f"user:{token.user_id}"
    try:
        if current_user.is_authenticated:
            return f"user:{current_user.id}"
    except sa.exc.DBAPIError:  # the database is not answering (the request is answered 503 further on)
        pass
    return get_remote_address()


def _retry_after_when_refused(response):
    """Retry-After only where it means something (429, 503: RFC 9110 §10.2.3): the limiter adds it to every
    answer beside its X-RateLimit headers, and a client could read a 200's as "wait"."""
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    elif response.headers.get("Retry-After") == "0":  # the limiter's last fraction of its window, rounded down:
        response.headers["Retry-After"] = "1"  # "retry after 0 s" is refused again at once (a client loops on it)
    return response


def _no_store(response):
    """API answers carry a person's data: no cache keeps them."""
    if request.path.startswith(PREFIX + "/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response
