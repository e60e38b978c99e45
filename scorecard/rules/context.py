"""Everything an evaluation reads, loaded in a few bulk queries into plain, in-memory data.

Observations are read with one plain column SELECT through the driver's cursor (no ORM
objects, no per-row Python beyond grouping) and grouped by (subject key, metric, period); a
group is pooled only when a fact reads it. The small tables (organisation, targets, plans,
commitments, capacity assessments) are read whole. A load can be restricted to some programs
and functions (incremental evaluation after an import) or to some observation ids (replaying
a finding from its stored inputs).
"""
from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import lru_cache
from operator import mul
from typing import Optional

import sqlalchemy as sa

from scorecard.a11 import is_survey_data, latest_due
from scorecard.clock import agency_today, day_of
from scorecard.models import (
    Agency,
    CapacityAssessment,
    CapacityDomainScore,
    Commitment,
    CommitmentStatus,
    CommitmentUpdate,
    Component,
    Direction,
    Function,
    Leader,
    LifeExperience,
    Metric,
    MetricKind,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Program,
    RuleSubject,
    ScopeType,
    Target,
)
from scorecard.models.commitments import commitment_metrics, commitment_programs
from scorecard.models.org import program_life_experience
from scorecard.models.plans import requirement_programs
from scorecard.periods import Period, latest_complete_period, parse_period
from scorecard.scoring import answers_only
from scorecard.survey import MIN_N_DEFAULT, stats_from_counts

OBSERVATION_COLUMNS = ("id", "subject_key", "metric_id", "period", "value", "n",
                       "count_1", "count_2", "count_3", "count_4", "count_5")
CHUNK = 900  # ids per IN list (under SQLite's variable limit on every version)


@dataclass(frozen=True)
class MetricInfo:
    id: int
    code: str
    name: str
    kind: MetricKind
    direction: Direction
    driver: Optional[str] = None  # the A-11 driver it measures ("trust"), if any

    @property
    def is_survey(self) -> bool:
        """Survey data, judged only with enough respondents: a driver on 1-5, or a v2 aspect's share
        (3 respondents' 67% was proposed Outstanding, 2 respondents' 0% red)."""
        return is_survey_data(self.kind, self.code)


@dataclass(frozen=True)
class TargetInfo:
    """A target as plain data; `rag` is the model's own direction-aware rule."""

    id: int
    metric: MetricInfo
    scope_type: ScopeType
    scope_id: int
    fiscal_year: int
    target: float
    green_at: float
    amber_at: float

    rag = Target.rag


@dataclass(frozen=True)
class ComponentInfo:
    id: int
    code: str
    name: str
    agency_id: int
    is_hisp: bool


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    code: str
    name: str
    component_id: int
    agency_id: int
    life_experiences: frozenset = frozenset()

    @property
    def key(self) -> str:
        return f"program:{self.id}"


@dataclass(frozen=True)
class RequirementInfo:
    id: int
    text: str
    element: str
    results_driven: bool
    fiscal_year: int
    leader_id: int
    leader_name: str
    leader_component_id: Optional[int]
    leader_function_id: Optional[int]
    metric_id: Optional[int]
    target_id: Optional[int]
    commitment_id: Optional[int]
    program_ids: tuple = ()
    function_id: Optional[int] = None  # the function whose commitments and metrics it is measured by


@dataclass(frozen=True)
class CommitmentInfo:
    id: int
    title: str
    function_id: int
    leader_id: Optional[int]
    component_id: Optional[int]
    capacity_domain: Optional[str]
    status: CommitmentStatus
    due_date: Optional[date]
    last_update_at: Optional[datetime]
    created_at: Optional[datetime]
    program_ids: tuple = ()
    metric_ids: tuple = ()


@dataclass(frozen=True)
class CapacityDomainInfo:
    id: int
    assessment_id: int
    component_id: int
    fiscal_year: int
    domain: str
    score: Optional[float]
    scale_min: int
    scale_max: int


class Pool:
    """Observations pooled the way `scorecard.scoring.pooled_score` pools them: survey metrics
    sum their answer counts; other metrics average their values, weighted by n when every
    valued row has one. Pools add up, so a window or a set of programs pools its groups."""

    __slots__ = ("ids", "counts", "valued", "weighted", "sum_vn", "n_weighted", "sum_v", "n_known", "has_n",
                 "lone_vn", "lone_n", "_scored")

    def __init__(self, ids=(), counts=(0, 0, 0, 0, 0), valued=0, weighted=0, sum_vn=0.0, n_weighted=0,
                 sum_v=0.0, n_known=0, has_n=False, lone_vn=0.0, lone_n=0):
        self.ids, self.counts = ids, counts
        self.valued, self.weighted, self.sum_vn, self.n_weighted = valued, weighted, sum_vn, n_weighted
        self.sum_v, self.n_known, self.has_n = sum_v, n_known, has_n
        # rows with a value and respondents but no answer counts (scoring.uncounted): value x n, and n
        self.lone_vn, self.lone_n = lone_vn, lone_n
        self._scored = None

    @classmethod
    def of_rows(cls, rows: list) -> Pool:
        cols = tuple(zip(*rows))
        counts = tuple(sum(filter(None, cols[i])) for i in range(6, 11))
        values, ns = cols[4], cols[5]
        lone = [(v, n) for v, n, a, b, c, d, e in zip(values, ns, *cols[6:11])
                if v is not None and n and not (a or b or c or d or e)]  # 2.4 times as fast as any() a row
        lone_vn, lone_n = sum(v * n for v, n in lone), sum(n for _, n in lone)
        if None not in values and all(ns):  # the usual case, summed in C
            total = sum(ns)
            return cls(cols[0], counts, len(rows), len(rows), sum(map(mul, values, ns)), total,
                       sum(values), total, True, lone_vn, lone_n)
        pool = cls(cols[0], counts, lone_vn=lone_vn, lone_n=lone_n)
        for value, n in zip(values, ns):
            if value is None or n == 0:  # a value of no respondents says nothing (it weighed as much as any)
                continue
            pool.valued += 1
            pool.sum_v += value
            if n:
                pool.weighted += 1
                pool.sum_vn += value * n
                pool.n_weighted += n
            if n is not None:
                pool.n_known += n
                pool.has_n = True
        return pool

    @classmethod
    def total(cls, pools: Iterable[Pool]) -> Pool:
        pools = list(pools)
        if len(pools) == 1:
            return pools[0]
        if not pools:
            return cls()
        ids = []
        for p in pools:
            ids.extend(p.ids)
        counts = tuple(map(sum, zip(*(p.counts for p in pools))))
        return cls(tuple(ids), counts, sum(p.valued for p in pools), sum(p.weighted for p in pools),
                   sum(p.sum_vn for p in pools), sum(p.n_weighted for p in pools), sum(p.sum_v for p in pools),
                   sum(p.n_known for p in pools), any(p.has_n for p in pools), sum(p.lone_vn for p in pools),
                   sum(p.lone_n for p in pools))

    def score(self, kind: MetricKind) -> Scored:
        """The pooled value, n and (survey metrics) the answer counts and 95% CI (remembered:
        a pool is read under one metric only)."""
        if self._scored is None:
            self._scored = self._score(kind)
        return self._scored

    def _score(self, kind: MetricKind) -> Scored:
        if kind is MetricKind.likert and any(self.counts):
            stats = stats_from_counts(self.counts)
            if self.lone_n:  # means reported without their answers (scoring.uncounted): no counts, no interval
                total = stats.n + self.lone_n
                return Scored((stats.mean * stats.n + self.lone_vn) / total, total, None, None)
            ci = (stats.ci_low, stats.ci_high) if stats.ci_low is not None else None
            return Scored(stats.mean, stats.n, self.counts, ci)
        if not self.valued:
            return Scored(None, None, None, None)
        if self.weighted == self.valued:
            return Scored(self.sum_vn / self.n_weighted, self.n_weighted, None, None)
        return Scored(self.sum_v / self.valued, self.n_known if self.has_n else None, None, None)


@dataclass(frozen=True)
class Scored:
    value: Optional[float]
    n: Optional[int]
    counts: Optional[tuple]
    ci: Optional[tuple]


EMPTY = Pool()


@dataclass
class EvaluationContext:
    """The data of one evaluation, keyed for the fact providers."""

    today: date
    min_n: int
    metrics: dict = field(default_factory=dict)
    metric_codes: dict = field(default_factory=dict)
    components: dict = field(default_factory=dict)
    programs: dict = field(default_factory=dict)
    component_programs: dict = field(default_factory=dict)
    functions: dict = field(default_factory=dict)
    agencies: list = field(default_factory=list)
    targets: dict = field(default_factory=dict)
    targets_by_id: dict = field(default_factory=dict)
    requirements: dict = field(default_factory=dict)
    commitments: dict = field(default_factory=dict)
    commitment_history: dict = field(default_factory=dict)  # id -> [(at, status, (due before, due after) or None)]
    capacity: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    function_keys: dict = field(default_factory=dict)
    as_of_by_agency: dict = field(default_factory=dict)
    as_of_global: Optional[str] = None
    cache: dict = field(default_factory=dict)
    _pools: dict = field(default_factory=dict)

    # -- observations --------------------------------------------------------------------------
    def pool(self, subject_key: str, metric_id: int, period: str) -> Pool:
        key = (subject_key, metric_id, period)
        pool = self._pools.get(key)
        if pool is None:
            rows = self.groups.get(key)
            pool = Pool.of_rows(rows) if rows else EMPTY
            if rows and (metric := self.metrics.get(metric_id)) and answers_only(metric.driver, period):
                # typed values beside answers are still named (they judge nothing); alone, nothing was read
                pool = Pool(pool.ids, pool.counts) if any(pool.counts) else EMPTY
            self._pools[key] = pool
        return pool

    # -- targets -------------------------------------------------------------------------------
    def target_for_key(self, metric_id: int, subject_key: str, fiscal_year: int) -> Optional[TargetInfo]:
        """A program's target: program, then component, then agency (as the heatmap resolves it);
        a function's: function, then agency."""
        kind, _, rest = subject_key.partition(":")
        if kind == "program":
            program = self.programs.get(int(rest))
            if program is None:
                return None
            scopes = ((ScopeType.program, program.id), (ScopeType.component, program.component_id),
                      (ScopeType.agency, program.agency_id))
        else:
            function_id, _, scope = rest.partition("@")
            scope_kind, _, scope_id = scope.partition(":")
            agency_id = (self.components[int(scope_id)].agency_id if scope_kind == "component"
                         and int(scope_id) in self.components else int(scope_id) if scope_kind == "agency" else None)
            scopes = ((ScopeType.function, int(function_id)), (ScopeType.agency, agency_id))
        for scope_type, scope_id in scopes:
            target = self.targets.get((metric_id, scope_type, scope_id, fiscal_year))
            if target is not None:
                return target
        return None

    # -- periods -------------------------------------------------------------------------------
    def as_of(self, agency_id: Optional[int]) -> Optional[str]:
        """The latest quarter with data for an agency (the whole database when unknown)."""
        return self.as_of_by_agency.get(agency_id) or self.as_of_global

    def reported_through(self, agency_id: Optional[int]) -> Optional[str]:
        """The latest quarter an agency's reporting is judged through: its latest with data, or, for an agency
        with any, the latest whose results are due by today (A-11: 30 days after the quarter), whichever is
        later. An agency that stopped reporting in FY2023 read as "no data for FY2026 yet", not as unreported."""
        latest = self.as_of(agency_id)
        if not self.has_results(agency_id):
            return latest
        return max(latest, latest_due(self.today))

    def has_results(self, agency_id: Optional[int]) -> bool:
        """Whether `as_of` is the agency's own latest quarter, not the whole database's (an agency with none)."""
        return agency_id in self.as_of_by_agency

    def agency_of_key(self, subject_key: str) -> Optional[int]:
        kind, _, rest = subject_key.partition(":")
        if kind == "program":
            program = self.programs.get(int(rest))
            return program.agency_id if program else None
        scope_kind, _, scope_id = rest.partition("@")[2].partition(":")
        if scope_kind == "agency":
            return int(scope_id)
        component = self.components.get(int(scope_id)) if scope_id else None
        return component.agency_id if component else None


def observation_select(metric_ids=None, program_ids=None, subject_keys=None, observation_ids=None) -> sa.Select:
    """The one SELECT of observation columns an evaluation reads (also the benchmark's baseline).
    Restrictions use indexes: program ids (ix_observations_program_period), metric and subject key
    (the natural key's index), ids (the primary key)."""
    o = Observation
    query = sa.select(*[getattr(o, c) for c in OBSERVATION_COLUMNS])
    if metric_ids is not None:
        query = query.where(o.metric_id.in_(sorted(metric_ids)))
    if program_ids is not None:
        query = query.where(o.program_id.in_(sorted(program_ids)))
    if subject_keys is not None:
        query = query.where(o.subject_key.in_(sorted(subject_keys)))
    if observation_ids is not None:
        query = query.where(o.id.in_(sorted(observation_ids)))
    return query


def fetch_rows(session, query: sa.Select) -> list[tuple]:
    """Rows of a SELECT as plain tuples straight from the driver's cursor (same transaction)."""
    connection = session.connection()
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    cursor = connection.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


# What the subjects of each type read beyond the organisation, targets and observations: a requirement its plan's
# data and its function's commitments (csuite_facts), a commitment the commitments, a capacity domain the scores.
SUBJECT_READS = {RuleSubject.program: (), RuleSubject.capacity_domain: ("capacity",),
                 RuleSubject.commitment: ("commitments",), RuleSubject.requirement: ("requirements", "commitments")}


def load_context(session, *, today: Optional[date] = None, min_n: int = MIN_N_DEFAULT,
                 observations: bool = True, observation_ids: Optional[set] = None,
                 target_ids: Optional[set] = None, as_of: Optional[dict] = None,
                 subject_type: Optional[RuleSubject] = None, subject_id: Optional[int] = None) -> EvaluationContext:
    """Load an evaluation's data: the small tables whole, and every observation unless
    `observations` is false (then call `load_observations`). A replay names exactly the
    `observation_ids` and `target_ids` to read and the `as_of` quarters ({agency id: quarter}), and the
    `subject_type` and `subject_id` it replays, whose subject reads only some of the rest (SUBJECT_READS; a
    requirement its function's commitments and the one it names, a commitment itself): a program's why-page read
    every commitment, their history and every plan requirement of the agency, and reads none of them."""
    ctx = EvaluationContext(today=today or agency_today(), min_n=min_n)
    reads = SUBJECT_READS[subject_type] if subject_type is not None else ("requirements", "commitments", "capacity")
    _load_org(session, ctx)
    _load_targets(session, ctx, target_ids)
    if "requirements" in reads:
        _load_requirements(session, ctx, subject_id)
    if "commitments" in reads:
        _load_commitments(session, ctx, _commitments_read(subject_type, subject_id))
    if "capacity" in reads:
        _load_capacity(session, ctx)
    if observation_ids is not None:
        ids = sorted(observation_ids)
        rows = []
        for start in range(0, len(ids), CHUNK):
            rows += fetch_rows(session, observation_select(observation_ids=ids[start:start + CHUNK]))
        _group(ctx, rows)
    elif observations:
        load_observations(session, ctx)
    if as_of is not None:
        ctx.as_of_by_agency = {k: v for k, v in as_of.items() if k is not None and v}
        ctx.as_of_global = as_of.get(None) or max(ctx.as_of_by_agency.values(), default=None)
    return ctx


def _commitments_read(subject_type: Optional[RuleSubject], subject_id: Optional[int]) -> Optional[sa.Select]:
    """The ids of the commitments one subject reads, as a SELECT (None: every commitment): a commitment itself; a
    requirement the one it names and those of the function it names (csuite_facts)."""
    if subject_id is None:
        return None
    if subject_type is RuleSubject.commitment:
        return sa.select(sa.literal(subject_id))
    r = PlanRequirement
    named = sa.select(r.commitment_id).where(r.id == subject_id, r.commitment_id.is_not(None))
    of_function = (sa.select(Commitment.id).join(r, r.function_id == Commitment.function_id)
                   .where(r.id == subject_id))
    return sa.union(named, of_function)


def load_observations(session, ctx: EvaluationContext, *, metric_ids: Optional[set] = None,
                      program_ids: Optional[set] = None, function_ids: Optional[set] = None,
                      function_metrics: Optional[set] = None, as_of_known: bool = False) -> None:
    """Read the observations an evaluation needs (the metrics its rules read; the programs and
    functions in scope) with one SELECT, group them, and find each agency's latest quarter.
    `function_metrics` names functions whose observations are read for every metric (a
    requirement measured by its function's metrics reads them all)."""
    if metric_ids is not None and not metric_ids:
        rows = []
    elif program_ids is None and function_ids is None:
        rows = fetch_rows(session, observation_select(metric_ids))
    else:
        if metric_ids is None:
            metric_ids = set(ctx.metrics)
        rows = []
        programs = sorted(program_ids or ())
        for start in range(0, len(programs), CHUNK):
            # By program only: with the metrics in the WHERE clause too, SQLite would walk the
            # natural key's index by metric through every program's rows.
            chunk = fetch_rows(session, observation_select(program_ids=programs[start:start + CHUNK]))
            rows += [row for row in chunk if row[2] in metric_ids]
        # A function's observations are found by subject key through the natural key's index.
        keys = _function_keys(ctx, function_ids or ())
        for start in range(0, len(keys), CHUNK):
            rows += fetch_rows(session, observation_select(metric_ids, subject_keys=keys[start:start + CHUNK]))
    rows += _function_rows(session, ctx, function_metrics, metric_ids)
    _group(ctx, rows)
    if not as_of_known:
        ctx.as_of_by_agency, ctx.as_of_global = latest_periods(session, ctx.today)


def _function_keys(ctx: EvaluationContext, function_ids: Iterable[int]) -> list[str]:
    """Every subject key a function's observations can have: scoped to a component or an agency."""
    scopes = [f"component:{c}" for c in ctx.components] + [f"agency:{a}" for a in ctx.agencies]
    return [f"function:{f}@{scope}" for f in sorted(function_ids) for scope in scopes]


def _function_rows(session, ctx: EvaluationContext, function_ids: Optional[set], metric_ids: Optional[set]) -> list:
    """The functions' observations of the metrics not read already (found by metric and subject
    key through the natural key's index)."""
    if not function_ids or metric_ids is None:
        return []
    others = set(ctx.metrics) - set(metric_ids)
    keys = _function_keys(ctx, function_ids)
    rows = []
    if others:
        for start in range(0, len(keys), CHUNK):
            rows += fetch_rows(session, observation_select(others, subject_keys=keys[start:start + CHUNK]))
    return rows


def _group(ctx: EvaluationContext, rows: list) -> None:
    """Group rows by (subject key, metric, period)."""
    groups: dict = {}
    get = groups.get
    for row in rows:
        key = row[1:4]  # (subject key, metric id, period)
        bucket = get(key)
        if bucket is None:
            groups[key] = [row]
        else:
            bucket.append(row)
    ctx.groups = groups
    function_keys = defaultdict(set)
    for subject_key, _metric, _period in groups:
        if subject_key.startswith("function:"):
            function_keys[int(subject_key[9:].partition("@")[0])].add(subject_key)
    ctx.function_keys = {k: sorted(v) for k, v in function_keys.items()}


def latest_periods(session, today: Optional[date] = None) -> tuple[dict, Optional[str]]:
    """({agency id: its latest quarter with observations}, the latest overall), of the quarters that have
    ended: a quarter's results are reported after it ends (scorecard.periods.opening_period), and the first
    few programs' results of one under way are not yet the agency's quarter (every other program read "no
    data yet"). An agency with observations of the quarter under way only is placed there.

    Walks the quarters down from the newest through the (period, metric) index, asking each
    which agencies have observations in it, until every agency is placed: usually one or two
    quarters are read, not the whole table."""
    o = Observation
    ended = str(latest_complete_period(today))
    agencies = set(session.scalars(sa.select(Agency.id)))
    by_agency: dict = {}
    period = session.scalar(sa.select(sa.func.max(o.period)).where(o.period <= ended))
    newest = period
    while period is not None and len(by_agency) < len(agencies):
        for agency_id in session.scalars(sa.select(o.agency_id).where(o.period == period).distinct()):
            by_agency.setdefault(agency_id, period)
        period = session.scalar(sa.select(sa.func.max(o.period)).where(o.period < period))
    if len(by_agency) < len(agencies):
        for agency_id, latest in session.execute(sa.select(o.agency_id, sa.func.max(o.period))
                                                 .where(o.period > ended).group_by(o.agency_id)):
            by_agency.setdefault(agency_id, latest)
        newest = newest or session.scalar(sa.select(sa.func.max(o.period)))
    return by_agency, newest


def _load_org(session, ctx: EvaluationContext) -> None:
    for m in session.execute(sa.select(Metric.id, Metric.code, Metric.name, Metric.kind, Metric.direction,
                                       Metric.driver)):
        info = MetricInfo(m.id, m.code, m.name, m.kind, m.direction, m.driver and m.driver.value)
        ctx.metrics[m.id] = info
        ctx.metric_codes[m.code] = info
    for c in session.execute(sa.select(Component.id, Component.code, Component.name, Component.agency_id,
                                       Component.is_hisp)):
        ctx.components[c.id] = ComponentInfo(c.id, c.code, c.name, c.agency_id, c.is_hisp)
    experiences = defaultdict(set)
    for program_id, name in session.execute(
            sa.select(program_life_experience.c.program_id, LifeExperience.name)
            .join(LifeExperience, LifeExperience.id == program_life_experience.c.life_experience_id)):
        experiences[program_id].add(name)
    for p in session.execute(sa.select(Program.id, Program.code, Program.name, Program.component_id)):
        ctx.programs[p.id] = ProgramInfo(p.id, p.code, p.name, p.component_id,
                                         ctx.components[p.component_id].agency_id,
                                         frozenset(experiences.get(p.id, ())))
    by_component = defaultdict(list)
    for program in ctx.programs.values():
        by_component[program.component_id].append(program.key)
    ctx.component_programs = dict(by_component)
    ctx.functions = {f.id: f for f in session.execute(sa.select(Function.id, Function.code, Function.name))}
    ctx.agencies = sorted(session.scalars(sa.select(Agency.id)))


def _load_targets(session, ctx: EvaluationContext, target_ids: Optional[set]) -> None:
    t = Target
    query = sa.select(t.id, t.metric_id, t.scope_type, t.scope_id, t.fiscal_year, t.target, t.green_at, t.amber_at)
    if target_ids is not None:
        query = query.where(t.id.in_(sorted(target_ids) or [-1]))
    for r in session.execute(query):
        info = TargetInfo(r.id, ctx.metrics[r.metric_id], r.scope_type, r.scope_id, r.fiscal_year, r.target,
                          r.green_at, r.amber_at)
        ctx.targets[(r.metric_id, r.scope_type, r.scope_id, r.fiscal_year)] = info
        ctx.targets_by_id[r.id] = info


def _links(session, table, left: str, right: str, of: Optional[sa.ColumnElement] = None) -> dict:
    """{left id: [right ids]} of a link table; of the left ids `of` selects (None: every one)."""
    links = defaultdict(list)
    query = sa.select(table.c[left], table.c[right]).order_by(table.c[left], table.c[right])
    for a, b in fetch_rows(session, query if of is None else query.where(table.c[left].in_(of))):
        links[a].append(b)
    return links


def _load_requirements(session, ctx: EvaluationContext, only: Optional[int] = None) -> None:
    """Every plan requirement, or the one `only` names (a replay of its finding)."""
    r, e, p, leader = PlanRequirement, PlanElement, PerformancePlan, Leader
    programs = _links(session, requirement_programs, "requirement_id", "program_id",
                      None if only is None else sa.select(sa.literal(only)))
    query = (sa.select(r.id, r.text, e.name, e.is_results_driven, p.fiscal_year, leader.id, leader.name,
                       leader.component_id, leader.function_id, r.metric_id, r.target_id, r.commitment_id,
                       r.function_id)
             .join(e, e.id == r.element_id).join(p, p.id == e.plan_id).join(leader, leader.id == p.leader_id))
    if only is not None:
        query = query.where(r.id == only)
    empty = ()
    for row in fetch_rows(session, query):  # 2,000 leaders hold some 18,000 requirements: plain tuples
        ctx.requirements[row[0]] = RequirementInfo(
            row[0], row[1], row[2], bool(row[3]), *row[4:12], tuple(programs.get(row[0], empty)), row[12])


def _load_commitments(session, ctx: EvaluationContext, only: Optional[sa.Select] = None) -> None:
    """Every commitment with its history, or those `only` selects (by id: a replay's)."""
    c = Commitment
    programs = _links(session, commitment_programs, "commitment_id", "program_id", only)
    metrics = _links(session, commitment_metrics, "commitment_id", "metric_id", only)
    query = sa.select(c.id, c.title, c.function_id, c.leader_id, c.component_id, c.capacity_domain, c.status,
                      c.due_date, c.last_update_at, c.created_at)
    if only is not None:
        query = query.where(c.id.in_(only))
    for row in session.execute(query):
        ctx.commitments[row.id] = CommitmentInfo(
            row.id, row.title, row.function_id, row.leader_id, row.component_id, row.capacity_domain, row.status,
            row.due_date, row.last_update_at, row.created_at, tuple(programs.get(row.id, ())),
            tuple(metrics.get(row.id, ())))
    u = CommitmentUpdate
    history = defaultdict(list)
    # The changes as the database keeps them, read as JSON only where they move a due date: decoding every
    # update's (33,000 of them) was most of a why-page's second.
    updates = sa.select(u.commitment_id, u.at, u.status, sa.cast(u.changes, sa.Text))
    if only is not None:
        updates = updates.where(u.commitment_id.in_(only))
    for commitment_id, at, status, changes in session.execute(updates.order_by(u.commitment_id, u.at, u.id)):
        moved = json.loads(changes).get("due_date") if changes and '"due_date"' in changes else None
        history[commitment_id].append((at, status, tuple(moved) if isinstance(moved, list) and len(moved) == 2
                                       else None))
    ctx.commitment_history = dict(history)


def commitments_day(period: str, today: date) -> date:
    """The day a requirement's finding reads its function's commitments as of (commitment_as_of): its
    quarter's last day, or today within the quarter."""
    return min(today, parse_period(period).end)


def commitments_read_on(finding) -> Optional[date]:
    """The day a stored finding read its commitments as of: the day it was evaluated, or for a requirement the last
    day of its quarter when that came first (commitments_day); None when the finding recorded no day."""
    facts = finding.facts or {}
    if not facts.get("today"):
        return None
    today = date.fromisoformat(facts["today"])
    return commitments_day(finding.period, today) if finding.subject_type is RuleSubject.requirement else today


def commitment_as_of(ctx: EvaluationContext, commitment: CommitmentInfo, day: date) -> Optional[CommitmentInfo]:
    """The commitment as it stood at the end of the agency's `day`, from its history (append-only): its
    status and last update then, and its due date before any later move; None when it was made after
    `day`. A requirement of a year that has ended is judged on its function's commitments as the year
    left them, not on what was made, moved or updated since (an evaluation dated in the past, too). With
    nothing in its history since `day`, or no history, it is taken as it is."""
    history = ctx.commitment_history.get(commitment.id)
    if not history:
        made = commitment.created_at
        return None if made is not None and day_of(made) > day else commitment
    before = [entry for entry in history if day_of(entry[0]) <= day]
    if not before:
        return None
    if len(before) == len(history):  # nothing since: as it is (within the quarter, the usual case)
        return commitment
    due = commitment.due_date
    for _at, _status, moved in reversed(history[len(before):]):  # later moves undone, the latest first
        if moved is not None:
            with contextlib.suppress(TypeError, ValueError):  # a row that holds no date: the date as it is kept
                due = date.fromisoformat(moved[0]) if moved[0] else None
    at, status, _moved = before[-1]
    return replace(commitment, status=status, due_date=due, last_update_at=at)


def _load_capacity(session, ctx: EvaluationContext) -> None:
    d, a = CapacityDomainScore, CapacityAssessment
    query = (sa.select(d.id, d.assessment_id, a.component_id, a.fiscal_year, d.domain, d.score, a.scale_min,
                       a.scale_max).join(a, a.id == d.assessment_id))
    for row in session.execute(query):
        ctx.capacity[row.id] = CapacityDomainInfo(row.id, row.assessment_id, row.component_id, row.fiscal_year,
                                                  row.domain, row.score, row.scale_min, row.scale_max)


@lru_cache(maxsize=4096)
def clamp_to_year(period: Optional[str], fiscal_year: int) -> str:
    """A quarter within a fiscal year: `period` itself, or the year's first or last quarter."""
    first, last = Period(fiscal_year, 1), Period(fiscal_year, 4)
    if period is None:
        return str(first)
    p = parse_period(period)
    return str(min(max(p, first), last))
