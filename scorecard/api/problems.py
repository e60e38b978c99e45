"""Errors of the REST API as RFC 9457 problem details (`application/problem+json`).

Every error answer has `type`, `title`, `status` and `detail`; a data problem adds `errors`, one
item per bad value, `{row, column, value, message}` as the importers report them (`row` is None
for a value outside any row, e.g. a query parameter or a field of one object)."""
import contextlib
import json as stdlib_json
import math
from typing import Optional

import sqlalchemy as sa
from flask import current_app, g, json, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from scorecard.errors import RETRY_AFTER, failed_words, too_large_words, unavailable_words
from scorecard.json_bodies import number_as_sent, refusing_depth
from scorecard.text import counted, shown

PROBLEM_JSON = "application/problem+json"
# `type` is a URI reference to where the documentation page explains the problem (RFC 9457 §3.1.1).
TYPE_BASE = "/api/v1/docs#problem-"

TITLES = {
    400: "The request could not be understood",
    401: "A valid API token is needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "The commitment changed since you read it",
    413: "The request is too large",
    414: "The address is too long",
    415: "Unsupported media type",
    422: "The data has problems",
    428: "If-Match is required",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "Unavailable for now: try again later",  # the database or the job service did not answer (Retry-After)
}


class ApiProblem(Exception):
    """An error answer: raise it anywhere in the API and it becomes a problem+json response."""

    def __init__(self, status: int, detail: str, *, errors: Optional[list] = None, headers: Optional[dict] = None,
                 extra: Optional[dict] = None, title: Optional[str] = None):
        super().__init__(detail)
        self.status, self.detail, self.errors = status, detail, errors
        self.headers, self.extra, self.title = headers or {}, extra or {}, title


def problem_type(status: int) -> str:
    return f"{TYPE_BASE}{status}"


def problem_response(status: int, detail: str, *, errors: Optional[list] = None, headers: Optional[dict] = None,
                     extra: Optional[dict] = None, title: Optional[str] = None):
    body = {**(extra or {}), "type": problem_type(status),
            "title": title or TITLES.get(status, HTTP_STATUS_CODES.get(status, "Error")),
            "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    response = current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_problem(error: ApiProblem):
    return problem_response(error.status, error.detail, errors=error.errors, headers=error.headers,
                            extra=error.extra, title=error.title)


def handle_http_exception(error: HTTPException):
    """Werkzeug's and webargs' HTTP errors inside the API, as problems. Validation errors of a
    request (webargs, 422) carry every bad value in `errors`."""
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = dict(data.get("headers") or {})
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if status == 429:
        return problem_response(status, too_many_words(error.description), headers=_retry_after(error, headers))
    messages = data.get("messages")
    if messages:
        errors = flatten(messages, sent_value, limit=MAX_ERRORS_LISTED)
        total = len(errors) if len(errors) < MAX_ERRORS_LISTED else count_messages(messages)
        listed = f" (the first {len(errors):,} are listed)" if total > len(errors) else ""
        changes = request.method not in ("GET", "HEAD", "OPTIONS")  # a read changes nothing anyway
        have = "has" if total == 1 else "have"
        return problem_response(status, f"{counted(total, 'value')} in the request {have} problems{listed}"
                                + ("; nothing was changed." if changes else "."), errors=errors, headers=headers)
    description = failed_words() if status == 500 else too_large_words() if status == 413 else error.description
    return problem_response(status, str(description or TITLES.get(status, "")), headers=headers)


def too_many_words(limit: str) -> str:
    """What a 429 says: the limit, and whose requests it counts (scorecard.api._rate_key)."""
    whose = ("per user (all your tokens together)" if g.get("api_token") is not None
             else "from one address without a valid token")
    return f"The API allows {limit} {whose}; wait and try again."


def handle_unexpected(error: Exception):
    words = unavailable_words(error) if isinstance(error, (sa.exc.OperationalError, sa.exc.ProgrammingError)) \
        else None
    if words is not None:  # the database went away, or was never set up: 503, as the web pages answer it
        return problem_response(503, words, headers={"Retry-After": RETRY_AFTER})
    current_app.logger.exception("API request failed", exc_info=error)
    return problem_response(500, failed_words())


def _sent_body():
    """The request's JSON body as sent, a text holding a character no column keeps included (Flask's
    reader refuses such a body, so the value that was refused could not be quoted); None if not JSON.
    Read once a request: every refused value of a body quotes from it (read again for each, a body of
    2,000 refused rows took 10 s)."""
    if not request.is_json:
        return None
    if "scorecard_sent_body" not in g:
        try:
            g.scorecard_sent_body = refusing_depth(lambda: stdlib_json.loads(request.get_data(as_text=True),
                                                                             parse_float=number_as_sent))
        except ValueError:
            g.scorecard_sent_body = None
    return g.scorecard_sent_body


def sent_value(row, column, item=None):
    """The value the client sent at `row` / `column` (the `item`th of a repeated query parameter),
    to quote it beside the message."""
    if column is None:
        return None
    body = _sent_body()
    if row is not None:
        item_of = body[row - 1] if isinstance(body, list) and 0 < row <= len(body) else None
        value = item_of.get(column) if isinstance(item_of, dict) else None
    elif isinstance(body, dict) and column in body:
        value = body[column]
    elif item is not None:
        sent = request.args.getlist(column) or request.form.getlist(column)
        value = sent[item] if 0 <= item < len(sent) else None
    else:
        value = request.args.get(column, request.form.get(column))
    if isinstance(value, float) and not math.isfinite(value):
        # as the texts sent: a JSON number cannot be NaN or Infinity, and strict parsers refuse them
        return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    # quoted with a character no text keeps written as its escape (the reason it may be refused)
    quoted = value if value is None or isinstance(value, (str, int, float, bool)) else json.dumps(value)
    return shown(cut(quoted))  # cut before the escapes are written: never half of one


# A value quoted back is cut to this many characters: a note of 20 MB refused as too long was sent back whole,
# a problem as large as the body.
QUOTED_AT_MOST = 200


def cut(quoted):
    """A text quoted in a problem, at most QUOTED_AT_MOST characters and "…" (anything else as it is)."""
    if isinstance(quoted, str) and len(quoted) > QUOTED_AT_MOST:
        return quoted[:QUOTED_AT_MOST] + "…"
    return quoted


def _retry_after(error, headers: dict) -> dict:
    response = getattr(error, "response", None)
    if response is not None and response.headers.get("Retry-After"):
        headers["Retry-After"] = response.headers["Retry-After"]
    return headers


# A problem lists at most this many bad values, as an import keeps at most as many errors: a body of a million
# unknown keys was answered with each one quoted, a 114 MB problem taking a minute and a gigabyte to write.
MAX_ERRORS_LISTED = 5000


class _Enough(Exception):
    """flatten found as many values as it lists."""


def flatten(messages, value_of=None, *, limit=None) -> list[dict]:
    """webargs' nested messages ({"json": {0: {"metric": ["..."]}}}) as a list of
    {row, column, value, message}: an integer key is an item of a JSON array body (row, counted from
    1), or of a repeated query parameter (`status=a&status=b`: the parameter is the column, and the
    value the item sent); a name is a field or query parameter (column). The first `limit` of them
    when given (count_messages counts them all)."""
    found: list[dict] = []

    def walk(node, row, column, item=None):
        if isinstance(node, dict):
            for key, child in node.items():
                if isinstance(key, int) and column is None:
                    walk(child, key + 1, column)
                elif isinstance(key, int):
                    walk(child, row, column, key)
                elif key in ("json", "query", "form", "files", "multipart", "headers", "view_args", "_schema"):
                    walk(child, row, column)
                else:
                    walk(child, row, key if column is None else f"{column}.{key}")
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child, row, column, item)
        else:
            if limit is not None and len(found) >= limit:
                raise _Enough
            found.append({"row": row, "column": column,
                          "value": (value_of(row, column, item) if item is not None else value_of(row, column))
                          if value_of else None, "message": str(node)})
    with contextlib.suppress(_Enough):
        walk(messages, None, None)
    return found


def count_messages(messages) -> int:
    """How many messages webargs' nested messages hold (the items flatten would list)."""
    if isinstance(messages, dict):
        return sum(count_messages(child) for child in messages.values())
    if isinstance(messages, (list, tuple)):
        return sum(count_messages(child) for child in messages)
    return 1
