"""Headline counts for the home page."""
import sqlalchemy as sa

from scorecard.models import Agency, Commitment, Component, ImportBatch, Observation, Program


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
        "latest_period": latest,
    }
