"""briefing jobs: a briefing's job state in the database, its file in the upload storage

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:00:00.000000

Before, a folder per job held its state (job.json) beside the file, which several hosts could only
share through a shared folder. Now every server and worker reads the job's row, and the file is kept
where uploads are (a folder or S3).
"""
import sqlalchemy as sa
from alembic import op

import scorecard.models.base

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'briefing_jobs',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('fmt', sa.String(length=8), nullable=False),
        sa.Column('period', sa.String(length=16), nullable=True),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('stage', sa.String(length=200), nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=True),
        sa.Column('file_key', sa.String(length=300), nullable=True),
        sa.Column('download_name', sa.String(length=300), nullable=True),
        sa.Column('title', sa.String(length=300), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('delivered', sa.Boolean(), nullable=False),
        sa.Column('created_at', scorecard.models.base.UTCDateTime(), nullable=False),
        sa.Column('heartbeat_at', scorecard.models.base.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_briefing_jobs_owner_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_briefing_jobs')),
    )
    op.create_index(op.f('ix_briefing_jobs_owner_id'), 'briefing_jobs', ['owner_id'], unique=False)
    op.create_index(op.f('ix_briefing_jobs_created_at'), 'briefing_jobs', ['created_at'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_briefing_jobs_created_at'), table_name='briefing_jobs')
    op.drop_index(op.f('ix_briefing_jobs_owner_id'), table_name='briefing_jobs')
    op.drop_table('briefing_jobs')
