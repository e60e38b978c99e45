"""The C-suite functions' data: each function's commitments by status, how many are overdue or
not updated lately, its own metrics (observations whose subject is the function) against their
targets, and the CX rating the rules propose for the leaders whose plans name the function (its
head first); for one function's page, its commitments line by line and each metric quarter by
quarter.

The data is the same for every role (the dashboards are the agency's); what a role may open is
applied afterwards by `for_scope`, which sets the links: a commitment's page where the services'
`may_see` allows it, a plan and its why-page where `visible_plans` does. What an officer or leader
wrote on a commitment (its reason and evidence) goes with its page: left out where the page is not
the viewer's to open.
"""
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Optional

import sqlalchemy as sa

from dashboards import links
from dashboards.cache import cached
from dashboards.queries.common import Scope, newest_begun, plan_years
from scorecard.commitments.attention import days_since_update, last_update_day, overdue_days
from scorecard.commitments.services import CLOSED, STATUS_LABELS, STATUS_ORDER, may_see
from scorecard.models import (
    Agency,
    Commitment,
    Component,
    Direction,
    Function,
    Leader,
    Metric,
    Observation,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    ScopeType,
    Target,
)
from scorecard.naming import component_parts, in_words, leader_parts
from scorecard.periods import parse_period
from scorecard.plans.services import requirement_findings, visible_plans
from scorecard.scoring import answers_only, pooled_score, rag_status

# Commitment statuses as the functions page orders them: worst first (the services' order).
STATUSES = [s.value for s in STATUS_ORDER]
STATUS_WORDS = {s.value: label for s, label in STATUS_LABELS.items()}
CLOSED_STATUSES = frozenset(s.value for s in CLOSED)


# ------------------------------------------------------------------------------ the data

@dataclass
class MetricPoint:
    """A function metric's pooled value in one quarter against that fiscal year's target."""

    period: str
    value: Optional[float]
    n: Optional[int]  # None: the observations carry no respondents (an administrative measure)
    target: Optional[float]
    status: str

    @classmethod
    def pooled(cls, metric, period: str, observed: list, target, *, min_n: int) -> "MetricPoint":
        """The observations of a metric in a quarter pooled (pooled_score) and judged against `target`."""
        score = pooled_score(metric.kind, observed,
                             counted_only=answers_only(metric.driver and metric.driver.value, period))
        return cls(period, score.value, score.n, None if target is None else target.target,
                   rag_status(score, target, survey=metric.is_survey, min_n=min_n))


@dataclass
class FunctionMetric:
    """One metric the function reports itself, quarter by quarter (oldest first)."""

    metric_id: int
    code: str
    name: str
    unit: Optional[str]
    lower_is_better: bool
    survey: bool = False  # an A-11 survey measure: its n is the respondents counted
    points: list[MetricPoint] = field(default_factory=list)

    @property
    def latest(self) -> Optional[MetricPoint]:
        return self.points[-1] if self.points else None


@dataclass
class LeaderRating:
    """A leader whose plan has a CX requirement naming the function, and the rating the rules
    propose for it. `plan_href` and `why_href` are set only for who may see the plan."""

    leader_id: int
    leader: str
    title: Optional[str]
    plan_id: int
    fiscal_year: int
    requirement: str
    proposed: Optional[int]
    finding_id: Optional[int]
    is_head: bool = False
    plan_href: Optional[str] = None
    why_href: Optional[str] = None
    shown: bool = True  # False for who may not see the plan: its proposal is left out (for_scope)


@dataclass
class CommitmentLine:
    """One commitment as the function's page lists it. `href` is set only for who may open it; for who may not,
    its reason and evidence are left out (`shown` False)."""

    commitment_id: int
    function_id: int
    leader_id: Optional[int]
    title: str
    status: str
    reason: Optional[str]
    evidence_links: list[str]
    due_date: Optional[date]
    last_update: Optional[date]
    days_since_update: Optional[int]
    overdue_days: Optional[int]
    leader: Optional[str]
    component: Optional[str]
    capacity_domain: Optional[str]
    href: Optional[str] = None
    shown: bool = True  # False: the reason and evidence are not the viewer's to read (for_scope)

    @property
    def status_word(self) -> str:
        return STATUS_WORDS.get(self.status, self.status.replace("_", " "))

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


@dataclass
class FunctionSummary:
    function_id: int
    code: str
    name: str
    commitments: list[CommitmentLine] = field(default_factory=list)  # by due date, then title
    metrics: list[FunctionMetric] = field(default_factory=list)
    leaders: list[LeaderRating] = field(default_factory=list)        # the head first
    stale_days: int = 30

    @property
    def counts(self) -> dict[str, int]:
        """Every commitment status (worst first) and how many commitments have it."""
        found = {status: 0 for status in STATUSES}
        for line in self.commitments:
            found[line.status] = found.get(line.status, 0) + 1
        return found

    @property
    def total(self) -> int:
        return len(self.commitments)

    @property
    def open(self) -> int:
        return sum(1 for c in self.commitments if c.is_open)

    @property
    def overdue(self) -> int:
        return sum(1 for c in self.commitments if c.overdue_days is not None)

    @property
    def stale(self) -> int:
        """Open commitments not updated in `stale_days` days or more (as the overview counts them)."""
        return sum(1 for c in self.commitments if c.is_open and (c.days_since_update or 0) >= self.stale_days)

    @property
    def metric_statuses(self) -> Counter:
        """How many of its metrics stand at each status in their latest quarter."""
        return Counter(m.latest.status for m in self.metrics if m.latest is not None)

    @property
    def metrics_reported(self) -> int:
        return sum(1 for m in self.metrics if m.latest is not None)

    @property
    def head(self) -> Optional[LeaderRating]:
        return self.leaders[0] if self.leaders else None


@dataclass
class Functions:
    today: date
    stale_days: int
    fiscal_year: Optional[int]  # the plans' year the proposed ratings are read from
    rows: list[FunctionSummary] = field(default_factory=list)

    def get(self, code: str) -> Optional[FunctionSummary]:
        return next((row for row in self.rows if row.code == code), None)


# ------------------------------------------------------------------------------ the queries

def _commitments(session, today: date) -> dict[int, list[CommitmentLine]]:
    query = (sa.select(Commitment, Leader.name, Component.name)
             .outerjoin(Leader, Leader.id == Commitment.leader_id)
             .outerjoin(Component, Component.id == Commitment.component_id)
             .order_by(Commitment.due_date.is_(None), Commitment.due_date, Commitment.title))
    found: dict[int, list[CommitmentLine]] = defaultdict(list)
    leaders, components = leader_parts(session), component_parts(session)  # namesakes told apart
    for c, leader, component in session.execute(query):
        leader = in_words(leaders.get(c.leader_id, (leader,))) if leader else leader
        component = in_words(components.get(c.component_id, (component,))) if component else component
        found[c.function_id].append(CommitmentLine(
            c.id, c.function_id, c.leader_id, c.title, c.status.value, c.reason, list(c.evidence_links or []),
            c.due_date, last_update_day(c), days_since_update(c, today),
            overdue_days(c, today), leader, component, c.capacity_domain))
    return found


def _metrics(session, *, min_n: int) -> dict[int, list[FunctionMetric]]:
    """Each function's own metrics, every quarter pooled over the function's observations in one scope (an
    agency's figure for the whole agency, or one component's), against the function's target for the year,
    else the scope's agency's. Each scope is a series of its own, named by it where a metric has several:
    an agency's figure averaged with a component's, or with another agency's, is a number nobody reported."""
    rows = session.execute(
        sa.select(Observation.id, Observation.function_id, Observation.metric_id, Observation.agency_id,
                  Observation.component_id, Observation.period, Observation.value, Observation.n,
                  Observation.count_1, Observation.count_2, Observation.count_3, Observation.count_4,
                  Observation.count_5)
        .where(Observation.function_id.is_not(None), Observation.program_id.is_(None))).all()
    if not rows:
        return {}
    groups: dict[tuple, list] = defaultdict(list)
    for row in rows:
        groups[(row.function_id, row.metric_id, row.agency_id, row.component_id, row.period)].append(row)
    metric_ids = {row.metric_id for row in rows}
    metrics = {m.id: m for m in session.scalars(sa.select(Metric).where(Metric.id.in_(metric_ids)))}
    targets = {(t.metric_id, t.scope_type, t.scope_id, t.fiscal_year): t for t in session.scalars(
        sa.select(Target).where(Target.metric_id.in_(metric_ids),
                                Target.scope_type.in_([ScopeType.function, ScopeType.agency]))
        .options(sa.orm.joinedload(Target.metric)))}
    scopes = _scope_names(session, {(row.agency_id, row.component_id) for row in rows})
    several = Counter((function_id, metric_id) for function_id, metric_id, *_ in
                      {key[:4] for key in groups})  # the scopes each function's metric is reported in
    series: dict[tuple, FunctionMetric] = {}
    for (function_id, metric_id, agency_id, component_id, period), observed in sorted(
            groups.items(), key=lambda item: (item[0][:2], scopes[item[0][2:4]], item[0][4])):
        metric = metrics[metric_id]
        year = parse_period(period).fiscal_year
        target = (targets.get((metric_id, ScopeType.function, function_id, year))
                  or targets.get((metric_id, ScopeType.agency, agency_id, year)))
        name = metric.name + (f" ({scopes[agency_id, component_id]})" if several[function_id, metric_id] > 1 else "")
        entry = series.setdefault((function_id, metric_id, agency_id, component_id), FunctionMetric(
            metric_id, metric.code, name, metric.unit, metric.direction is Direction.lower, metric.is_survey))
        entry.points.append(MetricPoint.pooled(metric, period, observed, target, min_n=min_n))
    found: dict[int, list[FunctionMetric]] = defaultdict(list)
    for (function_id, *_), metric in sorted(series.items(), key=lambda item: item[1].name):
        found[function_id].append(metric)
    return found


def _scope_names(session, scopes: set[tuple[int, Optional[int]]]) -> dict[tuple, str]:
    """{(agency id, component id or None): "Department of X, agency-wide" or the component's name}; two components
    of one name (two agencies' Retirement Services) each with its agency: "Retirement Services, Office of
    Personnel Management" (`naming.component_parts`: alike, a green and a red series read as one)."""
    agencies = dict(session.execute(sa.select(Agency.id, Agency.name)
                                    .where(Agency.id.in_({a for a, _ in scopes}))).all())
    told = component_parts(session)
    return {(a, c): f"{agencies.get(a, a)}, agency-wide" if c is None else ", ".join(told.get(c, (str(c),)))
            for a, c in scopes}


def _deputy(title: Optional[str]) -> bool:
    return (title or "").strip().lower().startswith("deputy")


def _leaders(session, today: date) -> tuple[Optional[int], dict[int, list[LeaderRating]]]:
    """The appraisal year the pages open on (the newest with plans that has begun: one plan imported for
    next year blanked every head), and per function the leaders of that function whose plan that year has
    a CX requirement naming it. The function's head is the first who is not a deputy (by title), by name."""
    year = newest_begun(plan_years(session), today)
    if year is None:
        return None, {}
    rows = session.execute(
        sa.select(PlanRequirement.id, PlanRequirement.text, PlanRequirement.function_id, PerformancePlan.id,
                  Leader.id, Leader.name, Leader.title)
        .join(PlanElement, PlanElement.id == PlanRequirement.element_id)
        .join(PerformancePlan, PerformancePlan.id == PlanElement.plan_id)
        .join(Leader, Leader.id == PerformancePlan.leader_id)
        .where(PerformancePlan.fiscal_year == year, PlanRequirement.function_id.is_not(None),
               Leader.function_id == PlanRequirement.function_id)
        .order_by(Leader.name, Leader.id, PlanRequirement.position, PlanRequirement.id)).all()
    findings = requirement_findings(session, [row[0] for row in rows])
    found: dict[int, list[LeaderRating]] = defaultdict(list)
    leaders = leader_parts(session)  # two Pat Smiths of one function told apart
    for requirement_id, text, function_id, plan_id, leader_id, name, title in rows:
        name = in_words(leaders.get(leader_id, (name,)))
        finding = findings.get(requirement_id)
        found[function_id].append(LeaderRating(leader_id, name, title, plan_id, year, text,
                                               None if finding is None else finding.rating,
                                               None if finding is None else finding.id))
    for ratings in found.values():
        ratings.sort(key=lambda r: (_deputy(r.title), r.leader, r.leader_id))
        ratings[0].is_head = True
    return year, found


@cached
def functions(session, today: date, *, stale_days: int = 30, min_n: int = 30) -> Functions:
    """Every C-suite function (by code) with its commitments, metrics and rated leaders, for
    everyone alike (no links: see `for_scope`)."""
    year, leaders = _leaders(session, today)
    commitments = _commitments(session, today)
    metrics = _metrics(session, min_n=min_n)
    found = Functions(today, stale_days, year)
    for function in session.scalars(sa.select(Function).order_by(Function.code)):
        found.rows.append(FunctionSummary(function.id, function.code, function.name, commitments.get(function.id, []),
                                          metrics.get(function.id, []), leaders.get(function.id, []), stale_days))
    return found


@cached
def visible_plan_ids(session, scope: Scope, fiscal_year: Optional[int]) -> frozenset[int]:
    """The ids of the plans of `fiscal_year` that `scope` may see (plans.services.visible_plans)."""
    if fiscal_year is None:
        return frozenset()
    query = (visible_plans(session, scope).with_only_columns(PerformancePlan.id)
             .where(PerformancePlan.fiscal_year == fiscal_year).order_by(None))
    return frozenset(session.scalars(query))


def for_scope(session, found: Functions, scope: Scope) -> Functions:
    """`found` with the links `scope` may follow: each commitment's page it may see, each plan it
    may see and the why-page of that plan's proposal (a requirement's finding follows its plan); the
    proposal of a plan it may not see is left out (plans.services.visible_plans)."""
    plans = visible_plan_ids(session, scope, found.fiscal_year)

    def rated(r: LeaderRating) -> LeaderRating:
        if r.plan_id not in plans:  # a plan's proposals are the plan's: shown to who may see it
            return replace(r, proposed=None, finding_id=None, shown=False)
        why = links.finding(r.finding_id) if r.finding_id else None
        return replace(r, plan_href=links.plan(r.plan_id), why_href=why)

    def opened(c: CommitmentLine) -> CommitmentLine:
        # the title, status and dates are the agency's; what its officer or leader wrote is the commitment page's
        if may_see(scope, c):
            return replace(c, href=links.commitment(c.commitment_id))
        return replace(c, reason=None, evidence_links=[], shown=False)

    rows = [replace(row, commitments=[opened(c) for c in row.commitments],
                    leaders=[rated(r) for r in row.leaders]) for row in found.rows]
    return replace(found, rows=rows)


def functions_for(session, scope: Scope, today: date, *, stale_days: int = 30, min_n: int = 30) -> Functions:
    """What the functions pages show `scope`."""
    return for_scope(session, functions(session, today, stale_days=stale_days, min_n=min_n), scope)
