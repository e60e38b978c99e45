"""The rejected rows of an import, as they were in the file, with what is wrong in each.

The batch's page shows the first PAGE_ROWS of them (PAGE_COLUMNS columns at most); the import's job
picks them out once, when it rejects the file, and keeps them on the batch (`kept_page`): read again
for every view, a million-row file with its one bad row near the end took 15 s a view, and a few
views at once gigabytes. The download (every rejected row, every column) reads the file when asked."""
import itertools
from dataclasses import dataclass, field, replace
from typing import Optional

from importers.errors import ImportFileError, as_shown
from importers.pipeline import read_with_header
from scorecard.spreadsheets import safe_for_export, xlsx_row
from scorecard.text import cut

PAGE_ROWS, PAGE_COLUMNS = 100, 40  # the rejected rows a batch's page shows, and their columns (those at fault first)
KEPT = "rejected_rows"  # where on the batch's preview the page's rows are kept


@dataclass
class ErrorRow:
    row: int
    cells: list
    bad: set                       # header texts of the cells at fault
    messages: list


@dataclass
class ErrorReport:
    header: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    columns_left_out: int = 0  # columns `narrowed` left out (a page); the download keeps every one

    def narrowed(self, most: int) -> "ErrorReport":
        """The report with at most `most` columns, the ones at fault first kept, then the first: a file of
        16,000 columns made a page of 1.6 million cells."""
        if len(self.header) <= most:
            return self
        faulty = {name for item in self.rows for name in item.bad}
        keep = [i for i, name in enumerate(self.header) if name in faulty][:most]
        keep = sorted(set(keep) | set(itertools.islice((i for i in range(len(self.header)) if i not in keep),
                                                       most - len(keep))))
        rows = [replace(item, cells=[item.cells[i] if i < len(item.cells) else None for i in keep])
                for item in self.rows]
        return replace(self, header=[self.header[i] for i in keep], rows=rows,
                       columns_left_out=len(self.header) - len(keep))

    def as_json(self) -> dict:
        """The report as the batch keeps it, each text cut as a page lists it (text.cut: 150 rows of a
        120,000-character cell kept 12 MB on the batch)."""
        return {"header": [cut(h) for h in self.header], "columns_left_out": self.columns_left_out,
                "rows": [{"row": item.row, "cells": [cut(_plain(c)) for c in item.cells],
                          "bad": sorted(cut(b) for b in item.bad if b is not None),
                          "messages": [cut(m) for m in item.messages]} for item in self.rows]}

    @classmethod
    def from_json(cls, kept: dict) -> "ErrorReport":
        return cls(header=kept["header"], columns_left_out=kept["columns_left_out"],
                   rows=[ErrorRow(item["row"], item["cells"], set(item["bad"]), item["messages"])
                         for item in kept["rows"]])

    def write_xlsx(self, target) -> None:
        from openpyxl import Workbook
        from openpyxl.styles import Font, PatternFill

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "rejected rows"
        sheet.append(xlsx_row(sheet, ["row"] + [safe_for_export(h) for h in self.header] + ["errors"]))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "B2"
        mark = PatternFill("solid", fgColor="F8DFE2")
        # The sheet's row is counted here: Worksheet.max_row looks at every cell written so far, so asking it
        # for each row took 15 s for the 5,000 rows kept of a rejected file.
        for at, item in enumerate(self.rows, start=2):
            sheet.append(xlsx_row(sheet, [item.row] + [safe_for_export(_plain(c)) for c in item.cells]
                                  + [safe_for_export("; ".join(item.messages))]))
            for index, name in enumerate(self.header):
                if name in item.bad:
                    sheet.cell(row=at, column=index + 2).fill = mark
        workbook.save(target)


def _plain(value):
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


def _described(error: dict) -> str:
    value = "" if error.get("value") in (None, "") else f" {error['value']!r}"
    return f"{error['column'] or 'row'}{value}: {error['message']}"


def error_report(batch, limit: Optional[int] = None, *, store=None) -> ErrorReport:
    """Re-read the stored upload (from `store`, scorecard.storage) and pick out the rows the batch's
    errors name."""
    by_row: dict[int, list] = {}
    for error in batch.errors or []:
        if error.get("row"):
            by_row.setdefault(error["row"], []).append(error)
    report = ErrorReport()
    if not by_row or not batch.stored_path or store is None:
        return report
    wanted = sorted(by_row)[:limit] if limit else sorted(by_row)
    try:
        with store.local(batch.stored_path) as path:
            _, rows, prefix, _, header_index = read_with_header(path, (batch.options or {}).get("sheet"), batch.format)
            _pick(report, itertools.chain(prefix, rows), header_index, by_row, wanted)  # read as far as needed
    except (OSError, ImportFileError):  # the upload is gone or changed: the errors alone, each with its value
        report.header = []
        report.rows = [ErrorRow(number, [], set(), [_described(e) for e in by_row[number]]) for number in wanted]
    return report


def page_report(batch, store) -> ErrorReport:
    """The rejected rows the batch's page shows: the first PAGE_ROWS, at most PAGE_COLUMNS columns."""
    return error_report(batch, limit=PAGE_ROWS, store=store).narrowed(PAGE_COLUMNS)


def kept_page(batch, store) -> ErrorReport:
    """The page's rejected rows as the import's job kept them; picked out of the file now for a batch
    rejected before they were kept."""
    kept = (batch.preview or {}).get(KEPT)
    return ErrorReport.from_json(kept) if kept is not None else page_report(batch, store)


def _columns_named(column: Optional[str], header: list[str]) -> set:
    """The header cells an error's column names: itself, or each of a quarter made of two columns
    ("fiscal_year and quarter", as the import names it), or of a layout's key ("service_id, channel, ...")."""
    if not column or column in header:
        return {column}
    parts = [part for piece in column.split(", ") for part in piece.split(" and ")]
    return set(parts) if all(part in header for part in parts) else {column}


def _pick(report: ErrorReport, rows, header_index: int, by_row: dict, wanted: list) -> None:
    """The `wanted` rows of `rows` (an iterator over the file's rows from its first), read no further than
    the last of them: a million-row file was read whole for every view of its page."""
    wanted_set = set(wanted)
    for number, cells in enumerate(rows, start=1):
        if number == header_index + 1:
            report.header = ["" if c is None else str(c).strip() for c in cells]
        if number in wanted_set:
            errors = by_row[number]
            # as the file shows them (4, not 4.0), padded to the header
            cells = [as_shown(c) for c in cells] + [None] * (len(report.header) - len(cells))
            bad = {name for e in errors for name in _columns_named(e["column"], report.header)}
            report.rows.append(ErrorRow(number, cells[:len(report.header)], bad,
                                        [f"{e['column']}: {e['message']}" if e["column"] else e["message"]
                                         for e in errors]))
            if len(report.rows) == len(wanted):
                break
