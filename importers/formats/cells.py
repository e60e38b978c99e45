"""Typed values out of a file's cells, each distinct raw value converted (and checked) once:
row by row with `Cells`, which collects every problem with its column, or a column at a time with
`converted_column`, the hot path of long files, which only says whether all went well."""
from itertools import repeat
from typing import Optional

from importers.errors import WHOLE_AS_DIGITS_BELOW
from importers.formats.base import RowProblems
from importers.normalize import to_int, to_number, to_text
from scorecard.models.metrics import MAX_COUNT


class _Problem(str):
    """A conversion's error message, remembered in place of a value."""


_MEMO_LIMIT = 100_000
_memos: dict = {}
_problems: set = set()  # every _Problem some memo holds, so a row's values are checked for one in C
_MISSING = object()


def _key(raw):
    """A memo key: text as itself; other values with their type, so 1, 1.0 and True stay apart."""
    return raw if raw.__class__ is str else (raw.__class__, raw)


def _converted(convert, raw):
    """convert(raw), remembered per converter and raw value: a file repeats the same names, periods
    and small counts on every row, so each distinct value is normalised and checked once."""
    memo = _memos.setdefault(convert, {})
    try:
        key = _key(raw)
        return memo[key]
    except KeyError:
        return _remember(memo, key, convert, raw)
    except TypeError:  # an unhashable value: convert it every time
        return _remember(None, None, convert, raw)


def _remember(memo: Optional[dict], key, convert, raw):
    """convert(raw), or the _Problem it raised, kept in `memo` under `key`. Every problem a memo
    holds is also in `_problems`, for good (so a lookup's values are checked for one in C, even
    while another import clears a memo): once that set is full, new problems are not remembered."""
    try:
        result = convert(raw)
    except ValueError as error:
        result = _Problem(error)
    if memo is not None:
        if result.__class__ is _Problem:
            if len(_problems) >= _MEMO_LIMIT:
                return result
            _problems.add(result)
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = result
    return result


_NONE = type(None)


def converted_column(convert, raws) -> Optional[list]:
    """convert() over a column of raw cells, or None when any cell has a problem (the row-by-row
    path then names it). Cells are looked up in a memo keyed by the cells themselves, one memo per
    cell type (1, 1.0 and True stay apart): values seen before come back at C speed, and each new
    one is converted once. Columns of mixed types go cell by cell."""
    memo = _memos.setdefault(convert, {})
    memo[None] = None  # an empty cell (the row path reads it as None without converting)
    try:
        try:
            values = list(map(memo.__getitem__, raws))  # text seen before: the usual case
        except KeyError:
            values = _converted_anew(convert, raws)
        if values is None or (_problems and not _problems.isdisjoint(values)):
            return None
        return values
    except TypeError:  # an unhashable cell or value
        return None


def _converted_anew(convert, raws) -> Optional[list]:
    """converted_column for a column with cells not seen before; None if one of them is bad."""
    kinds = set(map(type, raws))
    kinds.discard(_NONE)
    if len(kinds) > 1:
        values = [None if raw is None else _converted(convert, raw) for raw in raws]
        return None if any(value.__class__ is _Problem for value in values) else values
    kind = kinds.pop()
    memo = _memos.setdefault(convert if kind is str else (convert, kind), {})
    memo[None] = None
    values = list(map(memo.get, raws, repeat(_MISSING)))
    if _problems and not _problems.isdisjoint(values):
        return None
    fresh = {raw: _remember(memo, raw, convert, raw)
             for raw in {raw for raw, value in zip(raws, values) if value is _MISSING}}
    if any(value.__class__ is _Problem for value in fresh.values()):
        return None
    return [fresh[raw] if value is _MISSING else value for raw, value in zip(raws, values)] if fresh else values


class Cells:
    """Reads typed values out of one mapped row, collecting every problem instead of stopping."""

    __slots__ = ("row", "problems")

    def __init__(self, row: dict):
        self.row = row
        self.problems: list = []

    def _read(self, column, convert):
        raw = self.row.get(column)
        if raw is None:
            return None
        try:
            value = _memos[convert][_key(raw)]
        except (KeyError, TypeError):
            value = _converted(convert, raw)
        if value.__class__ is _Problem:
            self.problems.append((column, raw, str(value)))
            return None
        return value

    def many(self, columns, convert) -> list:
        """Several columns through one converter, in one call: the hot path of long files. Values
        seen before come straight from the memo; anything else (new, a problem) goes the long way."""
        row = self.row
        get = _memos.setdefault(convert, {}).get
        try:
            out = [None if (raw := row.get(c)) is None else get(raw if raw.__class__ is str else (raw.__class__, raw),
                                                              _MISSING) for c in columns]
            if _MISSING not in out and _problems.isdisjoint(out):
                return out
        except TypeError:  # an unhashable cell or value
            pass
        return self._many_one_by_one(columns, convert)

    def _many_one_by_one(self, columns, convert) -> list:
        out = []
        for column in columns:
            raw = self.row.get(column)
            value = None if raw is None else _converted(convert, raw)
            if value.__class__ is _Problem:
                self.problems.append((column, raw, str(value)))
                value = None
            out.append(value)
        return out

    def text(self, column):
        return self._read(column, to_text)

    def number(self, column):
        return self._read(column, to_number)

    def count(self, column):
        return self._read(column, to_count)

    def fail(self, column, message):
        self.problems.append((column, self.row.get(column), message))

    def within(self, column, value, limit: int):
        """`value`, read from `column`, with a problem noted when it is text longer than `limit` characters."""
        if isinstance(value, str) and len(value) > limit:
            self.fail(column, f"at most {limit:,} characters, not {len(value):,}")
        return value

    def done(self):
        if self.problems:
            raise RowProblems(self.problems)


def to_count(raw):
    """A count of answers or respondents: a whole number, not negative, at most MAX_COUNT."""
    value = to_int(raw)
    if value is not None and value < 0:
        raise ValueError("a count cannot be negative")
    if value is not None and value > MAX_COUNT:
        shown = f"{value:,}" if value < WHOLE_AS_DIGITS_BELOW else f"{float(value):g}"  # 1e+30, not its 31 digits
        raise ValueError(f"{shown} is more than any survey's respondents; a count is at most {MAX_COUNT:,}")
    return value
