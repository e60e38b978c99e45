"""A chart's data as a table: plain data (no Dash), shown by `components.data_table` and written
to CSV or XLSX by `to_csv` / `to_xlsx` with exactly the rows, columns and texts shown.

A `Table` has a caption, columns and rows (dicts keyed by each column's `key`). A column says how
its cells read: text, a number rounded to `decimals`, a count (n), a date, or a status word; a column
with `link` takes each row's URL from that key (the export writes the text, not the URL). The
first column marked `row_header` is each row's header (`<th scope="row">`).
"""
import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Optional

from markupsafe import escape

from scorecard.paging import Page, page_of  # noqa: F401  (the dashboards' tables page as the Flask lists do)
from scorecard.spreadsheets import safe_for_export, xlsx_row

# Each status the dashboards show, as a word: never a colour or a letter alone.
STATUS_WORDS = {
    "red": "red", "amber": "amber", "green": "green", "insufficient_data": "insufficient data",
    "no_target": "no target", "no_data": "no data",
}

TEXT, NUMBER, COUNT, STATUS, DATE = "text", "number", "count", "status", "date"
NO_NUMBER = "—"  # a number or count without a value
NO_DATE = "none set"  # a date column's empty cell (a commitment without a due date)


@lru_cache(maxsize=4096)  # a heatmap writes 3,500 scores and targets, of a few hundred values
def as_given(value: float) -> str:
    """A number already rounded as it should read, to its own places and at least two: 3.9 reads "3.90",
    3.897 "3.897"."""
    if round(value, 2) == value:  # the usual case, at once
        return f"{value:,.2f}"
    places = len(f"{value:.6f}".rstrip("0").partition(".")[2])
    return f"{value:,.{max(2, places)}f}"


def finding_words(finding_id: Optional[int]) -> Optional[str]:
    """A rule finding's cell, linked to its why-page: "finding 123", which a download keeps (a "why"
    told a spreadsheet nothing); None without one."""
    return None if finding_id is None else f"finding {finding_id}"


def status_word(status: Optional[str]) -> str:
    if status is None:
        return STATUS_WORDS["no_data"]
    return STATUS_WORDS.get(status) or status.replace("_", " ")


@dataclass
class Column:
    key: str
    header: str
    kind: str = TEXT
    decimals: Optional[int] = 2  # None: a number as given, at least 2 places (one rounded beside its target)
    link: Optional[str] = None  # the row key holding this cell's URL
    row_header: bool = False

    @property
    def number_format(self) -> str:
        """How a number or count reads: thousands separated, a number to `decimals` places."""
        return "," if self.kind == COUNT else f",.{2 if self.decimals is None else self.decimals}f"

    def text(self, value: Any) -> str:
        """The cell as it reads on the page."""
        if value is None:
            return NO_NUMBER if self.kind in (NUMBER, COUNT) else NO_DATE if self.kind == DATE else ""
        if self.kind == DATE:
            return value.isoformat()
        if self.kind == NUMBER and self.decimals is None:
            return as_given(value)
        if self.kind in (NUMBER, COUNT):
            return format(value, self.number_format)
        if self.kind == STATUS:
            return status_word(value)
        return str(value)

    def excel_format(self, value: Any) -> Optional[str]:
        """How a spreadsheet shows the exported `value` as the page does: a number to the places shown, a count
        with its thousands separated, a date as ISO 8601 (Excel's General read 4.00 as "4"); None for text."""
        if value is None:
            return None
        if self.kind == COUNT:
            return "#,##0"
        if self.kind == DATE:
            return "yyyy-mm-dd"
        if self.kind != NUMBER:
            return None
        places = (len(as_given(value).partition(".")[2]) if self.decimals is None else self.decimals)
        return "#,##0" + ("." + "0" * places if places else "")

    def export(self, value: Any):
        """The cell as the downloads write it: numbers stay numbers (rounded as shown), statuses are
        their words, texts are neutralised against spreadsheet formulas."""
        if value is None:  # an empty cell, as a number's "—" is: a date column holds dates alone
            return None
        if self.kind == DATE:  # a date: a spreadsheet sorts and filters it as one (a CSV writes it ISO 8601)
            return value
        if self.kind == NUMBER:  # as shown: to `decimals` places, a whole number when none ("67", not "67.0")
            if self.decimals is None:
                return float(value)
            return round(float(value)) if self.decimals == 0 else round(float(value), self.decimals)
        if self.kind == COUNT:
            return int(value)
        return safe_for_export(self.text(value))


# A commitment's due date and how many days it is overdue, in two columns: a download sorts and filters the
# dates as dates ("2026-11-18, overdue by 12 days" in one cell was text to a spreadsheet).
DUE_COLUMNS = (Column("due", "Due", DATE), Column("overdue", "Days overdue", COUNT))


def due_cells(due: Optional[date], overdue_days: Optional[int]) -> dict:
    """A commitment's cells of DUE_COLUMNS: its due date ("none set" without one), and no days overdue (—)
    unless it is overdue."""
    return {"due": due, "overdue": overdue_days}


@dataclass
class Table:
    caption: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    empty: str = "Nothing to show for these filters."
    name: str = "table"  # the download's file name, without extension

    def header(self) -> list[str]:
        return [c.header for c in self.columns]

    def export_rows(self) -> list[list]:
        """The rows as the downloads write them (`Column.export`): a text or status written once per column
        and distinct value (a heatmap's 3,500 rows repeat their names, statuses and questions, and each text
        is cleaned and neutralised against formulas: a third of its download's time)."""
        written: list[Optional[dict]] = [{} if c.kind in (TEXT, STATUS) else None for c in self.columns]
        out = []
        for row in self.rows:
            cells = []
            for column, seen in zip(self.columns, written):
                value = row.get(column.key)
                if seen is None or type(value) is not str:  # a text (1 and 1.0 are one key, and True too)
                    cells.append(column.export(value))
                    continue
                if value not in seen:
                    seen[value] = column.export(value)
                cells.append(seen[value])
            out.append(cells)
        return out


def _e(text) -> str:
    """Escaped (a line break in a cell reads as a space in HTML)."""
    return str(escape(text))


def badge_html(status: Optional[str]) -> str:
    """A status badge (word and shape) as HTML, the same as components.status_badge draws."""
    status = status or "no_data"
    return (f'<span class="status-badge status-badge--{escape(status)}"><span class="status-icon '
            f'status-icon--{escape(status)}" aria-hidden="true"></span><span class="status-badge__word">'
            f'{escape(status_word(status))}</span></span>')


def _cell_html(column: Column, row: dict) -> str:
    value = row.get(column.key)
    content = badge_html(value) if column.kind == STATUS else _e(column.text(value))
    href = row.get(column.link) if column.link else None
    if href:
        content = f'<a class="usa-link" href="{_e(href)}">{content}</a>'
    numeric = ' class="dash-num"' if column.kind in (NUMBER, COUNT) else ""
    if column.row_header:
        return f'<th scope="row">{content}</th>'
    return f"<td{numeric}>{content}</td>"


def _cell_writer(column: Column):
    """How one column's cells are written, chosen once per table, not once per cell. A long table
    repeats its texts (a program's name and link on each of its rows, a status word on many): each
    distinct text cell is written once. Plain numbers are written as they come: a formatted number
    (digits, separators, a dash) has nothing to escape."""
    key, link = column.key, column.link
    if column.kind in (NUMBER, COUNT) and not link and not column.row_header:
        if column.kind == NUMBER and column.decimals is None:  # as given (Column.text): 3.897 beside a 3.90
            cells: dict = {None: f'<td class="dash-num">{NO_NUMBER}</td>'}  # scores repeat: each written once

            def given(row: dict) -> str:
                value = row.get(key)
                found = cells.get(value)
                if found is None:
                    found = cells[value] = f'<td class="dash-num">{as_given(value)}</td>'
                return found
            return given
        spec = column.number_format

        def number(row: dict) -> str:
            value = row.get(key)
            return f'<td class="dash-num">{NO_NUMBER if value is None else format(value, spec)}</td>'
        return number
    written: dict = {}

    def text(row: dict) -> str:
        value = row.get(key)  # its type too: 1, 1.0 and True are equal keys but read differently
        memo = (type(value), value, row.get(link) if link else None)
        try:
            found = written.get(memo)
        except TypeError:  # a value that cannot be a key (a list): written as it comes
            return _cell_html(column, row)
        if found is None:
            found = written[memo] = _cell_html(column, row)
        return found
    return text


def to_html(table: Table) -> str:
    """The table as HTML: caption, column headers (scope="col"), a row header per row. Every text
    is escaped. One string, so that a long table is one component for the page to draw."""
    numeric = ' class="dash-num"'
    head = "".join(f'<th scope="col"{numeric if c.kind in (NUMBER, COUNT) else ""}>{_e(c.header)}</th>'
                   for c in table.columns)
    if table.rows:
        writers = [_cell_writer(column) for column in table.columns]
        body = "".join(["<tr>" + "".join([write(row) for write in writers]) + "</tr>" for row in table.rows])
    else:
        body = f'<tr><td colspan="{len(table.columns)}">{_e(table.empty)}</td></tr>'
    return (f'<table class="usa-table usa-table--striped usa-table--compact dash-table">'
            f"<caption>{_e(table.caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens accents and dashes correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.header())
    for row in table.export_rows():
        writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _sheet_title(table.name)
    sheet.append(xlsx_row(sheet, table.header()))
    for row in table.export_rows():
        sheet.append(xlsx_row(sheet, row))
    number_formats(sheet, table, first_row=2)
    sheet.freeze_panes = "A2"
    for column, header in zip(sheet.columns, table.header()):
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, len(header) + 2, *(
            len(str(c.value)) + 2 for c in column[1:200] if c.value is not None)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def number_formats(sheet, table: Table, first_row: int) -> None:
    """Give the cells of `table`'s rows, written on `sheet` from `first_row`, the formats that make them read
    as on the page (`Column.excel_format`); texts keep Excel's General."""
    formatted = [index for index, column in enumerate(table.columns) if column.kind in (NUMBER, COUNT, DATE)]
    for number, row in enumerate(table.rows, start=first_row):
        for index in formatted:
            column = table.columns[index]
            shown = column.excel_format(row.get(column.key))
            if shown is not None:
                sheet.cell(row=number, column=index + 1).number_format = shown


def year_named(name: str, fiscal_year: Optional[int]) -> str:
    """A table's name with its fiscal year ("leaders-FY2026"), or without one before any year has data."""
    return f"{name}-FY{fiscal_year}" if fiscal_year is not None else name


def _sheet_title(name: str) -> str:
    """The table's name as a sheet's (Excel takes 31 characters, none of []:*?/\\): a longer one keeps its
    quarter or year and cuts the words before it ("a11-compliance-exceptions-FY2026-Q4" read
    "a11-compliance-exceptions-FY202", a sheet copied elsewhere without its quarter)."""
    cleaned = "".join(ch for ch in name if ch not in '[]:*?/\\') or "table"
    period = re.search(r"-(FY\d{4}(?:-Q\d)?)", cleaned)
    if len(cleaned) <= 31 or period is None:
        return cleaned[:31]
    return f"{cleaned[:period.start()][:30 - len(period.group(1))].rstrip('-')}-{period.group(1)}"
