"""The audit state file: the latest signed tree, kept beside the keyring, MAC'd.

The checkpoint files live in the workspace folder, where someone who can
rewrite the database may also delete them. This small file lives beside the
keyring instead (never in the keyring file itself, so a crash while writing it
cannot cost keys): the size and root of the newest signed checkpoint, and the
tree size from which every event must carry a MAC (`mac_from`: version 1
events are accepted only below it). It is written atomically (0600) and MAC'd
under an audit sub-key, so it cannot be edited, only deleted, and a deleted
state file is reported, never silently re-created while checkpoints exist.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from trustkeep.crypto.files import write_secret
from trustkeep.crypto.keyset import Keyring
from trustkeep.errors import AuditError

PURPOSE = "state-file"
FORMAT = "trustkeep-audit-state/1"


@dataclass(frozen=True)
class AuditState:
    workspace_id: str
    size: int  # the newest signed checkpoint's tree size
    root: str  # its root, base64
    mac_from: int  # events with seq >= mac_from must be version 2 (MAC'd)

    def body(self) -> bytes:
        return json.dumps({"format": FORMAT, **asdict(self)}, sort_keys=True).encode()


def state_path(keyring: Keyring, fallback: Path) -> Path:
    """Beside the keyring file; `fallback` (outside the workspace) when it has none."""
    if keyring.path is not None:
        return keyring.path.with_name(keyring.path.stem + ".audit-state")
    return fallback


def _mac(keyring: Keyring, body: bytes) -> str:
    mac = keyring.audit_mac(PURPOSE)
    mac.update(body)
    return base64.b64encode(mac.finalize()).decode()


def load(path: Path, keyring: Keyring) -> AuditState | None:
    """The state, or None when there is no file; AuditError when it was tampered with."""
    if not path.exists():
        return None
    try:
        doc = json.loads(path.read_bytes())
        state = AuditState(
            workspace_id=str(doc["workspace_id"]),
            size=int(doc["size"]),
            root=str(doc["root"]),
            mac_from=int(doc["mac_from"]),
        )
        claimed = str(doc["mac"])
    except (ValueError, KeyError, TypeError):
        raise AuditError(f"{path} is not an audit state file") from None
    if not hmac.compare_digest(_mac(keyring, state.body()), claimed):
        raise AuditError(f"{path} does not carry this keyring's MAC: it was altered")
    if state.workspace_id != keyring.workspace_id:
        raise AuditError(f"{path} belongs to another workspace")
    return state


def save(path: Path, keyring: Keyring, state: AuditState) -> None:
    doc = {**json.loads(state.body()), "mac": _mac(keyring, state.body())}
    write_secret(path, json.dumps(doc, sort_keys=True).encode())
