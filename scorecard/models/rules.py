"""Rules as versioned data, and the findings they produce with their lineage."""
import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
import sqlalchemy.orm as so

from scorecard.models.base import Base, UTCDateTime, utcnow
from scorecard.models.metrics import Observation, Target, _enum


class RuleStatus(str, enum.Enum):
    draft = "draft"
    published = "published"
    retired = "retired"


class RuleSubject(enum.StrEnum):
    """What a rule applies to, and so what each of its findings is about (its *subject type*):
    a program, a plan requirement, a commitment or a capacity-assessment domain. The values are
    the texts a rule's JSON gives as `applies_to` and the database stores; they never change."""

    program = "program"
    requirement = "requirement"
    commitment = "commitment"
    capacity_domain = "capacity_domain"


class Rule(Base):
    """A rule's identity; its definitions live in versions."""

    __tablename__ = "rules"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(100), unique=True)
    title: so.Mapped[str] = so.mapped_column(sa.String(300))
    # The column keeps the rule JSON's word for it, `applies_to`.
    subject_type: so.Mapped[RuleSubject] = so.mapped_column("applies_to", _enum(RuleSubject))

    versions: so.Mapped[list["RuleVersion"]] = so.relationship(
        back_populates="rule", order_by="RuleVersion.version", cascade="all, delete-orphan")


class RuleVersion(Base):
    """One version of a rule: draft → published → retired; a published one is never edited."""

    __tablename__ = "rule_versions"
    __table_args__ = (sa.UniqueConstraint("rule_id", "version"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    rule_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rules.id", ondelete="CASCADE"), index=True)
    version: so.Mapped[int]
    status: so.Mapped[RuleStatus] = so.mapped_column(_enum(RuleStatus), default=RuleStatus.draft)
    definition: so.Mapped[dict] = so.mapped_column(sa.JSON)
    created_by_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    published_at: so.Mapped[Optional[datetime]] = so.mapped_column(UTCDateTime)

    rule: so.Mapped[Rule] = so.relationship(back_populates="versions")


class Finding(Base):
    """What a rule version concluded about one subject in one period, and why."""

    __tablename__ = "findings"
    __table_args__ = (
        sa.UniqueConstraint("rule_version_id", "subject_type", "subject_id", "period"),
        sa.Index("ix_findings_subject", "subject_type", "subject_id"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    rule_version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("rule_versions.id"), index=True)
    subject_type: so.Mapped[RuleSubject] = so.mapped_column(_enum(RuleSubject))
    subject_id: so.Mapped[int]
    subject_detail: so.Mapped[Optional[str]] = so.mapped_column(sa.String(100))
    period: so.Mapped[str] = so.mapped_column(sa.String(10))
    outcome: so.Mapped[str] = so.mapped_column(sa.String(32))  # rating | status | flag | score
    rating: so.Mapped[Optional[int]]
    status: so.Mapped[Optional[str]] = so.mapped_column(sa.String(32))
    flag: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64))
    severity: so.Mapped[Optional[str]] = so.mapped_column(sa.String(16))
    score: so.Mapped[Optional[float]]
    explanation: so.Mapped[str] = so.mapped_column(sa.Text)
    facts: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))
    # indexed: the dashboards' data version reads the newest on every request (dashboards.cache)
    evaluated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)

    rule_version: so.Mapped[RuleVersion] = so.relationship()
    inputs: so.Mapped[list["FindingInput"]] = so.relationship(
        back_populates="finding", cascade="all, delete-orphan")


class FindingInput(Base):
    """One datum a finding read: a target, or the observations of one metric for one subject in
    one period (a program's score pools its touchpoints and channels), with the value and `n`
    seen and the ids of every observation pooled. `observation_id` is set when exactly one
    observation was read."""

    __tablename__ = "finding_inputs"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    finding_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    observation_id: so.Mapped[Optional[int]] = so.mapped_column(
        sa.ForeignKey("observations.id", ondelete="SET NULL"), index=True)
    target_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("targets.id", ondelete="SET NULL"))
    role: so.Mapped[str] = so.mapped_column(sa.String(64))
    value: so.Mapped[Optional[float]]
    metric_id: so.Mapped[Optional[int]] = so.mapped_column(sa.ForeignKey("metrics.id", ondelete="SET NULL"))
    subject_key: so.Mapped[Optional[str]] = so.mapped_column(sa.String(64))
    period: so.Mapped[Optional[str]] = so.mapped_column(sa.String(10))
    n: so.Mapped[Optional[int]]
    observation_ids: so.Mapped[Optional[list]] = so.mapped_column(sa.JSON)

    finding: so.Mapped[Finding] = so.relationship(back_populates="inputs")
    observation: so.Mapped[Optional[Observation]] = so.relationship()
    target: so.Mapped[Optional[Target]] = so.relationship()
