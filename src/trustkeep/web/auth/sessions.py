"""Console sessions: a random token in an HttpOnly cookie, stored only as its SHA-256.

The CSRF token is derived from the session token (HMAC), so it needs no
storage, changes with every login and cannot be guessed without the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, insert, select

from trustkeep.clock import as_utc
from trustkeep.store.tables import sessions, users
from trustkeep.web.auth.principal import Principal
from trustkeep.web.auth.scopes import ROLES
from trustkeep.web.auth.users import User
from trustkeep.workspace import Workspace

LIFETIME = timedelta(hours=8)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_token(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"trustkeep csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(session_token), presented or "")


def start_session(ws: Workspace, user: User) -> str:
    """A new session for a user who just logged in; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    now = ws.clock()
    with ws.store.write() as conn:
        conn.execute(delete(sessions).where(sessions.c.expires_at < now))
        conn.execute(
            insert(sessions).values(
                token_hash=_hash(token), user_id=user.id, created_at=now, expires_at=now + LIFETIME
            )
        )
    return token


def resolve_session(ws: Workspace, token: str) -> Principal | None:
    """The user behind a session cookie, or None if it is unknown, expired or disabled."""
    with ws.store.read() as conn:
        row = conn.execute(
            select(sessions.c.expires_at, users.c.name, users.c.role, users.c.disabled_at)
            .join(users, users.c.id == sessions.c.user_id)
            .where(sessions.c.token_hash == _hash(token))
        ).first()
    if row is None or row.disabled_at is not None or as_utc(row.expires_at) <= ws.clock():
        return None
    scopes = ROLES.get(row.role, frozenset())
    return Principal("user", row.name, scopes, role=row.role, session_token=token)


def end_session(ws: Workspace, token: str) -> None:
    with ws.store.write() as conn:
        conn.execute(delete(sessions).where(sessions.c.token_hash == _hash(token)))
