"""Program scores for a period (pooled over touchpoints and channels) and their RAG status.

One place for "how good is this program on this metric this quarter": the dashboards and
the rules engine both read scores from here.
"""
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

import sqlalchemy as sa

from scorecard.a11 import trust_as_share
from scorecard.models import Direction, Metric, MetricKind, Observation, Program, ScopeType, Target
from scorecard.models.metrics import as_compared, rag_for
from scorecard.periods import Period, parse_period
from scorecard.survey import stats_from_counts, summed_counts

GREEN, AMBER, RED = "green", "amber", "red"
INSUFFICIENT, NO_DATA, NO_TARGET = "insufficient_data", "no_data", "no_target"


@dataclass
class Score:
    """A program's pooled value of one metric in one period, with the observations behind it."""

    value: Optional[float]
    n: Optional[int]
    observation_ids: list[int] = field(default_factory=list)
    ci: Optional[tuple[float, float]] = None


def uncounted(rows: list, counted: list) -> list:
    """The rows of a 1-5 question reported as a mean and its respondents without answer counts, among
    `rows` some of which (`counted`) hold counts: pooled with them, weighed by their n (they were left out,
    and 2,000 respondents' 4.80 beside 40 answers read 1.50)."""
    holding = {id(r) for r in counted}
    return [r for r in rows if id(r) not in holding and r.value is not None and r.n]


def answers_only(driver: Optional[str], period) -> bool:
    """Whether a metric's score in a quarter is pooled from answer counts alone: trust from A-11's v2 survey
    on (a11.trust_as_share) is the share who trust, counted from the answers, so a value typed without them
    is kept but judges nothing (the import says so). Every pooling of observations asks this: the scores,
    the rules (rules.context), the dashboards' sums (dashboards.queries.common)."""
    return trust_as_share(driver, period)


def pooled_score(metric_kind: MetricKind, rows: Iterable, *, counted_only: bool = False) -> Score:
    """Pool observation rows (objects with counts, value, n, id) into one score.

    Survey metrics pool their answer counts, so the score is the mean of every answer;
    other metrics average their values, weighted by n when every row gives it, else the plain mean (a row
    without n cannot be weighed; n is then the sum of the rows' that give it). `counted_only`
    (`answers_only`): the answer counts alone, and no score without them.
    """
    rows = list(rows)
    ids = [r.id for r in rows]
    if metric_kind is MetricKind.likert:
        counts, counted = summed_counts(rows)
        if counted:
            stats = stats_from_counts(counts)
            lone = [] if counted_only else uncounted(rows, counted)
            if lone:  # a mean reported without its answers beside others' answers: weighed by its n, no interval
                total = stats.n + sum(r.n for r in lone)
                return Score((stats.mean * stats.n + sum(r.value * r.n for r in lone)) / total, total, ids)
            ci = (stats.ci_low, stats.ci_high) if stats.ci_low is not None else None
            return Score(stats.mean, stats.n, ids, ci)
    if counted_only:
        return Score(None, None, ids)
    valued = [r for r in rows if r.value is not None and r.n != 0]  # a value of no respondents says nothing
    if not valued:
        return Score(None, None, ids)
    weights = [r.n for r in valued]
    if all(w for w in weights):
        total = sum(weights)
        return Score(sum(r.value * r.n for r in valued) / total, total, ids)
    n_values = [r.n for r in valued if r.n is not None]
    return Score(sum(r.value for r in valued) / len(valued), sum(n_values) if n_values else None, ids)


def program_scores(session, period: Period | str, metric_ids: Optional[list[int]] = None) -> dict:
    """{(program_id, metric_id): Score} for every program with observations in `period`."""
    period = parse_period(period)
    query = (
        sa.select(Observation.id, Observation.program_id, Observation.metric_id, Observation.value,
                  Observation.n, Observation.count_1, Observation.count_2, Observation.count_3,
                  Observation.count_4, Observation.count_5, Metric.kind, Metric.driver)
        .join(Metric, Metric.id == Observation.metric_id)
        .where(Observation.period == str(period), Observation.program_id.is_not(None))
    )
    if metric_ids:
        query = query.where(Observation.metric_id.in_(metric_ids))
    groups: dict = defaultdict(list)
    kinds = {}
    for row in session.execute(query):
        groups[(row.program_id, row.metric_id)].append(row)
        kinds[row.metric_id] = (row.kind, answers_only(row.driver and row.driver.value, period))
    return {key: pooled_score(kinds[key[1]][0], rows, counted_only=kinds[key[1]][1]) for key, rows in groups.items()}


class Thresholds(NamedTuple):
    """A target's numbers as plain data, for judging thousands of scores at once."""

    target: float
    green_at: float
    amber_at: float
    lower: bool  # lower is better

    @property
    def edges(self) -> tuple[float, float]:
        """Where its statuses change (green, amber): a score is shown so as not to read as one (`beside_target`)."""
        return self.green_at, self.amber_at


_PROGRAM, _COMPONENT, _AGENCY = ScopeType.program.value, ScopeType.component.value, ScopeType.agency.value


_TARGETS = (sa.select(Target.fiscal_year, Target.metric_id, Target.scope_type, Target.scope_id, Target.target,
                     Target.green_at, Target.amber_at, Metric.direction)
            .join(Metric, Metric.id == Target.metric_id)
            .where(Target.fiscal_year.in_(sa.bindparam("years", expanding=True))))
_PROGRAM_TARGETS = _TARGETS.where(sa.or_(*[sa.and_(Target.scope_type == scope, Target.scope_id == sa.bindparam(name))
                                           for scope, name in ((ScopeType.program, "program"),
                                                               (ScopeType.component, "component"),
                                                               (ScopeType.agency, "agency"))]))


class TargetBook:
    """The targets of one fiscal year as plain numbers (Thresholds, read in one column query: cheap
    to judge thousands of scores with, and small to keep in a cache), resolved for a program:
    program, then component, then agency."""

    def __init__(self, session, fiscal_year: int, program: Optional[Program] = None, *, rows=None):
        """Every target of the year, or (`program`) only those that can apply to that program (`rows`:
        the year's rows already read, by `of_years`)."""
        self.fiscal_year = fiscal_year
        if rows is None:
            rows = session.execute(*self._query((fiscal_year,), program))
        # keyed by plain values: an Enum member hashes slowly
        self._plain = {(metric_id, scope.value, scope_id): Thresholds(target, green_at, amber_at,
                                                                      direction is Direction.lower)
                       for _, metric_id, scope, scope_id, target, green_at, amber_at, direction in rows}

    @classmethod
    def of_years(cls, session, fiscal_years, program: Optional[Program] = None) -> dict[int, "TargetBook"]:
        """{fiscal year: TargetBook} of several years in one query (a program's trend spans ten)."""
        years = sorted(set(fiscal_years))
        by_year: dict[int, list] = {year: [] for year in years}
        if years:
            for row in session.execute(*cls._query(years, program)):
                by_year[row[0]].append(row)
        return {year: cls(session, year, program, rows=rows) for year, rows in by_year.items()}

    @staticmethod
    def _query(fiscal_years, program: Optional[Program]) -> tuple[sa.Select, dict]:
        """The statement (built once: building it cost more than its answer) and its parameters."""
        if program is None:
            return _TARGETS, {"years": list(fiscal_years)}
        return _PROGRAM_TARGETS, {"years": list(fiscal_years), "program": program.id,
                                  "component": program.component_id, "agency": program.component.agency_id}

    def for_ids(self, metric_id: int, program_id: int, component_id: Optional[int],
                agency_id: Optional[int]) -> Optional[Thresholds]:
        """The target that applies to the program with these ids."""
        get = self._plain.get
        return (get((metric_id, _PROGRAM, program_id)) or get((metric_id, _COMPONENT, component_id))
                or get((metric_id, _AGENCY, agency_id)))

    def for_program(self, metric_id: int, program: Program) -> Optional[Thresholds]:
        return self.for_ids(metric_id, program.id, program.component_id, program.component.agency_id)


def beside_target(value: float, target: Optional[float], places: int = 2, edges: tuple = ()) -> float:
    """A score rounded as it is shown beside its target: to `places` decimals, or to as many more (six at
    most) as it takes not to read as the target, or as one of its status's `edges` (green and amber), when
    it is not on it (3.897 against 3.90, amber, not "3.90", which read as on target; 3.696, red against an
    amber edge at 3.7, not "3.70")."""
    shown = round(value, places)
    if (target is None or shown != round(target, places)) and all(shown != round(edge, places) for edge in edges):
        return shown  # reads as none of them (the heatmap's thousands of cells, nearly all)
    marks = [mark for mark in (target, *edges) if mark is not None and as_compared(value) != as_compared(mark)]
    for digits in range(places, places + 7):
        shown = round(value, digits)
        if all(shown != round(mark, digits) for mark in marks):
            return shown
    return round(value, places + 6)


def rag_status(score: Optional[Score], target: Optional[Target], *, survey: bool, min_n: int) -> str:
    """Green / amber / red against the target; survey scores below `min_n` respondents are
    insufficient data, never red."""
    if score is None:
        return NO_DATA
    return status_for(score.value, score.n, target, survey=survey, min_n=min_n)


def status_for(value: Optional[float], n: Optional[int], target, *, survey: bool, min_n: int) -> str:
    """rag_status of a value and its n, `target` a Target or Thresholds (or None)."""
    if value is None:
        return NO_DATA
    if survey and (n or 0) < min_n:
        return INSUFFICIENT
    if target is None:
        return NO_TARGET
    if isinstance(target, Thresholds):
        return rag_for(value, target.green_at, target.amber_at, lower=target.lower)
    return target.rag(value)
