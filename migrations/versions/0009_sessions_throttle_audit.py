"""sessions, throttle, audit: server-side session tokens, failed sign-ins kept per attempt, the
audit log's client columns and its append-only triggers

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:00:00.000000

- users.session_token: part of every signed-in session's id; a new one ends the user's sessions
  (sign-out, deactivation, password reset). Existing users get a random one, so sessions made
  before this revision end.
- login_failures: one row per failed sign-in (e-mail, client address, trusted device, cleared by
  an administrator's unlock), replacing the per-address counter. The old counters are throttle
  state only and are dropped.
- audit_events: client_address and user_agent; indexes for the audit page's filters; triggers
  that refuse UPDATE and DELETE (SQLite: two triggers; PostgreSQL: a trigger function). A later
  migration that rebuilds audit_events on SQLite (batch "move and copy") must create the
  triggers again.
"""
import secrets

import sqlalchemy as sa
from alembic import op

import scorecard.models.base

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

MESSAGE = "audit_events is append-only"
SQLITE_TRIGGERS = {
    "audit_events_no_update": f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events "
                              f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: UPDATE refused'); END",
    "audit_events_no_delete": f"CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events "
                              f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}: DELETE refused'); END",
}
POSTGRESQL_FUNCTION = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' refused', "
    "ERRCODE = 'insufficient_privilege'; END $$")
POSTGRESQL_TRIGGER = ("CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events "
                      "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()")


def upgrade():
    op.drop_table('login_failures')
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', scorecard.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('client_address', sa.String(length=64), nullable=True),
        sa.Column('device', sa.String(length=64), nullable=True),
        sa.Column('cleared_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_failures_at'), ['at'], unique=False)
        batch_op.create_index('ix_login_failures_email_at', ['email', 'at'], unique=False)
        batch_op.create_index('ix_login_failures_client_address_at', ['client_address', 'at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    users = sa.table('users', sa.column('id', sa.Integer), sa.column('session_token', sa.String))
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(users.update().where(users.c.id == user_id).values(session_token=secrets.token_hex(16)))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('session_token', existing_type=sa.String(length=64), nullable=False)

    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_address', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('user_agent', sa.String(length=300), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index('ix_audit_events_entity', ['entity_type', 'entity_id'], unique=False)
    _create_triggers(connection)


def downgrade():
    connection = op.get_bind()
    _drop_triggers(connection)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_entity')
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))
        batch_op.drop_column('user_agent')
        batch_op.drop_column('client_address')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_token')

    op.drop_table('login_failures')
    op.create_table(
        'login_failures',
        sa.Column('key', sa.String(length=254), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('first_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column('locked_until', scorecard.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_login_failures')),
    )


def _create_triggers(connection):
    if connection.dialect.name == "sqlite":
        for statement in SQLITE_TRIGGERS.values():
            connection.exec_driver_sql(statement)
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(POSTGRESQL_FUNCTION)
        connection.exec_driver_sql(POSTGRESQL_TRIGGER)


def _drop_triggers(connection):
    if connection.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS audit_events_append_only()")
