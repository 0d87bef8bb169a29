"""Campaigns: mail grouped by sender, not by IP, so evidence is weighed per campaign.

A spammer or a thief rotates IPs; what stays is the envelope sender, the From
header, the body and the links. A message joins the campaign of any recent
message (within the alert window) that shares one of those fingerprints, else
starts one. Fingerprints are stored only as keyed hashes (a keyring sub-key):
sender addresses may be a real person's. The campaign's running evidence (which
canaries it hit, how many unknown addresses it tried per domain) lives in its
`state`, and `trustkeep.detect.likelihood` weighs it.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from trustkeep.store.tables import campaign_keys, campaigns
from trustkeep.workspace import Workspace

PURPOSE = "campaign-fingerprint"
MAX_LINKS = 10
MAX_HITS = 20_000  # canary ids kept per campaign state (far above any export's canaries)


def fingerprints(
    mail_from: str, from_header: str | None, body_sha256: str, links: Iterable[str]
) -> list[str]:
    """What ties messages of one campaign together (plain; hashed before storing)."""
    found = []
    if mail_from.strip():
        found.append("env:" + mail_from.strip().casefold())
    if from_header and from_header.strip():
        found.append("from:" + " ".join(from_header.split()).casefold())
    found.append("body:" + body_sha256)
    for link in list(dict.fromkeys(links))[:MAX_LINKS]:
        found.append("link:" + link.strip().casefold())
    return found


@dataclass
class State:
    """A campaign's running evidence (JSON in `campaigns.state`)."""

    hits: dict[str, str] = field(default_factory=dict)  # canary id -> partner id ("" control)
    misses: dict[str, int] = field(default_factory=dict)  # domain -> rejected rcpts, summed
    senders: dict[str, int] = field(default_factory=dict)  # domain -> a sender's recent, max

    @classmethod
    def load(cls, text: str) -> State:
        doc = json.loads(text or "{}")
        return cls(
            dict(doc.get("hits", {})),
            {k: int(v) for k, v in doc.get("misses", {}).items()},
            {k: int(v) for k, v in doc.get("senders", {}).items()},
        )

    def dump(self) -> str:
        doc = {"hits": self.hits, "misses": self.misses, "senders": self.senders}
        return json.dumps(doc, separators=(",", ":"))

    def add(
        self,
        hits: Mapping[str, str],
        misses: Mapping[str, int],
        sender_misses: Mapping[str, int] | None = None,
    ) -> list[str]:
        """Add one message's hits and misses; returns the canary ids new to the campaign.

        A message's own misses add up over the campaign; its sender's recent misses
        (which earlier messages already carried) count once, at their highest.
        """
        new = [c for c in hits if c not in self.hits]
        for canary_id in new:
            if len(self.hits) < MAX_HITS:
                self.hits[canary_id] = hits[canary_id]
        for domain, count in misses.items():
            self.misses[domain] = self.misses.get(domain, 0) + int(count)
        for domain, count in (sender_misses or {}).items():
            self.senders[domain] = max(self.senders.get(domain, 0), int(count))
        return new

    def tried(self) -> dict[str, int]:
        """Unknown addresses the campaign tried, per domain: the larger of both counts."""
        domains = set(self.misses) | set(self.senders)
        return {d: max(self.misses.get(d, 0), self.senders.get(d, 0)) for d in domains}


class Campaigns:
    """Assigns messages to campaigns inside the processor's transaction."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._open: dict[str, tuple[State, int, datetime]] = {}

    def _hash(self, fingerprint: str) -> str:
        keyring = self.workspace.keyring
        mac = keyring.mac(keyring.primary, PURPOSE)
        mac.update(fingerprint.encode("utf-8", "surrogateescape"))
        return mac.finalize().hex()

    def assign(
        self, conn: Connection, prints: list[str], when: datetime, window: timedelta
    ) -> tuple[str, State]:
        """The campaign this message belongs to (created when none matches) and its state."""
        self.workspace.store.lock_for_append(conn, "campaigns")
        hashes = sorted({self._hash(p) for p in prints})
        rows = conn.execute(
            select(campaign_keys.c.campaign_id, campaigns.c.first_seen, campaigns.c.state)
            .join(campaigns, campaigns.c.id == campaign_keys.c.campaign_id)
            .where(campaign_keys.c.key_hash.in_(hashes), campaign_keys.c.last_seen >= when - window)
            .order_by(campaigns.c.first_seen, campaigns.c.id)
            .limit(1)
        ).first()
        if rows is not None:
            campaign_id = str(rows.campaign_id)
            if campaign_id not in self._open:
                self._open[campaign_id] = (State.load(rows.state), 0, when)
        else:
            campaign_id = f"cmp_{secrets.token_hex(10)}"
            conn.execute(
                insert(campaigns).values(
                    id=campaign_id, first_seen=when, last_seen=when, message_count=0, state="{}"
                )
            )
            self._open[campaign_id] = (State(), 0, when)
        state, count, last = self._open[campaign_id]
        self._open[campaign_id] = (state, count + 1, max(last, when))
        self._keys(conn, hashes, campaign_id, when)
        return campaign_id, state

    def _keys(self, conn: Connection, hashes: list[str], campaign_id: str, when: datetime) -> None:
        dialect = postgresql if self.workspace.store.dialect == "postgresql" else sqlite
        for key_hash in hashes:
            conn.execute(
                dialect.insert(campaign_keys)
                .values(key_hash=key_hash, campaign_id=campaign_id, last_seen=when)
                .on_conflict_do_update(
                    index_elements=["key_hash"],
                    set_={"campaign_id": campaign_id, "last_seen": when},
                )
            )

    def save(self, conn: Connection) -> None:
        """Write every campaign touched in this transaction once, then forget them."""
        for campaign_id, (state, count, last) in self._open.items():
            conn.execute(
                update(campaigns)
                .where(campaigns.c.id == campaign_id)
                .values(
                    state=state.dump(),
                    message_count=campaigns.c.message_count + count,
                    last_seen=last,
                )
            )
        self._open.clear()

    def discard(self) -> None:
        """Forget what a rolled-back transaction touched."""
        self._open.clear()
