"""A component's yearly A-11 capacity assessment and its domain scores."""
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, TimestampMixin
from scorecard.models.org import Component

CAPACITY_DOMAINS = (
    "Measurement",
    "Governance & Strategy",
    "Culture & Organization",
    "Customer Understanding",
    "Service Design & Improvement",
)


class CapacityAssessment(TimestampMixin, Base):
    """One component's self-assessment for one fiscal year (default scale 1-7 per domain)."""

    __tablename__ = "capacity_assessments"
    __table_args__ = (sa.UniqueConstraint("component_id", "fiscal_year"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    component_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("components.id"), index=True)
    fiscal_year: so.Mapped[int]
    scale_min: so.Mapped[int] = so.mapped_column(default=1)
    scale_max: so.Mapped[int] = so.mapped_column(default=7)

    component: so.Mapped[Component] = so.relationship()
    domain_scores: so.Mapped[list["CapacityDomainScore"]] = so.relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="CapacityDomainScore.position")

    @property
    def total(self) -> Optional[float]:
        scores = [d.score for d in self.domain_scores if d.score is not None]
        return sum(scores) if scores else None


class CapacityDomainScore(Base):
    """The score, narrative and evidence for one domain of an assessment."""

    __tablename__ = "capacity_domain_scores"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "domain"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    assessment_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("capacity_assessments.id", ondelete="CASCADE"), index=True)
    domain: so.Mapped[str] = so.mapped_column(sa.String(64))
    position: so.Mapped[int] = so.mapped_column(default=0)
    score: so.Mapped[Optional[float]]
    narrative: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    evidence: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)

    assessment: so.Mapped[CapacityAssessment] = so.relationship(back_populates="domain_scores")
