"""Who may use the console and the API: users, sessions, API keys, roles and scopes."""

from trustkeep.web.auth.principal import Principal
from trustkeep.web.auth.scopes import ROLES, SCOPES, scopes_for_role

__all__ = ["ROLES", "SCOPES", "Principal", "scopes_for_role"]
