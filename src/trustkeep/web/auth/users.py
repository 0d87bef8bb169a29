"""Console users: argon2id password hashes, roles, rate-limited and audited logins."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, insert, select, update

from trustkeep.clock import isoformat
from trustkeep.store.tables import users
from trustkeep.web.auth import ratelimit
from trustkeep.web.auth.errors import AuthInputError, NotAuthenticated, RateLimited
from trustkeep.web.auth.scopes import scopes_for_role
from trustkeep.workspace import Workspace

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")
MIN_PASSWORD = 12
# argon2-cffi's defaults are RFC 9106's low-memory profile, argon2id.
_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist, so a miss costs as much as a hit.

    Made on the first login rather than at import: every CLI command imports this module.
    """
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str

    @property
    def scopes(self) -> frozenset[str]:
        return scopes_for_role(self.role)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthInputError(f"the password must have at least {MIN_PASSWORD} characters")


def add_user(ws: Workspace, name: str, role: str, password: str) -> dict[str, Any]:
    """Create a user; the password is stored only as an argon2id hash."""
    if not NAME_PATTERN.match(name):
        raise AuthInputError(
            "invalid user name", hint="letters, digits and . _ @ -, at most 100 characters"
        )
    scopes_for_role(role)
    _check_password(password)
    user_id = f"usr_{secrets.token_hex(8)}"
    with ws.store.write() as conn:
        if conn.execute(select(users.c.id).where(users.c.name == name)).first():
            raise AuthInputError(f"user {name} already exists")
        now = ws.clock()
        conn.execute(
            insert(users).values(
                id=user_id,
                name=name,
                role=role,
                password_hash=_hasher.hash(password),
                created_at=now,
            )
        )
        ws.audit.record(
            conn, ws.actor, "users.add", target_kind="user", target_id=name, details={"role": role}
        )
    return {"id": user_id, "name": name, "role": role, "created_at": isoformat(now)}


def set_password(ws: Workspace, name: str, password: str) -> None:
    """Replace a user's password (and end none of their sessions: see `disable_user`)."""
    _check_password(password)
    with ws.store.write() as conn:
        _row(conn, name)
        conn.execute(
            update(users).where(users.c.name == name).values(password_hash=_hasher.hash(password))
        )
        ws.audit.record(conn, ws.actor, "users.password", target_kind="user", target_id=name)


def disable_user(ws: Workspace, name: str) -> None:
    """Disable a user: they can no longer log in and their sessions stop working."""
    with ws.store.write() as conn:
        _row(conn, name)
        conn.execute(update(users).where(users.c.name == name).values(disabled_at=ws.clock()))
        ws.audit.record(conn, ws.actor, "users.disable", target_kind="user", target_id=name)


def list_users(ws: Workspace) -> list[dict[str, Any]]:
    with ws.store.read() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).all()
    return [
        {
            "name": r.name,
            "role": r.role,
            "created_at": str(r.created_at),
            "disabled": r.disabled_at is not None,
        }
        for r in rows
    ]


def _row(conn: Connection, name: str) -> Any:
    row = conn.execute(select(users).where(users.c.name == name)).first()
    if row is None:
        raise AuthInputError(f"no user {name}")
    return row


def authenticate(ws: Workspace, name: str, password: str, client: str | None) -> User:
    """Check a login; failures are rate-limited per user name and per client, and audited."""
    keys = ratelimit.keys_for(name, client)
    outcome = "ok"
    with ws.store.write() as conn:
        now = ws.clock()
        row = conn.execute(select(users).where(users.c.name == name)).first()
        actor = f"user:{name}" if row is not None else "anonymous"
        if ratelimit.exceeded(conn, keys, now):
            outcome = "rate_limited"
        else:
            # Verify even for an unknown user, so timing does not tell who exists.
            good = _verify(row.password_hash if row is not None else _dummy_hash(), password)
            if not good or row is None or row.disabled_at is not None:
                outcome = "bad_credentials"
        if outcome == "ok":
            assert row is not None
            if _hasher.check_needs_rehash(row.password_hash):
                new_hash = _hasher.hash(password)
                conn.execute(
                    update(users).where(users.c.id == row.id).values(password_hash=new_hash)
                )
            ws.audit.record(conn, actor, "auth.login", target_kind="user", target_id=name)
        else:
            if outcome == "bad_credentials":
                ratelimit.record_failure(conn, keys, now)
            ws.audit.record(
                conn, actor, "auth.login_failed", target_kind="user", details={"reason": outcome}
            )
    # Raised after the commit, so the failure and its audit event are kept.
    if outcome == "rate_limited":
        raise RateLimited("too many failed logins", hint="wait 15 minutes and try again")
    if outcome != "ok" or row is None:
        raise NotAuthenticated("unknown user or wrong password")
    return User(row.id, row.name, row.role)


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
