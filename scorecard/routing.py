"""How a URL's parts are read: `<int:id>` takes at most the largest id a database integer column
holds (2**31 - 1, PostgreSQL's `integer`). A larger number names no record: 404, where the database
driver would otherwise fail on it (an OverflowError on SQLite, 500).

The bound is in the converter's pattern, not only in its conversion: a number past it matches no
route at all, so every method gets 404 (a conversion refused after the path matched would answer
405 to a PATCH where a GET on the same address answers 404)."""
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


def up_to(largest: int) -> str:
    """A regular expression matching the whole numbers 0..`largest` written in ASCII decimal digits
    (leading zeros allowed; not the other scripts' digits, which `\\d` takes and int() reads), e.g.
    up_to(255) == "0*(?:[0-9]{1,2}|[0-1][0-9]{2}|2[0-4][0-9]{1}|25[0-4]|255)"."""
    digits = str(largest)
    choices = [f"[0-9]{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            choices.append(digits[:i] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    choices.append(digits)
    return "0*(?:" + "|".join(choices) + ")"


class RecordIdConverter(IntegerConverter):
    """Werkzeug's `int`, bounded by MAX_ID unless a route names its own bounds."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits, min, max, signed)
        if max is not None and not signed and not fixed_digits:
            self.regex = up_to(max)


def init_app(app) -> None:
    """Before any route is added: every `<int:...>` is bounded."""
    app.url_map.converters["int"] = RecordIdConverter
