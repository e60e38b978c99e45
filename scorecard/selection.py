"""Which programs a view selects (an agency, a component, a life experience), and what goes with
them: their components, leaders and commitments. The dashboards filter by it, and the commitments
list narrows to an agency by the same rule, so a count on the overview and the list it opens agree."""
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa

from scorecard.models import Commitment, Component, Leader, Program
from scorecard.models.commitments import commitment_programs
from scorecard.models.org import program_life_experience


def tied_to(agency: str) -> str:
    """What "an agency's commitments" means wherever a count or list is narrowed to one
    (ProgramFilter.commitment_ids), in words."""
    return f"tied to {agency} (by its programs, components or leaders)"


TIED_TO_AGENCY = tied_to("the agency chosen")

@dataclass(frozen=True)
class ProgramFilter:
    """Which programs a view shows: an agency, a component, a life experience (None: all)."""

    agency_id: Optional[int] = None
    component_id: Optional[int] = None
    life_experience_id: Optional[int] = None

    def apply(self, query: sa.Select) -> sa.Select:
        """Narrow a query that selects from (or joins) Program and Component."""
        if self.agency_id is not None:
            query = query.where(Component.agency_id == self.agency_id)
        if self.component_id is not None:
            query = query.where(Program.component_id == self.component_id)
        if self.life_experience_id is not None:
            query = query.where(Program.id.in_(
                sa.select(program_life_experience.c.program_id)
                .where(program_life_experience.c.life_experience_id == self.life_experience_id)))
        return query

    def component_ids(self, session) -> Optional[set[int]]:
        """The components whose people and commitments go with the programs selected: the agency's or
        the component chosen, and those of the programs selected (a life experience's); None when the
        filter selects every program."""
        if self == ProgramFilter():
            return None
        query = self.apply(sa.select(Program.component_id).join(Component, Component.id == Program.component_id))
        found = set(session.scalars(query.distinct()))
        if self.component_id is not None:
            found.add(self.component_id)
        elif self.agency_id is not None and self.life_experience_id is None:
            found |= set(session.scalars(sa.select(Component.id).where(Component.agency_id == self.agency_id)))
        return found

    def home_agency(self, session) -> bool:
        """Whether the filter is an agency alone whose components have leaders: the department's own, whose
        C-suite (leaders with a function and no component, and the commitments tied to no program or
        component) goes with it. An agency whose data is imported beside it (the performance.gov
        agencies) has no leaders."""
        if self.agency_id is None or self.component_id is not None or self.life_experience_id is not None:
            return False
        return session.scalar(sa.select(Leader.id).join(Component, Component.id == Leader.component_id)
                              .where(Component.agency_id == self.agency_id).limit(1)) is not None

    def leader_clause(self, session):
        """The condition on Leader of the leaders that go with what the filter selects (those of its
        components, and on the department's own agency its C-suite); None when it selects every program."""
        components = self.component_ids(session)
        return None if components is None else _leaders_of(components, self.home_agency(session))

    def commitment_ids(self, session) -> Optional[set[int]]:
        """The commitments that go with what the filter selects: tied to one of its programs or components,
        or owned by one of its leaders (leader_clause), or, tied to no program or component (a function's
        own), on the department's own agency or of a function with a leader in those components; None when
        the filter selects every program (the C-suite's every commitment). An agency whose data is
        imported beside the department's (the performance.gov agencies) has none."""
        programs, components = self.program_ids(session), self.component_ids(session)
        if programs is None or components is None:
            return None
        home = self.home_agency(session)
        tied = sa.select(commitment_programs.c.commitment_id)
        leaders = sa.select(Leader.id).where(_leaders_of(components, home))
        untied = sa.and_(Commitment.component_id.is_(None), Commitment.id.not_in(tied))
        functions_here = sa.select(Leader.function_id).where(Leader.component_id.in_(components),
                                                             Leader.function_id.is_not(None))
        own = untied if home else sa.and_(untied, Commitment.function_id.in_(functions_here))
        return set(session.scalars(sa.select(Commitment.id).where(sa.or_(
            Commitment.id.in_(tied.where(commitment_programs.c.program_id.in_(programs))),
            Commitment.component_id.in_(components), Commitment.leader_id.in_(leaders), own))))

    def program_ids(self, session) -> Optional[set[int]]:
        """The ids of the programs selected, or None when the filter selects every program."""
        if self == ProgramFilter():
            return None
        query = self.apply(sa.select(Program.id).join(Component, Component.id == Program.component_id))
        return set(session.scalars(query))


EVERY_PROGRAM = ProgramFilter()  # the default filter: every program


def _leaders_of(components: set[int], home: bool):
    """The leaders of `components`, and on the department's own agency (`home`) its C-suite (a function,
    no component)."""
    clause = Leader.component_id.in_(components)
    return sa.or_(clause, Leader.component_id.is_(None)) if home else clause
