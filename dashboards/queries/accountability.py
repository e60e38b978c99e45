"""A program's findings and its accountability chain, for the program page: the published rules' findings
about it in a quarter, the leaders whose plan requirements read it (the plans the person looking may see,
with the proposed and decided ratings) and every commitment tied to it."""
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from dashboards import links
from dashboards.cache import cached
from dashboards.queries.common import Scope
from scorecard.commitments.attention import is_overdue, last_update_day
from scorecard.commitments.services import CLOSED, STATUS_LABELS, may_see
from scorecard.models import (
    Commitment,
    CommitmentStatus,
    Finding,
    Leader,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    RuleStatus,
    RuleSubject,
    RuleVersion,
)
from scorecard.models.commitments import commitment_programs
from scorecard.models.plans import requirement_programs
from scorecard.periods import parse_period
from scorecard.permissions import can
from scorecard.plans.services import latest_decisions, plans_condition, requirement_ratings
from scorecard.ratings import element_rating

# --------------------------------------------------------------------------- findings

@dataclass
class FindingLine:
    id: int
    rule: str
    outcome: str
    word: str             # the status, flag or rating in words
    status: Optional[str]  # a RAG status, when the finding concludes one
    severity: Optional[str]
    explanation: str
    href: str


def _finding_word(finding: Finding) -> str:
    if finding.outcome == "status" and finding.status:
        return finding.status.replace("_", " ")
    if finding.flag:
        return finding.flag.replace("_", " ")
    if finding.rating is not None:
        return f"rating {finding.rating}"
    if finding.score is not None:
        return f"score {finding.score:g}"
    return finding.outcome


# Built once: building them cost more than the database's answers.
_ANY_PUBLISHED_PROGRAM_FINDING = (
    sa.select(Finding.id).join(RuleVersion, RuleVersion.id == Finding.rule_version_id)
    .where(Finding.subject_type == RuleSubject.program, Finding.period == sa.bindparam("period"),
           RuleVersion.status == RuleStatus.published).limit(1))
_PROGRAM_FINDINGS = (
    sa.select(Finding, RuleVersion).join(RuleVersion, RuleVersion.id == Finding.rule_version_id)
    .where(Finding.subject_type == RuleSubject.program, Finding.subject_id == sa.bindparam("program"),
           Finding.period == sa.bindparam("period"), RuleVersion.status == RuleStatus.published)
    .options(so.joinedload(RuleVersion.rule)).order_by(Finding.outcome != "status", Finding.id))


_JUDGED = (sa.select(sa.func.max(Finding.period)).join(RuleVersion, RuleVersion.id == Finding.rule_version_id)
           .where(Finding.subject_type == RuleSubject.program, Finding.subject_id == sa.bindparam("program"),
                  RuleVersion.status == RuleStatus.published))


@cached
def judged_period(session, program_id: int) -> Optional[str]:
    """The quarter the published rules judge the program as of: its agency's latest with results (rules.subjects),
    which may be after the program's own latest (a service that stopped reporting); None before any finding."""
    return session.scalar(_JUDGED, {"program": program_id})


@cached
def program_findings(session, program_id: int, period: Optional[str]) -> list[FindingLine]:
    """The published rules' findings about the program for `period`, statuses first."""
    if period is None:
        return []
    return [FindingLine(f.id, version.rule.title, f.outcome, _finding_word(f), f.status if f.outcome == "status"
                        else None, f.severity, f.explanation, links.finding(f.id))
            for f, version in session.execute(_PROGRAM_FINDINGS, {"program": program_id,
                                                                  "period": str(parse_period(period))})]


@cached
def rules_published(session) -> bool:
    """Whether any rule is published (a new agency's administrator publishes them after its first import)."""
    return session.scalar(sa.select(RuleVersion.id).where(RuleVersion.status == RuleStatus.published)
                          .limit(1)) is not None


@cached
def quarter_evaluated(session, period: str) -> bool:
    """Whether the published rules concluded anything about any program for `period` (they judge each program
    as of its agency's latest quarter: an older one may have no finding at all, where a program's none says
    nothing)."""
    return session.connection().execute(_ANY_PUBLISHED_PROGRAM_FINDING,
                                        {"period": str(parse_period(period))}).first() is not None


# --------------------------------------------------------------------------- the accountability chain

@dataclass
class RequirementLine:
    """A requirement of a plan that reads the program, with the rules' proposed rating."""

    text: str
    element: str
    proposed: Optional[int] = None
    finding_id: Optional[int] = None


@dataclass
class ElementLine:
    """An element holding such a requirement: its proposal (from every requirement in it) and the
    rating official's decision."""

    name: str
    proposed: Optional[int] = None
    decided: Optional[int] = None


@dataclass
class PlanLine:
    """A leader's plan with requirements that read the program."""

    plan_id: int
    href: str
    leader: str
    title: Optional[str]
    fiscal_year: int
    requirements: list[RequirementLine] = field(default_factory=list)
    elements: list[ElementLine] = field(default_factory=list)

    @property
    def lowest(self) -> Optional[RequirementLine]:
        rated = [r for r in self.requirements if r.proposed is not None]
        return min(rated, key=lambda r: r.proposed) if rated else None


@dataclass
class CommitmentLine:
    id: int
    href: str
    title: str
    function: str
    status: str
    due: Optional[date]
    last_update: Optional[date]
    overdue: bool

    @property
    def status_word(self) -> str:
        """The status as the pages say it, and whether it is overdue: "Off track, overdue"."""
        return STATUS_LABELS[CommitmentStatus(self.status)] + (", overdue" if self.overdue else "")


@dataclass
class Accountability:
    """What the person may see of the chain: `plans` None for a role that sees no plans, and
    `hidden_plans` the plans that read the program outside the person's scope; every commitment."""

    plans: Optional[list[PlanLine]] = None
    commitments: list[CommitmentLine] = field(default_factory=list)
    hidden_plans: int = 0

    def plan_years(self, first: Optional[int]) -> list[int]:
        """The appraisal years of the plans shown, as the program page and the briefing take them: `first`
        (the quarter's year) when it has plans, then the nearest to it (the later of two as near), or
        without `first` the newest first. A quarter of FY2025 without FY2025 plans is answered for by
        FY2026's, not by the plans of the newest year two on."""
        return sorted({line.fiscal_year for line in self.plans or ()},
                      key=lambda y: (y != first, 0 if first is None else abs(y - first), -y))


@functools.lru_cache(maxsize=256)
def _reading(scope: Scope) -> tuple[sa.Select, sa.Select]:
    """The plans that read a program (bound as "program") and the requirements that do, in the plans
    `scope` may see: built once per kind of viewer (building them cost more than their answers)."""
    reading = (sa.select(requirement_programs.c.requirement_id)
               .where(requirement_programs.c.program_id == sa.bindparam("program")))
    every = sa.select(PlanElement.plan_id).join(PlanRequirement).where(PlanRequirement.id.in_(reading))
    # Columns, not whole rows: a plan's proposals are read as (rating, finding) pairs, never their facts.
    seen = (sa.select(PlanRequirement.id, PlanRequirement.text, PlanElement.id.label("element_id"),
                      PlanElement.name.label("element"), PerformancePlan.id.label("plan_id"),
                      PerformancePlan.fiscal_year, PerformancePlan.rating_method, Leader.name.label("leader"),
                      Leader.title)
            .select_from(PlanRequirement)
            .join(PlanElement, PlanElement.id == PlanRequirement.element_id)
            .join(PerformancePlan, PerformancePlan.id == PlanElement.plan_id)
            .join(Leader, Leader.id == PerformancePlan.leader_id)
            .where(PlanRequirement.id.in_(reading), plans_condition(scope))
            .order_by(PerformancePlan.fiscal_year.desc(), Leader.name, PlanElement.position, PlanRequirement.position))
    return every, seen


_SIBLINGS = (sa.select(PlanRequirement.id, PlanRequirement.element_id)
             .where(PlanRequirement.element_id.in_(sa.bindparam("elements", expanding=True))))


def _plan_lines(session, program_id: int, scope: Scope) -> tuple[list[PlanLine], int]:
    every_query, seen_query = _reading(scope)
    connection = session.connection()
    every = set(connection.execute(every_query, {"program": program_id}).scalars())
    found = list(connection.execute(seen_query, {"program": program_id}))
    elements = {row.element_id for row in found}
    siblings = defaultdict(list)  # every requirement of each element shown, for the element's proposal
    for requirement_id, element_id in connection.execute(_SIBLINGS, {"elements": list(elements) or [-1]}):
        siblings[element_id].append(requirement_id)
    proposals = requirement_ratings(session, [r for ids in siblings.values() for r in ids])  # id: (rating, finding)
    decisions = latest_decisions(session, list(elements))
    lines: dict[int, PlanLine] = {}
    for row in found:
        line = lines.setdefault(row.plan_id, PlanLine(row.plan_id, links.plan(row.plan_id), row.leader, row.title,
                                                      row.fiscal_year))
        rating, finding_id = proposals.get(row.id, (None, None))
        line.requirements.append(RequirementLine(row.text, row.element, rating, finding_id))
        if all(e.name != row.element for e in line.elements):
            decision = decisions.get(row.element_id)
            line.elements.append(ElementLine(
                row.element, element_rating([proposals.get(r, (None, None))[0] for r in siblings[row.element_id]],
                                            row.rating_method.value),
                None if decision is None else decision.confirmed_rating))
    return list(lines.values()), len(every - set(lines))


def _commitment_lines(session, program_id: int, scope: Scope, today: date) -> list[CommitmentLine]:
    """Every commitment tied to the program (every role sees the dashboards' C-suite: DESIGN §6), each
    leading to its page for who may open it (commitments.may_see), else to its function's page."""
    tied = sa.select(commitment_programs.c.commitment_id).where(commitment_programs.c.program_id == program_id)
    query = (sa.select(Commitment).where(Commitment.id.in_(tied)).options(so.joinedload(Commitment.function))
             .order_by(Commitment.due_date.is_(None), Commitment.due_date, Commitment.title))
    lines = []
    for c in session.scalars(query):
        href = links.commitment(c.id) if may_see(scope, c) else links.function(c.function.code)
        lines.append(CommitmentLine(c.id, href, c.title, c.function.code,
                                    c.status.value, c.due_date, last_update_day(c),
                                    is_overdue(c, today) and c.status not in CLOSED))
    return lines


@cached
def accountability(session, program_id: int, scope: Scope, today: date) -> Accountability:
    """The leaders whose plan requirements read the program (the plans `scope` may see, with the
    proposed and decided ratings) and every commitment tied to it."""
    found = Accountability()
    if can(scope, "view_plans"):
        found.plans, found.hidden_plans = _plan_lines(session, program_id, scope)
    found.commitments = _commitment_lines(session, program_id, scope, today)
    return found
