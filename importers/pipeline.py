"""The one import pipeline every format goes through:
read ▸ find header ▸ map columns ▸ normalise ▸ validate ▸ resolve ▸ plan ▸ (preview) ▸ commit."""
import enum
import hashlib
import heapq
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain, islice, zip_longest
from operator import itemgetter
from pathlib import Path
from typing import Optional

import sqlalchemy as sa

from importers.errors import ImportFileError, as_shown
from importers.formats.base import Format, RowProblems
from importers.formats.registry import FORMATS, SINKS
from importers.header import column_letter, map_columns, norm_name
from importers.readers import read_table
from importers.sinks.base import CARRIED_FROM, CONFLICT, Plan
from importers.trail import COMMIT_ACTION
from scorecard import writers
from scorecard.bulk import collector_paused
from scorecard.clock import moment
from scorecard.driver_rule import NOTE_NO_COUNTS, NOTE_NON_STANDARD, NOTE_NOT_ASKED, NOTE_NOT_POOLED, NOTE_SWAPPED
from scorecard.models import AuditEvent, BatchStatus, ImportBatch, utcnow
from scorecard.text import blank, counted, cut, listed

HEADER_SCAN_ROWS = 30
SHEETS_TRIED = 10  # visible sheets tried for a header when no sheet is named
CHUNK_ROWS = 5000  # rows validated together, and how often progress is reported
MAX_ERRORS_KEPT = 5000
RACED = ("another import wrote some of the same rows (or created the same organisations) while this one was "
         "being written, so its plan no longer holds; nothing was imported. Import the file again to plan it "
         "against what is stored now.")
PREVIEW_ROWS = 200


UNKNOWN_NAMED = 50  # the columns not read a preview names (the others are counted)


@dataclass
class ImportResult:
    """What happened (or would happen) to one file."""

    status: str  # imported | would_import | rejected | duplicate | failed
    format: Optional[str] = None
    batch_id: Optional[int] = None
    plan: Optional[Plan] = None
    errors: list = field(default_factory=list)
    rejected: int = 0
    warnings: list = field(default_factory=list)
    unknown_columns: list = field(default_factory=list)
    message: str = ""
    total_rows: int = 0
    preview: list = field(default_factory=list)  # sample changes in words, for the preview page

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "would_import", "duplicate")

    def as_json(self) -> dict:
        counts = self.plan.counts if self.plan and self.status != "rejected" else {}
        return {
            "batch": self.batch_id, "format": self.format, "status": self.status,
            "inserted": counts.get("inserted", 0), "updated": counts.get("updated", 0),
            "unchanged": counts.get("unchanged", 0), "removed": counts.get("removed", 0), "rejected": self.rejected,
            "errors": self.errors, "message": self.message,
            "driver_notes": self.plan.driver_notes if self.plan else [],
            "placements": self.plan.placements if self.plan else [],
            "created": self.plan.created if self.plan else {},
            "unknown_columns": self.unknown_columns, "warnings": self.warnings,
        }


def file_checksum(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_SPELLINGS: dict[int, tuple[Format, dict]] = {}


def _spellings(fmt: Format) -> dict[str, frozenset]:
    """Each column of a format with the normalised spellings its header may use (worked out once
    per format: detecting a layout compares every header row with every format)."""
    known = _SPELLINGS.get(id(fmt))
    if known is None or known[0] is not fmt:
        known = _SPELLINGS[id(fmt)] = (fmt, {c.name: frozenset(norm_name(s) for s in c.spellings)
                                             for c in fmt.columns})
    return known[1]


def _other_layout(prefix: list[list], fmt: Format, chosen: Optional[str]) -> str:
    """For a file refused row by row in the layout chosen at upload: the layout it looks like when that is
    another (the performance.gov trust file uploaded as the collections layout: 1,400 row errors, and no
    word that the layout was the mistake); "" otherwise."""
    if not chosen:
        return ""
    try:
        found, _ = detect_format(prefix)
    except ImportFileError:
        return ""
    if found.name == fmt.name:
        return ""
    return (f" The layout chosen at upload was {fmt.title}, but the file looks like {found.title} ({found.name}): "
            "if so, upload it again with that layout (or let the upload recognise it).")


def _near_miss(prefix: list[list], candidates) -> str:
    """For a file whose header names most of a layout's columns but lacks one it is recognised by (a
    "value" column typed "valeu"): which row, which layout, what it lacks and which of its header cells
    were not read, so the analyst can rename the one cell; "" when no row names three of a layout's columns."""
    best = None
    for index, cells in enumerate(prefix):
        names = {norm_name(c): c for c in cells if isinstance(c, str) and c.strip()}
        for fmt in candidates:
            spellings = _spellings(fmt)
            present = [name for name, spelt in spellings.items() if spelt & names.keys()]
            if len(present) >= 3 and (best is None or len(present) > len(best[2])):
                best = (index, fmt, present, spellings, names)
    if best is None:
        return ""
    index, fmt, present, spellings, names = best
    lacking = [name for name in fmt.signature if name not in present]
    lacking += [" or ".join(group) for group in fmt.any_of if not set(group) & set(present)]
    if not lacking:
        return ""
    known = frozenset().union(*spellings.values())
    unread = [str(raw).strip() for key, raw in names.items() if key not in known]
    return (f"row {index + 1} looks like the header of the layout \"{fmt.title}\" ({fmt.name}): it names "
            f"{', '.join(present)}, but it has no {', no '.join(lacking)} column"
            + (f"; the header cells not read are {', '.join(map(repr, unread[:10]))}" if unread else "")
            + ". Give the column the layout's name (a blank template lists each name and the spellings "
            "read) and upload the file again.")


def detect_format(prefix: list[list], forced: Optional[str] = None) -> tuple[Format, int]:
    """The format and header row of a file, from its first rows. `forced` names the format."""
    candidates = [FORMATS[forced]] if forced else list(FORMATS.values())
    best = None
    for index, cells in enumerate(prefix):
        names = {norm_name(c) for c in cells if isinstance(c, str) and c.strip()}
        if len(names) < (1 if forced else 2):
            continue
        for fmt in candidates:
            present = {name for name, spellings in _spellings(fmt).items() if spellings & names}
            if not forced and (not set(fmt.signature) <= present
                               or any(not set(group) & present for group in fmt.any_of)):
                continue
            # A named format's header may be its one required column (e.g. an org file of components).
            enough = len(present) >= 2 or (forced and present and set(fmt.required) <= present)
            if enough and (best is None or len(present) > best[0]):
                best = (len(present), fmt, index)
    if best is None:
        if forced:
            expected = ", ".join(FORMATS[forced].required or FORMATS[forced].signature)
            raise ImportFileError(f"no header row for the {forced!r} format in the first {HEADER_SCAN_ROWS} rows; "
                                  f"expected columns such as {expected}")
        near = _near_miss(prefix, candidates)
        if near:
            raise ImportFileError(f"the layout of this file was not recognised: {near}")
        raise ImportFileError(
            "the layout of this file was not recognised: no header row names the columns of a known format "
            f"in its first {HEADER_SCAN_ROWS} rows. Known formats: {', '.join(FORMATS)}. "
            "Start from a blank template of its format (the Imports page lists them; on the command line, "
            "scorecard template FORMAT), or name the format.")
    return best[1], best[2]


def read_with_header(path, sheet: Optional[str] = None, format_name: Optional[str] = None) -> tuple:
    """(table, remaining rows, first rows, format, header row index) of the sheet to import.
    Without a sheet named, a workbook's visible sheets are tried in order until one has the header
    of a known layout: a cover or notes sheet before the data is common."""
    table, passed = read_table(path, sheet=sheet), []
    while True:
        rows = iter(table.rows)
        prefix = list(islice(rows, HEADER_SCAN_ROWS))
        try:
            if all(map(_blank_row, prefix)):
                raise ImportFileError("the file is empty: no cells with data")
            fmt, header_index = detect_format(prefix, format_name)
        except ImportFileError as error:  # an empty sheet, or one with no known header: maybe a later one has it
            names = table.sheet_names
            later = names[names.index(table.sheet) + 1:] if sheet is None and table.sheet in names else []
            if not later:
                if sheet is None and table.hidden_sheets:  # the data may be on a sheet the reader passed by
                    one = len(table.hidden_sheets) == 1
                    raise ImportFileError(
                        f"{error} Hidden {'sheet' if one else 'sheets'} {', '.join(map(repr, table.hidden_sheets))} "
                        f"{'was' if one else 'were'} not read: choose {'it' if one else 'one'} by name (the Worksheet "
                        "field, or --sheet on the command line) to read it.") from None
                raise
            if len(passed) + 1 >= SHEETS_TRIED:  # each try parses a sheet in a child process: a few, not hundreds
                raise ImportFileError(f"none of the first {SHEETS_TRIED} sheets of this workbook holds the header of "
                                      "a known layout; choose the sheet to read by name") from None
            passed.append(table.sheet)
            table = read_table(path, sheet=later[0])
            continue
        if passed:  # read as if chosen by name, so the reader's notes on the sheets not read are said here
            table.warnings.append(f"{_sheets(passed)} {'holds' if len(passed) == 1 else 'hold'} no header of a "
                                  f"known layout; sheet {table.sheet!r} was read. Choose a sheet by name to read "
                                  "another.")
            unread = [name for name in table.sheet_names if name != table.sheet and name not in passed]
            if unread:
                one = len(unread) == 1
                table.warnings.append(f"{_sheets(unread)} {'was' if one else 'were'} not read either; choose "
                                      f"{'it' if one else 'one'} by name to read it instead.")
            if table.hidden_sheets:
                hidden, one = ", ".join(map(repr, table.hidden_sheets)), len(table.hidden_sheets) == 1
                table.warnings.append(f"Hidden {'sheet' if one else 'sheets'} {hidden} {'was' if one else 'were'} "
                                      "not read.")
        return table, rows, prefix, fmt, header_index


def _sheets(names) -> str:
    """"Sheet 'Data2'", "Sheets 'Data2', 'Notes'"."""
    return f"{'Sheet' if len(names) == 1 else 'Sheets'} {', '.join(map(repr, names))}"


# The choices an upload may make beside its file (the import page's fields, the API's form fields, the command
# line's options), each read by the layouts whose `options` or `optional_options` name it.
UPLOAD_CHOICES = ("program", "period", "touchpoint", "trust_scale")


def _choices_not_read(fmt: Format, options: dict) -> Optional[str]:
    """A warning naming the choices made at upload that `fmt` does not read (a period chosen for a file of the
    metrics layout, whose rows name their own), or None: given and passed over in silence, the file's own
    quarters were imported where the one chosen was meant."""
    unread = [name for name in UPLOAD_CHOICES
              if str(options.get(name) or "").strip() and name not in fmt.options + fmt.optional_options]
    if not unread:
        return None
    parts = [f"{name.replace('_', ' ')} ({str(options[name]).strip()[:80]!r})" for name in unread]
    named = listed(parts)
    return (f"The {named} chosen at upload {'is' if len(unread) == 1 else 'are'} not read: those choices are for "
            f"Touchpoints responses, and this file's layout is {fmt.title}, which reads each row's own columns.")


def needed_options(format_name: str) -> tuple[str, ...]:
    """The choices a layout needs made at upload (a Touchpoints file's program and quarter)."""
    return FORMATS[format_name].options


def _hidden_columns_read(table, index: dict, header_names: dict) -> list[str]:
    """A warning naming the hidden columns of the sheet the import reads (hidden rows are named by the
    reader): their values were imported unseen by whoever looked at the sheet. Hidden columns the
    layout does not read (the rest of the sheet hidden beyond the table) are not news."""
    hidden = sorted((at, name) for name, at in index.items()
                    if any(first <= at <= last for first, last in table.hidden_columns))
    if not hidden:
        return []
    one = len(hidden) == 1
    named = ", ".join(f"{column_letter(at)} ({header_names.get(name, name)})" for at, name in hidden)
    return [f"Sheet {table.sheet!r} has {counted(len(hidden), 'hidden column')} that the import reads: {named}; "
            f"{'it was' if one else 'they were'} read like the others. Unhide {'it' if one else 'them'} to check "
            f"{'it' if one else 'them'}, or delete {'it if it' if one else 'the columns that'} should not be "
            "imported."]


def _rejected_rows_columns(header) -> set:
    """The columns the rejected-rows download (importers.error_report) adds around a file's own, "row" first
    and "errors" last: that download fixed and uploaded again was told they were not read."""
    cells = [str(c).strip() for c in header if c is not None and str(c).strip()]
    return {"row", "errors"} if len(cells) > 2 and cells[0] == "row" and cells[-1] == "errors" else set()


def run_import(session, path, *, filename: Optional[str] = None, format_name: Optional[str] = None,
               sheet: Optional[str] = None, options: Optional[dict] = None, dry_run: bool = False,
               user_id: Optional[int] = None, progress: Optional[Callable] = None,
               batch: Optional[ImportBatch] = None) -> ImportResult:
    """Import one file. Nothing is written unless every row is valid and `dry_run` is false;
    the commit is one transaction that records an import batch with the values it replaced."""
    with collector_paused():  # hundreds of thousands of short-lived objects, no cycles
        try:
            return _run_import(session, path, filename=filename, format_name=format_name, sheet=sheet,
                               options=options, dry_run=dry_run, user_id=user_id, progress=progress, batch=batch)
        except sa.exc.IntegrityError as error:  # rows or organisations another confirm wrote meanwhile
            if dry_run or not _is_unique_violation(error):
                raise
            session.rollback()
            raise ImportFileError(RACED) from None


def _imported_before(session, checksum: str, sheet: Optional[str], batch: Optional[ImportBatch]):
    """The latest committed batch of the same file read from the same sheet, or None."""
    return session.scalar(sa.select(ImportBatch).where(
        ImportBatch.checksum == checksum, ImportBatch.status == BatchStatus.committed,
        ImportBatch.sheet.is_(None) if not sheet else ImportBatch.sheet == sheet[:200],
        ImportBatch.id != (batch.id if batch else -1)).order_by(ImportBatch.id.desc()).limit(1))


def _repeats_header(cells: list, header_keys: dict) -> bool:
    """Whether a data row spells the header again in most of the columns read (at least two)."""
    same = sum(1 for idx, key in header_keys.items()
               if idx < len(cells) and isinstance(cells[idx], str) and norm_name(cells[idx]) == key)
    return same >= 2 and same * 2 > len(header_keys)


def _writes(plan) -> bool:
    """Whether a plan writes anything: a row inserted, updated or removed, or an organisation created."""
    counts = plan.counts
    return bool(counts["inserted"] or counts["updated"] or counts["removed"] or any((plan.created or {}).values()))


def _run_import(session, path, *, filename: Optional[str] = None, format_name: Optional[str] = None,  # noqa: C901 (one pass over a row's or file's steps, kept together so the order of checks reads top to bottom)
               sheet: Optional[str] = None, options: Optional[dict] = None, dry_run: bool = False,
               user_id: Optional[int] = None, progress: Optional[Callable] = None,
               batch: Optional[ImportBatch] = None) -> ImportResult:
    path = Path(path)
    filename = filename or path.name
    options = options or {}
    if not dry_run:  # PostgreSQL: from the start (organisations are created while the rows are read)
        writers.early(session, writers.IMPORT)
    if format_name and format_name not in FORMATS:
        raise ImportFileError(f"unknown format {format_name!r}; known formats: {', '.join(FORMATS)}")
    checksum = file_checksum(path)
    if batch is not None and batch.checksum and batch.checksum != checksum:
        raise ImportFileError("the stored upload changed after it was previewed (its checksum differs), so the "
                              "preview no longer describes it; nothing was imported. Upload the file again.")
    table, rows, prefix, fmt, header_index = read_with_header(path, sheet, format_name)
    columns = map_columns(prefix[header_index], fmt.synonyms)
    missing = columns.missing(fmt.required)
    if missing:
        raise ImportFileError(f"the {fmt.title} layout needs the {'column' if len(missing) == 1 else 'columns'} "
                              f"{', '.join(missing)}, which the header on row {header_index + 1} lacks")
    for group in fmt.together:
        lacking = [name for name in group if name not in columns.index]
        if len(lacking) < len(group) and lacking:
            named = [name for name in group if name in columns.index]
            raise ImportFileError(
                f"the header on row {header_index + 1} names {', '.join(named)} but not {', '.join(lacking)}: "
                f"these columns come together (a survey's answer counts, one column for each answer), and a score "
                "from some of them would be wrong. Name each column (a merged header cell names only its first "
                "column); nothing was imported")
    for option in fmt.options:
        if not options.get(option):
            words = option.replace("_", " ")
            raise ImportFileError(f"the {fmt.title} layout needs a {words} chosen at upload (the "
                                  f"{words.capitalize()} field, or --{option.replace('_', '-')} on the command line)",
                                  format=fmt.name)
    header_names = {name: str(prefix[header_index][idx]).strip() for name, idx in columns.index.items()}
    if fmt.period_from and "period" not in header_names:  # a quarter made of two columns is named by them
        header_names["period"] = " and ".join(header_names.get(c, c) for c in fmt.period_from)
    names = tuple(columns.index)
    pick = _picker(tuple(columns.index.values()))
    # The sink sees who imports: some layouts are scoped by role (an officer's own function).
    try:
        sink = SINKS[fmt.sink](session, {**options, "user_id": user_id, "preview": dry_run})
    except ImportFileError as error:  # a choice made at upload refused (a Touchpoints file's program)
        error.format = error.format or fmt.name
        raise
    # A sheet of 16,000 columns listed every one in the preview: the first UNKNOWN_NAMED are named, the rest counted.
    own = _rejected_rows_columns(prefix[header_index])
    unknown = [name for name in columns.unknown if name not in own]
    result = ImportResult("rejected", format=fmt.name, warnings=list(table.warnings),
                          unknown_columns=unknown[:UNKNOWN_NAMED])
    result.warnings += _hidden_columns_read(table, columns.index, header_names)
    unread_choices = _choices_not_read(fmt, options)
    if unread_choices:
        result.warnings.append(unread_choices)
    published = {norm_name(name) for name in fmt.unread}  # the published layout's, not needed here
    present = {norm_name(name) for name in unknown}
    result.warnings += [words for name, words in fmt.told if norm_name(name) in present]
    unread = [name for name in unknown if norm_name(name) not in published]
    if unread:
        more = f" and {len(unread) - UNKNOWN_NAMED:,} more" if len(unread) > UNKNOWN_NAMED else ""
        one = len(unread) == 1
        result.warnings.append(
            f"{'Column' if one else 'Columns'} not read: no column of the {fmt.title} layout is called " + ", ".join(
                f"\u201c{name}\u201d" for name in unread[:UNKNOWN_NAMED]) + more + ". "
            + ("Its values are not imported; if they should be" if one else
               "Their values are not imported; if one should be")
            + ", give it the layout's name (the templates on the upload page list them) and upload again.")
    width = len(prefix[header_index])
    header_keys = {idx: norm_name(prefix[header_index][idx]) for idx in columns.index.values()}
    holding: dict[int, int] = {}  # a column without a header -> the first row with a value in it
    bad_rows: set[int] = set()
    errors = result.errors
    records_fn = fmt.records
    # Long layouts with a bulk reader take whole chunks at once when every row in them is valid.
    many = fmt.records_many if hasattr(sink, "add_many") else None
    data_rows = chain(prefix[header_index + 1:], rows)
    other_problems = getattr(sink, "other_problems", None)
    seen = filled = 0
    for chunk in iter(lambda: list(islice(data_rows, CHUNK_ROWS)), []):
        first = header_index + 2 + seen  # the spreadsheet row of the chunk's first row
        seen += len(chunk)
        _unnamed_values(chunk, first, columns.unnamed, width, holding)
        if many is not None and (taken := _whole_chunk(chunk, first, columns.index, many, sink)):
            filled += taken
            chunk = ()
        for row_number, cells in enumerate(chunk, start=first):  # the general path; it names every problem
            if _blank_row(cells):
                continue
            values = dict(zip(names, pick(cells)))
            filled += 1
            try:
                for record in records_fn(values, options):
                    sink.add(row_number, record)
            except RowProblems as problems:
                bad_rows.add(row_number)
                if _repeats_header(cells, header_keys):  # two files pasted one below the other: one message
                    if len(errors) < MAX_ERRORS_KEPT:
                        errors.append(_error(row_number, header_names[names[0]], values[names[0]], (
                            f"this row repeats the header of row {header_index + 1} (files pasted one below the "
                            "other?); delete it, or check that the rows below it belong to this file")))
                    continue
                named = {column for column, _, _ in problems.problems}
                # and the row's other problems (names that match nothing, a value out of range), so a file
                # is not fixed one round at a time
                extra = [p for p in (other_problems(values) if other_problems else ()) if p[0] not in named]
                for column, value, message in [*problems.problems, *extra]:
                    if len(errors) < MAX_ERRORS_KEPT:
                        errors.append(_error(row_number, header_names.get(column, column), value, message))
        if progress:
            progress("validating", seen)
    result.total_rows = seen
    if holding:
        one = len(holding) == 1
        result.warnings.append(
            ("A column without a header holds" if one else "Columns without a header hold")
            + " values, which are not imported: " + ", ".join(
                f"{column_letter(index)} (first on row {row})" for index, row in sorted(holding.items()))
            + f". If they should be, give {'it' if one else 'each'} the layout's column name and upload again.")
    if not filled:
        raise ImportFileError(f"the file has a header on row {header_index + 1} but no data rows below it",
                              format=fmt.name)  # recognised: its page names the layout, not "unknown"
    if progress:  # the last report a confirm can record on SQLite before it holds the write lock: it says both
        progress("planning" if dry_run or session.get_bind().dialect.name != "sqlite" else "planning and writing",
                 seen)
    # Planned against what is stored, written as planned: no other confirm or revert in between.
    writes_wait = not dry_run and writers.one_at_a_time(session, writers.IMPORT)
    if hasattr(sink, "finish"):
        sink.finish()
    result.warnings.extend(getattr(sink, "warnings", ()))  # what a sink assumed, e.g. a Touchpoints scale
    said = set()  # a wide row's records share its quarter and names: a problem with them is said once
    for error in sink.errors:
        bad_rows.add(error.row)
        column, value, message = header_names.get(error.column, error.column), error.value, error.message
        if error.twice_as is not None and error.column not in header_names and fmt.key:
            column, value, message = _given_twice(fmt, header_names, error.twice_as)
        if len(errors) < MAX_ERRORS_KEPT and (said_now := (error.row, column, str(value), message)) not in said:
            said.add(said_now)
            errors.append(_error(error.row, column, value, message))
    errors.sort(key=lambda e: (e["row"] or 0))
    result.rejected = len(bad_rows)
    if bad_rows:
        one = len(bad_rows) == 1
        result.message = (f"{counted(len(bad_rows), 'row')} {'has' if one else 'have'} problems; nothing was "
                          f"imported. Fix {'it' if one else 'them'} and upload the file again."
                          + _other_layout(prefix, fmt, format_name))
        session.rollback()
        return result
    result.plan = sink.plan()
    result.warnings.extend(getattr(sink, "plan_warnings", ()))  # what the plan found against what is stored
    earlier = _imported_before(session, checksum, table.sheet, batch)
    if earlier is not None and not _writes(result.plan):
        session.rollback()
        return ImportResult("duplicate", format=fmt.name, batch_id=None, warnings=result.warnings, message=(
            f"this file was already imported as batch {earlier.id} on {moment(earlier.committed_at)}, "
            "and what it holds is stored as it says; nothing changed"))
    if earlier is not None:
        result.warnings.append(
            f"This file was imported before, as batch {earlier.id} on {moment(earlier.committed_at)}. "
            "Not all it holds is stored as it says now (changed since by another import or an edit, or read with "
            "other choices at upload): the preview shows what this import writes.")
    shown = None if getattr(sink, "reconciles_edits", False) else _previewed(batch)
    changed = shown is not None and not _as_previewed(shown, result.plan)
    if dry_run or changed:  # a confirm whose plan is no longer the one previewed is previewed again
        inserts = result.plan.inserts
        first = inserts.earliest(PREVIEW_ROWS) if hasattr(inserts, "earliest") else inserts
        sample = heapq.nsmallest(PREVIEW_ROWS, chain(first, result.plan.updates), key=lambda c: c.row)
        # the rows removed come last: no row of the file holds them (a touchpoint's few aspects at most)
        result.preview = [sink.describe(c) for c in chain(sample, result.plan.removals)]
        session.rollback()
        result.status = "would_import"
        result.message = _summary(result.plan, "would be")
        if changed:
            result.message = ("Rows this import would write were changed since the preview, by another import "
                              "confirmed or reverted or by an edit on the web (the preview said "
                              f"{shown[0]} inserted, {shown[1]} updated, {shown[2]} unchanged"
                              + (f", {batch.removed} removed" if batch.removed else "") + "); "
                              "nothing was imported. Now " + result.message
                              + " Check the new preview (its Before values) and confirm again.")
        return result
    if progress and not writes_wait:  # recorded through another connection, which the lock would hold up
        progress("writing", seen)
    batch = batch or ImportBatch(filename=filename, checksum=checksum, user_id=user_id)
    # A sheet's name is at most 31 characters in Excel; a file written otherwise keeps the first 200.
    batch.format, batch.sheet, batch.checksum = fmt.name, (table.sheet or None) and table.sheet[:200], checksum
    session.add(batch)
    session.flush()
    # The batch row is locked from here to the commit; a batch given up meanwhile (stalled) stays given up.
    if session.scalar(sa.select(ImportBatch.status).where(ImportBatch.id == batch.id).with_for_update()) \
            is not BatchStatus.pending:
        session.rollback()
        raise ImportFileError("this import was given up while it was running (it showed no sign of life for too "
                              "long); nothing was written. Upload the file again.")
    sink.commit(result.plan, batch)
    counts = result.plan.counts
    batch.take_counts(counts)
    # Read by importers.revert: whose rows it carried, and what this commit created (the preview's
    # figure is replaced: another import may have created those organisations since).
    kept = {k: v for k, v in (batch.preview or {}).items() if k != "created"}
    if result.plan.carried_from:
        kept[CARRIED_FROM] = sorted(result.plan.carried_from)
    if any((result.plan.created or {}).values()):
        kept["created"] = dict(result.plan.created)
    batch.preview = kept
    batch.rejected, batch.total_rows, batch.progress = 0, seen, seen
    batch.status, batch.committed_at = BatchStatus.committed, utcnow()
    batch.message = _summary(result.plan, "were")
    conflicts = sum(1 for w in kept.get("warnings") or () if isinstance(w, str) and w.startswith(CONFLICT))
    if conflicts:  # rows left out, not written: said where the counts are, not only in the list below
        batch.message += (f" {counted(conflicts, 'row')} {'was' if conflicts == 1 else 'were'} left out as "
                          f"{'a conflict' if conflicts == 1 else 'conflicts'}: saved by someone else since the file "
                          f"was downloaded (listed below); nothing of {'it' if conflicts == 1 else 'them'} was "
                          "written.")
    session.add(AuditEvent(user_id=user_id, action=COMMIT_ACTION, entity_type="import_batch", entity_id=batch.id,
                           after={"filename": filename, "format": fmt.name, "uploaded_by": batch.user_id,
                                  **counts}))
    session.commit()
    result.status, result.batch_id, result.message = "imported", batch.id, batch.message
    from scorecard.signals import import_committed
    # Observation imports name the subjects they wrote; reference imports (targets, plans,
    # commitments...) can change any finding, so the rules re-read everything after them.
    import_committed.send(batch, touched=sink.touched() if hasattr(sink, "touched") else set(),
                          reference=getattr(sink, "reference", False))
    return result


def _blank(cell) -> bool:
    """An empty cell: none, or text that shows nothing (spaces of any kind, a tab, a non-breaking or
    zero-width space: scorecard.text.blank). A text starting with a letter or digit is read no further."""
    return cell is None or (cell.__class__ is str and not cell[:1].isalnum() and blank(cell))


def _blank_row(cells) -> bool:
    """A row every cell of which is empty (_blank): left out, not read as a row missing its values."""
    return all(map(_blank, cells))


def _unnamed_values(chunk: list, first: int, unnamed: list, width: int, holding: dict) -> None:
    """Note in `holding` the first row of each column without a header (blank, or past the header's
    end) that holds a value."""
    if not unnamed and max(map(len, chunk), default=0) <= width:
        return
    for row_number, cells in enumerate(chunk, start=first):
        for index in chain(unnamed, range(width, len(cells))):
            if index < len(cells) and index not in holding and not _blank(cells[index]):
                holding[index] = row_number


def _whole_chunk(chunk: list, first: int, columns_at: dict, many: Callable, sink) -> int:
    """Give a chunk of rows (the first on spreadsheet row `first`) to the layout's bulk reader and
    the sink at once. Returns how many rows they took: all but the blank ones, or none when some
    row needs the row-by-row path (which then says what is wrong with it)."""
    numbers, body = range(first, first + len(chunk)), chunk
    blanks = list(map(_blank_row, chunk))
    if any(blanks):  # blank rows are left out, as row by row
        kept = [(n, cells) for n, cells, left_out in zip(numbers, chunk, blanks) if not left_out]
        numbers, body = [n for n, _ in kept], [cells for _, cells in kept]
    if not body:
        return 0
    # The chunk's columns: rows of one width transpose in C; short rows are padded.
    cells_of = list(zip(*body) if len(set(map(len, body))) == 1 else zip_longest(*body))
    by_column = {name: cells_of[index] if index < len(cells_of) else (None,) * len(body)
                 for name, index in columns_at.items()}
    records = many(by_column, len(body))
    return len(body) if records is not None and sink.add_many(numbers, records) else 0


def _is_unique_violation(error) -> bool:
    """A natural key written twice (SQLite "UNIQUE constraint failed", PostgreSQL unique_violation)."""
    text = str(error.orig).lower()
    return "unique constraint" in text or getattr(error.orig, "sqlstate", None) == "23505"


def _picker(indexes: tuple) -> Callable:
    """A function returning the cells at `indexes` of a row (None past its end) as a tuple."""
    if not indexes:
        return lambda cells: ()
    width = max(indexes) + 1
    get = itemgetter(*indexes)

    def pick(cells):
        if len(cells) < width:
            cells = list(cells) + [None] * (width - len(cells))
        picked = get(cells)
        return picked if len(indexes) > 1 else (picked,)
    return pick


def _given_twice(fmt, header_names: dict, first: int) -> tuple:
    """A row of a wide layout (performance.gov's) that another gave first, as (column, value, message): named by
    the layout's own key columns, once for the row. It was said once per survey question, against a "metric"
    column the file does not have."""
    named = [header_names[name] for name in fmt.key if name in header_names]
    return (", ".join(named), None, f"the same survey's results as row {first}: these columns hold the same on both "
                                    "rows, read as the import reads them (a channel in any case, a name with any "
                                    "spacing). Delete one of the two, or correct the cell that should differ")


def _error(row, column, value, message) -> dict:
    if isinstance(value, enum.Enum):  # a cell read as a choice (a status): its code, not the program's name for it
        value = value.value
    if isinstance(value, (list, tuple)):  # a cell read as several values (links, programs): as they are written
        value = "; ".join(str(as_shown(item)) for item in value)
    plain = value is None or isinstance(value, (str, int, float, bool))
    value = as_shown(value) if plain else str(value)  # a workbook keeps 200 as 200.0: said as the cell shows it
    shown = cut(value)  # a message quoting a cell of 100,000 characters quotes its start and says its length
    if shown is not value and isinstance(message, str):
        message = message.replace(value, shown)
    return {"row": row, "column": column, "value": value, "message": message}


_ONE = {"agencies": "agency", "components": "component", "programs": "program"}  # Resolver.created's kinds


def _summary(plan: Plan, verb: str) -> str:
    counts = plan.counts
    if verb == "were" and counts["inserted"] == 1:
        verb = "was"
    text = (f"{counted(counts['inserted'], 'row')} {verb} inserted, {counts['updated']:,} updated, "
            f"{counts['unchanged']:,} unchanged")
    if counts["removed"]:  # said only when the format removes rows (a touchpoint's new export)
        text += f", {counts['removed']:,} removed"
    if plan.created:
        text += "; new: " + ", ".join(counted(n, _ONE.get(kind, kind), kind) for kind, n in plan.created.items())
    if plan.placements:
        text += "; " + "; ".join(plan.placements)
    return text + "." + driver_rule_summary(plan.driver_notes)


def _previewed(batch: Optional[ImportBatch]) -> Optional[tuple[int, int, int, Optional[str]]]:
    """(inserted, updated, unchanged, plan fingerprint) the batch's preview showed its user, None when
    it was not previewed (a command-line import, a direct commit). A preview kept from before
    fingerprints has none: its counts are compared."""
    if batch is None or "changes" not in (batch.preview or {}):
        return None
    return batch.inserted, batch.updated, batch.unchanged, batch.preview.get("plan")


def _as_previewed(shown: tuple, plan: Plan) -> bool:
    """Whether `plan` is the one the preview showed (`shown`, from `_previewed`): the same fingerprint,
    or for a preview kept from before fingerprints, the same counts."""
    inserted, updated, unchanged, fingerprint = shown
    if fingerprint is not None:
        return fingerprint == plan.fingerprint()
    return (inserted, updated, unchanged) == (plan.counts["inserted"], plan.counts["updated"], plan.counts["unchanged"])


def driver_rule_summary(notes: list) -> str:
    """The driver rule's work in words: each swap named, the rest counted (all are listed in
    the preview and in `driver_notes`)."""
    if not notes:
        return ""
    parts = [f"Survey {n['program']} {n['period']} {n['channel'] or 'no channel'} (row {n['row']}): q{n['slot']} "
             f"counted as {n['driver']}, its wording being that driver's standard statement"
             for n in notes if n["note"] == NOTE_SWAPPED]
    tally = Counter(n["note"] for n in notes if n["note"] != NOTE_SWAPPED)
    # One note a question: one without counts is counted so whatever its wording (its stored row may still be
    # marked non-standard), so the non-standard count says it counts questions with answers.
    words = {NOTE_NON_STANDARD: ("question with answer counts kept under its slot's driver with non-standard wording",
                                 "questions with answer counts kept under their slot's driver with non-standard "
                                 "wording"),
             NOTE_NO_COUNTS: ("question reported without counts (no score), whatever its wording",
                              "questions reported without counts (no score), whatever their wording"),
             NOTE_NOT_POOLED: ("question not pooled into a driver score (beyond q7, or displaced by a swap)",
                               "questions not pooled into a driver score (beyond q7, or displaced by a swap)"),
             NOTE_NOT_ASKED: ("survey row with no question asked (no text, no answers), so no score imported from it "
                              "(its service is filed, to count as not reporting)",
                              "survey rows with no question asked (no text, no answers), so no score imported from "
                              "them (their services are filed, to count as not reporting)")}
    parts += [counted(tally[note], *text) for note, text in words.items() if tally[note]]
    return " " + "; ".join(parts) + "."
