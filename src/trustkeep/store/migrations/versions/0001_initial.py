"""Initial schema: meta, subjects, blind indexes, key usage, audit events.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "subjects",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("dek_id", sa.BigInteger, nullable=True),
        sa.Column("kek_id", sa.BigInteger, nullable=True),
        sa.Column("index_key_id", sa.BigInteger, nullable=True),
        sa.Column("wrapped_dek", sa.LargeBinary, nullable=True),
        sa.Column("sealed", sa.Text, nullable=True),
        sa.Column("plain", sa.Text, nullable=True),
    )
    op.create_index("ix_subjects_kek_id", "subjects", ["kek_id"])
    op.create_index("ix_subjects_index_key_id", "subjects", ["index_key_id"])
    op.create_table(
        "blind_indexes",
        sa.Column(
            "subject_id",
            sa.String(40),
            sa.ForeignKey("subjects.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("category", sa.String(64), primary_key=True),
        sa.Column("key_id", sa.BigInteger, primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_blind_indexes_lookup", "blind_indexes", ["category", "key_id", "value"])
    op.create_table(
        "key_usage",
        sa.Column("key_id", sa.BigInteger, primary_key=True),
        sa.Column("encryptions", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "audit_events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(100), nullable=False),
        sa.Column("target_kind", sa.String(40), nullable=True),
        sa.Column("target_id", sa.String(100), nullable=True),
        sa.Column("purpose", sa.Text, nullable=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_events", "key_usage", "blind_indexes", "subjects", "meta"):
        op.drop_table(table)
