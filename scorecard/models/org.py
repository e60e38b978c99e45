"""Organisation: agencies, components, programs, life experiences, functions, leaders."""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base

program_life_experience = sa.Table(
    "program_life_experience",
    Base.metadata,
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("life_experience_id", sa.ForeignKey("life_experiences.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Agency(Base):
    """A department, e.g. the Department of Veterans Affairs."""

    __tablename__ = "agencies"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)
    external_id: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64), unique=True)

    components: so.Mapped[list["Component"]] = so.relationship(back_populates="agency", order_by="Component.name")

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class Component(Base):
    """A bureau or operating division; a HISP is a component flagged high-impact."""

    __tablename__ = "components"
    __table_args__ = (sa.UniqueConstraint("agency_id", "name"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    agency_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("agencies.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    is_hisp: so.Mapped[bool] = so.mapped_column(default=False)
    external_id: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64), unique=True)

    agency: so.Mapped[Agency] = so.relationship(back_populates="components")
    programs: so.Mapped[list["Program"]] = so.relationship(back_populates="component", order_by="Program.name")

    @property
    def label(self) -> str:
        """The component named so a list of several agencies' tells two of one name apart (as the
        dashboards' filters name it): "Office of Personnel Management: Retirement Services"."""
        return f"{self.agency.name}: {self.name}"

    def __repr__(self) -> str:
        return f"<Component {self.code}>"


class LifeExperience(Base):
    """A cross-agency journey such as "Approaching retirement"."""

    __tablename__ = "life_experiences"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200), unique=True)

    programs: so.Mapped[list["Program"]] = so.relationship(
        secondary=program_life_experience, back_populates="life_experiences"
    )


class Program(Base):
    """A service the public uses (A-11 calls it a "service")."""

    __tablename__ = "programs"
    __table_args__ = (sa.UniqueConstraint("component_id", "name"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    component_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("components.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    external_id: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64), unique=True)

    component: so.Mapped[Component] = so.relationship(back_populates="programs")
    life_experiences: so.Mapped[list[LifeExperience]] = so.relationship(
        secondary=program_life_experience, back_populates="programs"
    )

    def __repr__(self) -> str:
        return f"<Program {self.code}>"


# The C-suite functions a database starts with (migration 0022 seeds them; the list stays editable).
STANDARD_FUNCTIONS = [
    ("CFO", "Chief Financial Officer"), ("CIO", "Chief Information Officer"),
    ("CHCO", "Chief Human Capital Officer"), ("GC", "General Counsel"),
    ("CDO", "Chief Data Officer"), ("CAO", "Chief Acquisition Officer"),
    ("CXO", "Chief Experience Officer"), ("PIO", "Performance Improvement Officer"),
]


class Function(Base):
    """A C-suite function (CFO, CIO, CHCO, GC, CDO, CAO, CXO, PIO); an editable list, seeded with
    STANDARD_FUNCTIONS."""

    __tablename__ = "functions"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(16), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))

    def __repr__(self) -> str:
        return f"<Function {self.code}>"


class Leader(Base):
    """A person whose performance plan carries CX elements."""

    __tablename__ = "leaders"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    email: so.Mapped[Optional[str]] = so.mapped_column(sa.String(254), unique=True)
    title: so.Mapped[Optional[str]] = so.mapped_column(sa.String(200))
    component_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("components.id"), index=True)
    function_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("functions.id"), index=True)

    component: so.Mapped[Optional[Component]] = so.relationship()
    function: so.Mapped[Optional[Function]] = so.relationship()
    plans: so.Mapped[list["PerformancePlan"]] = so.relationship(back_populates="leader")  # noqa: F821

    @property
    def unit(self) -> Optional[str]:
        """Where the leader sits, as the plans' pages and export name it beside a name two leaders may share: the
        component's name, else the C-suite function's ("Chief Acquisition Officer" for a Deputy CAO)."""
        return self.component.name if self.component else self.function.name if self.function else None

    def __repr__(self) -> str:
        return f"<Leader {self.name}>"
