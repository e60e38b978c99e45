"""rules engine: a finding input names the observations it pooled

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 12:00:00.000000

A finding reads pooled scores (a program's touchpoints and channels, over a window of quarters,
over a requirement's linked programs). One input row per pooled group keeps the lineage exact
(every observation id) without one row per observation per finding.
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('finding_inputs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('metric_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('subject_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('period', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('n', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('observation_ids', sa.JSON(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_finding_inputs_metric_id_metrics'), 'metrics', ['metric_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('finding_inputs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_finding_inputs_metric_id_metrics'), type_='foreignkey')
        batch_op.drop_column('observation_ids')
        batch_op.drop_column('n')
        batch_op.drop_column('period')
        batch_op.drop_column('subject_key')
        batch_op.drop_column('metric_id')
