"""The demo's console login: one admin user with a fresh random password."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from trustkeep.store.tables import users
from trustkeep.web.auth.users import add_user, set_password
from trustkeep.workspace import Workspace

DEMO_USER = "demo"


def ensure_demo_user(workspace: Workspace) -> tuple[str, str]:
    """Create (or reset) the `demo` admin and return its name and new password to print."""
    password = secrets.token_urlsafe(12)
    with workspace.store.read() as conn:
        exists = conn.execute(select(users.c.id).where(users.c.name == DEMO_USER)).first()
    if exists:
        set_password(workspace, DEMO_USER, password)
    else:
        add_user(workspace, DEMO_USER, "admin", password)
    return DEMO_USER, password
