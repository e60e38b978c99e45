"""How a URL's parts are read: `<int:id>` takes at most the largest id a database integer column
holds (2**31 - 1, PostgreSQL's `integer`). A larger number names no record: 404, where the database
driver would otherwise fail on it (an OverflowError on SQLite, 500)."""
from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1


class RecordIdConverter(IntegerConverter):
    """Werkzeug's `int`, bounded by MAX_ID unless a route names its own bounds."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app) -> None:
    """Before any route is added: every `<int:...>` is bounded."""
    app.url_map.converters["int"] = RecordIdConverter
