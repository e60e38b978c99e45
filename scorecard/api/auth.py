"""Every API request is authenticated by its bearer token and checked against the permission
table before anything else looks at the user.

This runs as a URL value preprocessor, which Flask calls before any `before_request` function, so
before the app's sign-in wall: the wall then sees the token's user. Session cookies are never
read for the API: a request without a valid token is 401 even from a signed-in browser (so the
API needs no CSRF token). Only the documentation (the OpenAPI document and its page) may also be
read by a person signed in on the web."""
from typing import Optional

from flask import current_app, g, request
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from scorecard.api import count_request
from scorecard.api.permissions import rule_for
from scorecard.api.problems import ApiProblem
from scorecard.api.tokens import find_token
from scorecard.extensions import db
from scorecard.models import TokenScope
from scorecard.permissions import can
from scorecard.routing import MAX_ID
from scorecard.security import url_too_long

DOC_ENDPOINTS = frozenset({"api-docs.openapi_json", "api_docs.page"})
CHALLENGE = 'Bearer realm="CX Scorecard API"'


# Every path under /api is the API's, a version not served (/api/v2/...) or none (/api) too: it answers as
# /api/v1's unknown paths do (401 without a valid token, else a 404 problem), not with the web's redirect to
# its sign-in page, which a client following redirects read as a 200 HTML form.
ROOT = "/api"


def is_api_request() -> bool:
    return request.path == ROOT or request.path.startswith(ROOT + "/")


def bearer_secret(header: Optional[str]) -> Optional[str]:
    if not header:
        return None
    scheme, _, secret = header.strip().partition(" ")
    return secret.strip() or None if scheme.lower() == "bearer" else None


def authenticate(endpoint, _values) -> None:
    if not is_api_request():
        return
    try:
        _authenticate(endpoint)
    except ApiProblem:
        count_request()  # refused before the limiter's own check: counted here (by user, or by address), or never
        raise


def _authenticate(endpoint) -> None:
    if url_too_long():
        raise ApiProblem(414, f"The address is longer than {current_app.config['MAX_URL_LENGTH']} characters.")
    header = request.headers.get("Authorization")
    if endpoint in DOC_ENDPOINTS and not header and _for_a_person(endpoint):
        return  # a person signed in on the web reads the documentation; the sign-in wall decides
    secret = bearer_secret(header)
    if secret is None:
        raise ApiProblem(401, "Send a personal access token as 'Authorization: Bearer <token>' (make one on the "
                              "API tokens page or with `scorecard token create`); " + _not_taken(header),
                         headers={"WWW-Authenticate": CHALLENGE})
    token = find_token(db.session, secret)
    if token is None:
        raise ApiProblem(401, "The token is unknown, expired or revoked, or its user is no longer active.",
                         headers={"WWW-Authenticate": CHALLENGE + ', error="invalid_token"'})
    g._login_user = token.user  # Flask-Login's current_user for this request: the token's user, never the session's
    g.api_token = token
    if request.routing_exception is not None:
        _routing_problem(request.routing_exception)
    if endpoint in DOC_ENDPOINTS:
        return
    authorize(token, request.method, request.url_rule.rule)


def _not_taken(header: Optional[str]) -> str:
    """What was sent instead of a token, in words: another scheme ("Basic"), a Bearer without its token, or
    nothing but (perhaps) the web's session cookie."""
    scheme = (header or "").strip().partition(" ")[0]
    if not scheme:
        return "the API does not accept session cookies."
    if scheme.lower() == "bearer":
        return "the Authorization header sent says Bearer but gives no token."
    shown = scheme[:20] if scheme.isascii() and scheme.isprintable() else "another"
    return f"the API does not accept the {shown!r} scheme sent, only Bearer."


def _for_a_person(endpoint: str) -> bool:
    """A request for the documentation that a person makes: the HTML page, or the OpenAPI document from
    a browser (it prefers HTML) or a web session. A program asking for the document without a token gets
    the API's 401, not a redirect to the sign-in page."""
    if endpoint == "api_docs.page" or current_user.is_authenticated:
        return True
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def authorize(token, method: str, flask_rule: str) -> None:
    """403 unless the permission table has a rule for the operation that the token's user's role and its
    scope meet, said in that order."""
    rule = rule_for(method, flask_rule)
    if rule is None:
        raise ApiProblem(403, "This operation has no permission rule, so nobody may call it.")
    # the role first: a write token would not help a role that may not do it (a viewer may make none)
    if not any(can(token.user, action) for action in rule.actions):
        raise ApiProblem(403, f"Your role ({token.user.role.value}) may not do this.")
    if rule.writes and token.scope is not TokenScope.write:
        raise ApiProblem(403, "This token is a read token; it cannot change anything. Make a write token to do this.")


def _routing_problem(error) -> None:
    """No operation matches the URL (404) or the method (405): a problem, not the web's error page."""
    if not isinstance(error, HTTPException) or error.code is None or error.code >= 300 and error.code < 400:
        raise error
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else None
    detail = (f"Nothing is at {request.path}: no operation has this address, or its id is past the largest one "
              f"stored ({MAX_ID}); GET /api/v1/openapi.json lists the operations." if error.code == 404
              else f"{request.method} is not allowed here." if error.code == 405 else str(error.description))
    raise ApiProblem(error.code, detail, headers=headers)
