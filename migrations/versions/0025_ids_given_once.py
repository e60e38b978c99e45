"""ids given once: SQLite's tables keep their ids as AUTOINCREMENT

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 09:40:00.000000

SQLite gives a table's largest id again once the row holding it is deleted, and a revert deletes the
observations and commitments its batch made: a client paging by `after_id` skipped the new rows that took
such ids, an If-Match read from a deleted commitment matched the new one given its id, and a link to a
finding could lead to another. AUTOINCREMENT keeps every new id above each one given since. Each table
with an integer id is rebuilt as it is with it (batch mode: a copy, its ids kept, its triggers made
again); an id given and freed before this upgrade is not known, and may be given once more.
PostgreSQL's sequences never go back: nothing to do there. The models declare it
(scorecard.models.base.Base) for a database made new.
"""
import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def _tables_with_an_id(connection) -> list[str]:
    """The tables whose key is one integer column, id, not yet AUTOINCREMENT."""
    found, inspector = [], sa.inspect(connection)
    for name, sql in connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version' ORDER BY name"):
        if "AUTOINCREMENT" in (sql or "").upper():
            continue
        key = inspector.get_pk_constraint(name)["constrained_columns"]
        columns = {c["name"]: c for c in inspector.get_columns(name)}
        if key == ["id"] and isinstance(columns["id"]["type"], sa.Integer):
            found.append(name)
    return found


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        return
    for name in _tables_with_an_id(connection):
        # a table's triggers go with it (the audit log's that refuse UPDATE and DELETE): made again on the copy
        triggers = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (name,)).scalars().all()
        with op.batch_alter_table(name, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
            pass
        for sql in triggers:
            connection.exec_driver_sql(sql)


def downgrade():
    # Nothing to undo: the release before reads and writes AUTOINCREMENT tables as it did the others.
    pass
