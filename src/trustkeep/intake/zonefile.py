"""A local DNS zone from a JSON file: `serve --dns-zone` for labs, tests and demos.

    {"records": [{"name": "relaymail.example", "type": "TXT", "value": "v=spf1 ip4:... -all"},
                 {"name": "mx.example", "type": "A", "value": "127.0.0.1"},
                 {"name": "example", "type": "MX", "value": "mx.example", "preference": 10}]}

With it, SPF, DKIM and DMARC are evaluated against these records only: no DNS
query leaves the machine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trustkeep.errors import InvalidInput
from trustkeep.intake.resolver import LocalZone

TYPES = ("TXT", "A", "AAAA", "MX", "PTR")


def load_zone(path: Path) -> LocalZone:
    try:
        doc: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from None
    except ValueError as exc:
        raise InvalidInput(f"{path}: not JSON ({exc})") from None
    records = doc.get("records") if isinstance(doc, dict) else None
    if not isinstance(records, list):
        raise InvalidInput(f'{path}: expected {{"records": [...]}}')
    zone = LocalZone()
    for number, record in enumerate(records, 1):
        where = f"{path}: record {number}"
        if not isinstance(record, dict):
            raise InvalidInput(f"{where}: expected an object with name, type and value")
        name, kind, value = record.get("name"), record.get("type"), record.get("value")
        if not isinstance(name, str) or not isinstance(value, str) or kind not in TYPES:
            raise InvalidInput(
                f"{where}: needs a name, a value (strings) and a type ({', '.join(TYPES)})"
            )
        try:
            if kind == "TXT":
                zone.add_txt(name, value)
            elif kind in ("A", "AAAA"):
                zone.add_a(name, value)
            elif kind == "MX":
                zone.add_mx(name, value, int(record.get("preference", 10)))
            else:
                zone.add_ptr(name, value)
        except ValueError as exc:
            raise InvalidInput(f"{where}: {exc}") from None
    return zone


def dump_zone(records: list[dict[str, Any]], path: Path) -> None:
    path.write_text(json.dumps({"records": records}, indent=2) + "\n")
