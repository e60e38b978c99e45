"""Headline counts for the home page."""
import sqlalchemy as sa

from scorecard.models import (
    Agency,
    Commitment,
    Component,
    Finding,
    ImportBatch,
    Observation,
    Program,
    RuleStatus,
    RuleVersion,
)


def home_summary(session) -> dict:
    def count(model):
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    latest = session.scalar(sa.select(sa.func.max(Observation.period)))
    return {
        "agencies": count(Agency),
        "components": count(Component),
        "programs": count(Program),
        "observations": count(Observation),
        "commitments": count(Commitment),
        "imports": count(ImportBatch),
        "findings": count(Finding),
        "rules": session.scalar(sa.select(sa.func.count()).select_from(RuleVersion).where(
            RuleVersion.status == RuleStatus.published)) or 0,
        "latest_period": latest,
    }
