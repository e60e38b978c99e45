"""association tables' reverse indexes: the rows of a program, a metric or a life experience by index

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 13:10:00.000000

Each association table's primary key starts with its first column (a requirement's programs, a
commitment's programs and metrics, a program's life experiences), so asking the other way round (the
requirements and commitments that read a program: the program page's accountability chain; a life
experience's programs) read the whole table, and so did PostgreSQL's cascade when a program, metric or
life experience was deleted. An index on the second column answers those by index.
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_requirement_programs_program_id', 'requirement_programs', 'program_id'),
    ('ix_commitment_programs_program_id', 'commitment_programs', 'program_id'),
    ('ix_commitment_metrics_metric_id', 'commitment_metrics', 'metric_id'),
    ('ix_program_life_experience_life_experience_id', 'program_life_experience', 'life_experience_id'),
]


def upgrade():
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)


def downgrade():
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)
