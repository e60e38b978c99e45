"""observations: drop the single-column indexes on agency_id, component_id and function_id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 12:40:00.000000

Every query of observations filters by period and metric (ix_observations_period_metric), by
program (ix_observations_program_id), by subject key (the natural key's unique index) or by
import batch; none looks observations up by agency, component or function alone. Each of these
three indexes cost every imported row three more B-tree inserts (about a quarter of the write
time of a 200,000-row import).
"""
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_observations_function_id'))
        batch_op.drop_index(batch_op.f('ix_observations_component_id'))
        batch_op.drop_index(batch_op.f('ix_observations_agency_id'))


def downgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_observations_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observations_component_id'), ['component_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_observations_function_id'), ['function_id'], unique=False)
