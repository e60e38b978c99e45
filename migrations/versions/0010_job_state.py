"""job state: an import batch's job records its stage and its last sign of life on the batch row

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 09:00:00.000000

Every server and worker host reads a job's progress from the database (before, a file beside the
upload held it, which only one host could see). A pending batch whose heartbeat_at is older than
IMPORT_STALE_SECONDS is given up as stalled.
"""
import sqlalchemy as sa
from alembic import op

import scorecard.models.base

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_batches') as batch_op:
        batch_op.add_column(sa.Column('stage', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', scorecard.models.base.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('import_batches') as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('stage')
