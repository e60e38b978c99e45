"""api tokens: personal access tokens for the REST API, stored as SHA-256 hashes

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000

A user's tokens go with the user (ON DELETE CASCADE).
"""
import sqlalchemy as sa
from alembic import op

import scorecard.models.base

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'api_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('scope', sa.Enum('read', 'write', name='tokenscope', native_enum=False, length=32), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('prefix', sa.String(length=16), nullable=False),
        sa.Column('created_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_used_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column('revoked_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash')),
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))
    op.drop_table('api_tokens')
