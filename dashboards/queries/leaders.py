"""The leaders' data for one appraisal year: every leader whose plan has a CX requirement, with the
rating the rules propose for each CX requirement, each element's proposal beside the rating
official's decision, the elements at risk (proposed below 3), whether the plan is decided, and
its summary level (OPM's, from the decided ratings); narrowed by component and function.

The data is read once for everyone; `visible_to` keeps the plans a role may see (`visible_plans`:
a plan's proposals and decisions are the plan's) and `with_links` links those plans.
"""
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Optional

import sqlalchemy as sa

from dashboards import links
from dashboards.cache import Compact, cached
from dashboards.queries.common import ProgramFilter, Scope, newest_begun, plan_years
from dashboards.queries.functions import visible_plan_ids
from scorecard.models import (
    Component,
    ElementRating,
    Function,
    Leader,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
)
from scorecard.naming import LeaderColumns, component_parts, in_words
from scorecard.plans.services import decisions_newest_first, requirement_ratings
from scorecard.ratings import checked_summary, element_rating, validate_weights


class once:  # noqa: N801 — read as functools.cached_property, which it stands in for
    """functools.cached_property without its lock (Python 3.11 takes one on every first read: a
    page reads 2,000 plans' properties): the value is kept in the instance's dict on first read, and
    read from there after. A plan is built in one request and read there (or from the cache)."""

    def __init__(self, function):
        self.function, self.name = function, function.__name__

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.function(instance)
        return value


AT_RISK_BELOW = 3  # a proposal below Fully Successful puts the element at risk
NONE_YET = "none"  # a plan not yet decided, or a CX element not yet proposed
NO_LEVEL = "weights"  # a plan decided whose weights break OPM's rules: it has no level
LEVELS = [5, 4, 3, 2, 1]


@dataclass(frozen=True)
class LeaderFilter:
    """Which leaders the page shows: of a component, of a function, of an agency (None: all). An agency's
    leaders are those the overview counts for it (scorecard.selection.ProgramFilter.leader_clause: of its
    components, and on the department's own agency its C-suite)."""

    component_id: Optional[int] = None
    function_id: Optional[int] = None
    agency_id: Optional[int] = None


EVERYONE = LeaderFilter()


@dataclass
class RequirementRating(Compact):
    requirement_id: int
    proposed: Optional[int]
    finding_id: Optional[int]
    why_href: Optional[str] = None


@dataclass
class ElementRatings(Compact):
    element_id: int
    name: str
    weight: int
    is_critical: bool
    has_cx: bool
    proposed: Optional[int]
    decided: Optional[int]
    requirements: list[RequirementRating] = field(default_factory=list)  # the CX ones
    is_results_driven: bool = False
    answered: Optional[int] = None  # the proposal the decision answered (the rules may propose another since)

    @property
    def at_risk(self) -> bool:
        return self.proposed is not None and self.proposed < AT_RISK_BELOW

    @property
    def overridden(self) -> bool:
        """Decided other than the rules proposed when it was decided (an element no rule rated overrides
        nothing): a confirmation stays one when the proposal moves after it (`moved`)."""
        return self.decided is not None and self.answered is not None and self.decided != self.answered

    @property
    def moved(self) -> bool:
        """Decided, and the rules propose other than the decision answered (the data or the published rules
        changed since): the decision stands until the rating official decides again, as the plan says."""
        return self.decided is not None and self.answered != self.proposed


@dataclass
class LeaderPlan(Compact):
    plan_id: int
    leader_id: int
    leader: str
    title: Optional[str]
    component: Optional[str]
    function: Optional[str]  # the function's code
    elements: list[ElementRatings] = field(default_factory=list)
    plan_href: Optional[str] = None  # set only for who may see the plan

    # What follows is read from the elements once each (a page reads each several times for 2,000
    # plans); a plan is complete before anything reads it, and `with_links` makes new ones.

    @once
    def cx_elements(self) -> list[ElementRatings]:
        return [e for e in self.elements if e.has_cx]

    @once
    def requirements(self) -> list[RequirementRating]:
        return [r for e in self.elements for r in e.requirements]

    @once
    def lowest(self) -> Optional[RequirementRating]:
        """The CX requirement with the lowest proposal (None when none is proposed yet)."""
        rated = [r for r in self.requirements if r.proposed is not None]
        return min(rated, key=lambda r: r.proposed) if rated else None

    @once
    def at_risk(self) -> list[ElementRatings]:
        return [e for e in self.elements if e.at_risk]

    @once
    def cx_proposed(self) -> Optional[int]:
        """The lowest proposal of the elements holding CX requirements (None: none proposed yet)."""
        proposed = [e.proposed for e in self.cx_elements if e.proposed is not None]
        return min(proposed) if proposed else None

    @once
    def decided(self) -> bool:
        return bool(self.elements) and all(e.decided is not None for e in self.elements)

    @once
    def decided_count(self) -> int:
        return sum(1 for e in self.elements if e.decided is not None)

    @once
    def weights_broken(self) -> bool:
        """Whether the elements' weights break OPM's rules (stored wrong): no summary level then."""
        return bool(validate_weights(self.elements))

    @once
    def summary(self):
        """OPM's summary (scorecard.ratings) of the decided ratings: a score and level once every
        element is decided (a critical element decided at 1 settles the level at 1 already); none
        while the weights break OPM's rules, as the plan's page says."""
        return checked_summary(((e.decided, e.weight, e.is_critical) for e in self.elements), self.weights_broken)

    @property
    def level(self) -> Optional[int]:
        return self.summary.level

    @once
    def overridden(self) -> int:
        return sum(1 for e in self.elements if e.overridden)

    @once
    def moved(self) -> int:
        return sum(1 for e in self.elements if e.moved)


@dataclass
class Leaders:
    fiscal_year: Optional[int]
    years: list[int]
    plans: list[LeaderPlan] = field(default_factory=list)  # at risk first, then by name
    not_shown: int = 0  # plans of these filters the viewer may not see (visible_to)

    @property
    def at_risk(self) -> list[LeaderPlan]:
        return [p for p in self.plans if p.at_risk]

    @property
    def requirement_below(self) -> list[LeaderPlan]:
        """Plans with a CX requirement proposed below 3, as the overview counts leaders (an element
        proposed below 3, `at_risk`, has one: these include them)."""
        return [p for p in self.plans if p.lowest is not None and p.lowest.proposed < AT_RISK_BELOW]

    @property
    def undecided(self) -> list[LeaderPlan]:
        return [p for p in self.plans if not p.decided]

    def levels(self) -> dict:
        """How many plans have each summary level (5 first), and how many none yet: a plan counts
        under its level once every element is decided (or a critical one decided at 1). A plan decided
        whose weights break OPM's rules has none and never will until they are mended: it is counted
        apart (NO_LEVEL, only when there is one), not among the plans not yet decided."""
        counts = Counter(p.level if p.level is not None else NO_LEVEL if p.decided and p.weights_broken
                         else NONE_YET for p in self.plans)
        return {level: counts.get(level, 0) for level in [*LEVELS, *([NO_LEVEL] if NO_LEVEL in counts else []),
                                                           NONE_YET]}

    def proposals(self) -> dict:
        """How many plans have each proposed rating of their CX elements (the lowest, where several),
        5 first, and how many none yet."""
        counts = Counter(p.cx_proposed if p.cx_proposed is not None else NONE_YET for p in self.plans)
        return {level: counts.get(level, 0) for level in [*LEVELS, NONE_YET]}


@cached
def filter_choices(session, agency_id: Optional[int] = None) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(components, functions) that have leaders, as (id, name) by name; the components of one agency when
    `agency_id` is given."""
    query = sa.select(Component.id, Component.name).where(Component.id.in_(sa.select(Leader.component_id)))
    if agency_id is not None:
        query = query.where(Component.agency_id == agency_id)
    components = session.execute(query.order_by(Component.name)).all()
    functions = session.execute(sa.select(Function.id, Function.code, Function.name).order_by(Function.code)).all()
    told = component_parts(session)  # two agencies' "Retirement Services" with their agencies
    return ([(i, in_words(told.get(i, (name,)))) for i, name in components],
            [(i, f"{code}, {name}") for i, code, name in functions])


def _chosen(session, fiscal_year: int, chosen: LeaderFilter, *columns) -> sa.Select:
    """The plans of the year the filter selects (joined to their leaders), selecting `columns`."""
    query = (sa.select(*columns).select_from(PerformancePlan).join(Leader, Leader.id == PerformancePlan.leader_id)
             .where(PerformancePlan.fiscal_year == fiscal_year))
    if chosen.agency_id is not None:
        query = query.where(ProgramFilter(agency_id=chosen.agency_id).leader_clause(session))
    if chosen.component_id is not None:
        query = query.where(Leader.component_id == chosen.component_id)
    if chosen.function_id is not None:
        query = query.where(Leader.function_id == chosen.function_id)
    return query


def _decisions(session, plan_ids: sa.Select) -> dict[int, tuple[int, Optional[int]]]:
    """{element id: (its decided rating, the proposal it answered)} for the elements of the plans chosen (as
    plans.services.latest_decisions picks them, read as columns: a year's elements are thousands)."""
    rows = session.connection().execute(  # rows as the database gives them (thousands)
        decisions_newest_first(ElementRating.element_id, ElementRating.confirmed_rating, ElementRating.proposed_rating)
        .join(PlanElement, PlanElement.id == ElementRating.element_id)
        .where(PlanElement.plan_id.in_(plan_ids))).all()
    found: dict[int, tuple[int, Optional[int]]] = {}
    for element_id, rating, answered in rows:
        found.setdefault(element_id, (rating, answered))
    return found


@cached
def leaders(session, fiscal_year: Optional[int] = None, chosen: LeaderFilter = EVERYONE) -> Leaders:
    """The plans of `fiscal_year` (default: the newest year with plans that has begun, `newest_begun`) with a
    CX requirement, of the leaders the filter selects; no links (see `with_links`)."""
    years = plan_years(session)
    year = fiscal_year if fiscal_year is not None else newest_begun(years)
    found = Leaders(year, years)
    if year is None:
        return found
    plan_ids = _chosen(session, year, chosen, PerformancePlan.id)
    read = session.connection().execute  # rows as the database gives them (a year's thousands, not the ORM's)
    plans, methods = {}, {}
    rows = read(_chosen(session, year, chosen, PerformancePlan.id, PerformancePlan.rating_method, Leader.id,
                        Leader.name, Leader.email, Leader.title, Component.id, Component.name, Function.code)
                .outerjoin(Component, Component.id == Leader.component_id)
                .outerjoin(Function, Function.id == Leader.function_id)).all()
    if not rows:
        return found
    named = LeaderColumns(session)  # two leaders of one name told apart, each column holding what it says
    for plan_id, method, leader_id, name, email, title, component_id, component, function in rows:
        plans[plan_id] = LeaderPlan(plan_id, leader_id, named.leader(leader_id, name, email), title,
                                    named.component(component_id, component), function)
        methods[plan_id] = method
    elements = read(
        sa.select(PlanElement.id, PlanElement.plan_id, PlanElement.name, PlanElement.weight, PlanElement.is_critical,
                  PlanElement.is_results_driven)
        .where(PlanElement.plan_id.in_(plan_ids))
        .order_by(PlanElement.plan_id, PlanElement.position, PlanElement.id)).all()
    # The CX requirements only: an element's proposal is read from them (the others are never rated).
    def cx_requirements(*columns) -> sa.Select:
        return (sa.select(*columns).join(PlanElement, PlanElement.id == PlanRequirement.element_id)
                .where(PlanElement.plan_id.in_(plan_ids), PlanRequirement.is_cx))
    requirements = defaultdict(list)
    for requirement_id, element_id in read(cx_requirements(PlanRequirement.id, PlanRequirement.element_id)
                                           .order_by(PlanRequirement.position, PlanRequirement.id)).all():
        requirements[element_id].append(requirement_id)
    # {requirement: (proposed rating, finding id)}
    ratings = requirement_ratings(session, cx_requirements(PlanRequirement.id)) if requirements else {}
    unrated = undecided = (None, None)
    decisions = _decisions(session, plan_ids)
    for element_id, plan_id, name, weight, critical, results_driven in elements:
        rows = requirements.get(element_id)
        rated = [RequirementRating(r, *ratings.get(r, unrated)) for r in rows] if rows else []
        proposed = element_rating([r.proposed for r in rated], methods[plan_id].value) if rated else None
        # One string per element name (every plan repeats them): the cache pickles each once.
        decided, answered = decisions.get(element_id, undecided)
        plans[plan_id].elements.append(ElementRatings(
            element_id, sys.intern(name), weight, critical, bool(rated), proposed, decided, rated, results_driven,
            answered))

    def order(plan: LeaderPlan) -> tuple:
        lowest = plan.lowest
        return (not plan.at_risk, 9 if lowest is None else lowest.proposed, plan.leader, plan.plan_id)

    found.plans = sorted((p for p in plans.values() if p.requirements), key=order)
    return found


def visible_to(session, found: Leaders, scope: Scope) -> Leaders:
    """`found` with the plans `scope` may see only (plans.services.visible_plans: a leader their own, an
    officer their function's leaders', a viewer none): a plan's proposals and decisions are the plan's."""
    visible = visible_plan_ids(session, scope, found.fiscal_year)
    if all(p.plan_id in visible for p in found.plans):
        return found
    shown = [p for p in found.plans if p.plan_id in visible]
    return replace(found, plans=shown, not_shown=len(found.plans) - len(shown))


def with_links(found: Leaders) -> Leaders:
    """`found`, narrowed by `visible_to` to the plans the viewer may see, with a link to each plan and to
    the why-page of its proposals (the plans' visibility is not asked again)."""
    def linked(plan: LeaderPlan) -> LeaderPlan:
        # New objects (the cached result stays link-free); an element without CX requirements is kept as it is.
        elements = [replace(e, requirements=[
            RequirementRating(r.requirement_id, r.proposed, r.finding_id,
                              links.finding(r.finding_id) if r.finding_id else None) for r in e.requirements])
            if e.requirements else e for e in plan.elements]
        return replace(plan, plan_href=links.plan(plan.plan_id), elements=elements)

    return replace(found, plans=[linked(p) for p in found.plans])


def leaders_for(session, scope: Scope, fiscal_year: Optional[int] = None,
                chosen: LeaderFilter = EVERYONE) -> Leaders:
    """What the leaders page shows `scope`: the plans it may see, with their links."""
    return with_links(visible_to(session, leaders(session, fiscal_year, chosen), scope))
