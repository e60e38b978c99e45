"""functions: the C-suite functions DESIGN.md lists are there from the start

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 02:40:00.000000

Only the demo made the C-suite functions: a database set up with `scorecard db upgrade` had none, so no
officer could be made ("unknown function 'CFO'; known: none yet") and no commitment imported. The list
is seeded here (a function already there by its code, in any case, is kept as it is); it stays editable.
The downgrade leaves them: commitments and officers may hang on them by now.
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

# As scorecard.models.org.STANDARD_FUNCTIONS was when this revision was written.
FUNCTIONS = [
    ("CFO", "Chief Financial Officer"), ("CIO", "Chief Information Officer"),
    ("CHCO", "Chief Human Capital Officer"), ("GC", "General Counsel"),
    ("CDO", "Chief Data Officer"), ("CAO", "Chief Acquisition Officer"),
    ("CXO", "Chief Experience Officer"), ("PIO", "Performance Improvement Officer"),
]


def upgrade():
    functions = sa.table("functions", sa.column("code", sa.String), sa.column("name", sa.String))
    connection = op.get_bind()
    there = {code.upper() for code in connection.execute(sa.select(functions.c.code)).scalars()}
    missing = [{"code": code, "name": name} for code, name in FUNCTIONS if code not in there]
    if missing:
        op.bulk_insert(functions, missing)


def downgrade():
    pass
