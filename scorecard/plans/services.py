"""Performance plans as people see them: who may see which plan, each requirement's proposed
rating (from the rules' findings) with its explanation, the commitments of the C-suite function
a requirement names, each element's proposal and decision, the summary, and a rating
official's confirm / override — the proposal and the decision are both kept."""
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models import (
    AuditEvent,
    Commitment,
    ElementRating,
    Finding,
    Leader,
    PerformancePlan,
    PlanElement,
    PlanRequirement,
    Role,
    RuleStatus,
    RuleSubject,
    RuleVersion,
)
from scorecard.periods import Period, year_begins
from scorecard.plans.basis import entry, with_batches
from scorecard.ratings import PlanSummary, checked_summary, element_rating, validate_weights
from scorecard.rules.context import commitments_read_on
from scorecard.text import blank
from scorecard.writers import hold


class RatingError(ValueError):
    """A rating decision that cannot be recorded (bad rating, missing justification); `field` names which (None:
    none of the form's, as for a year not begun)."""

    def __init__(self, message: str, field: Optional[str]):
        super().__init__(message)
        self.field = field



class DecidedMeanwhile(Exception):
    """Another decision on the element was recorded after the one the official's form was opened on
    (`decision`: the one recorded now): theirs was not recorded over it unseen."""

    def __init__(self, decision: ElementRating):
        super().__init__("the element was decided since the form was opened")
        self.decision = decision


UNSEEN = object()  # decide(): the official's form did not say which decision it was opened on (no check)


@dataclass
class RequirementView:
    requirement: PlanRequirement
    finding: Optional[Finding]
    commitments: list[Commitment] = field(default_factory=list)  # the named function's, as they are now
    rivals: list[Finding] = field(default_factory=list)  # other published rules' ratings of it (requirement_findings)
    unrated: Optional[Finding] = None  # without a rating yet: the rules' latest finding saying why (no data yet ...)

    @property
    def proposed(self) -> Optional[int]:
        return self.finding.rating if self.finding else None

    @property
    def read_as_of(self) -> Optional[date]:
        """The day its quarter ended, when the proposal read the commitments as they stood then (a quarter
        that had ended when it was evaluated: rules.context.commitments_day); None when it read them as
        they were."""
        day = commitments_read_on(self.finding) if self.finding is not None else None
        return day if day is not None and day.isoformat() != self.finding.facts["today"] else None

    @property
    def changed_since(self) -> bool:
        """A commitment it reads changed after the proposal was evaluated (the rules run again
        on the next evaluation; the web pages do not re-run them at once). Never for a proposal of a
        quarter that had ended: it read them as that quarter left them, which no later change alters."""
        if self.finding is None or self.read_as_of is not None:
            return False
        stamps = (c.last_update_at or c.created_at for c in self.commitments)
        return any(stamp is not None and stamp > self.finding.evaluated_at for stamp in stamps)


@dataclass
class ElementView:
    element: PlanElement
    requirements: list[RequirementView]
    proposed: Optional[int]
    decision: Optional[ElementRating]

    @property
    def confirmed(self) -> Optional[int]:
        return self.decision.confirmed_rating if self.decision else None

    @property
    def effective(self) -> Optional[int]:
        """The decided rating where there is one, else the proposal."""
        return self.confirmed if self.confirmed is not None else self.proposed


@dataclass
class PlanView:
    plan: PerformancePlan
    elements: list[ElementView] = field(default_factory=list)
    weight_problems: list[str] = field(default_factory=list)

    @property
    def summary(self):
        """OPM's summary of the ratings; none while the weights break OPM's rules (a score over
        weights that do not add up would read as a rating the plan cannot have)."""
        return checked_summary(((e.effective, e.element.weight, e.element.is_critical) for e in self.elements),
                               bool(self.weight_problems))

    @property
    def decided_summary(self):
        """OPM's summary of the rating official's decisions alone (as the plans list and the leaders page give
        it): a level once every element is decided, or a critical element decided at 1."""
        return checked_summary(((e.confirmed, e.element.weight, e.element.is_critical) for e in self.elements),
                               bool(self.weight_problems))

    @property
    def critical_at_one(self) -> list[str]:
        """The critical elements rated 1 (decided, or proposed where undecided), by name: each sets the
        summary level at 1 whatever the score (OPM), which the page says, else a score of 345 beside a
        level of 1 reads as a wrong sum."""
        return [e.element.name for e in self.elements if e.element.is_critical and e.effective == 1]

    @property
    def all_confirmed(self) -> bool:
        return bool(self.elements) and all(e.confirmed is not None for e in self.elements)


def plans_seen(user) -> str:
    """Whose plans `user` may see (DESIGN §6): "every" (admin, executive, analyst), their "function"'s
    leaders' (an officer), their "own" (a leader), or "none"."""
    if user.role in (Role.admin, Role.executive, Role.analyst):
        return "every"
    if user.role is Role.officer and user.function_id:
        return "function"
    if user.role is Role.leader and user.leader_id:
        return "own"
    return "none"


def plans_condition(user):
    """The condition, on plans joined with their leaders, that keeps the plans `user` may see (plans_seen)."""
    seen = plans_seen(user)
    if seen == "every":
        return sa.true()
    if seen == "function":
        return Leader.function_id == user.function_id
    if seen == "own":
        return Leader.id == user.leader_id
    return sa.false()


def visible_plans(session, user):
    """A query of the plans `user` may see (plans_seen)."""
    query = sa.select(PerformancePlan).join(Leader).order_by(PerformancePlan.fiscal_year.desc(), Leader.name)
    return query if plans_seen(user) == "every" else query.where(plans_condition(user))


def may_see(session, user, plan_id: int) -> bool:
    return session.scalar(visible_plans(session, user).where(PerformancePlan.id == plan_id)) is not None


def _rating_findings(ids: list, *columns, rated: bool = True) -> sa.Select:
    """The published rules' rating findings of the requirements `ids` (with `rated` False, those that concluded
    no rating), each requirement's latest first (latest period, then newest): `columns` of them."""
    return (sa.select(*columns).join(RuleVersion, RuleVersion.id == Finding.rule_version_id)
            .where(Finding.subject_type == RuleSubject.requirement, Finding.subject_id.in_(ids),
                   Finding.rating.is_not(None) if rated else Finding.rating.is_(None),
                   RuleVersion.status == RuleStatus.published)
            .order_by(Finding.subject_id, Finding.period.desc(), Finding.id.desc()))


def year_ended(plan: PerformancePlan, today: date) -> Optional[date]:
    """The last day of the plan's appraisal year (its fiscal year) when that is before `today`, else None:
    a decision recorded then changes a completed year's rating, which the rating official is told."""
    last = Period(plan.fiscal_year, 4).end
    return last if last < today else None


def not_begun_words(fiscal_year: int, begins: date) -> str:
    """What a plan's page (and a decision refused, and the leaders' page) says of a year not begun."""
    return (f"FY{fiscal_year}'s appraisal year begins on {begins.isoformat()}: its elements are rated once it has "
            "begun.")


def ended_year_words(plan: PerformancePlan, ended: date, *, recorded: bool = False) -> str:
    """What the plan's page (or, once `recorded`, a decision's confirmation) says of a year that has ended."""
    change = "this decision changed" if recorded else "a decision recorded now changes"
    return (f"FY{plan.fiscal_year}'s appraisal year ended on {ended.isoformat()}: {change} that completed "
            "year's rating (each earlier decision stays in the audit log).")


def requirement_findings(session, requirement_ids, rivals: Optional[dict] = None) -> dict[int, Finding]:
    """For each requirement, the published rules' latest rating finding (latest period, then newest).
    With `rivals` (a dict), each requirement that another published rule also rated in that period gets
    those findings there, {requirement id: [Finding]}: two rules rating one requirement is most likely a
    mistake, and the newest of them silently became the proposal."""
    ids = list(requirement_ids)
    if not ids:
        return {}
    found: dict[int, Finding] = {}
    for finding in session.scalars(_rating_findings(ids, Finding)):
        chosen = found.setdefault(finding.subject_id, finding)
        if rivals is not None and finding is not chosen and finding.period == chosen.period \
                and finding.rule_version.rule_id != chosen.rule_version.rule_id:
            rivals.setdefault(finding.subject_id, []).append(finding)
    return found


def unrated_findings(session, requirement_ids) -> dict[int, Finding]:
    """For each requirement, the published rules' latest finding that concluded no rating (no data for its
    quarter yet, ...): where there is no rating, the page links it, so the reason is one click away."""
    ids = list(requirement_ids)
    if not ids:
        return {}
    found: dict[int, Finding] = {}
    for finding in session.scalars(_rating_findings(ids, Finding, rated=False)):
        found.setdefault(finding.subject_id, finding)
    return found


def requirement_ratings(session, requirement_ids) -> dict[int, tuple[int, int]]:
    """{requirement id: (proposed rating, finding id)} of the findings `requirement_findings` picks, read
    as plain columns (a year's 6,000 findings without their facts and explanations). `requirement_ids`
    is a list, or a select of them (a year's thousands are then not sent as parameters)."""
    if isinstance(requirement_ids, sa.Select):
        rows = session.execute(_rating_findings(requirement_ids, Finding.subject_id, Finding.rating, Finding.id))
    else:
        ids = list(requirement_ids)
        if not ids:
            return {}
        rows = session.connection().execute(_REQUIREMENT_RATINGS, {"ids": ids})
    found: dict[int, tuple[int, int]] = {}
    for subject_id, rating, finding_id in rows:
        found.setdefault(subject_id, (rating, finding_id))
    return found


# Built once, the ids bound as they are asked for: building them cost more than the database's answer.
_REQUIREMENT_RATINGS = _rating_findings(sa.bindparam("ids", expanding=True), Finding.subject_id, Finding.rating,
                                        Finding.id)


def decisions_newest_first(*columns) -> sa.Select:
    """The recorded decisions (ElementRating rows with a decided rating) as `columns`, each element's
    newest first: the first of an element is its decision (later corrections win, ties by id)."""
    return (sa.select(*columns).where(ElementRating.confirmed_rating.is_not(None))
            .order_by(ElementRating.element_id, ElementRating.at.desc(), ElementRating.id.desc()))


_DECISIONS_OF = decisions_newest_first(ElementRating).where(
    ElementRating.element_id.in_(sa.bindparam("ids", expanding=True)))


def latest_decisions(session, element_ids) -> dict[int, ElementRating]:
    """{element id: its decision (decisions_newest_first)} of the elements with one."""
    ids = list(element_ids)
    if not ids:
        return {}
    found: dict[int, ElementRating] = {}
    for decision in session.scalars(_DECISIONS_OF, {"ids": ids}):
        found.setdefault(decision.element_id, decision)
    return found


def decided_summaries(session, plan_ids) -> dict[int, PlanSummary]:
    """{plan id: the summary of its decisions alone (ratings.checked_summary: elements decided of all, and the
    level once every element is decided, or a critical one at 1)} for the plans, in two queries (their
    elements, then the elements' latest decisions as latest_decisions picks them), not a plan view each."""
    ids = list(plan_ids)
    if not ids:
        return {}
    elements = session.execute(sa.select(PlanElement.id, PlanElement.plan_id, PlanElement.name, PlanElement.weight,
                                          PlanElement.is_critical, PlanElement.is_results_driven)
                                .where(PlanElement.plan_id.in_(ids))).all()
    ratings = {element_id: decision.confirmed_rating
               for element_id, decision in latest_decisions(session, [e.id for e in elements]).items()}
    by_plan: dict[int, list] = {}
    for element in elements:
        by_plan.setdefault(element.plan_id, []).append(element)
    return {plan_id: checked_summary(((ratings.get(e.id), e.weight, e.is_critical) for e in rows),
                                     bool(validate_weights(rows)))
            for plan_id, rows in by_plan.items()}


def function_commitments(session, function_ids) -> dict[int, list[Commitment]]:
    """The commitments of each function (by due date, then title), in one query."""
    ids = sorted(set(function_ids))
    if not ids:
        return {}
    found: dict[int, list[Commitment]] = {i: [] for i in ids}
    query = (sa.select(Commitment).where(Commitment.function_id.in_(ids))
             .order_by(Commitment.due_date.is_(None), Commitment.due_date, Commitment.title))
    for commitment in session.scalars(query):
        found[commitment.function_id].append(commitment)
    return found


# What a plan's view reads of it, for a query of many plans: eagerly, in one query each, rather than
# lazily per plan and element (about 17 queries a plan).
PLAN_LOADING = (so.selectinload(PerformancePlan.leader),
                so.selectinload(PerformancePlan.elements).selectinload(PlanElement.requirements)
                .selectinload(PlanRequirement.programs))


def plan_view(session, plan: PerformancePlan) -> PlanView:
    return plan_views(session, [plan])[0]


def plan_views(session, plans) -> list[PlanView]:
    """The view of each of `plans`, in their order: their findings, decisions and commitments read in one
    query each for all of them (load the plans with PLAN_LOADING for their elements and requirements)."""
    plans = list(plans)
    elements = [list(plan.elements) for plan in plans]
    requirements = [r for found in elements for e in found for r in e.requirements]
    rivals: dict[int, list[Finding]] = {}
    findings = requirement_findings(session, [r.id for r in requirements], rivals)
    unrated = unrated_findings(session, [r.id for r in requirements if r.is_cx and r.id not in findings])
    decisions = latest_decisions(session, [e.id for found in elements for e in found])
    commitments = function_commitments(session, [r.function_id for r in requirements if r.function_id is not None])
    views = []
    for plan, found in zip(plans, elements):
        view = PlanView(plan, weight_problems=validate_weights(found))
        for element in found:
            rows = [RequirementView(r, findings.get(r.id), commitments.get(r.function_id, []), rivals.get(r.id, []),
                                    unrated.get(r.id)) for r in element.requirements]
            proposed = element_rating([r.proposed for r in rows], plan.rating_method.value)
            view.elements.append(ElementView(element, rows, proposed, decisions.get(element.id)))
        views.append(view)
    return views


OWN_PLAN = "a rating official does not rate their own plan: their own rating official decides it"


def own_plan(user, plan: PerformancePlan) -> bool:
    """Whether `plan` is the user's own (their account is linked to the plan's leader)."""
    return getattr(user, "leader_id", None) is not None and user.leader_id == plan.leader_id


def decide(session, element: PlanElement, rating: int, justification: str, user, *,
           replaces=UNSEEN, proposal_shown=UNSEEN) -> ElementRating:
    """Record a rating official's decision on an element, beside the proposal it answers.
    Overriding the proposal (or rating with none) needs a written justification. Nobody rates their
    own plan (5 CFR 430.307: the appraisee's rating official rates). `replaces`: the id of the decision
    the official saw when opening the form (None: none yet); when another was recorded since, nothing is
    recorded and DecidedMeanwhile names it (two officials, or one form sent twice, never overwrite a
    decision unseen). `proposal_shown`: the proposal the form showed (None: none); a refusal for a missing
    justification says when the rules' proposal changed since (an evaluation ran while the form was open)."""
    if user.role not in (Role.admin, Role.executive):
        raise PermissionError("only a rating official (executive or admin) decides plan ratings")
    if own_plan(user, element.plan):
        raise PermissionError(OWN_PLAN)
    begins = year_begins(element.plan.fiscal_year)
    if begins is not None:
        raise RatingError(not_begun_words(element.plan.fiscal_year, begins), None)
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise RatingError(f"a rating is a whole number from 1 to 5, not {rating!r}", "rating")
    justification = "" if blank(justification) else justification.strip()
    hold(session, PlanElement, element.id)  # until this decision is committed: two at once are taken in turn
    view = plan_view(session, element.plan)
    shown = next(e for e in view.elements if e.element.id == element.id)
    proposed, replaced = shown.proposed, shown.decision
    if replaces is not UNSEEN and (None if replaced is None else replaced.id) != replaces:
        raise DecidedMeanwhile(replaced)
    if rating != proposed and not justification:
        reason = "the rules propose none" if proposed is None else f"it overrides the proposed rating {proposed}"
        if proposal_shown is not UNSEEN and proposal_shown != proposed:
            reason += (f". The rules' proposal changed since the page was opened (an evaluation ran): it was "
                       f"{'none' if proposal_shown is None else proposal_shown}, it is "
                       f"{'none' if proposed is None else proposed} now")
        raise RatingError(f"a rating of {rating} for '{element.name}' needs a written justification: {reason}",
                          "justification")
    basis = with_batches(session, [entry(r.requirement, r.finding or r.unrated) for r in shown.requirements])
    decision = ElementRating(element=element, proposed_rating=proposed, confirmed_rating=rating,
                             justification=justification or None, decided_by_id=user.id, basis=basis)
    session.add(decision)
    session.flush()
    session.add(AuditEvent(user_id=user.id, action="plan.rate", entity_type="plan_element", entity_id=element.id,
                           # the decision this one replaces, if any, beside the proposal it answers
                           # (a decision replaced keeps the proposal it answered, not today's)
                           before={"proposed_rating": replaced.proposed_rating if replaced else proposed,
                                   **({"confirmed_rating": replaced.confirmed_rating,
                                       "justification": replaced.justification,
                                       "decided_by_id": replaced.decided_by_id} if replaced else {})},
                           # the proposal again beside the decision: the event alone says whether it overrode it
                           after={"proposed_rating": proposed, "confirmed_rating": rating,
                                  "justification": justification or None, "decided_by_id": user.id}))
    session.commit()
    return decision
