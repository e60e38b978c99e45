"""Observation layouts: the canonical long layout and performance.gov's two A-11 layouts. Each
turns one row into observation records. (GSA Touchpoints A-11 v2 responses: touchpoints_format.py.)"""
import re
from datetime import date
from typing import Optional

from importers.drivers import classify_question
from importers.formats.base import Column, Format
from importers.formats.cells import Cells, converted_column, to_count
from importers.formats.reference_formats import org_name, text
from importers.normalize import EXCEL_EPOCH, is_missing, to_int, to_name, to_number, to_text, value_mark
from scorecard.a11 import PERFGOV_COLLECTIONS_FORMAT, PERFGOV_TRUST_FORMAT
from scorecard.driver_rule import (
    DRIVER_SLOTS,
    NOTE_NON_STANDARD,
    NOTE_NOT_ASKED,
    NOTE_NOT_POOLED,
    SlotQuestion,
    assign_drivers,
    is_placeholder,
)
from scorecard.models.metrics import CHANNEL_MAX, MAX_COUNT, NOTE_MAX, TOUCHPOINT_MAX
from scorecard.periods import PeriodError, parse_period, reported_period

COUNT_COLUMNS = ("count_1", "count_2", "count_3", "count_4", "count_5")
EXPORT_COLUMNS = ("agency", "component", "program", "function", "metric", "driver", "period", "channel",
                  "touchpoint", "value", "n") + COUNT_COLUMNS + ("question_text", "notes", "non_standard_wording")
POINT_SCALE_TOLERANCE = 0.006


class _Keep:
    """Marks a field whose column the file lacks: the stored value is left as it is."""

    def __repr__(self):
        return "KEEP"


KEEP = _Keep()


def to_channel(raw):
    name = channel_name(to_name(raw))
    if len(name) > CHANNEL_MAX:
        raise ValueError(f"a channel's name is at most {CHANNEL_MAX} characters; this one has {len(name):,}")
    return name


def channel_name(text):
    """Channels compare case-insensitively, with `_` read as a space ("in_person" = "In person")."""
    return " ".join(text.replace("_", " ").lower().split()) if text else ""


def survey_values(cells: Cells, count_columns, n_column=None, value_column=None):
    """Counts, n and value of a survey answer set, checked against each other."""
    if n_column:  # counts and n in one pass: the hot path of long survey files
        *counts, n = cells.many((*count_columns, n_column), to_count)
    else:
        counts, n = cells.many(count_columns, to_count), None
    value = cells.number(value_column) if value_column else None
    if any(column in count_columns for column, _raw, _message in cells.problems):
        return None, n, value  # a count refused already: checking n or the value against the others would blame them
    if None in counts:
        if counts.count(None) == len(counts):
            return None, n, value
        # Some answers counted and one blank or "N/A": read as 0 it moved the mean without a word (no real
        # performance.gov file leaves one out), so it is refused, naming the cell.
        missing = count_columns[counts.index(None)]
        cells.fail(missing, "this answer count is empty while the question's other answer counts are given: write 0 "
                            "where nobody gave that answer")
        return None, n, value
    total = sum(counts)
    if total > MAX_COUNT:  # named at the largest count, the one most likely mistyped
        largest = max(range(len(counts)), key=counts.__getitem__)
        cells.fail(count_columns[largest], f"the answer counts add up to {total:,}, this one the largest; respondents "
                                           f"are at most {MAX_COUNT:,}")
    elif n_column and n is not None and n != total:
        cells.fail(n_column, f"the answer counts add up to {total} but n is {n}")
    if total and value is not None:
        mean = sum((k + 1) * c for k, c in enumerate(counts)) / total
        if abs(mean - value) > POINT_SCALE_TOLERANCE:
            cells.fail(value_column, f"the value {value} disagrees with the mean of the answer counts ({mean:.2f})")
    if total == 0 and value:
        cells.fail(value_column, f"the value {value} was given but every answer count is 0")
    return tuple(counts), total, None


# ---------------------------------------------------------------------------- canonical

CANONICAL_COLUMNS = (
    Column("agency", ("department", "organization", "organization name", "agency name")),
    Column("component", ("bureau", "operating division", "service provider", "component name", "component code")),
    Column("program", ("program name", "program code", "service", "service name")),
    Column("function", ("c suite function", "csuite function", "function code", "office")),
    Column("metric", ("metric code", "metric name", "measure", "indicator"), required=True),
    Column("driver", ("a 11 driver", "a11 driver", "cx driver")),
    Column("period", ("fiscal period", "quarter", "fy quarter", "reporting period")),
    Column("fiscal_year", ("fiscal year", "fy")),
    Column("fiscal_quarter", ("fiscal quarter", "qtr")),
    Column("channel", ("channel name", "delivery channel")),
    Column("touchpoint", ("touch point", "transaction point", "survey", "service provided")),
    Column("value", ("score", "result", "point scale", "mean score")),
    Column("n", ("respondents", "responses", "number of respondents", "volume of respondents", "sample size")),
    Column("count_1", ("count 1", "strongly disagree", "1 strongly disagree", "answers 1")),
    Column("count_2", ("count 2", "disagree", "2 disagree", "answers 2")),
    Column("count_3", ("count 3", "neutral", "neither agree nor disagree", "3 neutral", "answers 3")),
    Column("count_4", ("count 4", "agree", "4 agree", "answers 4")),
    Column("count_5", ("count 5", "strongly agree", "5 strongly agree", "answers 5")),
    Column("question_text", ("question", "question text", "survey question")),
    Column("notes", ("note", "comment", "comments")),
    # Written by the export for the reader; derived from the question text, so ignored on import.
    Column("non_standard_wording", ("non standard wording",)),
)


_CANONICAL_TEXTS = ("agency", "component", "program", "function", "metric", "driver", "touchpoint")


def _canonical_period(cells: Cells) -> Optional[str]:
    """The quarter a canonical row gives, blank cells not given: a whole period (FY2025-Q1) in its period
    or fiscal_quarter column; or its fiscal_year with a quarter alone (2, Q2) in either (a file's "Fiscal
    Year" and "Quarter"). Every column given must name the same quarter. None, with the problem noted
    against its cell, when the row gives no quarter or two that disagree."""
    period, year, quarter = (None if is_missing(cells.row.get(c)) else to_text(cells.row.get(c))
                             for c in ("period", "fiscal_year", "fiscal_quarter"))
    year, quarter = _year_cell(cells.row.get("fiscal_year"), year), _whole(quarter)
    given = [(c, t, _as_period(t)) for c, t in (("period", period), ("fiscal_quarter", quarter)) if t is not None]
    wholes = [(c, t, found) for c, t, found in given if found is not None]
    parts = [(c, t) for c, t, found in given if found is None]  # a quarter alone, or no quarter at all
    if not given:
        if year is None:
            cells.fail("period", "the period is missing (e.g. FY2025-Q1)")
        else:
            cells.fail("fiscal_quarter", f"the fiscal year {year} is given without its quarter (1 to 4)")
        return None
    if not wholes:
        return _from_parts(cells, year, parts)
    column, text, found = wholes[0]
    for other, said, named in wholes[1:]:
        if named != found:
            cells.fail(other, f"the {other} {said} and the {column} {text} disagree")
            return None
    for other, part in parts:
        if _as_period(f"fiscal_year={found.fiscal_year}, quarter={part}") != found:
            cells.fail(other, f"the {other} {part} and the {column} {text} disagree")
            return None
    if year is not None and _as_period(f"fiscal_year={year}, quarter={found.quarter}") != found:
        cells.fail("fiscal_year", f"the fiscal year {year} and the {column} {text} disagree")
        return None
    return text


def _from_parts(cells: Cells, year: Optional[str], parts: list[tuple[str, str]]) -> Optional[str]:
    """The quarter of a fiscal year and a quarter alone (in the period or fiscal_quarter column), or
    None with the problem said at the cell at fault, as written (not as the two were put together)."""
    column, part = parts[0]
    if year is None:
        if "fiscal_year" in cells.row and _as_period(f"fiscal_year=2000, quarter={part}") is not None:
            cells.fail("fiscal_year", f"the fiscal year is missing: the {column} {part} gives the quarter alone")
            return None
        if column == "fiscal_quarter":
            cells.fail(column, f"{part!r} is no fiscal quarter on its own (e.g. FY2025-Q1), and no fiscal year is "
                               "given")
            return None
        return part  # the sink says why it is no quarter
    combined = f"fiscal_year={year}, quarter={part}"
    named = _as_period(combined)
    if named is None:
        if _as_period(f"fiscal_year=2000, quarter={part}") is None:
            cells.fail(column, f"{part!r} is not a quarter of a fiscal year (1 to 4, or Q1 to Q4)")
        else:
            cells.fail("fiscal_year", f"{year!r} is not a fiscal year (e.g. 2025 or FY2025)")
        return None
    for other, said in parts[1:]:
        if _as_period(f"fiscal_year={year}, quarter={said}") != named:
            cells.fail(other, f"the {other} {said} and the {column} {part} disagree")
            return None
    return combined


def _whole(text: Optional[str]) -> Optional[str]:
    """A year or quarter cell as a whole number when it is one written with a fraction of zero ("2019.0",
    "3.0": a number a workbook or another tool wrote), else as given."""
    if text is None:
        return None
    try:
        return str(to_int(text))
    except ValueError:
        return text


def _year_cell(raw, text: Optional[str]) -> Optional[str]:
    """The fiscal_year cell's text; a whole number as such. A cell read as a date: a year typed into a
    cell formatted "yyyy" is the serial number 2025, which reads as 1905-07-17, so a date before 1950 is
    its serial number (2025); a later one (a date typed in) is its year."""
    if isinstance(raw, date):  # a datetime too
        return str((date(raw.year, raw.month, raw.day) - EXCEL_EPOCH).days) if raw.year < 1950 else str(raw.year)
    return _whole(text)


def _as_period(text: str):
    """The Period `text` names on its own, or None."""
    try:
        return parse_period(text)
    except PeriodError:
        return None


def canonical_records(row: dict, options: dict) -> list[dict]:
    cells = Cells(row)
    agency, component, program, function, metric, driver, touchpoint = cells.many(_CANONICAL_TEXTS, to_name)
    if program is None and function is None and not any(p[0] in ("program", "function") for p in cells.problems):
        cells.fail("program", "a row names a program or a function; this one names neither")
    elif program is not None and function is not None:
        cells.fail("function", f"a row names a program or a function, not both (program {program!r})")
    period = _canonical_period(cells)
    counts, n, value = survey_values(cells, COUNT_COLUMNS, "n", "value")
    # value and n were read (and any problem with them noted) by survey_values
    # (a count refused is a problem of its own: the row gave counts, so it is not also "without")
    if counts is None and value is None and not any(p[0] in ("value", *COUNT_COLUMNS) for p in cells.problems):
        cells.fail("value", "a row needs a value or answer counts")
    channel = cells._read("channel", to_channel) or ""
    if touchpoint is not None and len(touchpoint) > TOUCHPOINT_MAX:
        cells.fail("touchpoint", f"a touchpoint is at most {TOUCHPOINT_MAX} characters; "
                                 f"this one has {len(touchpoint):,}")
    # read before done(): a problem with them counts too
    question_text, notes = (cells.within(name, cells.text(name), NOTE_MAX) if name in row else KEEP
                            for name in ("question_text", "notes"))  # as long as the API takes them
    if period is not None and cells.problems:  # the row stops here, before the sink reads its quarter: said now
        try:
            reported_period(period)
        except PeriodError as error:
            cells.fail("period", str(error))
    cells.done()
    return [{
        "agency": agency, "component": component, "program": program, "function": function, "metric": metric,
        "driver": driver, "period": period, "channel": channel, "touchpoint": touchpoint or "", "value": value,
        "n": n, "counts": counts, "question_text": question_text, "notes": notes,
        "value_mark": (mark, row.get("value")) if (mark := value_mark(row.get("value"))) else None,
        "value_written": row.get("value"),  # a problem with the value names it as the file has it
    }]


def _one_period_column(columns: dict) -> Optional[dict]:
    """The file's columns with its quarter in `period` alone, as the bulk path reads it: a period column
    beside fiscal_year and fiscal_quarter columns left blank (a filled template's), or a fiscal_quarter
    column alone; else None (the rows are read one by one, which checks one column against another)."""
    def blank(name: str) -> bool:
        return all(is_missing(cell) for cell in columns.get(name, ()))

    if not blank("fiscal_year"):
        return None
    if "period" in columns and blank("fiscal_quarter"):
        period = columns["period"]
    elif "period" not in columns and "fiscal_quarter" in columns:
        period = columns["fiscal_quarter"]
    else:
        return None
    return {**{k: v for k, v in columns.items() if k not in ("fiscal_year", "fiscal_quarter")}, "period": period}


def canonical_many(columns: dict, rows: int) -> Optional[dict]:  # noqa: C901 (one pass over a row's or file's steps, kept together so the order of checks reads top to bottom)
    """canonical_records over many rows at once: `columns` maps each column of the file to its raw
    cells. Returns the records as columns when every row is valid, else None, and the rows then go
    through canonical_records one by one, which names every problem (so the messages live there)."""
    columns = _one_period_column(columns)
    if columns is None or None in columns["period"]:
        return None
    out = {}
    blank = [None] * rows

    def read(name, convert):
        raws = columns.get(name)
        return blank if raws is None else converted_column(convert, raws)

    for name in _CANONICAL_TEXTS + ("question_text", "notes"):
        out[name] = read(name, to_name if name in _CANONICAL_TEXTS else to_text)
        if out[name] is None:
            return None
    if any(t is not None and len(t) > TOUCHPOINT_MAX for t in out["touchpoint"]):
        return None
    if any(t is not None and len(t) > NOTE_MAX for name in ("question_text", "notes") for t in out[name]):
        return None  # read row by row, where the problem is named
    for name in ("question_text", "notes"):
        if name not in columns:
            out[name] = KEEP
    programs, functions = out["program"], out["function"]
    if functions is blank:
        if None in programs:
            return None
    elif any((p is None) == (f is None) for p, f in zip(programs, functions)):
        return None
    channels = read("channel", to_channel)
    if any(value_mark(raw) for raw in columns.get("value", ())):
        return None  # a value written as a percent or as money: checked against its metric row by row
    numbers = [read(name, to_count) for name in (*COUNT_COLUMNS, "n")] + [read("value", to_number)]
    if channels is None or None in numbers:
        return None
    *answers, ns, values = numbers
    if values.count(None) == rows and not any(None in column for column in answers):
        # Answer counts on every row and no value beside them: the usual survey file, checked whole.
        totals = list(map(sum, zip(*answers)))
        if ns.count(None) != rows and ns != totals or max(totals, default=0) > MAX_COUNT:
            return None
        values, ns, counts = blank, totals, list(zip(*answers))
    else:
        values, ns, counts = _survey_rows(numbers)
        if values is None:
            return None
    out.update(period=columns["period"], channel=[c or "" for c in channels],
               touchpoint=[t or "" for t in out["touchpoint"]], value=values, n=ns, counts=counts)
    return out


def _survey_rows(numbers) -> tuple:
    """(values, n, counts) columns of rows with a value or answer counts (see survey_values), or
    (None, None, None) when a row's numbers disagree or it has neither."""
    values, ns, counts = [], [], []
    for one, two, three, four, five, n, value in zip(*numbers):
        if one is None or two is None or three is None or four is None or five is None:
            if one is two is three is four is five is None:
                if value is None:
                    return None, None, None
                values.append(value)
                ns.append(n)
                counts.append(None)
                continue
            return None, None, None  # some answers counted, one not: refused row by row (survey_values)
        total = one + two + three + four + five
        if n is not None and n != total or total > MAX_COUNT:
            return None, None, None
        if value is not None and (abs((one + 2 * two + 3 * three + 4 * four + 5 * five) / total - value)
                                  > POINT_SCALE_TOLERANCE if total else value):
            return None, None, None
        values.append(None)
        ns.append(total)
        counts.append((one, two, three, four, five))
    return values, ns, counts


CANONICAL = Format(
    name="metrics",
    title="Metrics (canonical long layout)",
    sink="observations",
    columns=CANONICAL_COLUMNS,
    signature=("metric",),
    any_of=(("period", "fiscal_year", "fiscal_quarter"), ("program", "function"), ("value", "count_1")),
    together=(COUNT_COLUMNS,),
    key=("metric", "component", "program", "function", "period", "channel", "touchpoint"),
    records=canonical_records,
    records_many=canonical_many,
    description="One row per observation: a metric's value (or survey answer counts) for a program "
                "or a C-suite function in one fiscal quarter.",
)


# ------------------------------------------------------------------ performance.gov layouts

PUBLISHED_ID_DIGITS = 18  # a performance.gov id, kept as "pg-component-<id>" in a 32-character code
_PUBLISHED_ID = re.compile(r"(\d+)(?:\.0*)?")
# The names and abbreviation a performance.gov row may give, and the most each column holds.
_ORG_TEXTS = (("organization_name", org_name(200)), ("organization_abbreviation", text(32)),
              ("service_provider_name", org_name(200)), ("service_name", org_name(300)))


def to_published_id(raw):
    """A performance.gov id: a whole number ("2129", 2129.0), read as its digits, exactly."""
    text = to_text(raw)
    if text is None:
        return None
    match = _PUBLISHED_ID.fullmatch(text)
    if not match or not text.isascii():
        raise ValueError(f"{text[:40]!r} is not an id (a whole number)")
    digits = match.group(1).lstrip("0") or "0"
    if len(digits) > PUBLISHED_ID_DIGITS:
        raise ValueError(f"an id has at most {PUBLISHED_ID_DIGITS} digits; this one has {len(digits)}")
    return digits


def _org_refs(cells: Cells, prefix: str) -> dict:
    """The organisation, service provider and service of a performance.gov row, by id and name
    (each no longer than the column that keeps it)."""
    ids = {}
    for key in ("organization_id", "service_provider_id", "service_id"):
        value = cells._read(prefix + key, to_published_id)
        if value is None and not any(p[0] == prefix + key for p in cells.problems):
            cells.fail(prefix + key, f"{key.replace('_', ' ')} is missing")
        ids[key] = value
    texts = {key: cells._read(prefix + key, convert) for key, convert in _ORG_TEXTS}
    return {
        "agency": {"external_id": ids["organization_id"], "name": texts["organization_name"],
                   "code": texts["organization_abbreviation"]},
        "component": {"external_id": ids["service_provider_id"], "name": texts["service_provider_name"],
                      "description": cells.text("service_provider_desc")},
        "program": {"external_id": ids["service_id"], "name": texts["service_name"],
                    "description": cells.text("service_desc")},
    }


def _touchpoint(cells: Cells, prefix: str) -> str:
    parts = [cells._read(prefix + "service_provided", to_name), cells._read(prefix + "transaction_point", to_name)]
    return " — ".join(p for p in parts if p)[:TOUCHPOINT_MAX]


def _question_text(cells: Cells, column: str):
    """The question as published, placeholders ("NONE", "N/A") included: a placeholder slot was
    reported (without counts), an empty one was not used."""
    raw = cells.row.get(column)
    text = raw.strip() or None if isinstance(raw, str) else cells.text(column)
    return cells.within(column, text, NOTE_MAX)  # as long as the metrics layout and the API take a question


def _period_text(raw: str) -> str:
    found = _as_period(raw)
    return raw if found is None else str(found)  # a bad period: the sink reports it against its row


def _survey_records(refs, period, channel, touchpoint, questions) -> list[dict]:
    """The observations of one performance.gov survey: the driver rule (scorecard.driver_rule)
    decides which question answers which driver, the same for both layouts. The survey's
    touchpoint is its key, so one survey published in both files is one observation per driver."""
    names = [r.get("name") for r in refs.values() if r.get("name")] + [touchpoint]
    survey = {"program": refs["program"]["name"] or refs["program"]["external_id"], "period": _period_text(period),
              "channel": channel, "touchpoint": touchpoint}
    answers = assign_drivers(questions)
    if not answers:  # the survey asked nothing the layout publishes: said in the preview, never dropped unseen
        slots = {q.slot for q in questions}
        # Its service is still one the file lists as reporting (a HISP's, expected every quarter): it is filed
        # (`refs`), so that the compliance page counts it not reported rather than not at all.
        return [{**refs, "function": None, "not_pooled": True, "driver_note": {
            **survey, "slot": slots.pop() if len(slots) == 1 else None, "driver": None, "note": NOTE_NOT_ASKED,
            "question": ""}}]
    records = []
    for answer in answers:
        question = answer.question
        text = None if is_placeholder(question.text) else question.text
        note = None
        if answer.note:
            note = {**survey, "slot": question.slot, "driver": answer.driver, "note": answer.note,
                    "question": text or question.text or ""}
            if answer.note in (NOTE_NON_STANDARD, NOTE_NOT_POOLED) and text:
                note["reads_as"] = classify_question(text, context_names=names)
        if answer.driver is None:
            records.append({"not_pooled": True, "driver_note": note})
            continue
        counts = tuple(question.counts) if question.has_counts else (0, 0, 0, 0, 0)
        records.append({
            **refs, "function": None, "metric": answer.driver, "driver": answer.driver, "period": period,
            "channel": channel, "touchpoint": touchpoint, "value": None, "n": sum(counts), "counts": counts,
            "question_text": text, "notes": None, "driver_note": note,
        })
    return records


def _question_columns(q: int) -> tuple:
    base = f"attributes_q{q}_"
    return (base + "text",) + tuple(f"{base}{k}" for k in range(1, 6)) + (base + "point_scale",)


COLLECTION_ID_COLUMNS = tuple(
    Column("attributes_" + name) for name in (
        "organization_id", "organization_name", "organization_abbreviation", "service_provider_id",
        "service_provider_name", "service_id", "service_name", "collection_year", "collection_quarter",
        "service_provided", "transaction_point", "channel", "volume_of_respondents"))
COLLECTION_COLUMNS = COLLECTION_ID_COLUMNS + (Column("service_desc"), Column("service_provider_desc")) + tuple(
    Column(name) for q in range(1, 12) for name in _question_columns(q))


def _period(row: dict, year: str, quarter: str) -> str:
    """The quarter as performance.gov's two columns give it. A workbook saved from its CSV holds them
    as numbers (2021.0), and a CSV written by other tools as such text ("2021.0"): whole numbers."""
    def text(column):
        try:
            return to_int(row.get(column))
        except ValueError:
            return row.get(column)  # the period's own check names it

    return f"fiscal_year={text(year)}, quarter={text(quarter)}"


def collection_records(row: dict, options: dict) -> list[dict]:
    cells = Cells(row)
    p = "attributes_"
    refs = _org_refs(cells, p)
    period = _period(row, p + "collection_year", p + "collection_quarter")
    questions = []
    for q in range(1, 12):
        text_col, *count_cols, scale_col = _question_columns(q)
        counts, _, _ = survey_values(cells, count_cols, None, scale_col)
        questions.append(SlotQuestion(q, _question_text(cells, text_col), counts))
    channel, touchpoint = cells._read(p + "channel", to_channel) or "", _touchpoint(cells, p)
    cells.done()
    return _survey_records(refs, period, channel, touchpoint, questions)


PERFGOV_COLLECTIONS = Format(
    name=PERFGOV_COLLECTIONS_FORMAT,
    title="performance.gov omb_cx_reporting_collections (wide, q1..q11)",
    sink="observations",
    columns=COLLECTION_COLUMNS,
    signature=("attributes_q1_text", "attributes_collection_year", "attributes_service_id"),
    together=tuple(tuple(f"attributes_q{q}_{k}" for k in range(1, 6)) for q in range(1, 12)),
    key=("attributes_service_id", "attributes_channel", "attributes_collection_year",
         "attributes_collection_quarter", "attributes_service_provided", "attributes_transaction_point"),
    records=collection_records,
    period_from=("attributes_collection_year", "attributes_collection_quarter"),
    unread=("id", "type", "attributes_collection_id", "attributes_collection_name", "attributes_volume_of_customers",
            "attributes_volume_of_customers_provided_survey_opportunity", "attributes_omb_control_number",
            "attributes_federal_register_url", "attributes_created_at", "attributes_updated_at",
            "attributes_operational_metrics", "attributes_service_slug"),
    description="The layout performance.gov publishes for every quarter: one survey per row, up to eleven "
                "questions side by side. Each slot is its A-11 driver (q1 satisfaction .. q7 employee) "
                "unless its wording is another driver's standard statement; q8..q11 are not pooled.",
)

TRUST_COLUMNS = tuple(Column(name) for name in (
    "fiscal_year", "quarter", "organization_id", "organization_name", "service_provider_id",
    "service_provider_name", "service_provider_desc", "service_id", "service_name", "service_desc",
    "service_provided", "transaction_point", "channel", "volume_of_respondents", "question_text",
    "strongly_disagree_num", "disagree_num", "neutral_num", "agree_num", "strongly_agree_num", "point_scale",
    "metric_category"))


TRUST_SLOT = DRIVER_SLOTS["trust"]


def trust_records(row: dict, options: dict) -> list[dict]:
    """The flattened file publishes the trust slot (q2) of each survey: the same question and
    counts as q2 of the collections layout, so the same rule places it. Its metric_category says so
    ("trust" on every published row); a row of another category is refused, not filed as trust."""
    cells = Cells(row)
    category = cells.text("metric_category")
    if category and category.strip().lower() != "trust":
        cells.fail("metric_category", f"this layout holds each survey's trust question only (metric_category "
                                      f"'trust'), so a {category.strip()!r} row cannot be read as one; import the "
                                      "survey's other questions from the collections layout, which names each slot")
    refs = _org_refs(cells, "")
    period = _period(row, "fiscal_year", "quarter")
    counts, _, _ = survey_values(cells, ("strongly_disagree_num", "disagree_num", "neutral_num", "agree_num",
                                         "strongly_agree_num"), None, "point_scale")
    question = SlotQuestion(TRUST_SLOT, _question_text(cells, "question_text"), counts)
    channel, touchpoint = cells._read("channel", to_channel) or "", _touchpoint(cells, "")
    cells.done()
    return _survey_records(refs, period, channel, touchpoint, [question])


PERFGOV_TRUST = Format(
    name=PERFGOV_TRUST_FORMAT,
    title="performance.gov HISP trust, flattened",
    sink="observations",
    columns=TRUST_COLUMNS,
    signature=("question_text", "strongly_disagree_num", "point_scale", "service_id", "fiscal_year"),
    together=(("strongly_disagree_num", "disagree_num", "neutral_num", "agree_num", "strongly_agree_num"),),
    key=("service_id", "channel", "fiscal_year", "quarter", "service_provided", "transaction_point"),
    records=trust_records,
    period_from=("fiscal_year", "quarter"),
    unread=("rating", "reflection", "population_size", "volume_of_customers_provided_survey_opportunity",
            "sample_size", "question_id", "strongly_agree_or_agree_num"),
    told=(("rating", "Column \u201crating\u201d, performance.gov's A-11 reporting compliance flag (TRUE, PARTIAL or "
                     "FALSE), is not imported: the A-11 compliance dashboard works out each quarter's reporting from "
                     "the answers stored, and may read otherwise (a quarter flagged FALSE with its answers reads "
                     "\u201creported\u201d)."),
          ("reflection", "Column \u201creflection\u201d, the provider's narrative for the quarter, is not imported.")),
    description="One survey per row with the trust question's answer counts (performance.gov HISP data).",
)
