"""Exports, their manifests, and canaries (stored encrypted, apart from subjects).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("flow_id", sa.String(100), nullable=False),
        sa.Column("partner_id", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("manifest", sa.Text, nullable=False),
    )
    op.create_index("ix_exports_partner", "exports", ["partner_id", "created_at"])
    op.create_table(
        "canaries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("partner_id", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dek_id", sa.BigInteger, nullable=False),
        sa.Column("kek_id", sa.BigInteger, nullable=False),
        sa.Column("index_key_id", sa.BigInteger, nullable=False),
        sa.Column("wrapped_dek", sa.LargeBinary, nullable=False),
        sa.Column("sealed", sa.Text, nullable=False),
    )
    op.create_index("ix_canaries_partner", "canaries", ["partner_id"])
    op.create_table(
        "canary_indexes",
        sa.Column(
            "canary_id",
            sa.String(40),
            sa.ForeignKey("canaries.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("key_id", sa.BigInteger, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_canary_indexes_lookup", "canary_indexes", ["category", "key_id", "value"])
    op.create_table(
        "export_canaries",
        sa.Column("export_id", sa.String(40), sa.ForeignKey("exports.id"), primary_key=True),
        sa.Column("canary_id", sa.String(40), sa.ForeignKey("canaries.id"), primary_key=True),
        sa.Column("fresh", sa.Boolean, nullable=False),
    )
    op.create_index("ix_export_canaries_canary", "export_canaries", ["canary_id"])


def downgrade() -> None:
    for table in ("export_canaries", "canary_indexes", "canaries", "exports"):
        op.drop_table(table)
