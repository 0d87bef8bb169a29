"""Erasure: purge-pending markers for erased subjects not yet purged from disk.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purge_pending",
        sa.Column("subject_id", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("xid", sa.BigInteger, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("purge_pending")
