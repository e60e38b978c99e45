"""the audit log refuses INSERT OR REPLACE (SQLite)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 14:30:00.000000

SQLite's INSERT OR REPLACE deletes the row whose id it collides with without firing the DELETE trigger
(recursive_triggers is off), so an audit event could be rewritten in place, its actor and values
changed, past the triggers that refuse UPDATE and DELETE. A third trigger refuses an insert under an id
the log already holds. PostgreSQL's INSERT ... ON CONFLICT DO UPDATE fires its UPDATE trigger, which
refuses it: nothing to do there.
"""
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

# As the models make it (scorecard.models.audit.SQLITE_TRIGGERS), copied so this revision stays as it was.
NO_REPLACE = ("CREATE TRIGGER audit_events_no_replace BEFORE INSERT ON audit_events "
              "WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit_events WHERE id = NEW.id) "
              "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only: REPLACE refused'); END")


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_replace")
        connection.exec_driver_sql(NO_REPLACE)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_events_no_replace")
