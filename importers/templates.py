"""Blank Excel templates: a data sheet with a frozen header and drop-down lists, plus instructions."""
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from importers.formats.registry import FORMATS
from importers.readers import TEMPLATE_DATA, TEMPLATE_HELP, TEMPLATE_LISTS
from scorecard.clock import agency_today
from scorecard.models import Function, Metric, Program
from scorecard.periods import Period

CHANNELS = ["web", "phone", "in person", "email", "mail", "mobile", "automated phone", "chat", "paper"]


def _lists(session) -> dict[str, list[str]]:
    current = Period.from_date(agency_today())
    return {
        "metric": list(session.scalars(sa.select(Metric.code).order_by(Metric.code))),
        "program": sorted(set(session.scalars(sa.select(Program.name)))),
        "function": list(session.scalars(sa.select(Function.code).order_by(Function.code))),
        # the last three years up to the current quarter: a later one is refused (reported_period)
        "period": [str(current.prev(k)) for k in range(12, -1, -1)],
        "channel": CHANNELS,
    }


def write_template(session, format_name: str, out: Path, *, function: Optional[str] = None) -> Path:
    """The blank template of `format_name` written to `out`; `function`: the only function its drop-down
    offers (an officer's own: the import refuses another's rows)."""
    if format_name not in FORMATS:
        raise ValueError(f"unknown format {format_name!r}; known formats: {', '.join(FORMATS)}")
    fmt = FORMATS[format_name]
    workbook = Workbook()
    data = workbook.active
    data.title = TEMPLATE_DATA
    header = [c.name for c in fmt.columns]
    data.append(header)
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DFE1E2")
    data.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        data.column_dimensions[get_column_letter(index)].width = max(12, len(name) + 4)

    lists = workbook.create_sheet(TEMPLATE_LISTS)
    lists.sheet_state = "hidden"
    # A format may add its own drop-down lists (commitment statuses, capacity domains, ...).
    lists_of = {**_lists(session), **fmt.template_lists}
    if function is not None:
        lists_of["function"] = [function]
    for col, (name, values) in enumerate(lists_of.items(), start=1):
        lists.cell(row=1, column=col, value=name)
        for row, value in enumerate(values, start=2):
            cell = lists.cell(row=row, column=col, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a stored name such as "=1+1" is offered as text, never run as a formula
        if name in header and values:
            letter = get_column_letter(col)
            validation = DataValidation(
                type="list", formula1=f"lists!${letter}$2:${letter}${len(values) + 1}",
                allow_blank=True, showErrorMessage=name in ("metric", "period"),
                errorTitle=f"Unknown {name}", error=f"Choose a {name} from the list.")
            target = get_column_letter(header.index(name) + 1)
            validation.add(f"{target}2:{target}50000")
            data.add_data_validation(validation)

    notes = workbook.create_sheet(TEMPLATE_HELP)
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 100
    notes.append([fmt.title])
    notes["A1"].font = Font(bold=True, size=14)
    notes.append([fmt.description])
    notes.append([])
    notes.append(["Column", "What to enter"])
    for column in fmt.columns:
        notes.append([column.name, (column.help or "") + ("  (required)" if column.required else "")
                      + (f"  Also read as: {', '.join(column.synonyms)}." if column.synonyms else "")])
    notes.append([])
    notes.append(["Periods", "Fiscal quarters such as FY2025-Q1 (also FY25 Q1, 2025Q1, Q1 FY2025, or a date)."])
    notes.append(["Missing values", "Leave blank, or write N/A, No Data or -."])
    notes.append(["Import", "scorecard import FILE.xlsx --dry-run  (then without --dry-run), or the Import page."])
    workbook.save(out)
    return Path(out)
