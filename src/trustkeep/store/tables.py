"""The schema, as SQLAlchemy Core tables: one definition for SQLite and PostgreSQL.

Migrations in `migrations/versions/` create exactly this; a test compares them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
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
    # Version 2 events: HMAC-SHA256 (audit sub-key) over the previous event's MAC and this
    # event's canonical form. NULL on version 1 events, accepted only below the cutoff.
    Column("mac", LargeBinary, nullable=True),
)

# One row per export: its manifest (JSON) is recorded as `pending` before the
# first byte is written, so even a file that escapes mid-write can be attributed.
exports = Table(
    "exports",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("flow_id", String(100), nullable=False),
    Column("partner_id", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
    Column("manifest", Text, nullable=False),
)
Index("ix_exports_partner", exports.c.partner_id, exports.c.created_at)

# Canaries are stored like subjects (envelope-encrypted, every field sealed) but
# apart from them, so they never count, look up or reveal as customers.
canaries = Table(
    "canaries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("partner_id", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=True),
    Column("dek_id", BigInteger, nullable=False),
    Column("kek_id", BigInteger, nullable=False),
    Column("index_key_id", BigInteger, nullable=False),
    Column("wrapped_dek", LargeBinary, nullable=False),
    Column("sealed", Text, nullable=False),
    # live: hidden in exports; control: made the same way, never exported, so that a hit
    # on one measures guessing at its domain. Controls carry partner_id "".
    Column("kind", String(10), nullable=False, server_default="live"),
)
Index("ix_canaries_partner", canaries.c.partner_id)

canary_indexes = Table(
    "canary_indexes",
    metadata,
    Column(
        "canary_id", String(40), ForeignKey("canaries.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("category", String(64), primary_key=True),
    Column("key_id", BigInteger, primary_key=True),
    Column("value", BigInteger, nullable=False),
)
Index(
    "ix_canary_indexes_lookup",
    canary_indexes.c.category,
    canary_indexes.c.key_id,
    canary_indexes.c.value,
)

export_canaries = Table(
    "export_canaries",
    metadata,
    Column("export_id", String(40), ForeignKey("exports.id"), primary_key=True),
    Column("canary_id", String(40), ForeignKey("canaries.id"), primary_key=True),
    Column("fresh", Boolean, nullable=False),
)
Index("ix_export_canaries_canary", export_canaries.c.canary_id)

# -- intake ---------------------------------------------------------------------
# Autoincrementing integer keys: SQLite only autoincrements INTEGER PRIMARY KEY.
SerialId = BigInteger().with_variant(Integer(), "sqlite")

# Accepted canary mail waiting for the processor. A message is answered 250 only
# once its row is committed; the processor turns it into a `messages` row and
# deletes it in one transaction, so every accepted message is processed once.
spool = Table(
    "spool",
    metadata,
    Column("id", SerialId, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("priority", SmallInteger, nullable=False),
    Column("channel", String(40), nullable=False),
    Column("key_id", BigInteger, nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    # Never reuse an id: messages.spool_id records which spool row each came from.
    sqlite_autoincrement=True,
)
Index("ix_spool_order", spool.c.priority, spool.c.id)

# One processed message; its evidence (headers, envelope, raw message) is
# envelope-encrypted like a subject.
messages = Table(
    "messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("spool_id", BigInteger, nullable=False, unique=True),
    Column("channel", String(40), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("dek_id", BigInteger, nullable=False),
    Column("kek_id", BigInteger, nullable=False),
    Column("wrapped_dek", LargeBinary, nullable=False),
    Column("evidence", LargeBinary, nullable=False),
)
Index("ix_messages_received", messages.c.received_at)

# A message's hits at one partner: which canaries, the verdict, the alert it fed.
sightings = Table(
    "sightings",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("message_id", String(40), ForeignKey("messages.id"), nullable=False),
    Column("partner_id", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("canary_ids", Text, nullable=False),
    Column("export_ids", Text, nullable=False),
    Column("authorised", Boolean, nullable=False),
    Column("verdict", Text, nullable=False),
    Column("alert_id", String(40), nullable=True),
    # authorised | guess | suspected | leak | control (see trustkeep.detect.likelihood)
    Column("kind", String(16), nullable=False, server_default="leak"),
    Column("campaign_id", String(40), nullable=True),
    Column("likelihood", Float, nullable=True),  # log10 of the likelihood ratio
)
Index("ix_sightings_kind", sightings.c.kind, sightings.c.received_at)
Index("ix_sightings_partner", sightings.c.partner_id, sightings.c.received_at)
Index("ix_sightings_alert", sightings.c.alert_id)
Index("ix_sightings_message", sightings.c.message_id)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("partner_id", String(100), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("message_count", BigInteger, nullable=False),
    Column("summary", Text, nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("acknowledged_by", String(200), nullable=True),
    Column("resolved_at", DateTime(timezone=True), nullable=True),
    Column("resolved_by", String(200), nullable=True),
    Column("resolution", Text, nullable=True),
    Column("level", String(16), nullable=False, server_default="leak"),  # suspected | leak
    Column("likelihood", Float, nullable=True),  # log10 of the likelihood ratio
)
# Not on last_seen: every canary hit updates it, and on PostgreSQL an update that
# touches no indexed column can stay on its page (HOT) instead of bloating indexes.
Index("ix_alerts_partner", alerts.c.partner_id, alerts.c.status)
Index("ix_alerts_created", alerts.c.created_at)

# Mail grouped into campaigns (same envelope sender, From, body or link, close in time),
# so that a leak sent from rotating IPs is judged once. `state` is the campaign's
# running evidence (JSON: hit canary ids per partner, control hits, misses per domain).
campaigns = Table(
    "campaigns",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
    Column("message_count", BigInteger, nullable=False),
    Column("state", Text, nullable=False),
)

# Keyed hashes of the fingerprints that tie a message to its campaign (no plaintext).
campaign_keys = Table(
    "campaign_keys",
    metadata,
    Column("key_hash", String(64), primary_key=True),
    Column("campaign_id", String(40), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)

# Outbox for alert notifications: written with the alert, sent by a worker that
# retries with backoff and never blocks intake.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", SerialId, primary_key=True, autoincrement=True),
    Column("alert_id", String(40), ForeignKey("alerts.id"), nullable=False),
    Column("output_id", String(100), nullable=False),
    Column("event", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
)
Index("ix_alert_deliveries_due", alert_deliveries.c.status, alert_deliveries.c.next_attempt_at)

# Counters the listener keeps without storing anything else (non-canary mail).
intake_counters = Table(
    "intake_counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# -- console and API authentication -----------------------------------------------
# Users log in to the console; only an argon2id hash of the password is stored.
users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True), nullable=True),
)

# API keys: the secret is shown once; only its SHA-256 is kept (it has 256 bits of
# entropy, so a slow hash adds nothing but latency to every request).
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("key_hash", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# Console sessions, keyed by the SHA-256 of the cookie's token (a stolen table opens none).
sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", String(40), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
Index("ix_sessions_user", sessions.c.user_id)

# Failed logins, by hashed user name and hashed client address: the rate limit is
# shared by every `serve` process on one database.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", SerialId, primary_key=True, autoincrement=True),
    Column("key_hash", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_login_failures_key", login_failures.c.key_hash, login_failures.c.at)

# -- erasure ----------------------------------------------------------------------
# One row per erased subject whose old page copies may still be on disk (SQLite: a
# WAL a reader kept from being checkpointed; PostgreSQL: row versions an older
# snapshot kept VACUUM from removing). Written in the erase's own transaction and
# deleted once the purge is done; `serve` and the next command retry it. `xid` is
# the erasing PostgreSQL transaction (NULL on SQLite). No PII: the subject's id only.
purge_pending = Table(
    "purge_pending",
    metadata,
    Column("subject_id", String(40), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("xid", BigInteger, nullable=True),
)
