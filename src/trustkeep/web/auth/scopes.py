"""Scopes name what a caller may do; roles are named bundles of scopes.

The API checks scopes only. A user's scopes come from their role; an API key
carries its own scopes, fixed when it is created.
"""

from __future__ import annotations

from collections.abc import Iterable

from trustkeep.web.auth.errors import AuthInputError

SCOPES: dict[str, str] = {
    "subjects:read": "Count subjects, look them up by email, see what is held (no values).",
    "subjects:reveal": "See plaintext: subject values, unmasked evidence (a purpose is required).",
    "exports:read": "Exports, their manifests, partners and canary coverage.",
    "canaries:read": "Canary addresses of an export (privileged; audited).",
    "sightings:read": "Sightings of canaries.",
    "alerts:read": "Alerts and their (masked) evidence.",
    "alerts:write": "Acknowledge and resolve alerts.",
    "map:read": "Data-map findings and diagram.",
    "audit:read": "The audit log and its verification.",
}

_READ = frozenset({"exports:read", "sightings:read", "alerts:read", "map:read"})

ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset(SCOPES),
    # Responders: work alerts, and reveal what an investigation needs (audited).
    "analyst": _READ | {"alerts:write", "subjects:read", "subjects:reveal", "audit:read"},
    # Engineers run the data map and exports; they never see plaintext.
    "engineer": _READ | {"subjects:read"},
    # Auditors read everything that proves control, and nothing personal.
    "auditor": _READ | {"audit:read"},
}


def scopes_for_role(role: str) -> frozenset[str]:
    """The scopes a role grants; an unknown role is refused."""
    try:
        return ROLES[role]
    except KeyError:
        raise AuthInputError(
            f"unknown role {role!r}", hint=f"one of {', '.join(sorted(ROLES))}"
        ) from None


def parse_scopes(values: Iterable[str]) -> frozenset[str]:
    """Validate scope names given by a user (comma- or repeat-separated)."""
    found: set[str] = set()
    for value in values:
        for name in value.split(","):
            name = name.strip()
            if not name:
                continue
            if name not in SCOPES:
                raise AuthInputError(
                    f"unknown scope {name!r}", hint=f"one of {', '.join(sorted(SCOPES))}"
                )
            found.add(name)
    return frozenset(found)
