"""A-11 reporting compliance: programs × quarters, each cell what the program reported of the A-11
survey (the v1 drivers, or from FY2024-Q2 the v2 trust question and aspects) for that quarter.

A cell's status, worst first (one word per cell; the detail keeps each fact apart):

- not reported: no A-11 survey observation for the quarter, and its due date has passed;
- not yet due: none yet, and the quarter's results are not yet due (it is under way, or ended less
  than `DUE_DAYS` days ago): not counted as reported, nor as a gap;
- late: the first import batch that brought the quarter's observations was committed more than
  `DUE_DAYS` (30) days after the quarter ended (a row's first batch, kept when a later batch corrects
  it: a correction after the due date is not a late report). Observations entered without a batch, or
  brought in from performance.gov's published files (`a11.PUBLISHED_FORMATS`), have no known date of
  reporting and are never called late (an agency's history imported today was not reported today);
  nor is a quarter holding any of them, whatever a batch added to it after the due date;
- reported without counts: observations, but none with answer counts or respondents (the driver
  rule's "reported without counts": a question published with no answers to score); from the v2
  survey on, a trust value typed without its answers counts no respondents, as it judges nothing, and a
  quarter whose trust is only such values is reported without counts, whatever its aspects' n;
- below minimum sample: fewer respondents than the minimum sample (the trust question's pooled
  respondents, the one question both surveys ask; without it, the largest pooled n of any
  question);
- reported: on time, with counts, at least the minimum sample.

Designation (who should report): a program from its first quarter with A-11 survey data onward —
once it reports, it is held to reporting every quarter (the data hold no designation date, and a
program's first report is the best sign of when it began) — and a program of a HISP component
that has never reported, in every quarter shown (A-11 Section 280 names the High-Impact Service
Providers, whose services report quarterly: one that never did is the gap to see). Before its
first quarter a program's cell is "not designated" and counts nowhere; a program outside a HISP
that has never reported is not listed.
"""
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa

from dashboards.cache import SURVEY, cached
from dashboards.queries.common import (
    EVERY_PROGRAM,
    ProgramFilter,
    chosen_period,
    periods_with_data,
    reported_in,
    survey_metrics,
)
from dashboards.queries.program import TRUST
from scorecard.a11 import PUBLISHED_FORMATS, REPORT_DUE_DAYS, report_due
from scorecard.clock import agency_today, day_of
from scorecard.models import Agency, Component, ImportBatch, MetricKind, Observation, Program
from scorecard.periods import parse_period, period_range
from scorecard.scoring import answers_only
from scorecard.text import days

DUE_DAYS = REPORT_DUE_DAYS
REPORTED, LATE, WITHOUT_COUNTS, BELOW_MINIMUM, NOT_REPORTED, NOT_YET_DUE, NOT_DESIGNATED = (
    "reported", "late", "reported_without_counts", "below_minimum_sample", "not_reported", "not_yet_due",
    "not_designated")
# Worst first: the order a cell's status is decided in (after "not designated"), and the legend's.
STATUSES = [NOT_REPORTED, LATE, WITHOUT_COUNTS, BELOW_MINIMUM, NOT_YET_DUE, REPORTED]
WORDS = {REPORTED: "reported", LATE: "late", WITHOUT_COUNTS: "reported without counts",
         BELOW_MINIMUM: "below minimum sample", NOT_REPORTED: "not reported", NOT_YET_DUE: "not yet due",
         NOT_DESIGNATED: "not designated"}
QUARTER_CHOICES = {"4": "4 quarters", "8": "8 quarters", "12": "12 quarters", "all": "Every quarter with data"}


due_date = report_due  # when a quarter's A-11 results are due


def awaited_until(period, today: date) -> Optional[date]:
    """The due date of a quarter whose results are not yet due on `today` (a program without them is "not
    yet due", not "not reported"); None once they are."""
    due = due_date(period)
    return due if today <= due else None


@dataclass
class Cell:
    """One program in one quarter."""

    period: str
    status: str
    respondents: Optional[int] = None
    observations: int = 0
    first_committed: Optional[datetime] = None  # the earliest import batch of them (not a published file's)
    without_batch: int = 0                      # observations entered without an import batch
    due: Optional[date] = None
    late: bool = False
    with_counts: bool = False

    @property
    def days_late(self) -> Optional[int]:
        if self.first_committed is None or self.due is None:
            return None
        return max(0, (day_of(self.first_committed) - self.due).days)

    @property
    def timing(self) -> str:
        """When the quarter was reported, in words."""
        if self.status == NOT_YET_DUE:
            return f"due {self.due:%Y-%m-%d}"
        if self.status in (NOT_REPORTED, NOT_DESIGNATED):
            return ""
        if self.first_committed is None:
            return "date of reporting unknown (published on performance.gov, or entered without an import batch)"
        when = f"committed {day_of(self.first_committed)}, due {self.due:%Y-%m-%d}"
        return f"late: {when} ({days(self.days_late)} after)" if self.late else f"on time: {when}"


@dataclass
class Row:
    program_id: int
    program: str
    component: str
    agency: str
    hisp: bool
    first_period: Optional[str]
    cells: list[Cell] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.cells if c.status == status)


@dataclass
class Quarter:
    """A quarter's count: the programs designated and how each stands."""

    period: str
    due: date
    counts: dict[str, int]  # every status of STATUSES

    @property
    def designated(self) -> int:
        return sum(self.counts.values())

    @property
    def reported(self) -> int:
        return self.designated - self.counts[NOT_REPORTED] - self.counts[NOT_YET_DUE]

    @property
    def awaited(self) -> int:
        """Programs whose results are not in yet, and not yet due."""
        return self.counts[NOT_YET_DUE]

    @property
    def share(self) -> Optional[float]:
        return None if not self.designated else self.reported / self.designated


@dataclass
class Compliance:
    periods: list[str] = field(default_factory=list)  # oldest first
    rows: list[Row] = field(default_factory=list)
    quarters: list[Quarter] = field(default_factory=list)
    min_n: int = 30


def shown_periods(session, through: Optional[str], quarters: Optional[int]) -> list[str]:
    """`quarters` quarters (None: every one with data) ending with `through` (by default the quarter the
    dashboards open on, common.chosen_period; at the latest the latest with data: a grid of quarters to
    come would be every program "not reported" hundreds of times over), never before the first quarter
    with data; oldest first."""
    available = periods_with_data(session)
    if not available:
        return []
    latest = available[0]
    last = (chosen_period(session, None) if through is None else latest if parse_period(through) > parse_period(latest)
            else str(parse_period(through)))
    first = session.scalar(sa.select(sa.func.min(Observation.period)).where(Observation.program_id.is_not(None)))
    start = parse_period(first) if first else parse_period(last)
    if quarters is not None:
        start = max(start, parse_period(last).prev(quarters - 1))
    return [str(p) for p in period_range(start, parse_period(last))] if start <= parse_period(last) else []


def _facts(session, periods: list[str], program_ids: Optional[set[int]]) -> dict:
    """{(program id, period): {observations, counts, trust, largest, committed, without}} over the
    A-11 survey metrics: a metric's respondents are its answers counted (a 1-5 question, with the n of
    means reported beside them without answers, as they pool) or else its n (not v2 trust's: a value typed
    without its answers counts no one); `largest` the most respondents of any metric, `trust` the trust
    questions'. Summed in the database per program and quarter (one row each, not one per metric)."""
    metrics = survey_metrics(session)
    trust_ids = [mid for mid, m in metrics.items() if m.driver is not None and m.driver.value == TRUST] or [-1]
    likert = [mid for mid, m in metrics.items() if m.kind is MetricKind.likert] or [-1]
    # v2 trust is counted from its answers alone (scoring.answers_only): a value typed with its n is no count
    by_answers = [p for p in periods if answers_only(TRUST, p)] or ["-"]
    o = Observation
    answers = (o.count_1, o.count_2, o.count_3, o.count_4, o.count_5)
    # Each sum once, per program, quarter and metric (an aggregate named again in a CASE is summed again)
    sums = (
        sa.select(o.program_id.label("program_id"), o.period.label("period"), o.metric_id.label("metric_id"),
                  sa.func.count().label("observations"),
                  sa.func.sum(sum(sa.func.coalesce(c, 0) for c in answers)).label("answered"),
                  sa.func.sum(sa.func.coalesce(o.n, 0)).label("n"),
                  # means reported without their answers, pooled beside them by their n (common.pooled_value):
                  # None where there are none
                  sa.func.sum(sa.case((sa.and_(sa.func.coalesce(*answers).is_(None), o.value.is_not(None)),
                                       sa.func.coalesce(o.n, 0)))).label("lone"),
                  # when the results were brought in: not for performance.gov's published history
                  sa.func.min(sa.case((ImportBatch.format.in_(PUBLISHED_FORMATS), None),
                                      else_=ImportBatch.committed_at)).label("committed"),
                  sa.func.sum(sa.case((o.first_import_batch_id.is_(None), 1), else_=0)).label("without"),
                  # rows whose date of reporting is unknown: entered without a batch, or published files'
                  sa.func.sum(sa.case((sa.or_(o.first_import_batch_id.is_(None),
                                              ImportBatch.format.in_(PUBLISHED_FORMATS)), 1),
                                      else_=0)).label("undated"))
        # the batch that first brought the row: a later correction does not make a report late, nor date one
        # entered without a batch
        .outerjoin(ImportBatch, ImportBatch.id == o.first_import_batch_id)
        .where(o.program_id.is_not(None), o.period.in_(periods), o.metric_id.in_(list(metrics) or [-1]))
        .group_by(o.program_id, o.period, o.metric_id)).subquery()
    g = sums.c
    v2_trust = sa.and_(g.metric_id.in_(trust_ids), g.period.in_(by_answers))
    per_metric = sa.select(
        g.program_id, g.period, g.metric_id, g.observations, g.committed, g.without, g.undated,
        sa.case((v2_trust, g.answered),
                (sa.and_(g.metric_id.in_(likert), g.answered > 0), g.answered + sa.func.coalesce(g.lone, 0)),
                else_=g.n).label("respondents"),
        # v2 trust given only as a value typed without its answers: the question reported without counts
        sa.case((sa.and_(v2_trust, g.answered == 0, g.lone.is_not(None)), 1), else_=0).label("typed"),
    ).subquery()
    m = per_metric.c
    counted = sa.case((m.respondents > 0, m.respondents))
    query = (sa.select(m.program_id, m.period, sa.func.sum(m.observations), sa.func.max(counted),
                       sa.func.sum(sa.case((m.metric_id.in_(trust_ids), counted))),
                       sa.func.min(m.committed), sa.func.sum(m.without), sa.func.sum(m.undated),
                       sa.func.max(m.typed))
             .group_by(m.program_id, m.period))
    facts: dict = {}
    for program_id, period, observations, largest, trust, committed, without, undated, typed in session.execute(
            query):
        if program_ids is not None and program_id not in program_ids:
            continue
        # v2 trust typed without its answers: reported without counts, whatever the aspects' n (they judge nothing
        # of it, as the program's trust then has no score)
        counts = largest is not None and not typed
        # whole numbers (PostgreSQL's sum of bigints is numeric: a Decimal)
        facts[(program_id, period)] = {"observations": int(observations), "counts": counts,
                                       "trust": None if trust is None else int(trust),
                                       "largest": None if largest is None or not counts else int(largest),
                                       "committed": committed, "without": int(without or 0),
                                       "undated": int(undated or 0)}
    return facts


def cell_of(period: str, fact: Optional[dict], designated: bool, min_n: int, today: date) -> Cell:
    if not designated:
        return Cell(period, NOT_DESIGNATED)
    due = due_date(period)
    if fact is None:
        return Cell(period, NOT_YET_DUE if awaited_until(period, today) else NOT_REPORTED, due=due)
    respondents = fact["trust"] if fact["trust"] is not None else fact["largest"]
    committed = fact["committed"]
    if committed is not None and day_of(committed) > due and fact["undated"]:
        committed = None  # its rows of unknown date may have come first: the quarter is not known to be late
    late = committed is not None and day_of(committed) > due
    cell = Cell(period, REPORTED, respondents, fact["observations"], committed, fact["without"], due, late,
                fact["counts"])
    if late:
        cell.status = LATE
    elif not fact["counts"]:
        cell.status = WITHOUT_COUNTS
    elif (respondents or 0) < min_n:
        cell.status = BELOW_MINIMUM
    return cell


def _each_programs_period(session, aggregate, *where) -> sa.ScalarSelect:
    """`aggregate` (min, max) of a program's quarters with survey observations (and `where`), correlated to
    Program: asked per program through the natural key's index (metric, subject key, period: an end of each
    range), not by grouping every observation (at 1,000,000 observations 14 ms against 980 ms, measured on
    SQLite)."""
    metrics = survey_metrics(session)
    return (sa.select(aggregate(Observation.period))
            .where(Observation.metric_id.in_(list(metrics) or [-1]),
                   Observation.subject_key == sa.literal("program:") + sa.cast(Program.id, sa.String), *where)
            .correlate(Program).scalar_subquery())


def _first_periods(session, program_ids: Optional[set[int]]) -> dict[int, str]:
    """{program id: its first quarter with survey observations} (`_each_programs_period`)."""
    query = sa.select(Program.id, _each_programs_period(session, sa.func.min))
    return {pid: period for pid, period in session.execute(query)
            if period is not None and (program_ids is None or pid in program_ids)}


def last_periods(session, program_ids: list[int], before: str) -> dict[int, str]:
    """{program id: its last quarter with survey observations before `before`} of `program_ids` (one without
    any has none; `_each_programs_period`)."""
    if not program_ids:
        return {}
    last = _each_programs_period(session, sa.func.max, Observation.period < before)
    return {pid: period for pid, period in session.execute(sa.select(Program.id, last)
                                                           .where(Program.id.in_(program_ids)))
            if period is not None}


def is_designated(first: Optional[str], hisp: bool, period: str) -> bool:
    """Whether a program (its first quarter of survey results, and whether its component is a HISP) is
    designated to report in `period` (the module's rule)."""
    if first is None:
        return bool(hisp)
    return parse_period(period) >= parse_period(first)


@dataclass
class Designated:
    program_id: int
    program: str
    component: str
    reported: bool  # any A-11 survey result in the quarter
    reported_before: bool = False  # any in the quarter before: one that did not report now stopped


def designated_in(session, period: str, programs: ProgramFilter = EVERY_PROGRAM) -> list[Designated]:
    """The programs designated to report in `period` and whether each did, and did the quarter before, as the
    grid counts them; the overview's tile reads this without the grid's facts (probes of the index per
    program)."""
    selected = programs.program_ids(session)
    firsts = _first_periods(session, selected)
    query = programs.apply(
        sa.select(Program.id, Program.name, Component.name, Component.is_hisp, reported_in(session, [period]),
                  reported_in(session, [str(parse_period(period).prev())]))
        .join(Component, Component.id == Program.component_id))
    return [Designated(program_id, name, component, bool(reported), bool(before))
            for program_id, name, component, hisp, reported, before in session.execute(query)
            if is_designated(firsts.get(program_id), hisp, period)]


@cached(reads=SURVEY)
def compliance(session, through: Optional[str] = None, quarters: Optional[int] = 8,
               programs: ProgramFilter = EVERY_PROGRAM, *, min_n: int = 30,
               today: Optional[date] = None) -> Compliance:
    """The compliance grid as of `today` (default: today): every program designated in at least one quarter
    shown, by agency, component and name, and each quarter's counts."""
    today = today or agency_today()
    periods = shown_periods(session, through, quarters)
    found = Compliance(periods, min_n=min_n)
    if not periods:
        return found
    selected = programs.program_ids(session)
    facts = _facts(session, periods, selected)
    firsts = _first_periods(session, selected)
    query = programs.apply(
        sa.select(Program.id, Program.name, Component.name, Agency.name, Component.is_hisp)
        .join(Component, Component.id == Program.component_id).join(Agency, Agency.id == Component.agency_id)
        .order_by(Agency.name, Component.name, Program.name))
    counts = {p: {s: 0 for s in STATUSES} for p in periods}
    for program_id, name, component, agency, hisp in session.execute(query):
        first = firsts.get(program_id)
        if not is_designated(first, hisp, periods[-1]):
            continue  # never designated in the quarters shown
        row = Row(program_id, name, component, agency, bool(hisp), first)
        for period in periods:
            cell = cell_of(period, facts.get((program_id, period)), is_designated(first, hisp, period), min_n,
                           today)
            row.cells.append(cell)
            if cell.status in counts[period]:
                counts[period][cell.status] += 1
        found.rows.append(row)
    found.quarters = [Quarter(p, due_date(p), counts[p]) for p in periods]
    return found


def quarters_value(choice: Optional[str]) -> Optional[int]:
    """The number of quarters a choice of QUARTER_CHOICES shows (None: all)."""
    return None if choice in (None, "all") else int(choice)
