"""Find the header row of a sheet and map its columns to canonical names."""
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from importers.errors import ImportFileError

_NOT_WORD = re.compile(r"[\W_]+")


@lru_cache(maxsize=8192, typed=True)  # the same few hundred headers and spellings, compared again and again
def norm_name(name) -> str:
    """A header for comparison: case-folded, punctuation, underscores and spacing collapsed to one space
    ("Count 1", "count_1", "COUNT-1 " -> "count 1")."""
    if name is None:
        return ""
    if isinstance(name, float) and name.is_integer():
        name = int(name)
    text = unicodedata.normalize("NFKC", str(name)).casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def column_letter(index: int) -> str:
    """Excel column letter of a 0-based index: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def find_header_row(rows_prefix: list[list], known_names, *, max_scan: int = 30) -> int:
    """Index of the row (within the first max_scan) naming the most known columns — title, note and blank
    rows above the header are skipped. At least two matches (one if only one name is known) are needed."""
    known = {norm_name(n) for n in known_names} - {""}
    best, best_count = None, 0
    for index, row in enumerate(rows_prefix[:max_scan]):
        count = len({norm_name(c) for c in row if c is not None and c != ""} & known)
        if count > best_count:
            best, best_count = index, count
    if best is None or best_count < min(2, len(known)):
        expected = ", ".join(sorted(known_names, key=str)[:20]) + (", ..." if len(known_names) > 20 else "")
        raise ImportFileError(f"No header row was found in the first {max_scan} rows: no row names at least two "
                              f"of the expected columns ({expected}).",
                              hint="Check that the file has a header row with the column names.")
    return best


@dataclass
class ColumnMap:
    """Which column holds each canonical name. `unknown` lists headers that matched nothing and
    `unnamed` the columns without a header (not fatal: the import says what it did not read)."""

    index: dict[str, int] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    unnamed: list[int] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # canonical -> header as written

    def missing(self, required) -> list[str]:
        return [name for name in required if name not in self.index]

    @staticmethod
    def letter(index: int) -> str:
        return column_letter(index)

    def values(self, row: list) -> dict:
        """Canonical name -> raw value of one row (None past the row's end)."""
        width = len(row)
        return {name: row[i] if i < width else None for name, i in self.index.items()}


def map_columns(header_cells: list, synonyms: dict[str, list[str]]) -> ColumnMap:
    """Map header cells to canonical names by their normalized spellings (the canonical name itself always
    counts). Two columns meaning the same canonical name is an ImportFileError naming both."""
    lookup: dict[str, str] = {}
    for canonical, spellings in synonyms.items():
        for spelling in [canonical, *spellings]:
            lookup.setdefault(norm_name(spelling), canonical)
    columns = ColumnMap()
    for index, cell in enumerate(header_cells):
        key = norm_name(cell)
        if not key:
            columns.unnamed.append(index)
            continue
        written = str(cell).strip()
        canonical = lookup.get(key)
        if canonical is None:
            columns.unknown.append(written)
        elif canonical in columns.index:
            first = columns.index[canonical]
            raise ImportFileError(
                f"Columns {column_letter(first)} ({columns.headers[canonical]!r}) and {column_letter(index)} "
                f"({written!r}) both mean {canonical!r}.", hint="Delete or rename one of them.")
        else:
            columns.index[canonical], columns.headers[canonical] = index, written
    return columns
