"""Errors of authentication and authorisation; the web layer maps them to 400/401/403/429."""

from __future__ import annotations

from trustkeep.errors import InvalidInput


class AuthError(InvalidInput):
    code = "auth"


class AuthInputError(AuthError):
    """A user, role, scope or password given to a command is not acceptable."""

    code = "invalid_input"


class NotAuthenticated(AuthError):
    """No valid credentials (unknown key, expired session, wrong password)."""

    code = "unauthenticated"


class Forbidden(AuthError):
    """Valid credentials that lack the scope for this operation."""

    code = "forbidden"


class RateLimited(AuthError):
    code = "rate_limited"
