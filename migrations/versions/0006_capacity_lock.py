"""capacity lock: an assessment's status (draft / submitted), who submitted it and when, a version

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 10:40:00.000000

Submitting a capacity assessment locks its year until an admin reopens it. Assessments that
exist already become drafts at version 1.
"""
import sqlalchemy as sa
from alembic import op

import scorecard.models.base

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('capacity_assessments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('draft', 'submitted', name='capacitystatus', native_enum=False,
                                                        length=32), server_default='draft', nullable=False))
        batch_op.add_column(sa.Column('submitted_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('submitted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_capacity_assessments_submitted_by_id_users'), 'users',
                                    ['submitted_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('capacity_assessments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_capacity_assessments_submitted_by_id_users'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('submitted_by_id')
        batch_op.drop_column('submitted_at')
        batch_op.drop_column('status')
