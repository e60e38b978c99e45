"""What a draft rule's requirement ratings would do to the plans: the elements whose proposed rating would
move, beside the rating official's decision where there is one (it stands until they decide again). A rule's
simulation shows these with the findings it would change: a band moved from 0.95 to 0.97 changed 21
requirement findings and, unseen, 14 elements' proposals, 7 on plans already decided."""
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa

from scorecard.models import PerformancePlan, PlanElement, PlanRequirement
from scorecard.plans.services import PLAN_LOADING, plan_views
from scorecard.ratings import element_rating


@dataclass
class ElementEffect:
    plan_id: int
    leader: str
    fiscal_year: int
    element: str
    proposed: Optional[int]  # the element's proposal now
    would_be: Optional[int]  # with the draft's requirement ratings
    decided: Optional[int]  # the rating official's decision, which stands


def _proposal(shown, draft: Optional[tuple[Optional[int], str]], rule_key: str) -> Optional[int]:
    """A requirement's proposal once the draft is published (`element_effects`); `shown`, its view now."""
    now = shown.finding
    if draft is None:
        return shown.proposed
    ours = now is not None and now.rule_version.rule.key == rule_key
    rating, period = draft
    if rating is None:  # the draft rates it no more: this rule's proposal goes, another's stays
        if not ours:
            return shown.proposed
        others = [f for f in shown.rivals if f.rule_version.rule.key != rule_key]
        return others[0].rating if others else None
    return rating if now is None or ours or now.period <= period else shown.proposed


def element_effects(session, rule_key: str, proposals: dict[int, tuple[Optional[int], str]]) -> list[ElementEffect]:
    """The elements whose proposal would move were rule `rule_key`'s draft to propose `proposals`, {requirement
    id: (its rating, None for none; its quarter)}. A requirement's proposal is the published rules' latest rating
    finding (plans.services.requirement_findings, the newest of the latest quarter). A draft's rating, evaluated
    when it is published, replaces this rule's, and another rule's of the same or an earlier quarter; another
    rule's of a later quarter stays the proposal. A draft that rates it no more (none) leaves another rule's
    proposal as it is, and takes this rule's away: another rule's rating of that quarter is then the proposal,
    if there is one."""
    if not proposals:
        return []
    touched = sa.select(PlanElement.plan_id).join(PlanRequirement, PlanRequirement.element_id == PlanElement.id) \
        .where(PlanRequirement.id.in_(list(proposals)))
    plans = session.scalars(sa.select(PerformancePlan).options(*PLAN_LOADING)
                            .where(PerformancePlan.id.in_(touched))).all()
    effects = []
    for view in plan_views(session, plans):
        for element in view.elements:
            ratings, moved = [], False
            for shown in element.requirements:
                would_be = _proposal(shown, proposals.get(shown.requirement.id), rule_key)
                moved = moved or would_be != shown.proposed
                ratings.append(would_be)
            would_be = element_rating(ratings, view.plan.rating_method.value) if moved else element.proposed
            if would_be != element.proposed:
                effects.append(ElementEffect(view.plan.id, view.plan.leader.name, view.plan.fiscal_year,
                                             element.element.name, element.proposed, would_be, element.confirmed))
    return sorted(effects, key=lambda e: (-e.fiscal_year, e.leader, e.element))
