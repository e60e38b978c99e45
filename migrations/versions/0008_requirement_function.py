"""requirement function: a plan requirement may name a C-suite function

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 09:00:00.000000

A requirement that names a function is measured by that function's commitments and its
function-level metrics. Existing requirements name none.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('plan_requirements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('function_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_plan_requirements_function_id'), ['function_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_plan_requirements_function_id_functions'), 'functions',
                                    ['function_id'], ['id'])


def downgrade():
    with op.batch_alter_table('plan_requirements', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_plan_requirements_function_id_functions'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_plan_requirements_function_id'))
        batch_op.drop_column('function_id')
