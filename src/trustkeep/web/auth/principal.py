"""The authenticated caller of one request."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Principal:
    """A user (by session) or an API key, with the scopes it holds."""

    kind: str  # "user" or "apikey"
    name: str
    scopes: frozenset[str]
    role: str | None = None
    # The session token, needed to derive the CSRF token; never shown in a repr.
    session_token: str | None = field(default=None, repr=False)

    @property
    def actor(self) -> str:
        """How the audit log names this caller."""
        return f"{self.kind}:{self.name}"

    def can(self, scope: str) -> bool:
        return scope in self.scopes
