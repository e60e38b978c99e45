"""audit no truncate: PostgreSQL refuses TRUNCATE of audit_events too

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 10:00:00.000000

The row triggers of 0009 refuse UPDATE and DELETE; TRUNCATE fires no row trigger, so a statement
trigger (the same function) refuses it. SQLite has no TRUNCATE.
"""
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TRIGGER = ("CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
           "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()")


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
