"""C-suite commitments with their update history; capacity-assessment action items too."""
import enum
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, TimestampMixin, UTCDateTime, utcnow
from scorecard.models.metrics import Metric, _enum
from scorecard.models.org import Component, Function, Leader, Program

commitment_programs = sa.Table(
    "commitment_programs",
    Base.metadata,
    sa.Column("commitment_id", sa.ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"), primary_key=True, index=True),
)

commitment_metrics = sa.Table(
    "commitment_metrics",
    Base.metadata,
    sa.Column("commitment_id", sa.ForeignKey("commitments.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("metric_id", sa.ForeignKey("metrics.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class CommitmentStatus(str, enum.Enum):
    not_started = "not_started"
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"
    complete = "complete"
    dropped = "dropped"

    @property
    def needs_reason(self) -> bool:
        return self in (CommitmentStatus.at_risk, CommitmentStatus.off_track)


class Commitment(TimestampMixin, Base):
    """A CX promise owned by a function (and optionally a named leader)."""

    __tablename__ = "commitments"
    # the dashboards' data version reads the newest change and the versions' sum on every request: from this
    # index, not the table's rows (dashboards.cache)
    __table_args__ = (sa.UniqueConstraint("function_id", "title"),
                      sa.Index("ix_commitments_updated_version", "updated_at", "version"))
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    function_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("functions.id"), index=True)
    leader_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("leaders.id"), index=True)
    component_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("components.id"), index=True)
    capacity_domain: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64))
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    description: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    due_date: so.Mapped[Optional[date]]
    status: so.Mapped[CommitmentStatus] = so.mapped_column(
        _enum(CommitmentStatus), default=CommitmentStatus.not_started)
    reason: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    next_step: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    evidence_links: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)
    last_update_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)
    version: so.Mapped[int] = so.mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    function: so.Mapped[Function] = so.relationship()
    leader: so.Mapped[Optional[Leader]] = so.relationship()
    component: so.Mapped[Optional[Component]] = so.relationship()
    programs: so.Mapped[list[Program]] = so.relationship(secondary=commitment_programs)
    metrics: so.Mapped[list[Metric]] = so.relationship(secondary=commitment_metrics)
    updates: so.Mapped[list["CommitmentUpdate"]] = so.relationship(
        back_populates="commitment", order_by="CommitmentUpdate.at", cascade="all, delete-orphan")


class CommitmentUpdate(Base):
    """One change to a commitment: who, when, and the fields before and after."""

    __tablename__ = "commitment_updates"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    commitment_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("commitments.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    status: so.Mapped[CommitmentStatus] = so.mapped_column(_enum(CommitmentStatus))
    reason: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    note: so.Mapped[Optional[str]] = so.mapped_column(sa.Text)
    changes: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    # the import that wrote this update (None: the web or the API): its history says where it came from
    import_batch_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("import_batches.id"))

    commitment: so.Mapped[Commitment] = so.relationship(back_populates="updates")
