"""What a why-page shows: a finding, its subject in words, its inputs with their observations."""
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models import (
    AppliesTo,
    CapacityDomainScore,
    Commitment,
    Finding,
    FindingInput,
    Observation,
    PlanElement,
    PlanRequirement,
    Program,
)
from scorecard.plans.services import may_see


@dataclass
class Subject:
    kind: str
    name: str
    plan_id: Optional[int] = None


def subject_of(session, finding: Finding) -> Subject:
    kind = finding.subject_type
    if kind is AppliesTo.program:
        program = session.get(Program, finding.subject_id)
        return Subject("program", program.name if program else f"program {finding.subject_id} (deleted)")
    if kind is AppliesTo.requirement:
        requirement = session.get(PlanRequirement, finding.subject_id)
        if requirement is None:
            return Subject("requirement", f"requirement {finding.subject_id} (deleted)")
        element: PlanElement = requirement.element
        leader = element.plan.leader
        return Subject("requirement", f"{leader.name}, FY{element.plan.fiscal_year}, {element.name}: {requirement.text}",
                       plan_id=element.plan_id)
    if kind is AppliesTo.commitment:
        commitment = session.get(Commitment, finding.subject_id)
        return Subject("commitment", f"{commitment.function.code}: {commitment.title}" if commitment
                       else f"commitment {finding.subject_id} (deleted)")
    score = session.get(CapacityDomainScore, finding.subject_id)
    if score is not None:
        a = score.assessment
        return Subject("capacity domain", f"{a.component.name}, FY{a.fiscal_year}, {score.domain}")
    detail = f" ({finding.subject_detail})" if finding.subject_detail else ""
    return Subject("capacity domain", f"subject {finding.subject_id}{detail}")


def may_see_finding(session, user, finding: Finding) -> bool:
    """Plan findings follow the plan's visibility; the rest are agency dashboards' data."""
    if finding.subject_type is AppliesTo.requirement:
        requirement = session.get(PlanRequirement, finding.subject_id)
        return requirement is not None and may_see(session, user, requirement.element.plan_id)
    return True


def inputs_of(session, finding: Finding) -> list[FindingInput]:
    query = (sa.select(FindingInput).where(FindingInput.finding_id == finding.id)
             .options(so.joinedload(FindingInput.observation).joinedload(Observation.metric),
                      so.joinedload(FindingInput.target))
             .order_by(FindingInput.role, FindingInput.id))
    return list(session.scalars(query))
