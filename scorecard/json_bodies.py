"""Reading a request's JSON body: Python's parser gives up on deeply nested input (about a thousand
levels of brackets fit in a body of a few kilobytes) with a RecursionError, which is not a
ValueError and would end the request in a 500. Here it is bad input, as any other malformed JSON:
Flask's `request.get_json` (the dashboards) reads through `JSONProvider`, the API's parser (webargs)
through `refusing_depth`, so both answer 400."""
import json
from collections.abc import Callable
from typing import Any

from flask.json.provider import DefaultJSONProvider


def refusing_depth(parse: Callable[[], Any]) -> Any:
    """parse(), with nesting too deep for the parser raised as a JSONDecodeError (a ValueError)."""
    try:
        return parse()
    except RecursionError:
        # The document is named, never "": webargs reads an empty document as no body at all.
        raise json.JSONDecodeError("JSON nested too deeply", "(a body nested too deeply)", 0) from None


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing bodies nested too deeply as malformed."""

    def loads(self, s, **kwargs):
        return refusing_depth(lambda: super(JSONProvider, self).loads(s, **kwargs))
