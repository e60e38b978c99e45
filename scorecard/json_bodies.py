"""Reading a request's JSON body: Python's parser gives up on deeply nested input (about a thousand
levels of brackets fit in a body of a few kilobytes) with a RecursionError, which is not a
ValueError and would end the request in a 500. Here it is bad input, as any other malformed JSON:
Flask's `request.get_json` (the dashboards) reads through `JSONProvider`, the API's parser (webargs)
through `refusing_depth`, so both answer 400. A text holding a character no column keeps (a NUL, an
unpaired surrogate: scorecard.text) is refused too: by the API as a 422 naming where it is
(`refusing_unkept`), by Flask's reader as malformed. So is a whole number of more digits than Python
converts (a ValueError of its own, not the parser's). A key given twice in one object, which the
parser reads as its last value, is refused: by the API as a 422 naming where it is (`loads_once_each`),
in a rule as malformed (`once_each`)."""
import json
import math
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask.json.provider import DefaultJSONProvider

from scorecard.text import json_nodes, unkept_in, words

# The documents refusing_depth's errors name (never "": webargs reads an empty document as no body at all):
# a reader telling these from the parser's own knows there is no line and column to point at.
TOO_DEEP, TOO_LONG = "(a body nested too deeply)", "(a body with such a number)"
REFUSALS = (TOO_DEEP, TOO_LONG)


def refusing_depth(parse: Callable[[], Any]) -> Any:
    """parse(), with nesting too deep for the parser, or a whole number longer than Python converts
    (4,300 digits: a plain ValueError, not the parser's own), raised as a JSONDecodeError."""
    try:
        return parse()
    except RecursionError:
        raise json.JSONDecodeError("JSON nested too deeply", TOO_DEEP, 0) from None
    except json.JSONDecodeError:
        raise
    except ValueError as error:
        if "integer string conversion" not in str(error):  # Python's own words for it; a hook's are its own
            raise
        raise json.JSONDecodeError("a number with more digits than any value here takes", TOO_LONG, 0) from None


def broken_words(error: json.JSONDecodeError | UnicodeDecodeError) -> str:
    """Why a body is no JSON, for the person who sent it: where the parser stopped (line and column), the
    byte that is not UTF-8, or refusing_depth's reason (which has no place to point at)."""
    if isinstance(error, UnicodeDecodeError):
        return f"the byte {error.object[error.start]:#04x} at offset {error.start} is not UTF-8"
    if error.doc in REFUSALS:
        return error.msg
    # Python's own words may end in "at" ("Unterminated string starting at", "Invalid control character at"):
    # said once, not "starting at at line 1"
    return f"{error.msg.removesuffix(' at')} at line {error.lineno}, column {error.colno}"


class DuplicateKey(ValueError):
    """A JSON object naming one key twice: Python's parser keeps the last silently."""


def once_each(pairs: list[tuple[str, Any]]) -> dict:
    """json.loads's object_pairs_hook for a document a person wrote (a rule): a key given twice is
    refused, naming it, not read as its last value."""
    found = dict(pairs)
    if len(found) < len(pairs):
        raise DuplicateKey(f"the key {_repeated(pairs)[0]!r} is given twice in one object; keep one")
    return found


def _repeated(pairs: list[tuple[str, Any]]) -> list[str]:
    """The keys `pairs` name more than once, in their order."""
    seen: set = set()
    return list(dict.fromkeys(key for key, _ in pairs if key in seen or seen.add(key)))


class _Repeating(dict):
    """An object of a body that named its `repeated` keys more than once (each one's last value kept, as
    Python's parser does)."""

    repeated: list[str]


def loads_once_each(data: bytes) -> Any:
    """A request body (UTF-8) as JSON, or a ValidationError naming each key given twice in one object, with
    where it is (messages nested as the path, as `refusing_unkept`'s): Python's parser keeps the last value
    silently, so {"note": "first", "note": "second"} was read as the second. Found as each object is read
    (the document is walked for them only when one was)."""
    repeating: list = []

    def pairs_hook(pairs):
        found = dict(pairs)
        if len(found) < len(pairs):
            found = _Repeating(found)
            found.repeated = _repeated(pairs)
            repeating.append(found)
        return found

    too_large: list = []

    def float_hook(literal):
        number = number_as_sent(literal)
        if isinstance(number, TooLarge):
            too_large.append(number)
        return number

    document = json.loads(data.decode("utf-8"), object_pairs_hook=pairs_hook, parse_float=float_hook)
    if not repeating and not too_large:
        return document
    messages: dict = {}
    for path, node in _repeating_in(document) if repeating else ():
        for key in node.repeated:  # (under a key given twice itself, already named: not again)
            _nest(messages, [*path, key], f"{key!r} is given more than once in one object; send it once (nothing "
                                          "was changed).")
    for path, node in json_nodes(document) if too_large else ():
        if isinstance(node, TooLarge):
            _nest(messages, list(path) or ["_schema"], f"The number {node} is beyond what can be read as a number; "
                                                       "nothing was changed.")
    raise ma.ValidationError(messages)


def _nest(messages: dict, path: list, message: str) -> None:
    """Add `message` to webargs-style nested `messages` at `path` (keys and indexes), unless a message is
    there already (or above it: a key given twice holding the number)."""
    where: Any = messages
    for step in path[:-1]:
        where = where.setdefault(step, {}) if isinstance(where, dict) else None
    if isinstance(where, dict):
        where.setdefault(path[-1], [message])


class TooLarge(str):
    """A number written beyond what a number holds (1e400: Python reads it as infinity), kept as written."""


def number_as_sent(literal: str):
    """json.loads's parse_float: the number, or TooLarge(literal) for one beyond a float's range. 1e400 was
    read as infinity and refused as "Special numeric values (nan or infinity)", quoted as "Infinity", where
    the client had sent a finite number."""
    value = float(literal)
    return value if math.isfinite(value) else TooLarge(literal)


def _repeating_in(document: Any):
    """(path, object) for each object of `document` that named a key twice, depth first."""
    return ((tuple(path), node) for path, node in json_nodes(document) if isinstance(node, _Repeating))


def refusing_unkept(document: Any) -> Any:
    """`document`, or a ValidationError naming where a text holds a character no column keeps: its
    messages nested as the path ({0: {"notes": [...]}}: row 1, column notes, in the API's problems)."""
    found = unkept_in(document)
    if found is None:
        return document
    path, code = found
    messages: Any = [f"The text holds {words(code)}, which cannot be kept; nothing was changed."]
    for step in reversed(path):
        messages = {step: messages}
    raise ma.ValidationError(messages if path else {"_schema": messages})


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested too deeply, or holding a character no column keeps, as
    malformed."""

    def loads(self, s, **kwargs):
        document = refusing_depth(lambda: super(JSONProvider, self).loads(s, **kwargs))
        found = unkept_in(document)
        if found is not None:
            raise json.JSONDecodeError(f"a text holds {words(found[1])}", "(a body with such a text)", 0)
        return document
