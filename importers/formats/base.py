"""What a format is: data — its columns with synonyms, how it is recognised, its natural key,
and the function that turns one mapped row into records for a sink."""
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Column:
    """A canonical column and the header spellings that mean it."""

    name: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    help: str = ""

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name,) + self.synonyms


@dataclass(frozen=True)
class Format:
    """One spreadsheet layout.

    `signature` lists canonical columns that must all be present for the format to be
    detected from a header; `records` turns a row (canonical name → raw value) into records
    for `sink`, raising `RowProblems` for bad values. Wide layouts emit several records per row.
    `records_many`, where a layout has one, does the same for many rows at once (the hot path of
    long files): given the file's columns it returns the records as columns, or None when a row
    needs `records` to say what is wrong.
    """

    name: str
    title: str
    sink: str
    columns: tuple[Column, ...]
    signature: tuple[str, ...]
    key: tuple[str, ...]
    records: Callable
    records_many: Optional[Callable] = None
    any_of: tuple[tuple[str, ...], ...] = ()
    together: tuple[tuple[str, ...], ...] = ()  # columns that come all or none (a survey's five answer counts)
    options: tuple[str, ...] = ()
    optional_options: tuple[str, ...] = ()  # choices at upload the layout reads when given (a Touchpoints scale)
    description: str = ""
    template_lists: dict = field(default_factory=dict)
    period_from: tuple[str, ...] = ()  # the columns a layout's quarter is made of: named when it is refused
    unread: tuple[str, ...] = ()  # columns the published layout has and the import does not need: no warning
    # ... but for these, (column, what the preview says of it): a value a reader could take for the product's own
    told: tuple[tuple[str, str], ...] = ()

    @property
    def synonyms(self) -> dict[str, list[str]]:
        return {c.name: list(c.spellings) for c in self.columns}

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


class RowProblems(Exception):
    """One or more bad cells in a row: [(column, value, message)]."""

    def __init__(self, problems: list[tuple[Optional[str], object, str]]):
        super().__init__("; ".join(p[2] for p in problems))
        self.problems = problems
