"""commitment updates' import batch: where a history row came from

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 03:40:00.000000

A commitment's history said a row came from an import only in the note the import wrote when the file's
row had none; a row with a note of its own said nothing of it. import_batch_id names the batch that
wrote the update. Filled here from the import change log: a committed batch's insert of the row.
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('commitment_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('import_batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_commitment_updates_import_batch_id_import_batches'),
                                    'import_batches', ['import_batch_id'], ['id'])
    op.get_bind().execute(sa.text("""
        UPDATE commitment_updates SET import_batch_id = (
            SELECT MIN(c.batch_id) FROM import_row_changes c JOIN import_batches b ON b.id = c.batch_id
            WHERE c.table_name = 'commitment_updates' AND c.action = 'insert' AND c.row_id = commitment_updates.id
              AND b.status = 'committed')"""))


def downgrade():
    with op.batch_alter_table('commitment_updates', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_commitment_updates_import_batch_id_import_batches'),
                                 type_='foreignkey')
        batch_op.drop_column('import_batch_id')
