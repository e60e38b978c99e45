"""login failures: an address's unlock apart from an account's

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 20:10:00.000000

An administrator's unlock of a client address set `cleared_at` on its failures, which takes a failure out of
every count: the accounts tried from that address lost their delays too, so one who tripped the address's
limit on purpose got fresh guesses at every account once the office's access was restored. An address's
unlock now sets `address_cleared_at`, which takes a failure out of the address's count alone. The failures an
address unlock cleared before keep their `cleared_at`, as they were.
"""
import sqlalchemy as sa
from alembic import op

import scorecard.models.base

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


# Plain ALTER TABLE, as 0020: a batch-mode copy is not needed to add a column that may be empty.
def upgrade():
    op.add_column('login_failures', sa.Column('address_cleared_at', scorecard.models.base.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column('login_failures', 'address_cleared_at')
