"""A component's yearly A-11 capacity assessment and its domain scores.

An assessment is a draft until an analyst or admin submits it; submitting locks the year (no
edit on the web, no import) until an admin reopens it with a reason. `version` counts the saved
changes, so a save made over someone else's newer one is caught instead of overwriting it."""
import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.clock import day_of
from scorecard.models.base import Base, TimestampMixin, UTCDateTime
from scorecard.models.metrics import _enum
from scorecard.models.org import Component
from scorecard.models.users import User

CAPACITY_DOMAINS = (
    "Measurement",
    "Governance & Strategy",
    "Culture & Organization",
    "Customer Understanding",
    "Service Design & Improvement",
)


class CapacityStatus(str, enum.Enum):
    """Where an assessment stands. A year with no assessment yet is "not started" (no row)."""

    draft = "draft"
    submitted = "submitted"


DEFAULT_SCALE = (1, 7)  # (lowest, highest) score of an assessment not started, or made without one


class CapacityAssessment(TimestampMixin, Base):
    """One component's self-assessment for one fiscal year (default scale 1-7 per domain)."""

    __tablename__ = "capacity_assessments"
    __table_args__ = (sa.UniqueConstraint("component_id", "fiscal_year"),  # and, as commitments', the data version's:
                      sa.Index("ix_capacity_assessments_updated_version", "updated_at", "version"))
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    component_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("components.id"), index=True)
    fiscal_year: so.Mapped[int]
    scale_min: so.Mapped[int] = so.mapped_column(default=DEFAULT_SCALE[0])
    scale_max: so.Mapped[int] = so.mapped_column(default=DEFAULT_SCALE[1])
    status: so.Mapped[CapacityStatus] = so.mapped_column(
        _enum(CapacityStatus), default=CapacityStatus.draft, server_default=CapacityStatus.draft.value)
    submitted_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    submitted_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    version: so.Mapped[int] = so.mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    component: so.Mapped[Component] = so.relationship()
    submitted_by: so.Mapped[Optional[User]] = so.relationship()
    domain_scores: so.Mapped[list["CapacityDomainScore"]] = so.relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="CapacityDomainScore.position")

    @property
    def total(self) -> Optional[float]:
        return total_of(d.score for d in self.domain_scores)

    @property
    def is_submitted(self) -> bool:
        return self.status is CapacityStatus.submitted

    def locked_message(self) -> str:
        """Why a submitted assessment cannot change, in words (the web pages and the import say it)."""
        when = day_of(self.submitted_at).isoformat() if self.submitted_at else "an unrecorded date"
        who = f" by {self.submitted_by.email}" if self.submitted_by is not None else ""
        return (f"the FY{self.fiscal_year} capacity assessment of {self.component.name} was submitted on {when}{who}; "
                "an admin must reopen it before it can change")


def scale_of(assessment: Optional[CapacityAssessment]) -> tuple[int, int]:
    """(lowest, highest) score of `assessment`; DEFAULT_SCALE for one not started (None)."""
    return (assessment.scale_min, assessment.scale_max) if assessment is not None else DEFAULT_SCALE


def on_scale(assessment: Optional[CapacityAssessment], score: float) -> bool:
    """Whether `score` lies on `assessment`'s scale (`scale_of`)."""
    low, high = scale_of(assessment)
    return low <= score <= high


def total_of(scores) -> Optional[float]:
    """An assessment's total: the sum of its domains' scores (None while none is scored)."""
    scored = [score for score in scores if score is not None]
    return sum(scored) if scored else None


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
    evidence: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)  # web addresses, one per line

    assessment: so.Mapped[CapacityAssessment] = so.relationship(back_populates="domain_scores")
