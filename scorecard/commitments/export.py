"""Commitments downloaded to keep offline (the Excel round trip, DESIGN §2): one row per commitment
in the import's `commitments` layout, with the commitment's id and the version it was downloaded
at, so that uploading the file back updates exactly those commitments, and a row whose commitment
was saved since is shown as a conflict instead of overwriting it. Importing an unedited download
changes nothing.

An .xlsx download has a frozen header, drop-downs for the status and the capacity domain, and an
instructions sheet; a .csv download the same columns. Texts a spreadsheet would run as a formula
are neutralised (scorecard.spreadsheets), and the import takes the apostrophe off again."""
import errno
import os
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.clock import agency_today
from scorecard.commitments.services import STATUS_LABELS
from scorecard.models import CAPACITY_DOMAINS, Commitment, CommitmentStatus, Component, Function, Program
from scorecard.spreadsheets import safe_for_export, write_table, xlsx_row

COLUMNS = ("id", "function", "title", "status", "reason", "next_step", "due_date", "description", "leader",
           "component", "programs", "metrics", "capacity_domain", "evidence_links", "note", "version")
# What each column holds, for the instructions sheet.
HELP = {
    "id": "The commitment's number. Leave it as it is: it says which commitment the row updates.",
    "function": "The C-suite function that owns the commitment. Leave it as it is.",
    "title": "The commitment. It may be reworded: the id keeps it the same commitment.",
    "status": "Choose from the drop-down, in the web form's words: " + ", ".join(
        STATUS_LABELS[s] for s in CommitmentStatus) + ".",
    "reason": "Why the status is what it is. Needed for At risk and Off track, and a new one whenever the due "
              "date moves (or is removed).",
    "next_step": "What happens next.",
    "due_date": "A date (YYYY-MM-DD).",
    "description": "What the commitment promises.",
    "leader": "The named leader, by e-mail address (or name).",
    "component": "The component the commitment is for, if any.",
    "programs": "Programs the commitment serves, separated by semicolons.",
    "metrics": "Metric codes the commitment moves, separated by semicolons.",
    "capacity_domain": "For a capacity-assessment action item, choose the domain from the drop-down.",
    "evidence_links": "Web links (http:// or https://), one per line, or separated by spaces or semicolons.",
    "note": "Optional: a note for the commitment's history, saved with your change.",
    "version": "The version the commitment was at when downloaded. Leave it as it is: a commitment saved on "
               "the web since then is shown as a conflict when you upload, and not overwritten.",
}
LOCKED = ("id", "function", "version")  # shaded: not to be edited
WIDTHS = {"id": 8, "function": 10, "title": 48, "status": 14, "reason": 40, "next_step": 36, "due_date": 12,
          "description": 48, "leader": 30, "component": 24, "programs": 40, "metrics": 24, "capacity_domain": 28,
          "evidence_links": 40, "note": 30, "version": 9}
ROWS_WITH_LISTS = 5000  # rows below the header that offer the drop-downs


def export_query(function: Optional[str] = None) -> sa.Select:
    """Every commitment (of one function, by code, if given), by function and title."""
    query = (sa.select(Commitment).join(Function, Function.id == Commitment.function_id)
             .order_by(Function.code, Commitment.title, Commitment.id))
    if function:
        query = query.where(sa.func.upper(Function.code) == function.strip().upper())
    return query


def commitment_rows(session, commitments: Iterable[Commitment]) -> Iterator[tuple]:
    """Rows of COLUMNS, texts neutralised. Names are written as the import reads them back: a
    component or program by its name, or by its code where another shares the name; a leader by
    e-mail address."""
    commitments = list(commitments)
    ids = [c.id for c in commitments]
    loaded = {}
    for start in range(0, len(ids), 500):
        loaded.update({c.id: c for c in session.scalars(
            sa.select(Commitment).where(Commitment.id.in_(ids[start:start + 500])).options(
                so.joinedload(Commitment.function), so.joinedload(Commitment.leader),
                so.joinedload(Commitment.component), so.selectinload(Commitment.programs),
                so.selectinload(Commitment.metrics))).unique()})
    component_name = _unambiguous(session.scalars(sa.select(Component)))
    program_name = _unambiguous(session.scalars(sa.select(Program)))
    for c in (loaded[i] for i in ids):
        leader = (c.leader.email or c.leader.name) if c.leader else None
        yield tuple(safe_for_export(v) for v in (
            c.id, c.function.code, c.title, STATUS_LABELS[c.status], c.reason, c.next_step, c.due_date, c.description,
            leader,
            component_name(c.component) if c.component else None,
            "; ".join(sorted(program_name(p) for p in c.programs)) or None,
            "; ".join(sorted(m.code for m in c.metrics)) or None,
            c.capacity_domain, "\n".join(c.evidence_links or []) or None, None, c.version))


def _key(text: Optional[str]) -> str:
    return " ".join((text or "").casefold().split())


def _unambiguous(items):
    """A function giving an item's name, or its code when the name (or code) also names another item."""
    items = list(items)
    named: dict[str, set] = {}
    for item in items:
        for value in (item.name, item.code):
            if value:
                named.setdefault(_key(value), set()).add(item.id)

    def name(item) -> str:
        if len(named.get(_key(item.name), ())) == 1 or not item.code:
            return item.name
        return item.code
    return name


def write_commitments(session, commitments: Iterable[Commitment], out: Path, *, today: Optional[date] = None) -> int:
    """Write `commitments` to `out` (.xlsx or .csv, by its extension); returns the number of rows."""
    out = Path(out)
    rows = commitment_rows(session, commitments)
    if out.suffix.lower() == ".csv":
        return write_table(out, COLUMNS, rows, "commitments")
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"download commitments to .xlsx or .csv, not {out.suffix or 'a file without extension'}")
    if not out.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(out.parent))
    part = out.with_name(f".{out.name}.part")  # a failed export leaves no half-written file behind
    try:
        count = _workbook(list(rows), today or agency_today(), part)
        os.replace(part, out)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return count


def _workbook(rows: list[tuple], today: date, out: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    data = book.active
    data.title = "commitments"
    data.append(list(COLUMNS))
    plain, shaded = PatternFill("solid", fgColor="DFE1E2"), PatternFill("solid", fgColor="A9AEB1")
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.fill = shaded if cell.value in LOCKED else plain
    data.freeze_panes = "A2"
    letter = {name: get_column_letter(i) for i, name in enumerate(COLUMNS, start=1)}
    for name, width in WIDTHS.items():
        data.column_dimensions[letter[name]].width = width
    for values in rows:
        data.append(xlsx_row(data, values))  # already safe_for_export
    last = data.max_row
    for cell in data[letter["due_date"]][1:]:
        cell.number_format = "yyyy-mm-dd"
    for name in ("evidence_links", "description", "reason"):
        for cell in data[letter[name]][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    # The drop-downs' choices are written into the validations themselves (no hidden sheet to explain).
    choices = {"status": [STATUS_LABELS[s] for s in CommitmentStatus], "capacity_domain": list(CAPACITY_DOMAINS)}
    for name, values in choices.items():
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                    showErrorMessage=True, errorTitle=f"Unknown {name.replace('_', ' ')}",
                                    error=f"Choose a {name.replace('_', ' ')} from the list.")
        validation.add(f"{letter[name]}2:{letter[name]}{max(last, 1) + ROWS_WITH_LISTS}")
        data.add_data_validation(validation)

    notes = book.create_sheet("instructions")
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 110
    notes.append([f"Commitments downloaded on {today.isoformat()}"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in (
        "Edit the rows on the commitments sheet, save the file, and upload it on Imports ▸ Upload (or run "
        "`scorecard import FILE`). The preview shows each change field by field before anything is saved; "
        "confirm to save.",
        "Leave id, function and version as they are. A commitment someone saved on the web after this download "
        "is a conflict: its row is shown beside the current values and not imported. Download again to edit it.",
        "Uploading this file unchanged changes nothing. Rows you add without an id create new commitments; such a "
        "row sent again, once someone else has saved its commitment, changes nothing on it (a conflict is shown): "
        "edit the commitment in a fresh download, where its row has its id and version.",
        "You may update only the commitments you may change on the web (an officer their function's; a leader "
        "the status and reason of their own), under the same rules as the web form.",
    ):
        notes.append([None, line])
        notes.cell(row=notes.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    notes.append([])
    notes.append(["Column", "What it holds"])
    notes.cell(row=notes.max_row, column=1).font = Font(bold=True)
    notes.cell(row=notes.max_row, column=2).font = Font(bold=True)
    for name in COLUMNS:
        notes.append([name, HELP[name]])
    book.save(out)
    return len(rows)


def export_commitments(session, out: Path, function: Optional[str] = None) -> int:
    """Write every commitment (of the function with code `function`, if given) to `out` (.xlsx or
    .csv) for `scorecard export commitments`; returns the number of rows. An unknown function code
    is a ValueError naming the known ones."""
    if function and session.scalar(sa.select(Function.id).where(
            sa.func.upper(Function.code) == function.strip().upper())) is None:
        codes = ", ".join(session.scalars(sa.select(Function.code).order_by(Function.code)))
        raise ValueError(f"there is no function {function!r}; the functions are {codes}")
    return write_commitments(session, session.scalars(export_query(function)).all(), out)
