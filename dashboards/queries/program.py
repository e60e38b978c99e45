"""A program's drill-down: its A-11 survey measures quarter by quarter across the method break, its
answers by channel and touchpoint in one quarter, and its other measures against their targets (its
findings and accountability chain are `dashboards.queries.accountability`).

The method break: A-11's survey changed at FY2024-Q2 (`V2_FROM`). Before it, seven driver
statements answered on 1-5 (a score is the mean of the pooled answer counts, with its 95% CI);
from it, one trust question (thumbs up / down, or 1-5) and "what went well / what could be
improved" over a list of aspects. The Touchpoints import stores v2 trust under the `trust` metric
as answer counts (a thumbs down counted as 1, a thumbs up as 5), so its mean would read as if the
v1 question had been asked: from FY2024-Q2 trust is shown as the *share who trust* (thumbs up, or
4 and 5 on a 1-5 form) with a Wilson 95% interval, and the aspects (`a11v2_*` percent metrics) as
the share of respondents offered each aspect who chose it. The status is still judged on the mean
against the trust target, as the heatmap and the rules judge it; on a thumbs form the target
converts exactly to a share (mean = 1 + 4 × share), so it is drawn there.

Wording: before the break a question that is not its driver's standard A-11 statement is marked
"non-standard wording" (scorecard.driver_rule); from it the v1 statements no longer apply and
nothing is marked. Every point names the import batches its observations came from.
"""
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from dashboards.cache import SURVEY, cached
from dashboards.queries.common import DRIVER_ORDER, SCALES, pooled_sums, pooled_value, summed, survey_metrics
from scorecard.a11 import V2_ASPECTS, V2_FROM, asked_in_v2, driver_name
from scorecard.clock import day_of
from scorecard.driver_rule import is_non_standard_wording
from scorecard.models import (
    Agency,
    Component,
    ImportBatch,
    LifeExperience,
    Metric,
    MetricKind,
    Observation,
    Program,
)
from scorecard.models.org import program_life_experience
from scorecard.naming import in_words, told_apart
from scorecard.periods import parse_period, period_range
from scorecard.scoring import Score, TargetBook, Thresholds, pooled_score, rag_status
from scorecard.survey import Z_95, stats_from_counts, summed_counts

BREAK_LABEL = f"A-11 v2 survey from {V2_FROM}"
V1, V2 = "v1", "v2"
MEAN, SHARE = "mean", "share"
THUMBS, FIVE, MIXED = "thumbs", "five", "mixed"
POSITIVE, NEGATIVE = "positive", "negative"
TRUST = "trust"

ASPECT_NAMES = {"effectiveness": "Effectiveness", "ease": "Ease", "efficiency": "Efficiency",
                "transparency": "Transparency", "humanity": "Humanity", "employee": "Employee helpfulness",
                "other": "Other"}
POLARITY_WORDS = {POSITIVE: "went well", NEGATIVE: "could be improved"}
SCALE_WORDS = {THUMBS: "share giving a thumbs up", FIVE: "share answering 4 or 5",
               MIXED: "share giving a thumbs up or answering 4 or 5"}


def era_of(period) -> str:
    """V1 before FY2024-Q2 (A-11's seven statements), V2 from it (one trust question, aspects)."""
    return V2 if asked_in_v2(period) else V1


# --------------------------------------------------------------------------- pooling measures

@dataclass(frozen=True)
class Measure:
    """What a set of observations of one measure says, pooled: a mean on 1-5 (`unit` MEAN) or a
    share in percent (`unit` SHARE), its respondents and 95% interval. `mean` is the 1-5 mean a
    status is judged on (for v2 trust, the mean behind the share); `scale` the v2 trust form's."""

    value: Optional[float]
    unit: str
    n: Optional[int]
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    mean: Optional[float] = None
    scale: Optional[str] = None
    without_counts: bool = False


def wilson(share: float, n: int) -> tuple[Optional[float], Optional[float]]:
    """The Wilson 95% interval of a share (0-100) of `n` respondents, in percent."""
    if not n:
        return None, None
    p, z2 = share / 100, Z_95 ** 2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z_95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def _counts(row) -> list[int]:
    return [row.count_1 or 0, row.count_2 or 0, row.count_3 or 0, row.count_4 or 0, row.count_5 or 0]


def _scale(question: Optional[str], middle: bool) -> str:
    text = (question or "").lower()
    if "thumbs" in text:
        return THUMBS
    return FIVE if middle or "1 to 5" in text else THUMBS


def trust_scale(row) -> str:
    """The v2 trust form of one observation: thumbs (the Touchpoints import says so in the question
    it stores; else only 1s and 5s) or 1-5."""
    return _scale(row.question_text, any(_counts(row)[1:4]))


def trust_scales(row) -> set[str]:
    """`trust_scale` of each observation with answers in a grouped row (`common.pooled_rows` with `scales`,
    grouped by the question: its last column but one)."""
    (answered, middle), question = row[SCALES], row[-2]
    return ({_scale(question, True)} if middle else set()) | ({_scale(question, False)} if answered > middle else set())


def pooled_measure(kind: MetricKind, rows: list, *, share_of_trust: bool = False) -> Measure:
    """Pool observation rows (with counts, value, n, question_text) of one measure.

    A 1-5 question: the mean of the pooled answer counts (`share_of_trust`: the share answering
    thumbs up or 4-5, for v2 trust). A percent: the share weighted by the respondents offered it.
    Rows without counts or value give no value: "reported without counts"."""
    rows = list(rows)
    if kind is MetricKind.likert and share_of_trust:
        counts, counted = summed_counts(rows)
        if not counted:
            return Measure(None, SHARE, None, without_counts=bool(rows))
        stats = stats_from_counts(counts)
        share = stats.percent_agree  # a thumbs up (stored as a 5), or a 4 or 5 on a 1-5 form
        scales = {trust_scale(r) for r in counted}
        low, high = wilson(share, stats.n)
        return Measure(share, SHARE, stats.n, low, high, stats.mean, scales.pop() if len(scales) == 1 else MIXED)
    score = pooled_score(kind, rows)
    if score.value is None:
        return Measure(None, MEAN if kind is MetricKind.likert else SHARE, None, without_counts=bool(rows))
    if kind is MetricKind.likert:
        low, high = score.ci if score.ci else (None, None)
        return Measure(score.value, MEAN, score.n, low, high, score.value)
    low, high = wilson(score.value, score.n) if score.n else (None, None)
    return Measure(score.value, SHARE, score.n, low, high)


def pools_a_value(kind: MetricKind, rows: list, *, share_of_trust: bool = False) -> bool:
    """Whether grouped rows give `grouped_measure` a value: answers counted (a share of trust is counted
    from them alone), or values with respondents. A program's rows that do not (a question reported
    without counts, values of no respondents) are not pooled into a life experience's measure."""
    row = summed(rows)
    if kind is MetricKind.likert and share_of_trust:
        return sum(row[2:7]) > 0
    return pooled_value(kind is MetricKind.likert, row)[0] is not None


def grouped_measure(kind: MetricKind, rows: list, *, share_of_trust: bool = False) -> Measure:
    """`pooled_measure` of rows the database grouped by program, metric, question and import batch
    (`common.pooled_rows`): the same numbers, pooled from each group's sums."""
    row = summed(rows, scales=True)
    counts, likert = row[2:7], kind is MetricKind.likert
    if likert and share_of_trust:
        if not sum(counts):
            return Measure(None, SHARE, None, without_counts=bool(rows))
        stats = stats_from_counts(list(counts))
        share = stats.percent_agree  # a thumbs up (stored as a 5), or a 4 or 5 on a 1-5 form
        scales = set().union(*(trust_scales(r) for r in rows if r[SCALES.start]))
        low, high = wilson(share, stats.n)
        return Measure(share, SHARE, stats.n, low, high, stats.mean, scales.pop() if len(scales) == 1 else MIXED)
    value, n, _ = pooled_value(likert, row)
    if value is None:
        return Measure(None, MEAN if likert else SHARE, None, without_counts=bool(rows))
    if likert:
        stats = stats_from_counts(list(counts)) if sum(counts) and not row[14] else None  # none beside lone means
        low, high = (stats.ci_low, stats.ci_high) if stats and stats.ci_low is not None else (None, None)
        return Measure(value, MEAN, n, low, high, value)
    low, high = wilson(value, n) if n else (None, None)
    return Measure(value, SHARE, n, low, high)


# --------------------------------------------------------------------------- the measures shown

@dataclass(frozen=True)
class MeasureSpec:
    """One measure the pages show: a metric in one era, how it reads and which row it belongs to."""

    code: str           # the metric's code
    era: str            # V1 or V2
    topic: str          # a driver or an aspect: "trust", "ease", "humanity", ...
    polarity: Optional[str] = None  # the v2 aspects: POSITIVE or NEGATIVE

    @property
    def unit(self) -> str:
        return SHARE if self.era == V2 and (self.code == TRUST or self.polarity) else MEAN

    @property
    def label(self) -> str:
        if self.polarity:
            return f"{ASPECT_NAMES.get(self.topic, self.topic)}: {POLARITY_WORDS[self.polarity]}"
        name = driver_name(self.topic)
        if self.code == TRUST and self.era == V2:
            return f"{name}: share who trust"
        return name

    @property
    def share_of_trust(self) -> bool:
        return self.code == TRUST and self.era == V2


def spec_for(code: str, driver: Optional[str], period) -> Optional[MeasureSpec]:
    """The measure an observation of metric `code` (with A-11 `driver`) in `period` is part of;
    None for a metric that is not an A-11 survey measure."""
    era = era_of(period)
    if driver:
        return MeasureSpec(code, era, driver)
    polarity, _, aspect = code.removeprefix("a11v2_").partition("_")
    if code.startswith("a11v2_") and polarity in POLARITY_WORDS and aspect in V2_ASPECTS:
        return MeasureSpec(code, V2, aspect, polarity)
    return None


def spec_order(spec: MeasureSpec) -> tuple:
    """Trust first, then the other drivers in the survey's order, then the aspects (went well, then
    could be improved)."""
    if spec.polarity:
        return (2, V2_ASPECTS.index(spec.topic) if spec.topic in V2_ASPECTS else 99, spec.polarity != POSITIVE)
    position = DRIVER_ORDER.index(spec.topic) if spec.topic in DRIVER_ORDER else 99
    return (0 if spec.topic == TRUST else 1, position, spec.era)


# --------------------------------------------------------------------------- the program

@dataclass
class ProgramInfo:
    id: int
    name: str
    code: str
    component: str
    agency: str
    is_hisp: bool
    life_experiences: list[tuple[int, str]]
    periods: list[str]  # quarters with survey observations, newest first


# Built once: a statement built per call cost more than the database's answer (0.1 ms each).
_PROGRAM = (sa.select(Program.name, Program.code, Component.name, Agency.name, Component.is_hisp)
            .join(Component, Component.id == Program.component_id).join(Agency, Agency.id == Component.agency_id)
            .where(Program.id == sa.bindparam("program")))
_LIFE_EXPERIENCES = (sa.select(LifeExperience.id, LifeExperience.name)
                     .join(program_life_experience, program_life_experience.c.life_experience_id == LifeExperience.id)
                     .where(program_life_experience.c.program_id == sa.bindparam("program"))
                     .order_by(LifeExperience.name, LifeExperience.id))
# The program's quarters by index alone, each then asked for one survey observation (not every
# observation of the program read for its metric).
_QUARTERS = sa.select(Observation.period).distinct().where(Observation.program_id == sa.bindparam("program")).subquery()
_SURVEYED_QUARTERS = (sa.select(_QUARTERS.c.period).where(
    sa.select(Observation.id).where(Observation.program_id == sa.bindparam("program"),
                                    Observation.period == _QUARTERS.c.period,
                                    Observation.metric_id.in_(sa.bindparam("metrics", expanding=True))).exists())
    .order_by(_QUARTERS.c.period.desc()))


@cached(reads=SURVEY)
def program_info(session, program_id: int) -> Optional[ProgramInfo]:
    # Columns, not objects, through the connection: every callback of the program page reads this first.
    connection = session.connection()
    program = connection.execute(_PROGRAM, {"program": program_id}).one_or_none()
    if program is None:
        return None
    life_experiences = [tuple(row) for row in connection.execute(_LIFE_EXPERIENCES, {"program": program_id})]
    periods = list(connection.execute(_SURVEYED_QUARTERS, {"program": program_id,
                                                           "metrics": list(survey_metrics(session)) or [-1]}).scalars())
    return ProgramInfo(program_id, *program, life_experiences, periods)


def program_exists(session, program_id: int) -> bool:
    """Whether the program is there: for the callbacks that need no more of `program_info` (its quarters
    are read program observation by observation: most of its cost)."""
    return session.scalar(sa.select(Program.id).where(Program.id == program_id)) is not None


@cached(reads=SURVEY)
def program_choices(session) -> list[tuple[int, str]]:
    """Every program as (id, "Program (Component, Agency)"), by name."""
    rows = session.execute(sa.select(Program.id, Program.name, Component.name, Agency.name)
                           .join(Component, Component.id == Program.component_id).join(Agency)
                           .order_by(Program.name, Component.name))
    return [(pid, f"{name} ({component}, {agency})") for pid, name, component, agency in rows]


# --------------------------------------------------------------------------- where data came from

@dataclass(frozen=True)
class Source:
    """An import batch observations came from (None: entered without one)."""

    batch_id: Optional[int]
    filename: Optional[str] = None
    committed_at: Optional[datetime] = None

    @property
    def words(self) -> str:
        if self.batch_id is None:
            return "no import batch (entered directly)"
        when = f", committed {day_of(self.committed_at)}" if self.committed_at else ""
        return f"batch {self.batch_id}: {self.filename}{when}"


_BATCHES = (sa.select(ImportBatch.id, ImportBatch.filename, ImportBatch.committed_at)
            .where(ImportBatch.id.in_(sa.bindparam("ids", expanding=True))))


def sources(session, batch_ids) -> dict[Optional[int], Source]:
    ids = sorted({b for b in batch_ids if b is not None})
    found: dict[Optional[int], Source] = {None: Source(None)}
    for chunk in range(0, len(ids), 500):
        for batch in session.connection().execute(_BATCHES, {"ids": ids[chunk:chunk + 500]}):
            found[batch.id] = Source(batch.id, batch.filename, batch.committed_at)
    return found


_OBSERVATIONS = sa.select(Observation.id, Observation.metric_id, Observation.period, Observation.channel,
                          Observation.touchpoint, Observation.value, Observation.n, Observation.count_1,
                          Observation.count_2, Observation.count_3, Observation.count_4, Observation.count_5,
                          Observation.question_text, Observation.import_batch_id)
_QUARTER_OBSERVATIONS = _OBSERVATIONS.where(Observation.program_id == sa.bindparam("program"),
                                            Observation.period == sa.bindparam("period"))


def _observation_rows(session, program_id: int, metric_ids, period: str) -> list:
    """The program's observations of `metric_ids` in `period`, one by one (its channels and touchpoints)."""
    # One quarter's rows of the program, its metrics kept and its order made here: asked of the database, the
    # metrics or an order by metric made SQLite read the quarter's every observation by its (period, metric)
    # index (25,000 rows at 1,000,000) for the program's few, not those by (program, period): 9 ms for 56
    # rows, against 0.05 ms. (No channel or touchpoint sorts first, as SQLite sorts them.)
    wanted = set(metric_ids)
    rows = [row for row in session.connection().execute(_QUARTER_OBSERVATIONS, {"program": program_id,
                                                                                "period": period})
            if row.metric_id in wanted]
    return sorted(rows, key=lambda row: (row.metric_id, row.channel or "", row.touchpoint or ""))


def _grouped_rows(session, program_id: int, metric_ids, period: Optional[str] = None) -> list:
    """The program's observations of `metric_ids` (in `period`, else in every quarter) grouped by metric,
    quarter, question as asked and import batch, each group's sums (`common.pooled_sums`) with the
    quarter before its question and batch: the rows `grouped_measure` pools. Pooled in Python one by one,
    a program's 2,240 observations cost its trend 30 ms at 1,000,000 observations. The metrics are kept
    here, as in `_observation_rows`: the program's index reads its few rows."""
    o = Observation
    grouped = (o.program_id, o.metric_id, o.period, o.question_text, o.import_batch_id)
    query = sa.select(*grouped[:2], *pooled_sums(scales=True), *grouped[2:]).where(o.program_id == program_id)
    if period is not None:
        query = query.where(o.period == period)
    wanted = set(metric_ids)
    return [row for row in session.connection().execute(query.group_by(*grouped)) if row.metric_id in wanted]


def wording(spec: MeasureSpec, rows) -> tuple[tuple[str, ...], bool]:
    """The distinct questions as asked, and whether any is non-standard (the v1 drivers: is_non_standard_wording)."""
    texts = tuple(sorted({" ".join(r.question_text.split()) for r in rows if r.question_text}))
    marked = spec.era == V1 and not spec.polarity and any(  # the v2 question is its own (is_non_standard_wording)
        is_non_standard_wording(spec.topic, r.question_text) for r in rows)
    return texts, marked


def question_words(questions: tuple[str, ...], non_standard: bool) -> str:
    """The questions as asked, as a page writes them: "A | B (non-standard wording)"."""
    if not questions:
        return "question not recorded"
    text = " | ".join(questions)
    return f"{text} (non-standard wording)" if non_standard else text


# --------------------------------------------------------------------------- quarter by quarter

@dataclass
class Point:
    """One measure of the program in one quarter, pooled over its channels and touchpoints."""

    period: str
    value: Optional[float]
    n: Optional[int]
    ci_low: Optional[float]
    ci_high: Optional[float]
    target: Optional[float]       # in the measure's unit (None: none set, or none that converts)
    status: str
    mean: Optional[float] = None  # the 1-5 mean the status is judged on (v2 trust)
    mean_target: Optional[float] = None
    scale: Optional[str] = None
    questions: tuple[str, ...] = ()
    non_standard: bool = False
    sources: tuple[str, ...] = ()
    without_counts: bool = False
    edges: tuple = ()  # the target's green and amber edges on the 1-5 mean (scoring.beside_target)

    @property
    def question_words(self) -> str:
        return question_words(self.questions, self.non_standard)


@dataclass
class Series:
    spec: MeasureSpec
    points: list[Point] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.spec.label

    def at(self, period: str) -> Optional[Point]:
        return next((p for p in self.points if p.period == period), None)


@dataclass
class Trend:
    """Every A-11 survey measure of one program by quarter; `periods` spans the first to the last
    quarter with data (a quarter without data is a gap)."""

    program_id: int
    periods: list[str] = field(default_factory=list)
    series: list[Series] = field(default_factory=list)

    def of(self, *, topic: Optional[str] = None, era: Optional[str] = None, aspects: Optional[bool] = None,
           exclude_topic: Optional[str] = None) -> list[Series]:
        return [s for s in self.series
                if (topic is None or s.spec.topic == topic) and (era is None or s.spec.era == era)
                and (aspects is None or bool(s.spec.polarity) == aspects)
                and (exclude_topic is None or s.spec.topic != exclude_topic)]


class _Targets:
    """The program's targets by fiscal year, as plain numbers: only those that can apply to the
    program, not the agency's thousands, and the years of its quarters read in one query."""

    def __init__(self, session, program: Program, periods):
        self.program = program
        self.books = TargetBook.of_years(session, {parse_period(p).fiscal_year for p in periods}, program)

    def of(self, metric_id: int, period: str) -> Optional[Thresholds]:
        return self.books[parse_period(period).fiscal_year].for_program(metric_id, self.program)


def point_of(spec: MeasureSpec, metric: Metric, period: str, rows: list, target, sourced: dict,
             *, min_n: int) -> Point:
    """A point from the grouped rows (`_grouped_rows`) of one measure in one quarter (target: its Thresholds,
    or None)."""
    measure = grouped_measure(metric.kind, rows, share_of_trust=spec.share_of_trust)
    mean_target = None if target is None else target.target
    shown_target = mean_target
    if spec.share_of_trust:
        shown_target = None if target is None or measure.scale != THUMBS else 100 * (target.target - 1) / 4
        judged = Score(measure.mean, measure.n)
    else:
        judged = Score(measure.value, measure.n)
    status = rag_status(judged, target, survey=True, min_n=min_n)
    questions, marked = wording(spec, rows)
    names = tuple(sourced[b].words for b in sorted({r.import_batch_id for r in rows}, key=lambda b: (b is None, b)))
    return Point(period, measure.value, measure.n, measure.ci_low, measure.ci_high, shown_target, status,
                 measure.mean if spec.share_of_trust else None, mean_target if spec.share_of_trust else None,
                 measure.scale, questions, marked, names, measure.without_counts,
                 () if target is None else target.edges)


_PROGRAM_WITH_COMPONENT = (sa.select(Program).where(Program.id == sa.bindparam("program"))
                           .options(so.joinedload(Program.component)))


def _program(session, program_id: int) -> Optional[Program]:
    """The program with its component (its targets are resolved through it), or None."""
    return session.scalar(_PROGRAM_WITH_COMPONENT, {"program": program_id})


def _points(session, program: Program, rows: list, metrics: dict, *, min_n: int) -> dict[tuple, Point]:
    """{(measure, quarter): Point} of the program's grouped rows (`_grouped_rows`), each measure of each
    quarter pooled over its channels and touchpoints and judged against that year's target."""
    sourced = sources(session, (r.import_batch_id for r in rows))
    grouped: dict[tuple[MeasureSpec, str], list] = defaultdict(list)
    specs: dict[tuple[int, str], Optional[MeasureSpec]] = {}  # a metric's measure in a quarter, found once
    for row in rows:
        key = (row.metric_id, row.period)
        if key not in specs:
            metric = metrics[row.metric_id]
            specs[key] = spec_for(metric.code, metric.driver.value if metric.driver else None, row.period)
        spec = specs[key]
        if spec is not None:
            grouped[(spec, row.period)].append(row)
    targets = _Targets(session, program, {period for _, period in grouped})
    return {(spec, period): point_of(spec, metrics[found[0].metric_id], period, found,
                                     targets.of(found[0].metric_id, period), sourced, min_n=min_n)
            for (spec, period), found in grouped.items()}


@cached(reads=SURVEY)
def quarter_trust(session, program_id: int, period: str, *, min_n: int = 30) -> Optional[tuple[MeasureSpec, Point]]:
    """The program's trust in one quarter, as its trend shows it (the measure first in the trend's
    order): the quarter's trust rows read alone, for the quarter's summary, not the whole trend."""
    program = _program(session, program_id)
    if program is None:
        return None
    metrics = survey_metrics(session)
    trust = {m_id: m for m_id, m in metrics.items() if m.driver is not None and m.driver.value == TRUST}
    points = _points(session, program, _grouped_rows(session, program_id, trust, str(parse_period(period))),
                     metrics, min_n=min_n)
    found = sorted(((spec, point) for (spec, _), point in points.items() if not spec.polarity),
                   key=lambda item: spec_order(item[0]))
    return found[0] if found else None


@cached(reads=SURVEY)
def program_trend(session, program_id: int, *, min_n: int = 30) -> Trend:
    """The program's A-11 survey measures in every quarter it has them."""
    program = _program(session, program_id)
    trend = Trend(program_id)
    if program is None:
        return trend
    metrics = survey_metrics(session)
    rows = _grouped_rows(session, program_id, metrics)
    if not rows:
        return trend
    points = _points(session, program, rows, metrics, min_n=min_n)
    by_spec: dict[MeasureSpec, Series] = {}
    for (spec, _period), point in points.items():
        by_spec.setdefault(spec, Series(spec)).points.append(point)
    for series in by_spec.values():
        series.points.sort(key=lambda p: parse_period(p.period))
    periods = sorted({parse_period(period) for _, period in points})
    trend.periods = [str(p) for p in period_range(periods[0], periods[-1])] if periods else []
    trend.series = sorted(by_spec.values(), key=lambda s: spec_order(s.spec))
    return trend


# --------------------------------------------------------------------------- by channel and touchpoint

@dataclass
class BreakdownRow:
    """One measure on one channel and touchpoint in the quarter."""

    channel: str
    touchpoint: str
    measure: str
    unit: str
    value: Optional[float]
    n: Optional[int]
    ci_low: Optional[float]
    ci_high: Optional[float]
    question: str
    non_standard: bool
    source: str
    without_counts: bool = False
    mean: Optional[float] = None  # the 1-5 mean a status is judged on (v2 trust's beside its share)

    @property
    def where(self) -> str:
        return where_words(self.channel, self.touchpoint)


def where_words(channel: Optional[str], touchpoint: Optional[str]) -> str:
    """"web · Apply online": a channel and touchpoint as the chart and its table both name them."""
    return f"{channel or 'channel not given'} · {touchpoint or 'touchpoint not given'}"


@dataclass
class Volume:
    """Respondents on one channel and touchpoint: the most any of its questions had."""

    channel: str
    touchpoint: str
    respondents: Optional[int]
    measures: int

    @property
    def label(self) -> str:
        return where_words(self.channel, self.touchpoint)


@dataclass
class Breakdown:
    period: Optional[str]
    era: Optional[str] = None
    rows: list[BreakdownRow] = field(default_factory=list)
    volumes: list[Volume] = field(default_factory=list)


@cached(reads=SURVEY)
def channel_breakdown(session, program_id: int, period: Optional[str]) -> Breakdown:
    """The program's A-11 survey observations in `period`, one row per measure, channel and
    touchpoint (as asked, with n and where each came from)."""
    if period is None:
        return Breakdown(None)
    period = str(parse_period(period))
    metrics = survey_metrics(session)
    rows = _observation_rows(session, program_id, metrics, period)
    found = Breakdown(period, era_of(period))
    sourced = sources(session, (r.import_batch_id for r in rows))
    keyed = []
    for row in rows:
        metric = metrics[row.metric_id]
        spec = spec_for(metric.code, metric.driver.value if metric.driver else None, period)
        if spec is None:
            continue
        measure = pooled_measure(metric.kind, [row], share_of_trust=spec.share_of_trust)
        questions, marked = wording(spec, [row])
        keyed.append(((row.channel, row.touchpoint, spec_order(spec)), BreakdownRow(
            row.channel, row.touchpoint, spec.label, measure.unit, measure.value, measure.n, measure.ci_low,
            measure.ci_high, questions[0] if questions else "question not recorded", marked,
            sourced[row.import_batch_id].words, measure.without_counts, measure.mean)))
    found.rows = [row for _, row in sorted(keyed, key=lambda item: item[0])]
    volumes: dict[tuple[str, str], Volume] = {}
    for row in found.rows:
        volume = volumes.setdefault((row.channel, row.touchpoint), Volume(row.channel, row.touchpoint, None, 0))
        volume.measures += 1
        if row.n is not None:
            volume.respondents = max(volume.respondents or 0, row.n)
    found.volumes = sorted(volumes.values(), key=lambda v: (-(v.respondents or 0), v.channel, v.touchpoint))
    return found


# --------------------------------------------------------------------------- other measures

@dataclass
class OtherMeasure:
    """A measure of the program's other than the A-11 survey's (a wait time, a backlog, digital adoption),
    quarter by quarter, newest first: pooled as the function page pools its own metrics."""

    code: str
    name: str
    unit: Optional[str]
    points: list = field(default_factory=list)  # dashboards.queries.functions.MetricPoint


@cached(reads=SURVEY)
def other_measures(session, program_id: int, *, min_n: int = 30) -> list[OtherMeasure]:
    """The program's observations of metrics outside the A-11 survey (common.survey_metrics), pooled per
    metric and quarter (pooled_score) against the target that applies (program, component, agency), with
    their status (rag_status), by metric name."""
    from dashboards.queries.functions import MetricPoint

    program = _program(session, program_id)
    if program is None:
        return []
    survey = set(survey_metrics(session))
    rows = session.execute(
        sa.select(Observation.id, Observation.metric_id, Observation.period, Observation.value, Observation.n,
                  Observation.count_1, Observation.count_2, Observation.count_3, Observation.count_4,
                  Observation.count_5)
        .where(Observation.program_id == program_id, Observation.metric_id.not_in(survey or {-1}))).all()
    groups: dict[tuple, list] = defaultdict(list)
    for row in rows:
        groups[(row.metric_id, row.period)].append(row)
    metrics = {m.id: m for m in session.scalars(sa.select(Metric).where(Metric.id.in_({r.metric_id for r in rows})))}
    books = TargetBook.of_years(session, {parse_period(period).fiscal_year for _, period in groups}, program)
    found: dict[int, OtherMeasure] = {}
    for (metric_id, period), observed in sorted(groups.items(), key=lambda item: parse_period(item[0][1]),
                                                reverse=True):
        metric = metrics[metric_id]
        book = books[parse_period(period).fiscal_year]
        measure = found.setdefault(metric_id, OtherMeasure(metric.code, metric.name, metric.unit))
        measure.points.append(MetricPoint.pooled(metric, period, observed, book.for_program(metric_id, program),
                                                 min_n=min_n))
    # two metrics of one name (an agency's own "Average wait time" beside the standard one) read as one measure
    # beside another's number: each is named with its code then
    told = told_apart({measure.code: (measure.name, measure.code) for measure in found.values()})
    for measure in found.values():
        measure.name = in_words(told[measure.code])
    return sorted(found.values(), key=lambda m: m.name)
