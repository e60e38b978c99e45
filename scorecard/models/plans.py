"""Leader performance plans: elements with weights, requirements, rating decisions."""
import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.ext.hybrid import hybrid_property

from scorecard.models.base import Base, UTCDateTime, utcnow
from scorecard.models.commitments import Commitment
from scorecard.models.metrics import Metric, Target, _enum
from scorecard.models.org import Function, Leader, Program

requirement_programs = sa.Table(
    "requirement_programs",
    Base.metadata,
    sa.Column("requirement_id", sa.ForeignKey("plan_requirements.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class RatingMethod(str, enum.Enum):
    """How an element's rating follows from its requirements' ratings."""

    opm_majority = "opm_majority"
    weighted_mean = "weighted_mean"


class PerformancePlan(Base):
    """A leader's plan for one appraisal year (fiscal year)."""

    __tablename__ = "performance_plans"
    __table_args__ = (sa.UniqueConstraint("leader_id", "fiscal_year"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    leader_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("leaders.id"), index=True)
    fiscal_year: so.Mapped[int]
    rating_method: so.Mapped[RatingMethod] = so.mapped_column(
        _enum(RatingMethod), default=RatingMethod.opm_majority)

    leader: so.Mapped[Leader] = so.relationship(back_populates="plans")
    elements: so.Mapped[list["PlanElement"]] = so.relationship(
        back_populates="plan", order_by="PlanElement.position", cascade="all, delete-orphan")


class PlanElement(Base):
    """A critical element (for SES, one of the five ECQ-based elements) with its weight."""

    __tablename__ = "plan_elements"
    __table_args__ = (
        sa.UniqueConstraint("plan_id", "name"),
        sa.CheckConstraint("weight >= 0 AND weight <= 100", name="weight_range"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    plan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("performance_plans.id", ondelete="CASCADE"), index=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    position: so.Mapped[int] = so.mapped_column(default=0)
    weight: so.Mapped[int]
    is_results_driven: so.Mapped[bool] = so.mapped_column(default=False)
    is_critical: so.Mapped[bool] = so.mapped_column(default=True)

    plan: so.Mapped[PerformancePlan] = so.relationship(back_populates="elements")
    requirements: so.Mapped[list["PlanRequirement"]] = so.relationship(
        back_populates="element", order_by="PlanRequirement.position", cascade="all, delete-orphan")
    ratings: so.Mapped[list["ElementRating"]] = so.relationship(
        back_populates="element", order_by="ElementRating.at", cascade="all, delete-orphan")


class PlanRequirement(Base):
    """A performance requirement; CX requirements link to a metric, target, commitment, programs,
    or a C-suite function: a requirement that names a function is measured by that function's
    commitments and its function-level metrics (its leader's own function, usually)."""

    __tablename__ = "plan_requirements"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    element_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan_elements.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int] = so.mapped_column(default=0)
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    metric_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("metrics.id"), index=True)
    target_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("targets.id"))
    commitment_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("commitments.id"))
    function_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("functions.id"), index=True)

    element: so.Mapped[PlanElement] = so.relationship(back_populates="requirements")
    metric: so.Mapped[Optional[Metric]] = so.relationship()
    target: so.Mapped[Optional[Target]] = so.relationship()
    commitment: so.Mapped[Optional[Commitment]] = so.relationship()
    function: so.Mapped[Optional[Function]] = so.relationship()
    programs: so.Mapped[list[Program]] = so.relationship(secondary=requirement_programs)

    @hybrid_property
    def is_cx(self) -> bool:
        """Measured by the CX data: it names a metric, a commitment or a function (in SQL too)."""
        return self.metric_id is not None or self.commitment_id is not None or self.function_id is not None

    @is_cx.inplace.expression
    @classmethod
    def _is_cx_expression(cls) -> sa.ColumnElement[bool]:
        return sa.or_(cls.metric_id.is_not(None), cls.commitment_id.is_not(None), cls.function_id.is_not(None))


class ElementRating(Base):
    """A rating for an element: the rules' proposal, and a rating official's decision on it."""

    __tablename__ = "element_ratings"
    __table_args__ = (
        sa.CheckConstraint("proposed_rating IS NULL OR proposed_rating BETWEEN 1 AND 5", name="proposed_range"),
        sa.CheckConstraint("confirmed_rating IS NULL OR confirmed_rating BETWEEN 1 AND 5", name="confirmed_range"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    element_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("plan_elements.id", ondelete="CASCADE"), index=True)
    proposed_rating: so.Mapped[Optional[int]]
    confirmed_rating: so.Mapped[Optional[int]]
    justification: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    decided_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    # The proposal the decision answered, requirement by requirement, as it stood then (scorecard.plans.basis):
    # findings are re-evaluated in place and a retired rule's are deleted. None for a decision recorded before
    # it was kept.
    basis: so.Mapped[Optional[list]] = so.mapped_column(sa.JSON)

    element: so.Mapped[PlanElement] = so.relationship(back_populates="ratings")
