"""What the dashboards' callbacks accept, checked in one place before any callback runs.

Every request to Dash's callback endpoint is checked here first (`check_request`, wrapped around
the endpoint by `guard`): a JSON object of bounded size, naming a callback the server runs, with
exactly the inputs and states that callback declares, each value accepted by the converter
registered for its component property (`register`). A component property without a converter is
refused: deny by default. Anything else answers 400 with a plain message (`CallbackInputError`,
a 400 that the app's error handler renders as JSON), never 500.

Callbacks receive the converted values through `validated`, so `"7"` arrives as 7 and
`"FY25 Q1"` as `"FY2025-Q1"`.
"""
import contextlib
from collections.abc import Callable
from functools import wraps
from typing import Optional

import dash
from flask import current_app, request
from werkzeug.exceptions import BadRequest

from scorecard.periods import PLANNED_YEARS, PeriodError, parse_period, read_planned_year

MAX_BODY_BYTES = 64 * 1024  # the heaviest callback body the pages send is well under 2 KB
MAX_TEXT = 8192             # a pathname or query string: as long as the address the server takes (MAX_URL_LENGTH)
MAX_PERIOD_TEXT = 40
MAX_ID = 2**31 - 1          # the largest id a 32-bit integer column holds (PostgreSQL `integer`)
MIN_FISCAL_YEAR, MAX_FISCAL_YEAR = PLANNED_YEARS  # as capacity assessments and plans accept them
MAX_TIMESTAMP = 2**53       # a browser's Date.now() fits a double exactly
MAX_PAGE = 100_000          # a page of a long table (a page past the last one shows the last)


class CallbackInputError(BadRequest):
    """A callback request or one of its values is malformed: 400, with what was wrong."""

    def __init__(self, message: str):
        super().__init__(description=message)


# ------------------------------------------------------------------------------- converters

def period(value) -> Optional[str]:
    """A fiscal quarter of FY2000 to FY2100 in any accepted spelling, as canonical text; None for "the
    latest". (Dates parse from 1900: a page steps back from its quarter, FY1900-Q1's before is none.)"""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_PERIOD_TEXT:
        raise ValueError("a period is a short text such as FY2025-Q1")
    try:
        found = parse_period(value)
    except PeriodError:
        raise ValueError(f"{value[:MAX_PERIOD_TEXT]!r} is not a fiscal quarter such as FY2025-Q1") from None
    if not MIN_FISCAL_YEAR <= found.fiscal_year <= MAX_FISCAL_YEAR:
        raise ValueError(f"a quarter is one of FY{MIN_FISCAL_YEAR} to FY{MAX_FISCAL_YEAR}, not {found}")
    return str(found)


def record_id(value) -> int:
    """A database id: a whole number from 1 to MAX_ID, given as a number or as its digits."""
    if isinstance(value, bool):
        raise ValueError("an id is a whole number")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= MAX_ID:
        raise ValueError("an id is a whole number from 1 to 2147483647")
    return value


def id_or(everything: str) -> Callable:
    """A record id, or `everything` (the "all" choice of a filter), read as None."""
    def convert(value) -> Optional[int]:
        if value is None or value == everything:
            return None
        return record_id(value)
    return convert


def clicks(value) -> int:
    """A button's click count: a whole number, 0 when the button was never pressed."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise ValueError("a click count is a whole number")
    return value


def timestamp(value) -> Optional[int]:
    """When a browser-kept value (dcc.Store) was last written, in milliseconds since 1970 (-1 or None: never)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -1 <= value <= MAX_TIMESTAMP:
        raise ValueError("a store's time is a whole number of milliseconds")
    return value


def page_number(value) -> int:
    """A page of a long table: a whole number from 1 (3 or "3"); none reads as the first, and one
    past MAX_PAGE as MAX_PAGE (as any page past the last, it shows the last)."""
    if value is None:
        return 1
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = MAX_PAGE + 1 if len(value) > 6 else int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("a page is a whole number from 1")
    return min(value, MAX_PAGE)


def opened(value) -> bool:
    """Whether a toggle (a details panel) is open: true or false, none read as closed."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError("a toggle is open (true) or closed (false)")
    return value


def choice(*allowed: str, default: Optional[str] = None) -> Callable:
    """One of `allowed` texts (a sort order, a view); None reads as `default`."""
    def convert(value) -> Optional[str]:
        if value is None:
            return default
        if not isinstance(value, str) or value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value
    return convert


def fiscal_year(value) -> Optional[int]:
    """A fiscal year from 2000 to 2100 (2027, or a text every way in reads as one: "2027", "FY2027", "FY27", as
    periods.read_planned_year reads it); None for "the default"."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= MAX_PERIOD_TEXT and value == value.strip():  # a choice's value as sent
        with contextlib.suppress(ValueError):
            value = read_planned_year(value)
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_FISCAL_YEAR <= value <= MAX_FISCAL_YEAR:
        raise ValueError(f"a fiscal year is a year from {MIN_FISCAL_YEAR} to {MAX_FISCAL_YEAR}, such as 2027")
    return value


def text(value) -> Optional[str]:
    """Plain text of bounded length (a location's pathname or query string), or None."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise ValueError(f"expected a text of at most {MAX_TEXT} characters")
    return value


def token(value) -> Optional[str]:
    """An opaque id the server handed out (a background job's): 20 to 64 letters, digits, - or _; or None."""
    if value is None:
        return None
    if not isinstance(value, str) or not 20 <= len(value) <= 64 or not value.isascii() \
            or not all(ch.isalnum() or ch in "-_" for ch in value):
        raise ValueError("expected an id of 20 to 64 letters, digits, - or _")
    return value


def kept_token(value) -> Optional[str]:
    """An id the browser kept for the tab (a dcc.Store in its session storage): a `token`, None when none was
    kept, and "" for one that is not an id — storage is the browser's, and what a page can no longer read it
    forgets (a refusal would silence every control that sends it along)."""
    try:
        return token(value)
    except ValueError:
        return ""


# -------------------------------------------------------------------------------- registry

CONVERTERS: dict[str, Callable] = {}


def register(component_id: str, prop: str, converter: Callable) -> None:
    """Accept `component_id.prop` as a callback input or state, converted (and checked) by `converter`,
    which raises ValueError or TypeError for a value it refuses."""
    CONVERTERS[f"{component_id}.{prop}"] = converter


def dashboard_path(value) -> Optional[str]:
    """A location's pathname under the dashboards (Dash's page routing cannot place another)."""
    from dashboards import URL_BASE

    value = text(value)
    if value is not None and not (value + "/").startswith(URL_BASE):
        raise ValueError(f"a dashboard's address starts with {URL_BASE}")
    return value


# Dash's own page routing callback (use_pages) reads the browser location.
register("_pages_location", "pathname", dashboard_path)
register("_pages_location", "search", text)


def convert(spec: str, value):
    """The value of `spec` ("component-id.property") converted, or CallbackInputError."""
    converter = CONVERTERS.get(spec)
    if converter is None:
        raise CallbackInputError(f"{spec} is not an input any dashboard accepts")
    try:
        return converter(value)
    except (ValueError, TypeError) as error:
        raise CallbackInputError(f"{spec}: {error}") from None


# ----------------------------------------------------------------------------- the request

def _specs(items, what: str) -> list:
    if not isinstance(items, list):
        raise CallbackInputError(f"{what} must be a list")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) \
                or not isinstance(item.get("property"), str):
            raise CallbackInputError(f"each of {what} names a component id and property")
    return items


def _several(output: str) -> bool:
    """Whether a callback's output key is one of several outputs ("..a.b...c.d..", a list of one too)."""
    return output.startswith("..") and output.endswith("..")


def _outputs(output: str) -> list[str]:
    """The "id.property" outputs a callback's output key names ("..a.b...c.d.." for several)."""
    return output[2:-2].split("...") if _several(output) else [output]


def check_request(callback_map: dict, body) -> None:
    """Refuse (CallbackInputError) a callback request that is not exactly what a server callback
    declares, or whose values the registered converters refuse."""
    if not isinstance(body, dict):
        raise CallbackInputError("the body must be a JSON object")
    output = body.get("output")
    entry = callback_map.get(output) if isinstance(output, str) else None
    if entry is None or not callable(entry.get("callback")):
        raise CallbackInputError("the body does not name a callback of the dashboards")
    # Dash sends a callback of several outputs (its key "..a.b...c.d..") a list of them, and one of a single
    # output that object alone: a list of one for the latter made Dash answer 500 (a wildcard it is not).
    outputs, several = body.get("outputs"), _several(output)
    if isinstance(outputs, list) != several:
        raise CallbackInputError("the outputs do not match the callback")
    outputs = _specs(outputs if several else [outputs], "outputs")
    if [f"{o['id']}.{o['property']}" for o in outputs] != _outputs(output):
        raise CallbackInputError("the outputs do not match the callback")
    for key, declared in (("inputs", entry["inputs"]), ("state", entry.get("state", []))):
        sent = _specs(body.get(key, []), key)
        if [(s["id"], s["property"]) for s in sent] != [(d["id"], d["property"]) for d in declared]:
            raise CallbackInputError({"inputs": "the inputs sent do not match the callback's",
                                      "state": "the state sent does not match the callback's"}[key])
        for item in sent:
            convert(f"{item['id']}.{item['property']}", item.get("value"))
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) and len(c) <= 300 for c in changed):
        raise CallbackInputError("changedPropIds must be a list of component properties")


def _body():
    """The request's JSON document (read once: Dash's own read takes it from the request); malformed
    JSON refused naming what the parser found wrong (nested too deeply, a text holding a NUL:
    scorecard.json_bodies), not as "not a JSON object"."""
    body = request.get_json(silent=True)
    if body is None:
        try:
            current_app.json.loads(request.get_data(cache=True))
        except ValueError as error:  # a JSONDecodeError, or bytes that are not UTF-8 text
            raise CallbackInputError(f"the body is not JSON this reads: {getattr(error, 'msg', 'not UTF-8 text')}") \
                from None
    return body


def guard(view: Callable, app: dash.Dash) -> Callable:
    """Dash's callback endpoint, answering 400 to a request `check_request` refuses."""
    @wraps(view)
    def checked(*args, **kwargs):
        length = request.content_length
        if not length:
            raise CallbackInputError("the body must be a JSON object (with its Content-Length)")
        if length > MAX_BODY_BYTES:
            raise CallbackInputError(f"a callback request is a JSON body of at most {MAX_BODY_BYTES} bytes")
        if not request.is_json:  # also keeps cross-site "simple" posts (text/plain, forms) out
            raise CallbackInputError("a callback request is sent as application/json")
        check_request(app.callback_map, _body())
        return view(*args, **kwargs)
    return checked


def validated(callback: Callable) -> Callable:
    """Decorate a callback (below @callback) to receive its inputs and states converted by the
    registry, in the order it declares them."""
    @wraps(callback)
    def converted(*args):
        context = dash.callback_context
        specs = [f"{item['id']}.{item['property']}" for item in context.inputs_list + context.states_list]
        if len(specs) != len(args):
            raise CallbackInputError("the inputs do not match the callback's")
        return callback(*(convert(spec, value) for spec, value in zip(specs, args)))
    return converted
