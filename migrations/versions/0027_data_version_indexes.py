"""indexes the dashboards' data version reads: commitments' and capacity assessments' newest change and versions

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 23:10:00.000000

Every dashboard request reads the data version (dashboards.cache): among its parts, the newest
`updated_at` and the sum of `version` of commitments and of capacity assessments. Without an index
both read every row of the table, long texts and all; with one on (updated_at, version) the newest is
one step down the index and the sum a scan of the index alone. At 400 commitments and 150 assessments
the statement took 0.15 ms, and takes 0.06.
"""
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_commitments_updated_version", "commitments", ["updated_at", "version"])
    op.create_index("ix_capacity_assessments_updated_version", "capacity_assessments", ["updated_at", "version"])


def downgrade():
    op.drop_index("ix_capacity_assessments_updated_version", table_name="capacity_assessments")
    op.drop_index("ix_commitments_updated_version", table_name="commitments")
