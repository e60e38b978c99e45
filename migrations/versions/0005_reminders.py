"""reminders: the mail the app sends, the commitment reminders it carried, a commitment's next step

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-29 10:14:39.059968

`scorecard remind` records every message (sent over SMTP, or held in the outbox when no SMTP
server is set) and each commitment it reminded someone of, so a reminder is sent once per
commitment, person, reason and occasion. Commitments gain the owner's next step.
"""
import sqlalchemy as sa
from alembic import op

import scorecard.models.base

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('from_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('delivery', sa.Enum('smtp', 'outbox', name='maildelivery', native_enum=False, length=32), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_messages_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_messages_created_at'), ['created_at'], unique=False)

    op.create_table('reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('due_soon', 'overdue', 'stale', 'escalation_overdue', 'escalation_stale', name='reminderreason', native_enum=False, length=32), nullable=False),
    sa.Column('occasion', sa.String(length=32), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitments.id'], name=op.f('fk_reminders_commitment_id_commitments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['mail_messages.id'], name=op.f('fk_reminders_message_id_mail_messages')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminders_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders')),
    sa.UniqueConstraint('commitment_id', 'user_id', 'reason', 'occasion', name=op.f('uq_reminders_commitment_id_user_id_reason_occasion'))
    )
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reminders_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_step', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_column('next_step')

    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_user_id'))
        batch_op.drop_index(batch_op.f('ix_reminders_message_id'))

    op.drop_table('reminders')
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_messages_created_at'))

    op.drop_table('mail_messages')
