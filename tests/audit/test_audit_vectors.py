"""Frozen known answers for the audit-log formats (tests/vectors/audit.json)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from trustkeep.audit.checkpoint import Checkpoint
from trustkeep.audit.events import Event
from trustkeep.audit.merkle import root_of

VECTORS = json.loads((Path(__file__).parents[1] / "vectors" / "audit.json").read_text())


def test_event_canonical_bytes_and_leaf_hashes_are_frozen() -> None:
    leaves = []
    for case in VECTORS["events"]:
        event = Event(**case["fields"])
        assert event.canonical().decode() == case["canonical"]
        # RFC 6962 leaf: SHA-256 over 0x00 || canonical bytes, computed independently here.
        independent = hashlib.sha256(b"\x00" + case["canonical"].encode()).hexdigest()
        assert event.leaf_hash().hex() == case["leaf_hash"] == independent
        leaves.append(event.leaf_hash())
    node = hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).hexdigest()
    assert root_of(leaves).hex() == VECTORS["root"] == node


def test_checkpoint_statement_is_frozen() -> None:
    case = VECTORS["checkpoint"]
    checkpoint = Checkpoint(
        case["workspace_id"], case["size"], bytes.fromhex(VECTORS["root"]), case["at"]
    )
    assert checkpoint.message().decode() == case["message"]
