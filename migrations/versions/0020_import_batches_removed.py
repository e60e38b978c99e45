"""import batches' removed rows: what an import took away

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 18:30:00.000000

A new Touchpoints export for a program, quarter and touchpoint replaces the figures stored for that
touchpoint: an aspect the earlier export offered and the new one did not is removed (the import's
change log keeps the row, and reverting the import puts it back). `removed` counts those rows beside
`inserted`, `updated` and `unchanged`; every batch before wrote none.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite has had DROP COLUMN since 3.35): a batch-mode copy of import_batches would be
# refused by the foreign keys that name it.
def upgrade():
    op.add_column('import_batches', sa.Column('removed', sa.Integer(), server_default=sa.text('0'), nullable=False))


def downgrade():
    op.drop_column('import_batches', 'removed')
