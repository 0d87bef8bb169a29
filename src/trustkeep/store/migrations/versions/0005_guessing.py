"""Guessing: canary kinds (live, control), weighed sightings and alerts, campaigns.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("canaries") as batch:
        batch.add_column(sa.Column("kind", sa.String(10), nullable=False, server_default="live"))
    with op.batch_alter_table("sightings") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="leak"))
        batch.add_column(sa.Column("campaign_id", sa.String(40), nullable=True))
        batch.add_column(sa.Column("likelihood", sa.Float, nullable=True))
    op.create_index("ix_sightings_kind", "sightings", ["kind", "received_at"])
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("level", sa.String(16), nullable=False, server_default="leak"))
        batch.add_column(sa.Column("likelihood", sa.Float, nullable=True))
    op.create_table(
        "campaigns",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_count", sa.BigInteger, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_table(
        "campaign_keys",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("campaign_id", sa.String(40), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("campaign_keys")
    op.drop_table("campaigns")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("likelihood")
        batch.drop_column("level")
    op.drop_index("ix_sightings_kind", "sightings")
    with op.batch_alter_table("sightings") as batch:
        batch.drop_column("likelihood")
        batch.drop_column("campaign_id")
        batch.drop_column("kind")
    with op.batch_alter_table("canaries") as batch:
        batch.drop_column("kind")
