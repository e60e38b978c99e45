"""findings: a status read from nothing at all is "no data", not "insufficient data"

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 21:10:00.000000

The rules engine called a status it could read nothing for (a program that reported nothing its rule
reads for its agency's latest quarter) "insufficient data", the word for too few respondents; it now
says "no data". The findings stored before say it too: evaluated again from their inputs they give
"no data", and their why-pages read "the data behind this finding has changed" although only the words
did. Such findings (a status, no input, the engine's own sentence for nothing read) are given the new
status and sentence. The sentence is written here as the engine wrote it on this date.
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

OLD = re.compile(r"^(?P<title>.*): no data for (?P<period>FY\d{4}-Q[1-4]) yet, so nothing to judge "
                 r"\(insufficient data\)\.$", re.S)


def _new_words(subject_type: str, title: str, period: str) -> str:
    if subject_type == "program":
        return (f"{title}: nothing the rule reads was reported for {period}, the latest quarter of its agency's "
                f"results, so nothing to judge (no data).")
    return f"{title}: no data for {period} yet, so nothing to judge (no data)."


def upgrade():
    connection = op.get_bind()
    findings = sa.table("findings", sa.column("id"), sa.column("subject_type"), sa.column("outcome"),
                        sa.column("status"), sa.column("explanation"))
    inputs = sa.table("finding_inputs", sa.column("finding_id"))
    rows = connection.execute(
        sa.select(findings.c.id, findings.c.subject_type, findings.c.explanation)
        .where(findings.c.outcome == "status", findings.c.status == "insufficient_data",
               ~sa.exists().where(inputs.c.finding_id == findings.c.id))).all()
    for finding_id, subject_type, explanation in rows:
        said = OLD.match(explanation or "")
        if said is None:  # a rule's own sentence: not one the engine wrote for nothing read
            continue
        connection.execute(sa.update(findings).where(findings.c.id == finding_id).values(
            status="no_data", explanation=_new_words(str(subject_type), said["title"], said["period"])))


def downgrade():
    connection = op.get_bind()
    findings = sa.table("findings", sa.column("id"), sa.column("outcome"), sa.column("status"),
                        sa.column("explanation"))
    new = re.compile(r"^(?P<title>.*): (?:nothing the rule reads was reported|no data) for "
                     r"(?P<period>FY\d{4}-Q[1-4])(?:, the latest quarter of its agency's results| yet), so nothing to "
                     r"judge \(no data\)\.$", re.S)
    rows = connection.execute(sa.select(findings.c.id, findings.c.explanation)
                              .where(findings.c.outcome == "status", findings.c.status == "no_data")).all()
    for finding_id, explanation in rows:
        said = new.match(explanation or "")
        if said is not None:
            connection.execute(sa.update(findings).where(findings.c.id == finding_id).values(
                status="insufficient_data",
                explanation=f"{said['title']}: no data for {said['period']} yet, so nothing to judge "
                            "(insufficient data)."))
