"""A minimal sound model for the map tests, and helpers to bend it."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from trustkeep.map import Report, check_model
from trustkeep.model import Model

TODAY = date(2026, 6, 1)


def base() -> dict[str, Any]:
    """A small model that every rule passes: vault to an ESP with a sub-processor."""
    return copy.deepcopy(
        {
            "version": 1,
            "custodian": {"id": "acme", "name": "Acme"},
            "standard": {
                "tiers": {
                    "public": {"at_rest": "plain", "share": ["plain", "token", "hash", "mask"]},
                    "personal": {
                        "at_rest": "encrypt",
                        "share": ["plain", "token", "mask"],
                        "plain_to": ["processor"],
                        "max_retention": "365d",
                        "transport": "encrypted",
                    },
                    "sensitive": {
                        "at_rest": "encrypt",
                        "share": ["token", "mask"],
                        "max_retention": "90d",
                        "transport": "encrypted",
                    },
                },
                "categories": {
                    "email": "personal",
                    "first_name": "personal",
                    "last_name": "personal",
                    "birth_date": "sensitive",
                    "purchase_history": "personal",
                    "loyalty_tier": "public",
                },
                "combinations": [
                    {"categories": ["email", "purchase_history"], "tier": "sensitive"}
                ],
                "purposes": {
                    "email_marketing": {
                        "roles": ["processor"],
                        "needs": ["email", "first_name", "loyalty_tier", "purchase_history"],
                    },
                    "analytics": {"roles": ["processor"], "needs": ["purchase_history"]},
                },
                "countries": ["US", "GB"],
            },
            "boundaries": [{"id": "corporate", "kind": "network"}],
            "systems": [
                {
                    "id": "crm",
                    "boundary": "corporate",
                    "holds": ["email", "first_name"],
                    "at_rest": "encrypt",
                    "access_count": 5,
                }
            ],
            "partners": [
                {
                    "id": "esp",
                    "role": "processor",
                    "country": "US",
                    "contract": {"ref": "DPA-1", "expires": date(2099, 1, 1)},
                    "retention": "180d",
                    "senders": {"domains": ["esp.example"]},
                    "sub_processors": ["deliv"],
                },
                {
                    "id": "deliv",
                    "role": "sub_processor",
                    "country": "GB",
                    "contract": {"ref": "SUB-1", "expires": date(2099, 1, 1)},
                },
            ],
            "flows": [
                {
                    "id": "crm-to-vault",
                    "from": "crm",
                    "to": "vault",
                    "purpose": "email_marketing",
                    "categories": {"email": "plain", "first_name": "plain"},
                    "transport": {"protocol": "https", "encrypted": True},
                },
                {
                    "id": "vault-to-esp",
                    "from": "vault",
                    "to": "esp",
                    "purpose": "email_marketing",
                    "categories": {
                        "email": "plain",
                        "first_name": "plain",
                        "loyalty_tier": "plain",
                    },
                    "transport": {"protocol": "sftp", "encrypted": True},
                    "retention": "90d",
                    "deletion": "api",
                },
            ],
            "canaries": {"domains": ["canary.example"]},
        }
    )


def flow(data: dict[str, Any], flow_id: str) -> dict[str, Any]:
    return next(f for f in data["flows"] if f["id"] == flow_id)


def party(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(p for p in [*data["partners"], *data["systems"]] if p["id"] == item_id)


def report(data: dict[str, Any], today: date = TODAY) -> Report:
    return check_model(Model.model_validate(data), today)


def hits(data: dict[str, Any], today: date = TODAY) -> set[tuple[str, str]]:
    """(rule, target) of every counted finding."""
    return {(f.rule, f.target) for f in report(data, today).findings}


def write(folder: Path, data: dict[str, Any], name: str = "trustkeep.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
