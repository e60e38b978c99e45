"""api tokens' form: the page's form a token was made from, made once

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 15:50:00.000000

The API tokens page shows a new token's secret in the answer to its form. Refreshing that answer, or
going Back and sending the form again, made a second token (and a double click two). form_id names
the form a token was made from, one token per form and user; tokens made before have none.
"""
import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_id', sa.String(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_api_tokens_user_id_form_id'), ['user_id', 'form_id'])


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_api_tokens_user_id_form_id'), type_='unique')
        batch_op.drop_column('form_id')
