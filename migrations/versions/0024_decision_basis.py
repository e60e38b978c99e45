"""element ratings: the proposal a decision answered

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 01:30:00.000000

A decision kept only the number the rules proposed. Findings are re-evaluated in place when the data or
the published rules change, and a retired rule's are deleted, so what a confirmed or overridden rating
answered could no longer be traced. `basis` keeps it: each requirement's proposal then, its rule version,
quarter, explanation and the observations and targets it read. Decisions recorded before keep none.
"""
import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, as 0020: a batch-mode copy is not needed to add a column that may be empty.
def upgrade():
    op.add_column('element_ratings', sa.Column('basis', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('element_ratings', 'basis')
