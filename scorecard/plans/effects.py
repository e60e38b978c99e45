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


def element_effects(session, rule_key: str, proposals: dict[int, tuple[Optional[int], str]]) -> list[ElementEffect]:
    """The elements whose proposal would move were rule `rule_key`'s draft to propose `proposals`, {requirement
    id: (its rating, None for none; its quarter)}. A requirement's proposal is the published rules' latest rating
    finding (plans.services.requirement_findings, the newest of the latest quarter): the draft's, evaluated when it
    is published, replaces it when it is this rule's or of the same or an earlier quarter; another rule's of a
    later quarter stays the proposal."""
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
                draft = proposals.get(shown.requirement.id)
                now = shown.finding
                if draft is not None and (now is None or now.rule_version.rule.key == rule_key
                                          or now.period <= draft[1]):
                    ratings.append(draft[0])
                    moved = True
                else:
                    ratings.append(shown.proposed)
            would_be = element_rating(ratings, view.plan.rating_method.value) if moved else element.proposed
            if would_be != element.proposed:
                effects.append(ElementEffect(view.plan.id, view.plan.leader.name, view.plan.fiscal_year,
                                             element.element.name, element.proposed, would_be, element.confirmed))
    return sorted(effects, key=lambda e: (-e.fiscal_year, e.leader, e.element))
