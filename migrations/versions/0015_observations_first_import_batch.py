"""observations' first import batch: when a program's quarter was first reported

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 09:00:00.000000

A-11 reports are due 30 days after the quarter ends. Lateness was read from import_batch_id, the batch
that last wrote an observation, so a correction of every value of a quarter, uploaded after the due
date, made a quarter reported on time "late". first_import_batch_id keeps the batch that inserted the
row. Filled here from each row's insert in the import change log (a committed batch's), else from
import_batch_id: a row never updated was inserted by the batch that still holds it.
"""
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
    # Rows a later batch updated: the committed batch whose insert brought them.
    inserted = connection.execute(sa.text("""
        SELECT c.row_id, MIN(c.batch_id) FROM import_row_changes c JOIN import_batches b ON b.id = c.batch_id
        WHERE c.table_name = 'observations' AND c.action = 'insert' AND b.status = 'committed'
          AND c.row_id IN (SELECT row_id FROM import_row_changes
                           WHERE table_name = 'observations' AND action = 'update')
        GROUP BY c.row_id""")).all()
    update = sa.text("UPDATE observations SET first_import_batch_id = :batch WHERE id = :row")
    for start in range(0, len(inserted), CHUNK):
        connection.execute(update, [{"row": row, "batch": batch} for row, batch in inserted[start:start + CHUNK]])


def downgrade():
    with op.batch_alter_table('observations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_observations_first_import_batch_id_import_batches'),
                                 type_='foreignkey')
        batch_op.drop_column('first_import_batch_id')
