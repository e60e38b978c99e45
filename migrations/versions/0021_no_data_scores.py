"""findings: a score read from nothing at all is "no data", not "insufficient data"

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 23:20:00.000000

Revision 0019 gave a status the engine could read nothing for its word, "no data"; a score read from nothing
(a capacity domain's evidence score in a year no quarter of which has results yet) kept "insufficient data",
the word for too few respondents, beside a sentence saying there was no data ("no data for FY2027-Q1 yet, so
nothing to judge (insufficient data)"). The engine now says "no data" for it too, and the findings stored
before are given the new status and sentence (evaluated again from their inputs they give it, and their
why-pages would read "the data behind this finding has changed" although only the words did).
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

OLD = re.compile(r"^(?P<title>.*): no data for (?P<period>FY\d{4}-Q[1-4]) yet, so nothing to judge "
                 r"\(insufficient data\)\.$", re.S)
NEW = re.compile(r"^(?P<title>.*): no data for (?P<period>FY\d{4}-Q[1-4]) yet, so nothing to judge "
                 r"\(no data\)\.$", re.S)


def _findings():
    return sa.table("findings", sa.column("id"), sa.column("outcome"), sa.column("status"), sa.column("explanation"))


def upgrade():
    connection = op.get_bind()
    findings = _findings()
    inputs = sa.table("finding_inputs", sa.column("finding_id"))
    rows = connection.execute(
        sa.select(findings.c.id, findings.c.explanation)
        .where(findings.c.outcome == "score", findings.c.status == "insufficient_data",
               ~sa.exists().where(inputs.c.finding_id == findings.c.id))).all()
    for finding_id, explanation in rows:
        said = OLD.match(explanation or "")
        if said is None:  # a rule's own sentence: not one the engine wrote for nothing read
            continue
        connection.execute(sa.update(findings).where(findings.c.id == finding_id).values(
            status="no_data", explanation=f"{said['title']}: no data for {said['period']} yet, so nothing to judge "
                                          "(no data)."))


def downgrade():
    connection = op.get_bind()
    findings = _findings()
    rows = connection.execute(sa.select(findings.c.id, findings.c.explanation)
                              .where(findings.c.outcome == "score", findings.c.status == "no_data")).all()
    for finding_id, explanation in rows:
        said = NEW.match(explanation or "")
        if said is not None:
            connection.execute(sa.update(findings).where(findings.c.id == finding_id).values(
                status="insufficient_data", explanation=f"{said['title']}: no data for {said['period']} yet, so "
                                                        "nothing to judge (insufficient data)."))
