"""Helpers for bulk work (imports of 200,000 rows, evaluations over a million observations): a
pause of the garbage collector, and inserts that go straight to the driver's executemany."""
import gc
import threading
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager

_lock = threading.Lock()
_pausers = 0
_was_enabled = True


@contextmanager
def collector_paused():
    """Pause Python's cyclic garbage collector while bulk work runs: it makes hundreds of
    thousands of small objects, none in cycles, and every automatic full collection would walk
    them all again (a third of the time of planning a 200,000-row import). Reference counting
    still frees them. Nested and concurrent pauses (imports in background threads) are counted:
    the collector runs again when the last one ends, if it ran before the first began."""
    global _pausers, _was_enabled
    with _lock:
        if _pausers == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pausers += 1
    try:
        yield
    finally:
        with _lock:
            _pausers -= 1
            if _pausers == 0 and _was_enabled:
                gc.enable()


INSERT_CHUNK = 20000  # rows per executemany


def bulk_inserter(session, table, columns: Sequence[str], *, processed: Iterable[str] = ()) -> Callable:
    """A function that inserts rows (tuples in `columns` order) into `table` with the driver's
    executemany: no per-row statement compilation, ORM objects or parameter dicts.

    Each value goes through its column type's bind processing (dates, enums), as SQLAlchemy would
    do, except in the columns named in `processed`, whose values the caller already made what the
    driver takes (JSON already dumped to text, timestamps bound once for every row). None is NULL
    whatever the type and is passed as it is. Rows go in chunks of INSERT_CHUNK, inside the
    session's transaction."""
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    marker = "?" if dialect.paramstyle in ("qmark", "numeric") else "%s"
    sql = (f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({', '.join(quote(c) for c in columns)}) "
           f"VALUES ({', '.join([marker] * len(columns))})")
    skipped = set(processed)
    bound = ((i, table.c[c].type._cached_bind_processor(dialect)) for i, c in enumerate(columns) if c not in skipped)
    processors = [(i, process) for i, process in bound if process is not None]

    def insert(rows: list[tuple]) -> None:
        if processors:
            rows = [_processed(row, processors) for row in rows]
        if len(rows) <= INSERT_CHUNK:
            if rows:
                connection.exec_driver_sql(sql, rows)
            return
        for start in range(0, len(rows), INSERT_CHUNK):
            connection.exec_driver_sql(sql, rows[start:start + INSERT_CHUNK])
    return insert


def bulk_insert(session, table, columns: Sequence[str], rows: list[tuple], *,
                processed: Iterable[str] = ()) -> None:
    """Insert `rows` at once; see `bulk_inserter`."""
    bulk_inserter(session, table, columns, processed=processed)(rows)


def _processed(row: tuple, processors) -> tuple:
    row = list(row)
    for i, process in processors:
        if row[i] is not None:
            row[i] = process(row[i])
    return tuple(row)
