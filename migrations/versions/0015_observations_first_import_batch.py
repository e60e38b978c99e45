"""observations' first import batch: when a program's quarter was first reported

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 09:00:00.000000

A-11 reports are due 30 days after the quarter ends. Lateness was read from import_batch_id, the batch
that last wrote an observation, so a correction of every value of a quarter, uploaded after the due
date, made a quarter reported on time "late". first_import_batch_id keeps the batch that inserted the
row, or none for a row first stored without a batch (its date of reporting is unknown). Filled here
from each updated row's earliest change in the import change log (a committed batch's insert, or
what its first update found), else from import_batch_id: a row never updated was stored by the batch
that still holds it.
"""
import json
from typing import Optional

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

CHUNK = 5000


def upgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_import_batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_observations_first_import_batch_id_import_batches'),
                                    'import_batches', ['first_import_batch_id'], ['id'])
    connection = op.get_bind()
    connection.execute(sa.text("UPDATE observations SET first_import_batch_id = import_batch_id"))
    # Rows a later batch updated: what their earliest change in the log says (of committed batches: a
    # reverted one's changes were undone), the batch of its insert, or the batch an update found there,
    # none for a row first stored without one.
    changes = connection.execute(sa.text("""
        SELECT c.row_id, c.batch_id, c.action, c."before" FROM import_row_changes c
        JOIN import_batches b ON b.id = c.batch_id
        WHERE c.table_name = 'observations' AND b.status = 'committed'
          AND c.row_id IN (SELECT row_id FROM import_row_changes
                           WHERE table_name = 'observations' AND action = 'update')
        ORDER BY c.row_id, c.id"""))
    first: dict[int, Optional[int]] = {}
    for row_id, batch_id, action, before in changes:
        if row_id in first:
            continue
        if action == "insert":
            first[row_id] = batch_id
        else:
            before = json.loads(before) if isinstance(before, str) else (before or {})
            first[row_id] = before.get("import_batch_id")
    update = sa.text("UPDATE observations SET first_import_batch_id = :batch WHERE id = :row")
    found = [{"row": row, "batch": batch} for row, batch in first.items()]
    for start in range(0, len(found), CHUNK):
        connection.execute(update, found[start:start + CHUNK])


def downgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_observations_first_import_batch_id_import_batches'),
                                 type_='foreignkey')
        batch_op.drop_column('first_import_batch_id')
