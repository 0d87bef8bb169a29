"""Data-map checker on a large model: load + validation time, then rule time, apart.

    python bench/map_rules.py [--flows 10000] [--partners 2000]

Target: the rules run in under 2 s on 10,000 flows and 2,000 partners.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from trustkeep.map import check_model
from trustkeep.model import load_model

CATEGORIES = ["email", "first_name", "last_name", "phone", "purchase_history", "loyalty_tier"]


def build(flows: int, partners: int, rng: random.Random) -> dict[str, Any]:
    """A model shaped like MODEL.md, scaled up: chains of sub-processors, mixed forms."""
    systems = [
        {
            "id": f"sys-{i}",
            "boundary": "corporate",
            "holds": rng.sample(CATEGORIES, 3),
            "at_rest": "encrypt",
            "access_count": rng.randint(1, 40),
        }
        for i in range(max(10, flows // 100))
    ]
    party_list = []
    for i in range(partners):
        subs = [f"partner-{j}" for j in rng.sample(range(partners), 2) if j != i]
        party_list.append(
            {
                "id": f"partner-{i}",
                "role": rng.choice(["processor", "controller", "sub_processor"]),
                "country": rng.choice(["US", "GB", "DE", "SG"]),
                "contract": {"ref": f"DPA-{i}", "expires": date(2027 + i % 3, 1, 31)}
                if i % 17
                else None,
                "retention": "180d",
                "senders": {"domains": [f"p{i}.example"]},
                "sub_processors": subs if i % 5 == 0 else [],
            }
        )
    flow_list = []
    for i in range(flows):
        source = "vault" if i % 3 == 0 else f"sys-{i % len(systems)}"
        cats = {c: rng.choice(["plain", "token", "mask"]) for c in rng.sample(CATEGORIES, 3)}
        flow_list.append(
            {
                "id": f"flow-{i}",
                "from": source,
                "to": f"partner-{i % partners}",
                "purpose": rng.choice(["email_marketing", "analytics"]),
                "categories": cats,
                "transport": {"protocol": "sftp", "encrypted": i % 11 != 0},
                "retention": rng.choice(["90d", "180d", "2y"]),
                "deletion": "api" if i % 7 else None,
            }
        )
    return {
        "version": 1,
        "custodian": {"id": "bench", "name": "Bench"},
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
                "phone": "personal",
                "purchase_history": "personal",
                "loyalty_tier": "public",
            },
            "combinations": [{"categories": ["email", "purchase_history"], "tier": "sensitive"}],
            "purposes": {
                "email_marketing": {
                    "roles": ["processor"],
                    "needs": ["email", "first_name", "last_name", "loyalty_tier"],
                },
                "analytics": {
                    "roles": ["processor"],
                    "needs": ["purchase_history", "loyalty_tier"],
                },
            },
            "countries": ["US", "GB", "DE"],
        },
        "boundaries": [{"id": "corporate"}],
        "systems": systems,
        "partners": party_list,
        "flows": flow_list,
        "canaries": {"domains": ["canary.example"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=10_000)
    parser.add_argument("--partners", type=int, default=2_000)
    parser.add_argument("--rows", type=int, help="ignored (bench/run.py --quick passes it)")
    args = parser.parse_args()
    data = build(args.flows, args.partners, random.Random(7))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trustkeep.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        size = path.stat().st_size
        started = time.perf_counter()
        model = load_model(path)
        loaded = time.perf_counter() - started
    started = time.perf_counter()
    report = check_model(model, date(2026, 6, 1))
    ruled = time.perf_counter() - started
    print(
        f"model: {args.flows} flows, {args.partners} partners, {len(model.systems)} systems, "
        f"{size / 1e6:.1f} MB of YAML"
    )
    print(f"load + validate (YAML, JSON Schema, pydantic): {loaded:.2f} s")
    print(f"rules ({len(report.findings)} findings): {ruled:.2f} s (target < 2 s)")


if __name__ == "__main__":
    main()
