"""The briefing as a workbook (openpyxl): a contents sheet, then a sheet per section: a line saying what
it is (the agency, the quarter, the table's caption), then the table's header row, frozen with it, and
its rows, with numbers kept as numbers shown to the places the pages show and texts neutralised against
spreadsheet formulas (as the dashboards' downloads write them). A name with a link (a program,
a commitment, a plan, a finding) links to its page."""
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dashboards.briefing.content import Briefing, Section
from dashboards.tables import _sheet_title, number_formats
from scorecard.spreadsheets import safe_for_export, xlsx_row

CONTENTS = "Contents"
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="E2E6EC")
HEADER_ROW = 2  # a section sheet's header row: below the line saying what the sheet is
WIDEST = 70  # characters of a column's width; a longer text wraps within it (Excel clipped it at the next column)
_WRAPPED = Alignment(wrap_text=True, vertical="top")


def render(briefing: Briefing) -> bytes:
    book = Workbook()
    contents = book.active
    contents.title = CONTENTS
    contents.append(xlsx_row(contents, [safe_for_export(briefing.title)]))
    contents["A1"].font = Font(bold=True, size=14)
    contents.append([f"Prepared {briefing.prepared_when}"
                     + (f" for {briefing.prepared_for}" if briefing.prepared_for else "")])
    contents.append([])
    contents.append(["Sheet", "Section", "Note"])
    for cell in contents[4]:
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    contents.freeze_panes = "A5"
    for section in briefing.sections:
        contents.append(xlsx_row(contents, [_sheet_title(section.key), safe_for_export(section.heading),
                                            safe_for_export(section.note)]))
        _section_sheet(book, briefing, section)
    contents.column_dimensions["A"].width = 12
    contents.column_dimensions["B"].width = 36
    contents.column_dimensions["C"].width = 90
    for row in contents.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = _WRAPPED
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _section_sheet(book: Workbook, briefing: Briefing, section: Section) -> None:
    """A section's sheet: what it is above its table (the briefing's agency and quarter, and the table's
    caption: its as-of date, its plans' year), then the header row, frozen with it, and the rows."""
    sheet = book.create_sheet(_sheet_title(section.key))
    table = section.table
    about = section.heading if table is None else table.caption
    sheet.append(xlsx_row(sheet, [safe_for_export(f"{briefing.title}. {about}")]))
    sheet["A1"].font = _BOLD
    if table is None:
        sheet.append(["Note"])
        sheet["A2"].font, sheet["A2"].fill = _BOLD, _HEADER_FILL
        sheet.append(xlsx_row(sheet, [safe_for_export(section.note)]))
        sheet["A3"].alignment = _WRAPPED
        sheet.freeze_panes = "A3"
        sheet.column_dimensions["A"].width = 80
        return
    sheet.append(xlsx_row(sheet, table.header()))
    for cell in sheet[HEADER_ROW]:
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for number, row in enumerate(table.rows, start=HEADER_ROW + 1):
        sheet.append(xlsx_row(sheet, [column.export(row.get(column.key)) for column in table.columns]))
        for index, column in enumerate(table.columns, start=1):
            href = row.get(column.link) if column.link else None
            if href and href.startswith(("http://", "https://")):
                cell = sheet.cell(row=number, column=index)
                quoted = cell.quotePrefix  # the named style would reset it (scorecard.spreadsheets.xlsx_row)
                cell.hyperlink = href
                cell.style = "Hyperlink"
                cell.quotePrefix = quoted
    number_formats(sheet, table, first_row=HEADER_ROW + 1)  # a number reads as the PDF and the pages show it
    if not table.rows:
        sheet.append(xlsx_row(sheet, [safe_for_export(table.empty)]))
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(table.columns))}{len(table.rows) + HEADER_ROW}"
    for index, column in enumerate(table.columns, start=1):
        lengths = [len(column.header)] + [len(column.text(row.get(column.key))) for row in table.rows]
        sheet.column_dimensions[get_column_letter(index)].width = min(WIDEST, max(10, max(lengths) + 2))
        if max(lengths) + 2 > WIDEST:  # a reason, the leaders answering for a program: read whole, on lines
            for (cell,) in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=index, max_col=index):
                cell.alignment = _WRAPPED
