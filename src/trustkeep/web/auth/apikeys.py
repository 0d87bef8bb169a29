"""API keys with scopes: shown once at creation, stored only as a SHA-256 hash.

A key reads `tk_<id>_<secret>`; the id finds the row, the secret's hash is
compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select, update

from trustkeep.clock import isoformat
from trustkeep.store.tables import api_keys
from trustkeep.web.auth.errors import AuthInputError
from trustkeep.web.auth.principal import Principal
from trustkeep.web.auth.scopes import parse_scopes, scopes_for_role
from trustkeep.workspace import Workspace

KEY_PATTERN = re.compile(r"^tk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    ws: Workspace, name: str, scopes: Iterable[str] = (), role: str | None = None
) -> dict[str, Any]:
    """A new key with these scopes (or a role's); the returned `key` is never shown again."""
    if not NAME_PATTERN.match(name):
        raise AuthInputError("invalid key name", hint="letters, digits and . _ @ -")
    granted = set(parse_scopes(scopes))
    if role is not None:
        granted |= scopes_for_role(role)
    if not granted:
        raise AuthInputError("an API key needs at least one scope", hint="--scope or --role")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    with ws.store.write() as conn:
        now = ws.clock()
        conn.execute(
            insert(api_keys).values(
                id=key_id,
                name=name,
                scopes=json.dumps(sorted(granted)),
                key_hash=_hash(secret),
                created_at=now,
            )
        )
        ws.audit.record(
            conn,
            ws.actor,
            "apikeys.create",
            target_kind="apikey",
            target_id=key_id,
            details={"name": name, "scopes": sorted(granted)},
        )
    return {
        "id": key_id,
        "name": name,
        "scopes": sorted(granted),
        "created_at": isoformat(now),
        "key": f"tk_{key_id}_{secret}",
    }


def list_keys(ws: Workspace) -> list[dict[str, Any]]:
    with ws.store.read() as conn:
        rows = conn.execute(select(api_keys).order_by(api_keys.c.created_at)).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "scopes": json.loads(r.scopes),
            "created_at": str(r.created_at),
            "revoked": r.revoked_at is not None,
        }
        for r in rows
    ]


def revoke_key(ws: Workspace, key_id: str) -> None:
    with ws.store.write() as conn:
        found = conn.execute(select(api_keys.c.id).where(api_keys.c.id == key_id)).first()
        if found is None:
            raise AuthInputError(f"no API key {key_id}")
        conn.execute(update(api_keys).where(api_keys.c.id == key_id).values(revoked_at=ws.clock()))
        ws.audit.record(conn, ws.actor, "apikeys.revoke", target_kind="apikey", target_id=key_id)


def resolve_key(ws: Workspace, presented: str) -> Principal | None:
    """The key's principal, or None if it is malformed, unknown, revoked or wrong."""
    match = KEY_PATTERN.match(presented)
    if match is None:
        return None
    key_id, secret = match.groups()
    with ws.store.read() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, _hash(secret)):
        return None
    return Principal("apikey", f"{row.name}/{row.id}", frozenset(json.loads(row.scopes)))
