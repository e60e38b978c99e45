"""Headline counts for the home page."""
import sqlalchemy as sa

from scorecard.a11 import is_survey_metric
from scorecard.models import (
    Agency,
    Commitment,
    Component,
    Finding,
    ImportBatch,
    Metric,
    Observation,
    Program,
    RuleStatus,
    RuleVersion,
)


def home_summary(session) -> dict:
    def count(model):
        return session.scalar(sa.select(sa.func.count()).select_from(model)) or 0

    # The latest quarter of A-11 survey results of a program, as the dashboards open on it.
    latest = session.scalar(sa.select(sa.func.max(Observation.period)).where(
        Observation.program_id.is_not(None), Observation.metric_id.in_(sa.select(Metric.id).where(is_survey_metric()))))
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
