"""The schema, as SQLAlchemy Core tables: one definition for SQLite and PostgreSQL.

Migrations in `migrations/versions/` create exactly this; a test compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# Workspace facts that must travel with the data (workspace id, index bits).
meta = Table(
    "meta",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row per subject. `sealed` holds {category: base64 ciphertext} as JSON;
# `plain` holds the categories whose tier stores them in the clear.
# Erasing a subject deletes its wrapped key and blind indexes and clears both.
subjects = Table(
    "subjects",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("erased_at", DateTime(timezone=True), nullable=True),
    Column("dek_id", BigInteger, nullable=True),
    Column("kek_id", BigInteger, nullable=True),
    Column("index_key_id", BigInteger, nullable=True),
    Column("wrapped_dek", LargeBinary, nullable=True),
    Column("sealed", Text, nullable=True),
    Column("plain", Text, nullable=True),
)
Index("ix_subjects_kek_id", subjects.c.kek_id)
Index("ix_subjects_index_key_id", subjects.c.index_key_id)

blind_indexes = Table(
    "blind_indexes",
    metadata,
    Column(
        "subject_id",
        String(40),
        ForeignKey("subjects.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("category", String(64), primary_key=True),
    Column("key_id", BigInteger, primary_key=True),
    Column("value", BigInteger, nullable=False),
)
Index(
    "ix_blind_indexes_lookup",
    blind_indexes.c.category,
    blind_indexes.c.key_id,
    blind_indexes.c.value,
)

# How many encryptions each keyring key has performed (it wraps one data key per
# subject); keys are rotated well before AES-GCM's 2^32 random-nonce limit.
key_usage = Table(
    "key_usage",
    metadata,
    Column("key_id", BigInteger, primary_key=True),
    Column("encryptions", BigInteger, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("target_kind", String(40), nullable=True),
    Column("target_id", String(100), nullable=True),
    Column("purpose", Text, nullable=True),
    Column("details", Text, nullable=False),
    Column("leaf_hash", LargeBinary, nullable=False),
)
