"""The observation sink: resolve names, check values against their metric, plan
insert/update/unchanged by natural key, and commit with the values replaced (and any rows a
sink built on it removes, such as a touchpoint's aspects its new export no longer offers)."""
import calendar
import contextlib
import heapq
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import itemgetter, mul, truediv
from typing import Optional

import sqlalchemy as sa

from importers.formats.observation_formats import COUNT_COLUMNS, KEEP
from importers.normalize import to_name, to_number, to_text, value_mark
from importers.resolve import Directory, Unknown
from importers.sinks.base import Change, Plan, SinkError
from importers.sinks.tracked import encode
from scorecard.a11 import V2_FROM, asked_in_v2, ensure_standard_metrics, is_survey_data, is_v2_aspect, trust_as_share
from scorecard.bulk import bulk_inserter
from scorecard.models import ImportRowChange, MetricKind, Observation, subject_key
from scorecard.models.metrics import MAX_MAGNITUDE
from scorecard.naming import Namesakes, component_parts, program_parts
from scorecard.periods import Period, PeriodError, calendar_month, has_begun, parse_period, reported_period
from scorecard.survey import configured_min_n
from scorecard.text import counted, line_breaks

COMPARED = ("value", "n", *COUNT_COLUMNS, "question_text", "notes")
FIELDS = ("metric_id", "agency_id", "component_id", "program_id", "function_id", "subject_key", "period", "channel",
          "touchpoint") + COMPARED
# What the change log keeps of a row an import removes: all of it but its id (the log's row_id), for a revert
REMOVED_KEPT = FIELDS + ("import_batch_id", "first_import_batch_id", "created_at", "updated_at")
_COMPARED_AT = tuple(FIELDS.index(f) for f in COMPARED)
_STORED_AT = {f: 2 + i for i, f in enumerate(COMPARED)}  # positions in the tuples `_existing` returns
_VALUE_AT = FIELDS.index("value")
TYPED_V2_TRUST = "a v2 trust value typed without its answers"
INSERT_CHUNK = 5000
_MISSING = object()
# "2025-01" to "2025-04" are calendar months (as documented), which a quarter written with a leading zero
# looks like: said in the preview, with how they were read
_MONTH_LIKE_A_QUARTER = re.compile(r"\s*(\d{4})-0([1-4])\s*")
# Q1 2025, Quarter 1 2025, 2025Q1, 2025_Q1, 2025-1, 2025/1: the quarters scorecard.periods reads with a year that
# names no FY (its four-digit years); a fiscal year given in a column of its own ("Fiscal Year" 2025, "Quarter"
# Q1) is a fiscal quarter, whatever the quarter's cell says
_QUARTER_WITHOUT_FY = re.compile(
    r"(?i)\s*(?:[0-9]{4}\s*[-_/,]?\s*(?:q|quarter)\s*[1-4]|(?:q|quarter)\s*[1-4]\s*[-_/,]?\s*[0-9]{4}"
    r"|[0-9]{4}\s*[-/]\s*[1-4])\s*")


def ambiguous_quarter(raw) -> Optional[Period]:
    """The fiscal quarter a quarter written without FY ("Q1 2025", "2025Q1", "2025-1") is read as, when the
    calendar quarter of that name (the next fiscal one: calendar Q1 2025 is FY2025-Q2) has begun, so that it
    may have been meant; None otherwise (written with FY, or the fiscal reading is the only one)."""
    if not isinstance(raw, str) or not _QUARTER_WITHOUT_FY.fullmatch(raw):
        return None
    read = parse_period(raw)
    return read if has_begun(read.next()) else None


RANGES = {
    MetricKind.likert: (1.0, 5.0),
    MetricKind.percent: (0.0, 100.0),
    MetricKind.count: (0.0, float(MAX_MAGNITUDE)),
    MetricKind.duration: (0.0, float(MAX_MAGNITUDE)),
    MetricKind.currency: (-float(MAX_MAGNITUDE), float(MAX_MAGNITUDE)),
    MetricKind.index: (-float(MAX_MAGNITUDE), float(MAX_MAGNITUDE)),
}


def range_words(kind: MetricKind) -> str:
    """The range of a metric of `kind` in words: "1 to 5", "0 to 1,000,000,000,000,000"."""
    return " to ".join(f"{x:,.0f}" if abs(x) >= 1e6 else f"{x:g}" for x in RANGES[kind])


def _range_problems(metric: tuple, value, written=None) -> list[tuple]:
    """[(column, value, message)] when `value` is outside the range of `metric` (a sink's metric tuple).
    The problem names the cell as `written` in the file when given ("(1,234)", not -1234.0), so the
    analyst finds it; the message says how it was read."""
    _id, _code, kind, _driver, low, high = metric
    if value is None or low <= value <= high:
        return []
    shown = value if written is None else written
    return [("value", shown, f"{value:g} is outside the range of a {kind.value} metric ({range_words(kind)})")]


MARK_KINDS = {"%": (MetricKind.percent, "as a percent"), "$": (MetricKind.currency, "as an amount of money")}


def _mark_problems(metric: tuple, mark: Optional[str], raw) -> list[tuple]:
    """[(column, value, message)] when the value is written as a percent or as money and its metric is
    not one (normalize.value_mark)."""
    _id, code, kind, _driver, _low, _high = metric
    if mark not in MARK_KINDS or kind is MARK_KINDS[mark][0]:
        return []
    return [("value", raw, f"{raw.strip()!r} is written {MARK_KINDS[mark][1]}, but {code!r} is a {kind.value} "
                           "metric: give the number alone, in the metric's own unit")]


def touchpoint_key(text):
    """A touchpoint as surveys are told apart: its words, whatever the spaces between them. A file re-saved,
    or a name pasted from a web page, spells one survey with a non-breaking space or two spaces; read as
    another survey it was stored beside the first and both were pooled, counting the respondents twice.
    (The Touchpoints layout names its survey so too.) The touchpoint is stored as first written."""
    return " ".join(text.split()) if text else text


def _same(a, b) -> bool:
    """Whether a stored value and a file's are one: numbers within rounding, texts whatever their line breaks (a
    note stored with "\\r\\n" before every way in kept "\\n" came back from the product's own export as changed)."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(a, str) and isinstance(b, str):
        return a == b or line_breaks(a) == line_breaks(b)
    return a == b


def _spelt(raw) -> tuple[str, str]:
    """The year and the month or quarter digit a period like "2026-03" is written with, for the examples of its own
    row ("2026-03-01", "FY2026-Q3"); ("2025", "1") where it is written otherwise."""
    found = _MONTH_LIKE_A_QUARTER.fullmatch(str(raw))
    return found.groups() if found else ("2025", "1")


class ObservationSink:
    table = "observations"

    def __init__(self, session, options: Optional[dict] = None):
        self.session = session
        self.options = options or {}
        self.errors: list[SinkError] = []
        self.rows: dict[tuple, tuple] = {}  # natural key -> values in FIELDS order
        self.first_row: dict[tuple, int] = {}
        self.driver_notes: list[dict] = []  # what the A-11 driver rule did, per survey question
        self._periods: dict = {}
        self._months: dict[str, int] = {}  # a period written like a quarter but read as a month -> its first row
        self._unmarked: dict[str, int] = {}  # each spelling of a quarter written without FY -> its first row
        # natural key -> {calendar month its row was given for: that month's notes} (joined in month order)
        self.month_notes: dict[tuple, dict] = {}
        self.month_spelt: dict[tuple, object] = {}  # natural key -> its first month as written
        self.month_rows: dict[tuple, dict] = {}  # natural key -> {month: the row that gave it}
        self._plainly_monthly = False  # a month no one reads as a quarter (2025-05, a date) is in the file
        self._guessed: list[tuple] = []  # months summed whose spelling may mean a quarter (row, as written, ...)
        self._written_as_percent: set[tuple] = set()  # keys whose value was written with "%" ("1%"): no share
        self.plan_warnings: list[str] = []
        self._stored_alike: dict[tuple, str] = {}  # a new key -> the stored touchpoint it differs from in case only
        self.rolled_up = 0  # monthly rows added into a row of their quarter
        ensure_standard_metrics(session)
        session.flush()
        self.directory = Directory(session, preview=bool(self.options.get("preview")))
        self._namesakes = Namesakes(session)  # programs and components told from namesakes, for the preview
        self._subjects: dict = {}
        self._metrics: dict = {}
        self.kept: set[str] = set()  # fields the file does not give, left as stored on update

    # -- resolve ------------------------------------------------------------------------------
    def _period(self, raw) -> str:
        """The quarter as stored ("FY2025-Q1"), or the PeriodError saying why not: a spelling no
        one reads, or a quarter that has not begun (results are reported for a quarter from its
        first day on; one later would become every dashboard's latest quarter, with nothing in it)."""
        try:
            return self._periods[raw]
        except KeyError:
            try:
                value = str(reported_period(raw))
            except PeriodError as error:
                value = error
            self._periods[raw] = value
            return value

    def _subject(self, record: dict):
        """(agency_id, component_id, program_id, function_id, subject_key) for a record, or the
        Unknown error naming what did not resolve; cached per distinct set of names."""
        if isinstance(record["program"], dict):  # performance.gov ids
            names = ("pg", record["agency"]["external_id"], record["component"]["external_id"],
                     record["program"]["external_id"])
        else:
            names = (record["agency"], record["component"], record["program"], record["function"])
        try:
            return self._subjects[names]
        except KeyError:
            pass
        d = self.directory
        try:
            if isinstance(record["program"], dict):
                # A service is filed under the provider it was first seen with; the subject follows it.
                program = d.published_program(record)
                subject = (program.component.agency, program.component, program, None)
            else:
                agency_name, component_name, program_name, function_name = names
                agency = d.agency(agency_name) if agency_name else None
                component = d.component(component_name, agency, program_name) if component_name else None
                if program_name:
                    program = d.program(program_name, component, agency)
                    subject = (program.component.agency, program.component, program, None)
                else:
                    function = d.function(function_name)
                    agency = agency or (component.agency if component else d.agency(None))
                    subject = (agency, component, None, function)
        except Unknown as error:
            subject = error
        else:
            agency, component, program, function = subject
            ids = (agency.id, component.id if component else None, program.id if program else None,
                   function.id if function else None)
            subject = ids + (subject_key(ids[2], ids[3], ids[1], ids[0]),)
        self._subjects[names] = subject
        return subject

    def _metric(self, code):
        """(id, code, kind, driver, low, high) of a metric, or the Unknown error; cached per code."""
        try:
            return self._metrics[code]
        except KeyError:
            pass
        try:
            metric = self.directory.metric(code)
            low, high = RANGES[metric.kind]
            found = (metric.id, metric.code, metric.kind, metric.driver.value if metric.driver else None, low, high)
        except Unknown as error:
            found = error
        self._metrics[code] = found
        return found

    def other_problems(self, values: dict) -> list[tuple]:
        """(column, value, message) for what a row refused for some of its cells (a count that is
        negative) holds besides: names that match nothing (its agency, component, program or
        function, and its metric) and a value outside its metric's range; so every problem of the row
        is named at once, not one round after another."""
        try:
            record = {key: to_name(values.get(key)) for key in ("agency", "component", "program", "function")}
            code = to_text(values.get("metric"))
        except ValueError:  # a name that is no text: already named by the row's own problems
            return []
        found = []
        if record["program"] or record["function"]:
            subject = self._subject(record)
            if isinstance(subject, Unknown):
                found.append(_subject_problem(record, subject))
        metric = self._metric(code) if code else None
        if isinstance(metric, Unknown):
            found.append(("metric", code, str(metric)))
        elif metric is not None:
            with contextlib.suppress(ValueError):  # not a number: the row's own problems say so
                found.extend(_range_problems(metric, to_number(values.get("value")), values.get("value")))
            found.extend(_mark_problems(metric, value_mark(values.get("value")), values.get("value")))
        return found

    def add(self, row: int, record: dict) -> None:  # noqa: C901 (one pass over a row's or file's steps, kept together so the order of checks reads top to bottom)
        """Resolve one record and keep it under its natural key (or record why not)."""
        note = record.get("driver_note")
        if note:
            self.driver_notes.append({"row": row, **note})
        if record.get("not_pooled"):
            if isinstance(record.get("program"), dict):  # a published survey that asked nothing: its service filed
                self._subject(record)
            return
        problems = []
        period = self._period(record["period"])
        self._note_spelling(record["period"], row)
        if isinstance(period, PeriodError):
            problems.append(("period", record["period"], str(period)))
        subject = self._subject(record)
        if isinstance(subject, Unknown):
            problems.append(_subject_problem(record, subject))
        code = record["metric"]
        metric = self._metric(code) if code else None
        if metric is None:
            problems.append(("metric", None, "the metric is missing"))
        elif isinstance(metric, Unknown):
            problems.append(("metric", code, str(metric)))
            metric = None
        else:
            metric_id, code, kind, metric_driver, low, high = metric
            driver = record.get("driver")
            if driver and metric_driver != driver.strip().lower():
                problems.append(("driver", driver, f"metric {code!r} has driver {metric_driver or 'none'}, "
                                 f"not {driver!r}"))
            problems.extend(_range_problems(metric, record["value"], record.get("value_written")))
            if is_v2_aspect(code) and isinstance(period, str) and not asked_in_v2(period):
                problems.append(("period", record["period"], f"{code!r} is a measure of A-11's v2 survey, asked from "
                                 f"{V2_FROM} on; {period} is before it, a quarter of the v1 survey"))
            if record.get("value_mark"):  # (mark, the value as written)
                problems.extend(_mark_problems(metric, *record["value_mark"]))
            if record["value"] is not None and record["counts"] is None and record["n"] == 0:
                # the scores pass over a value of no one (scorecard.scoring.pooled_score): kept, it never showed
                problems.append(("n", 0, f"a survey score needs its respondents: the value {record['value']:g} was "
                                         "given with n 0 (leave the value blank when no one answered)"
                                 if kind is MetricKind.likert else
                                 f"the value {record['value']:g} was given with n 0, and a value of no respondents is "
                                 "never shown or scored: give its n, leave n blank when the measure has none, or "
                                 "leave the value blank when there was nothing to measure"))
            if record["counts"] is not None and kind is not MetricKind.likert:
                problems.append(("count_1", record["counts"][0],
                                 f"answer counts only belong to survey (likert) metrics, not {code!r}"))
        if problems:
            self.errors.extend(SinkError(row, c, v, m) for c, v, m in problems)
            return
        agency_id, component_id, program_id, function_id, skey = subject
        key = (metric_id, skey, period, record["channel"], touchpoint_key(record["touchpoint"]))
        if (record.get("value_mark") or (None,))[0] == "%":
            self._written_as_percent.add(key)
        month = calendar_month(record["period"])
        counts = record["counts"] or (None,) * 5
        question_text, notes = record["question_text"], record["notes"]
        if question_text is KEEP:  # the file lacks the column: stored values stay
            self.kept.add("question_text")
            question_text = None
        if notes is KEEP:
            self.kept.add("notes")
            notes = None
        values = (metric_id, agency_id, component_id, program_id, function_id, skey, period, record["channel"],
                  record["touchpoint"],
                  record["value"] if record["counts"] is None else _mean(record["counts"]), record["n"], *counts,
                  question_text, notes)
        if month is not None and not _quarter_like(record["period"]):
            self._plainly_monthly = True  # 2025-05, a date: the file holds months, and its 2025-01 is January
        if key in self.rows:
            months = self.month_notes.get(key)
            if (month is None) != (not months):  # a quarter's row and a month of it: the one given twice
                first, raw = self.first_row[key], record["period"]
                given = (f"row {first} gives the whole quarter {period}, and {raw} is a month of it" if months is None
                         else f"row {first} gives {self.month_spelt[key]}, a month of {period}, the quarter this "
                              "row gives whole")
                self.errors.append(SinkError(row, "period", raw, f"the same metric, subject, channel and touchpoint "
                                             f"as row {first} in the same quarter: {given}. Give the quarter or its "
                                             "months, not both"))
                return
            if month is None or month in months:
                # a month given twice: the row that gave that month (the quarter's first row gave another)
                first = self.month_rows.get(key, {}).get(month, self.first_row[key])
                self.errors.append(SinkError(row, "metric", record["metric"],
                                             f"the same metric, subject, period, channel and touchpoint as row "
                                             f"{first}", twice_as=first))
                return
            rolled = _rolled_up(self.rows[key], values)  # another month of the quarter: added into its row
            if isinstance(rolled, NotRolledUp):
                column, value, reason = rolled.column, rolled.value, rolled.reason
                self.errors.append(SinkError(row, column, value, f"another month of {period}, as row "
                                             f"{self.first_row[key]}, but {reason}: the two cannot be rolled up "
                                             "into the quarter"))
            else:
                months[month] = notes
                self.month_rows[key][month] = row
                self.rows[key] = (*rolled[:_NOTES_AT], _notes_by_month(months))
                self.rolled_up += 1
                if _quarter_like(record["period"]) or _quarter_like(self.month_spelt[key]):
                    # 2025-01 to 2025-04 are months as documented, but may be meant as quarters (three quarters
                    # written so would become one): summed only when another row shows the file holds months
                    self._guessed.append((row, record["period"], period, self.first_row[key]))
            return
        self.first_row[key] = row
        self.rows[key] = values
        if month is not None:
            self.month_notes[key], self.month_spelt[key] = {month: notes}, record["period"]
            self.month_rows[key] = {month: row}

    def add_many(self, row_numbers, records: dict) -> bool:  # noqa: C901 (one pass over a row's or file's steps, kept together so the order of checks reads top to bottom)
        """Many canonical records at once, as columns (see `canonical_many`), on the spreadsheet rows
        `row_numbers`. They are kept only when every one resolves, is valid and names a natural key
        not seen before; otherwise nothing is kept and the answer is False, so that the rows go
        through `add` one by one and every problem is named in one place."""
        codes = records["metric"]
        if None in codes:
            return False
        try:
            metrics = _cached(self._metrics, self._metric, codes)
            periods = _cached(self._periods, self._period, records["period"])
            firsts: dict = {}
            for raw, row in zip(records["period"], row_numbers):  # each spelling's first row, in one pass
                firsts.setdefault(raw, row)
            for raw, row in firsts.items():
                self._note_spelling(raw, row)
            subjects = _cached(self._subjects, lambda names: self._subject(dict(zip(_SUBJECT_NAMES, names))),
                               list(zip(*(records[name] for name in _SUBJECT_NAMES))))
        except TypeError:  # an unhashable cell
            return False
        # Checked per distinct name (type sets and cached string hashes: no per-row Python).
        if (set(map(type, metrics)) != {tuple} or set(map(type, periods)) != {str}
                or set(map(type, subjects)) != {tuple}):
            return False
        drivers, counts, values = records["driver"], records["counts"], records["value"]
        if drivers.count(None) != len(drivers):
            for code, driver in set(zip(codes, drivers)):
                if driver and self._metrics[code][3] != driver.strip().lower():
                    return False
        if (any(is_v2_aspect(metric[1]) for metric in set(metrics)) and not all(map(asked_in_v2, set(periods)))
                and any(is_v2_aspect(metric[1]) and not asked_in_v2(period)
                        for metric, period in set(zip(metrics, periods)))):
            return False  # a v2 aspect in a quarter before the v2 survey: the row by row path names it
        counted = set(codes) if None not in counts else {c for c, a in zip(codes, counts) if a is not None}
        if any(self._metrics[code][2] is not MetricKind.likert for code in counted):
            return False  # answer counts belong to survey metrics
        if values.count(None) != len(values):
            for (_, _, _, _, low, high), value, n, answers in zip(metrics, values, records["n"], counts):
                if value is not None and (not (low <= value <= high) or n == 0 and answers is None):
                    return False  # the row by row path names it
        no_counts = (None,) * 5
        by_count = list(zip(*(counts if None not in counts else [answers or no_counts for answers in counts])))
        if None not in counts and 0 not in records["n"]:  # a survey file, n the sum of each row's counts
            values = _means(by_count, records["n"])
        elif counts.count(None) != len(counts):
            values = [value if answers is None else _mean(answers) for answers, value in zip(counts, values)]
        metric_ids = next(zip(*metrics))
        agency_ids, component_ids, program_ids, function_ids, skeys = zip(*subjects)
        kept = {name for name in ("question_text", "notes") if records[name] is KEEP}
        questions, notes = (repeat(None) if name in kept else records[name] for name in ("question_text", "notes"))
        spelt = {touchpoint: touchpoint_key(touchpoint) for touchpoint in set(records["touchpoint"])}
        keys = list(zip(metric_ids, skeys, periods, records["channel"], map(spelt.__getitem__, records["touchpoint"])))
        rows = list(zip(metric_ids, agency_ids, component_ids, program_ids, function_ids, skeys, periods,
                        records["channel"], records["touchpoint"], values, records["n"], *by_count, questions, notes))
        new = dict(zip(keys, rows))
        if len(new) != len(keys) or not self.rows.keys().isdisjoint(new):
            return False  # a natural key twice in the file (a duplicate, or months to roll up): row by row
        self.kept |= kept
        self.rows.update(new)
        self.first_row.update(zip(keys, row_numbers))
        months = {raw: calendar_month(raw) for raw in set(records["period"])}
        if any(months.values()):  # monthly rows: a later chunk may hold another month of their quarter
            self._plainly_monthly |= any(m and not _quarter_like(raw) for raw, m in months.items())
            for key, raw, note, row in zip(keys, records["period"], notes, row_numbers):
                if months[raw]:
                    self.month_notes[key], self.month_spelt[key] = {months[raw]: note}, raw
                    self.month_rows[key] = {months[raw]: row}
        return True

    def finish(self) -> None:
        """What a file's values may mean otherwise than they are read, for the preview (`warnings`):
        touchpoints spelt two ways, and a percent metric's values between 0 and 1 for a program or
        function with none above 1 in the file (0.85 is stored as 0.85%, where a share of 85% was likely
        meant; beside a value above 1 the series is on the 0-100 scale, and a small value is a small
        percent), but those stored as they are already (`_stored_as_they_are`)."""
        refused = not self._plainly_monthly and self._guessed
        if refused:  # nothing in the file shows it holds months: not summed on a guess
            self.errors.extend(SinkError(row, "period", raw, (
                f"{raw!r} is read as a month of {period}, as row {first}, but {year}-01 to {year}-04 may mean "
                f"quarters and no other period in the file shows it holds months: write months as dates "
                f"({year}-0{digit}-01) or quarters as FY{year}-Q{digit}")) for row, raw, period, first in self._guessed
                for year, digit in [_spelt(raw)])
        # the refusal says what to write: not "if it is a month, nothing needs to change", nor months "added"
        self.warnings = self._touchpoints_alike() + ([] if refused else self._months_alike()) + self._calendar_alike()
        if self.rolled_up and not refused:
            one = self.rolled_up == 1
            self.warnings.append(
                f"{counted(self.rolled_up, 'monthly row')} {'was' if one else 'were'} added into the row of "
                f"{'its' if one else 'their'} quarter (the same metric, subject, channel and touchpoint in another "
                "month of it): answer counts and respondents summed, a value without counts weighed by its "
                "respondents.")
        self.warnings += self.small_samples() + self._v2_trust_without_counts()
        percent = {found[0]: found[1] for found in self._metrics.values()
                   if isinstance(found, tuple) and found[2] is MetricKind.percent}
        if not percent:
            return
        fractions: dict[int, list] = {}
        # a metric's series (one program or function) with a value above 1 in the file is on the 0-100
        # scale, and its small values are small percents; another's may be shares (a file merged from several)
        on_100 = {key[:2] for key, values in self.rows.items()
                  if key[0] in percent and values[_VALUE_AT] is not None and values[_VALUE_AT] > 1}
        candidates = {key: values[_VALUE_AT] for key, values in self.rows.items()
                      if key[0] in percent and values[_VALUE_AT] is not None and 0 < values[_VALUE_AT] <= 1
                      and key[:2] not in on_100 and key not in self._written_as_percent}
        stored_so = self._stored_as_they_are(candidates)
        for key, value in candidates.items():
            if key not in stored_so:
                fractions.setdefault(key[0], []).append((self.first_row[key], value, key[1]))
        named = {metric_id: min(found) for metric_id, found in fractions.items()}  # (row, value, subject) it names
        stored_100 = self._stored_on_100({(metric_id, subject) for metric_id, (_, _, subject) in named.items()})
        for metric_id, found in sorted(fractions.items(), key=lambda item: percent[item[0]]):
            row, value, subject = named[metric_id]
            one = len(found) == 1
            highest = stored_100.get((metric_id, subject))  # of the program or function of the row named
            beside = "" if highest is None else (
                f"; that {'program' if subject.startswith('program') else 'function'}'s quarters stored already "
                f"reach {highest:g}" + (", so it is most likely a share" if highest >= 10 * value else ""))
            self.warnings.append(
                f"{percent[metric_id]} is a percent (0 to 100), and {len(found):,} of its values in this file "
                f"{'is' if one else 'are'} between 0 and 1 where the file gives the program or function none above 1 "
                f"({'on' if one else 'the first on'} row {row}: {value:g}, stored as {value:g}%{beside}). "
                f"If {'it is a share, give it as a percent' if one else 'they are shares, give them as percents'} "
                f"({value * 100:g}, or {value * 100:g}%) and upload the file again; if "
                f"{'it is a percent' if one else 'they are percents'} of 1 or less, nothing needs to change.")

    def _stored_on_100(self, series: set) -> dict:
        """{(metric id, subject key): the highest value stored} of those `series` with a stored value above 1:
        on the 0-100 scale already, where a value between 0 and 1 reads as a share given by mistake."""
        if not series:
            return {}
        o = Observation
        return {(metric_id, subject): highest for metric_id, subject, highest in self.session.execute(
            sa.select(o.metric_id, o.subject_key, sa.func.max(o.value))
            .where(o.metric_id.in_({m for m, _ in series}), o.subject_key.in_({k for _, k in series}), o.value > 1)
            .group_by(o.metric_id, o.subject_key)) if (metric_id, subject) in series}

    def _stored_as_they_are(self, candidates: dict) -> set:
        """Of a percent's values between 0 and 1 in the file (`candidates`, {key: value}), the keys stored with
        this very value: the file re-imports them (as the product's own export does of 1 respondent in 120,
        0.833333) and changes nothing a warning could save."""
        if not candidates:
            return set()
        o = Observation
        query = sa.select(o.metric_id, o.subject_key, o.period, o.channel, o.touchpoint, o.value).where(
            o.metric_id.in_({key[0] for key in candidates}), o.subject_key.in_({key[1] for key in candidates}),
            o.period.in_({key[2] for key in candidates}), o.value > 0, o.value <= 1)
        found = set()
        for metric, subject, period, channel, touchpoint, value in self.session.execute(query):
            key = (metric, subject, period, channel, touchpoint_key(touchpoint))
            if key in candidates and _same(value, candidates[key]):
                found.add(key)
        return found

    def _trust_metric_ids(self) -> set[int]:
        """The ids of the file's trust metrics (the 1-5 question both A-11 surveys ask)."""
        return {found[0] for found in self._metrics.values()
                if isinstance(found, tuple) and found[2] is MetricKind.likert and found[3] == "trust"}

    def _typed_trust(self, keys) -> list:
        """Of the file's rows `keys`, the v2 trust values given without their answer counts: from FY2024-Q2 a
        quarter's trust is counted from the answers, so such a row is kept but judges nothing."""
        trust = self._trust_metric_ids()
        return [key for key in keys if key[0] in trust and self.rows[key][_VALUE_AT] is not None
                and not any(self.rows[key][_COUNTS_AT:_COUNTS_AT + 5]) and trust_as_share("trust", key[2])]

    def _v2_trust_without_counts(self) -> list[str]:
        """Trust from A-11's v2 survey on (FY2024-Q2) given as a value without its answer counts: kept, but the
        quarter's trust is the share who trust, counted from the answers (a thumbs up as 5), so such a row judges
        nothing. A row with a value of 1.0 and 5,000 respondents was previewed as if it would be scored."""
        typed = self._typed_trust(self.rows)
        found = sorted((self.first_row[key], key[2], self.rows[key][_VALUE_AT]) for key in typed)
        if not found:
            return []
        row, period, value = found[0]
        one = len(found) == 1
        said = [f"{counted(len(found), 'trust value')} of A-11's v2 survey (FY2024-Q2 on) {'is' if one else 'are'} "
                f"given without {'its' if one else 'their'} answer counts ({'on' if one else 'the first on'} row "
                f"{row}: {period}, {value:g}). From FY2024-Q2 a quarter's trust is the share who trust, counted from "
                f"the answers, so {'it is kept but judges' if one else 'they are kept but judge'} nothing. Give the "
                f"answers in count_1 to count_5 (a thumbs down as 1, a thumbs up as 5) to have "
                f"{'it' if one else 'them'} scored."]
        replaced = self._stored_answers(typed)
        if replaced:
            row, key, answers = min((self.first_row[key], key, answers) for key, answers in replaced.items())
            one = len(replaced) == 1
            said.append(
                f"{len(replaced):,} of these trust values "
                f"{'replaces a row' if one else 'replace rows'} stored with answer counts, the same program or "
                f"function, quarter, channel and touchpoint ({'on' if one else 'the first on'} row {row}: {key[2]}, "
                f"{key[3] or 'no channel'}, {counted(answers, 'answer')} stored): those answers would be removed, and "
                "with them the quarter's trust score where no other answers are stored. Give the answers in count_1 "
                "to count_5, or leave the row out, to keep them.")
        return said

    def _stored_answers(self, keys: list) -> dict:
        """{key: answers counted}: of the file's rows (`keys`), those that replace a stored row with answer
        counts (the same natural key), and how many answers the stored row holds."""
        if not keys:
            return {}
        o = Observation
        answers = sum(sa.func.coalesce(getattr(o, f"count_{i}"), 0) for i in range(1, 6))
        # by metric and quarter alone (the few trust metrics, a file's quarters): the subjects, one bound value
        # each, could be more than the database takes in one statement
        query = sa.select(o.metric_id, o.subject_key, o.period, o.channel, o.touchpoint, answers).where(
            o.metric_id.in_({key[0] for key in keys}), o.period.in_({key[2] for key in keys}), answers > 0)
        wanted = set(keys)
        found = {}
        for metric, subject, period, channel, touchpoint, counted_answers in self.session.execute(query):
            key = (metric, subject, period, channel, touchpoint_key(touchpoint))
            if key in wanted:
                found[key] = found.get(key, 0) + int(counted_answers)
        return found

    def small_samples(self) -> list[str]:
        """Survey results of a subject's quarter whose respondents in the file, over its channels and
        touchpoints, are some but fewer than the minimum sample (SURVEY_MIN_N): shown as "insufficient data",
        not scored, unless results stored before add up to it. (None at all is said by the driver rule's
        notes: reported without counts.)"""
        min_n = configured_min_n()
        survey = {found[0]: found[1] for found in self._metrics.values()
                  if isinstance(found, tuple) and is_survey_data(found[2], found[1])}
        trust = self._trust_metric_ids()
        respondents: dict[tuple, int] = {}
        first: dict[tuple, int] = {}
        for key, values in self.rows.items():
            if key[0] in survey:
                counts = values[_COUNTS_AT:_COUNTS_AT + 5]
                typed_only = key[0] in trust and trust_as_share("trust", key[2])  # counts no one (answers_only)
                given = sum(c or 0 for c in counts) if any(counts) else None if typed_only else values[_N_AT]
                if given is not None:
                    quarter = key[:3]
                    respondents[quarter] = respondents.get(quarter, 0) + int(given)
                    first[quarter] = min(first.get(quarter, self.first_row[key]), self.first_row[key])
        small = sorted((first[quarter], quarter, n) for quarter, n in respondents.items() if 0 < n < min_n)
        if not small:
            return []
        row, (metric_id, _, period), n = small[0]
        one = len(small) == 1
        return [f"{counted(len(small), 'survey result')} of a program or function in a quarter "
                f"{'has' if one else 'have'} fewer than {min_n} respondents in this file "
                f"({'on' if one else 'the first on'} row {row}: {survey[metric_id]}, {period}, "
                f"{counted(n, 'respondent')}). "
                f"Below {min_n} a result shows as insufficient data, not scored, unless results stored before "
                "bring its quarter to that."]

    def _note_spelling(self, raw, row: int) -> None:
        """Note a period whose spelling may mean another quarter than the one read: a month written like
        a quarter (2025-01), or a quarter without FY (Q1 2025), which may be a calendar quarter."""
        if not isinstance(raw, str):
            return
        if raw not in self._months and _MONTH_LIKE_A_QUARTER.fullmatch(raw):
            self._months[raw] = row
        elif _QUARTER_WITHOUT_FY.fullmatch(raw):
            self._unmarked[raw] = min(row, self._unmarked.get(raw, row))

    def _calendar_alike(self) -> list[str]:
        """A quarter written without FY ("Q1 2025", "2025Q1") is read as the fiscal quarter, as documented;
        a calendar quarter may have been meant (calendar Q1 2025 is FY2025-Q2)."""
        if not self._unmarked:
            return []
        raw, row = min(self._unmarked.items(), key=lambda spelt: spelt[1])
        if not isinstance(self._periods.get(raw), str):
            return []
        # One whose calendar namesake has not begun ("Q1 2027" in December 2026) says the file's quarters are
        # fiscal, whichever row comes first.
        if any(ambiguous_quarter(spelt) is None for spelt in self._unmarked
               if isinstance(self._periods.get(spelt), str)):
            return []
        read = ambiguous_quarter(raw)
        return [f"Quarters written without FY, such as {raw.strip()!r} (row {row}), are read as fiscal quarters: "
                f"{read}, {read.start:%B %Y} to {read.end:%B %Y}. If the file means calendar quarters, write them "
                f"as fiscal ones (calendar Q{read.quarter} {read.fiscal_year} is {read.next()}) or as dates and "
                "upload the file again; if they are fiscal quarters, nothing needs to change."]

    def _months_alike(self) -> list[str]:
        """Periods such as "2025-01": the calendar month (January 2025, in FY2025-Q2), where a quarter
        written with a leading zero may have been meant."""
        out = []
        for raw, row in sorted(self._months.items(), key=lambda item: item[1]):
            read = self._periods.get(raw)
            if not isinstance(read, str):
                continue  # refused (a quarter not begun): the error says so
            year, month = _MONTH_LIKE_A_QUARTER.fullmatch(raw).groups()
            out.append(f"Period {raw.strip()!r} (first on row {row}) is read as a calendar month, "
                       f"{calendar.month_name[int(month)]} {year}, so in {read}. If it means a quarter, write "
                       f"FY{year}-Q{month} (or {year}-{month}) and upload the file again; if it is a month, nothing "
                       "needs to change.")
        return out

    def _touchpoints_alike(self) -> list[str]:
        """Touchpoints of one metric, subject, quarter and channel whose names differ only in case ("d1"
        and "D1"): stored as two surveys, both pooled into the score; one spelt two ways, likely."""
        spellings: dict[tuple, dict[str, int]] = {}
        for key in self.rows:
            if key[4]:
                spellings.setdefault((*key[:4], key[4].casefold()), {}).setdefault(key[4], self.first_row[key])
        said, out = set(), []
        typed = set(self._typed_trust(self.rows))
        for group, found in spellings.items():
            names = tuple(sorted(found, key=found.get))
            if len(names) > 1 and names not in said:
                said.add(names)
                pooled = ("each pooled into the scores" if not all((*group[:4], n) in typed for n in names) else
                          f"each kept but judging nothing as {TYPED_V2_TRUST}, and pooled if given their answers")
                out.append("Touchpoints " + " and ".join(f"{n!r} (row {found[n]})" for n in names) + " differ only "
                           f"in case, so they are stored as different surveys, {pooled}. If they are one, spell them "
                           "alike and upload the file again.")
        return out

    # -- plan ---------------------------------------------------------------------------------
    def plan(self) -> Plan:
        plan = Plan(created={k: v for k, v in self.directory.created.items() if v}, driver_notes=self.driver_notes,
                    placements=sorted(self.directory.placements.values()))
        existing = self._existing()
        if not existing:  # nothing stored under these keys: every row is new
            plan.inserts = NewRows(self.rows, self.first_row, self.rows)
            self._spelt_otherwise(self.rows)
            return plan
        compared = [(f, i, _STORED_AT[f]) for f, i in zip(COMPARED, _COMPARED_AT) if f not in self.kept]
        # Unchanged rows usually match to the bit: one tuple comparison in C settles them.
        stored_values = itemgetter(*[at for _, _, at in compared])
        file_values = itemgetter(*[i for _, i, _ in compared])
        new = []
        for key, after in self.rows.items():
            current = existing.get(key)
            if current is None:
                new.append(key)
                continue
            if stored_values(current) == file_values(after) or all(_same(current[at], after[i])
                                                                   for _, i, at in compared):
                plan.unchanged += 1
                if current[1] is not None:
                    plan.carried_from.add(current[1])  # the batch that stored the row as it is
                continue
            written = {f: after[i] for f, i, _ in compared}
            before = {f: current[at] for f, _, at in compared}
            before["import_batch_id"] = current[1]
            plan.updates.append(Change(self.first_row[key], "update", key, {"id": current[0], **before}, written))
        plan.inserts = NewRows(new, self.first_row, self.rows)
        self._spelt_otherwise(new)
        monthly = sum(1 for change in plan.updates if change.key in self.month_notes)
        if monthly:
            self.plan_warnings.append(
                f"{counted(monthly, 'quarter row')} stored before {'is' if monthly == 1 else 'are'} replaced by the "
                "months of this file (a quarter's "
                "months are added up within one file, not to what is stored): if the file holds only some months "
                "of a quarter whose other months were imported before, give every month of it in one file.")
        return plan

    def _existing(self) -> dict:
        """The stored rows with the natural keys of this file (touchpoints compared by `touchpoint_key`), as
        plain tuples (id, import_batch_id, *COMPARED): a 200,000-row re-import holds 200,000 of them."""
        if not self.rows:
            return {}
        metric_ids = {k[0] for k in self.rows}
        periods = {k[2] for k in self.rows}
        o = Observation
        query = sa.select(o.id, o.import_batch_id, *[getattr(o, f) for f in COMPARED],
                          o.metric_id, o.subject_key, o.period, o.channel, o.touchpoint).where(
            o.metric_id.in_(metric_ids), o.period.in_(periods))
        found = {}
        rows = self.rows
        width = 2 + len(COMPARED)
        connection = self.session.connection()  # Core rows: no ORM loading per row
        spelt: dict = {}
        cased = {(*key[:4], key[4].casefold()): key for key in rows if key[4]}
        for r in connection.execute(query.execution_options(yield_per=10_000)):
            touchpoint = r[-1]
            key = (*r[width:-1], spelt.get(touchpoint) or spelt.setdefault(touchpoint, touchpoint_key(touchpoint)))
            if key in rows:
                found[key] = tuple(r[:width])
            elif key[4] and (*key[:4], key[4].casefold()) in cased:
                self._stored_alike.setdefault(cased[(*key[:4], key[4].casefold())], touchpoint)
        return found

    def _spelt_otherwise(self, new_keys) -> None:
        """Say when a new row's touchpoint differs only in case from one stored for the same metric, subject,
        quarter and channel: it is another survey, pooled beside the stored one (as two spellings in one
        file are, `_touchpoints_alike`), so a survey retyped "AT FAFSA SUBMISSION" would count twice."""
        alike = sorted((self.first_row[key], key[4], self._stored_alike[key], key) for key in new_keys
                       if key in self._stored_alike)
        if alike:
            row, given, stored, _ = alike[0]
            one = len(alike) == 1
            typed = self._typed_trust([found[3] for found in alike])
            pooled = ("both pooled into the score" if len(typed) < len(alike) else
                      f"kept but judging nothing as {TYPED_V2_TRUST}, and pooled beside the stored one if given "
                      "its answers")
            self.plan_warnings.append(
                f"{counted(len(alike), 'row')} {'gives' if one else 'give'} a touchpoint that differs only in case "
                f"from one stored for the same metric, subject, quarter and channel ({'on' if one else 'the first on'} "
                f"row {row}: {given!r}, stored as {stored!r}): {'it' if one else 'each'} is stored as another survey, "
                f"{pooled}. If they are one survey, spell it as stored and upload the file again.")

    # -- commit -------------------------------------------------------------------------------
    def commit(self, plan: Plan, batch) -> None:
        """Write the plan inside the caller's transaction, recording what each row replaced.

        New rows go in as plain executemany chunks (no RETURNING, no ORM objects); the batch's
        row changes for them are then written by one INSERT ... SELECT of the rows stamped with
        this batch, before any update stamps older rows with it too."""
        from scorecard.models import utcnow

        now = utcnow()
        session = self.session
        table = Observation.__table__
        stamp_columns = ("import_batch_id", "first_import_batch_id", "created_at", "updated_at")
        stamp = tuple(_bound(session, table.c[c], v) for c, v in zip(stamp_columns, (batch.id, batch.id, now, now)))
        # `value` is a float or None already (normalised), so its float bind processing is skipped.
        insert = bulk_inserter(session, table, FIELDS + stamp_columns, processed=stamp_columns + ("value",))
        for start in range(0, len(plan.inserts), INSERT_CHUNK):
            insert([values + stamp for values in plan.inserts.values(start, start + INSERT_CHUNK)])
        if plan.inserts:
            change = ImportRowChange.__table__
            session.execute(change.insert().from_select(
                ["batch_id", "table_name", "row_id", "action"],
                sa.select(sa.literal(batch.id), sa.literal(self.table), table.c.id, sa.literal("insert"))
                .where(table.c.import_batch_id == batch.id)))
        if plan.updates:
            groups: dict = {}
            for c in plan.updates:  # one executemany per set of fields written
                groups.setdefault(tuple(c.after), []).append(
                    {"id": c.before["id"], **c.after, "import_batch_id": batch.id, "updated_at": now})
            for params in groups.values():
                session.execute(sa.update(Observation), params)
            session.execute(sa.insert(ImportRowChange), [
                {"batch_id": batch.id, "table_name": self.table, "row_id": c.before["id"], "action": "update",
                 "before": {k: v for k, v in c.before.items() if k != "id"}, "after": c.after}
                for c in plan.updates])

        if plan.removals:  # logged whole first, so that a revert can put each row back as it was
            session.execute(sa.insert(ImportRowChange), [
                {"batch_id": batch.id, "table_name": self.table, "row_id": c.before["id"], "action": "remove",
                 "before": {k: v for k, v in c.before.items() if k != "id"}, "after": None} for c in plan.removals])
            session.execute(sa.delete(Observation).where(Observation.id.in_([c.before["id"] for c in plan.removals])))

    def removal(self, stored) -> Change:
        """A stored row (a Core row of every Observation column) that this import takes away without holding
        it, as a change whose `before` is the whole row, JSON-ready (`REMOVED_KEPT`)."""
        key = (stored.metric_id, stored.subject_key, stored.period, stored.channel, stored.touchpoint)
        return Change(None, "remove", key, {"id": stored.id, **{f: encode(getattr(stored, f)) for f in REMOVED_KEPT}},
                      {})

    def describe(self, change) -> dict:
        """A change in words, for the preview table."""
        metric_id, skey, period, channel, touchpoint = change.key
        d = self.directory
        metric = next((m.code for m in d.metrics if m.id == metric_id), str(metric_id))
        kind, _, rest = skey.partition(":")
        subject_id = int(rest.split("@")[0])
        if kind == "program":
            program = next((p for p in d.programs if p.id == subject_id), None)
            subject = ", ".join(self._namesakes.parts(program_parts, program)) if program else skey
        else:  # a function's figure for its agency, or for one component: the same code in each (an agency's CFO)
            scope_kind, _, scope_id = skey.partition("@")[2].partition(":")
            scopes = d.agencies if scope_kind == "agency" else d.components
            found = next((s for s in scopes if str(s.id) == scope_id), None)
            scope = scope_id if found is None else found.name if scope_kind == "agency" else \
                ", ".join(self._namesakes.parts(component_parts, found))
            subject = f"{next((f.code for f in d.functions if f.id == subject_id), skey)} ({scope})"
        before = change.before or {}
        was = (before.get("value"), before.get("n"))
        now = (change.after.get("value", was[0]), change.after.get("n", was[1]))
        # a change below the 4 decimals shown (3.00001 to 3.00002) is shown whole: "3 -> 3" said nothing
        exact = change.action == "update" and was != now and _fmt(*was) == _fmt(*now)
        return {"row": change.row, "action": change.action, "metric": metric, "subject": subject, "period": period,
                "channel": channel, "touchpoint": touchpoint,
                "before": None if not before else _fmt(*was, exact=exact),
                "after": "removed" if change.action == "remove" else _fmt(*now, exact=exact),
                "also": _also_changed(before, change.after) if change.action == "update" else []}

    def touched(self) -> set:
        """Subjects and periods this import wrote, for re-evaluating only what changed."""
        return {(k[1], k[2]) for k in self.rows}


_SUBJECT_NAMES = ("agency", "component", "program", "function")


def _cached(cache: dict, compute, keys: list) -> list:
    """compute(key) for every key, from `cache` where it holds the answer (C speed for the usual
    case of a few distinct names repeated on every row); `compute` fills the cache."""
    found = list(map(cache.get, keys, repeat(_MISSING)))
    if _MISSING in found:
        found = [compute(key) if value is _MISSING else value for value, key in zip(found, keys)]
    return found


def _bound(session, column, value):
    """A value as the driver receives it for `column` (after the column type's bind processing)."""
    process = column.type._cached_bind_processor(session.connection().dialect)
    return process(value) if process else value


class NewRows(Sequence):
    """The rows a plan inserts, in natural-key order (the unique index then grows at its end, not
    all over it), read as Changes made on demand: planning 200,000 new rows makes no objects."""

    def __init__(self, keys, first_row: dict, rows: dict):
        try:
            self.keys = sorted(keys)
        except TypeError:  # a key part missing (None) beside text: file order is fine too
            self.keys = list(keys)
        self.first_row, self.rows = first_row, rows

    def __len__(self):
        return len(self.keys)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._change(key) for key in self.keys[index]]
        return self._change(self.keys[index])

    def _change(self, key) -> Change:
        return Change(self.first_row[key], "insert", key, None, Values(self.rows[key]))

    def earliest(self, count: int) -> list[Change]:
        """The `count` new rows that come first in the file (for a preview)."""
        return [self._change(key) for key in heapq.nsmallest(count, self.keys, key=self.first_row.__getitem__)]

    def values(self, start: int, stop: int) -> list[tuple]:
        """The new rows from `start` to `stop`, as tuples in FIELDS order."""
        return list(map(self.rows.__getitem__, self.keys[start:stop]))


class Values(Mapping):
    """A planned new row, read as a mapping of FIELDS without copying the sink's tuple."""

    __slots__ = ("values",)
    _index = {name: i for i, name in enumerate(FIELDS)}

    def __init__(self, values: tuple):
        self.values = values

    def __getitem__(self, name):
        return self.values[self._index[name]]

    def __iter__(self):
        return iter(FIELDS)

    def __len__(self):
        return len(FIELDS)

    def as_row(self) -> dict:
        return dict(zip(FIELDS, self.values))


def _quarter_like(raw) -> bool:
    """A period written 2025-01 to 2025-04: a calendar month as documented, which may be meant as a quarter."""
    return bool(_MONTH_LIKE_A_QUARTER.fullmatch(str(raw)))


_N_AT, _COUNTS_AT, _QUESTION_AT, _NOTES_AT = (FIELDS.index(f) for f in ("n", "count_1", "question_text", "notes"))


@dataclass(frozen=True)
class NotRolledUp:
    """Why two months of one quarter cannot be one row: the later row's column and value, and the reason."""

    column: str
    value: object
    reason: str


def _rolled_up(first: tuple, other: tuple):
    """Two months of one quarter (rows of one natural key, in FIELDS order) as the quarter's row: answer
    counts and respondents summed (the score is the mean of every answer), or values without counts
    weighed by their respondents; notes joined. Else why not (NotRolledUp)."""
    counts_1, counts_2 = first[_COUNTS_AT:_COUNTS_AT + 5], other[_COUNTS_AT:_COUNTS_AT + 5]
    n_1, n_2 = first[_N_AT], other[_N_AT]
    question_1, question_2 = first[_QUESTION_AT], other[_QUESTION_AT]
    if question_1 and question_2 and " ".join(question_1.split()) != " ".join(question_2.split()):
        return NotRolledUp("question_text", question_2, "it asks the question in other words")
    if (counts_1[0] is None) != (counts_2[0] is None):
        return NotRolledUp("count_1", other[_COUNTS_AT], "one gives answer counts and the other none")
    if counts_1[0] is not None:
        counts = tuple(a + b for a, b in zip(counts_1, counts_2))
        value, n = _mean(counts), (n_1 or 0) + (n_2 or 0)
    elif other[_VALUE_AT] is None or first[_VALUE_AT] is None:
        return NotRolledUp("value", other[_VALUE_AT], "one gives a value and the other none")
    elif not n_1 or not n_2:
        return NotRolledUp("n", n_2, "a value without its respondents (n) cannot be weighed against another month's")
    else:
        counts, n = counts_1, n_1 + n_2
        value = (first[_VALUE_AT] * n_1 + other[_VALUE_AT] * n_2) / n
    return (*first[:_VALUE_AT], value, n, *counts, question_1 or question_2, first[_NOTES_AT])


def _notes_by_month(notes: dict) -> Optional[str]:
    """The months' notes joined in month order (the same months in another order are the same row)."""
    return "; ".join(dict.fromkeys(note for _, note in sorted(notes.items()) if note)) or None


def _mean(counts: tuple) -> Optional[float]:
    """The mean answer on the 1-5 scale from the five answer counts; None when nobody answered."""
    one, two, three, four, five = counts
    total = one + two + three + four + five
    if not total:
        return None
    return (one + 2 * two + 3 * three + 4 * four + 5 * five) / total


def _means(by_count: list, totals: list) -> list[float]:
    """_mean of many rows at once, from the columns of their answer counts (every total above 0)."""
    ones, twos, threes, fours, fives = by_count
    weighted = map(sum, zip(ones, map(mul, twos, repeat(2)), map(mul, threes, repeat(3)), map(mul, fours, repeat(4)),
                            map(mul, fives, repeat(5))))
    return list(map(truediv, weighted, totals))


def _subject_problem(record: dict, unknown: Unknown) -> tuple:
    """(column, value, message) of a subject whose name matched nothing, named by that name's column."""
    column = unknown.kind if unknown.kind in ("agency", "component") else (
        "program" if record.get("program") else "function")
    return column, _name(record.get(column)), str(unknown)


def _name(ref):
    return ref.get("name") if isinstance(ref, dict) else ref


def _also_changed(before: dict, after: dict) -> list[dict]:
    """What an update changes besides the value and n the preview shows (the answer counts, the question as
    asked, the notes), each with its stored and its new text: a file that changes only those read
    "4.05 (n=100)" before and after, an update that seemed to change nothing."""
    also = []
    counts = [f for f in COUNT_COLUMNS if f in after]
    if counts and any(not _same(before.get(f), after[f]) for f in counts):
        also.append({"field": "answer counts", "before": _counts_words([before.get(f) for f in counts]),
                     "after": _counts_words([after[f] for f in counts])})
    for field, words in (("question_text", "question as asked"), ("notes", "notes")):
        if field in after and not _same(before.get(field), after[field]):
            also.append({"field": words, "before": _quoted(before.get(field)), "after": _quoted(after[field])})
    return also


def _counts_words(counts: list) -> str:
    return "none" if all(c is None for c in counts) else ", ".join("" if c is None else f"{c:,}" for c in counts)


def _quoted(text, most: int = 200) -> str:
    if text is None or text == "":
        return "(blank)"
    return "\u201c" + (text if len(text) <= most else text[:most] + "\u2026") + "\u201d"


def _fmt(value, n, *, exact: bool = False) -> str:
    # As given, to at most 4 decimals (a mean from answer counts, 2.55813953488372, reads 2.5581): 5349.9 -> 5349.8
    # read "5350 -> 5350" at 4 significant digits. `exact`: every digit kept (a change below the 4th decimal).
    text = "no data" if value is None else f"{value if exact else round(value, 4):.15g}"
    return text if n is None else f"{text} (n={n:,})"
