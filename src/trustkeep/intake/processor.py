"""The processor: spooled canary mail -> message evidence, sightings, alerts.

Parsing and SPF/DKIM/DMARC (which may ask DNS) happen outside any write
transaction; then one transaction takes each spool row (a delete that only one
processor can win), stores the encrypted evidence and records the sightings.
A crash anywhere before the commit leaves the row to be processed again.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert

from trustkeep.clock import Clock
from trustkeep.crypto import DataKey
from trustkeep.detect.alerts import (
    Hit,
    Judged,
    Recorded,
    judge_many,
    new_id,
    record_controls,
    record_many,
)
from trustkeep.detect.campaigns import fingerprints
from trustkeep.detect.exportfacts import ExportFacts
from trustkeep.detect.guessing import Assessor, Observed
from trustkeep.intake import authn, evidence
from trustkeep.intake.matcher import CanaryHit, CanaryMatcher
from trustkeep.intake.resolver import Resolver
from trustkeep.intake.spool import Spool, Spooled
from trustkeep.store.tables import messages
from trustkeep.workspace import Workspace

log = logging.getLogger("trustkeep.intake")
BATCH = 16
# After a partial batch, let a few more messages arrive: one commit (one fsync) then
# serves several, which leaves the listener more CPU under load, for a few ms of latency.
GATHER_SECONDS = 0.05
EVIDENCE_FIELD = "evidence"


@dataclass(frozen=True)
class Prepared:
    item: Spooled
    evidence: evidence.Evidence
    auth: authn.AuthResults
    hits: tuple[CanaryHit, ...]  # the listener's hits, confirmed by decrypting


class Processor:
    """Drains the spool in a thread of its own; `run_once` is the unit tests drive."""

    def __init__(
        self,
        workspace: Workspace,
        spool: Spool,
        resolver: Resolver,
        clock: Clock,
        on_alert: Callable[[Recorded], None] = lambda _r: None,
    ) -> None:
        self.workspace = workspace
        self.spool = spool
        self.resolver = resolver
        self.clock = clock
        self.on_alert = on_alert
        self.paused = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.facts = ExportFacts(workspace)
        self.matcher = CanaryMatcher(workspace)
        self.assessor = Assessor(workspace, lambda: self.matcher.facts)

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="trustkeep-processor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.paused.is_set():
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            try:
                done = self.run_once()
            except Exception as exc:  # keep draining; the row stays for another try
                log.error("processing failed (%s); will retry", type(exc).__name__)
                done = 0
                self._stop.wait(1.0)
            if done == 0:
                # Poll as a fallback for rows spooled by another process.
                self._wake.wait(0.5)
                self._wake.clear()
            elif done < BATCH:
                self._stop.wait(GATHER_SECONDS)

    def run_once(self, limit: int = BATCH) -> int:
        """Process up to `limit` spooled messages; returns how many this call took."""
        items = self.spool.peek(limit)
        if not items:
            return 0
        self.matcher.refresh()
        prepared = [self._prepare(item) for item in items]
        now = self.clock()
        hits: list[Hit] = []
        stored: list[tuple[str, Prepared]] = []
        taken = 0
        with self.workspace.store.write() as conn:
            self.facts.refresh(conn)
            for entry in prepared:
                if not self.spool.take(conn, entry.item.spool_id):
                    continue  # another processor had it
                taken += 1
                message_id, mine = self._store(conn, entry, now)
                hits.extend(mine)
                stored.append((message_id, entry))
            judged = judge_many(self.workspace, conn, hits, self.facts)
            observed = [self._observed(m, e, judged) for m, e in stored]
            assessment = self.assessor.assess(conn, observed, now)
            results = record_many(
                self.workspace, conn, judged, assessment.weighed, now, assessment.campaign_of
            )
            controls = {o.message_id: (o.received_at, o.controls) for o in observed}
            record_controls(conn, controls, assessment.campaign_of)
        self.spool.processed(taken)
        for result in results:
            if result.alert_id is not None:
                self.on_alert(result)
        return taken

    def _observed(self, message_id: str, entry: Prepared, judged: list[Judged]) -> Observed:
        message = entry.item.message
        live = {
            canary_id: item.hit.partner_id
            for item in judged
            if item.hit.message_id == message_id and not item.verdict.authorised
            for canary_id in item.hit.canary_ids
        }
        return Observed(
            message_id=message_id,
            received_at=message.received_at,
            fingerprints=fingerprints(
                message.mail_from,
                entry.evidence.from_header,
                entry.evidence.body_sha256,
                entry.evidence.links,
            ),
            live=live,
            controls=[h.canary_id for h in entry.hits if h.kind == "control"],
            misses=message.misses,
            sender_misses=message.sender_misses,
        )

    def _prepare(self, item: Spooled) -> Prepared:
        message = item.message
        found = evidence.parse(message.raw)
        auth = authn.evaluate(
            message.raw,
            peer_ip=message.peer_ip,
            helo=message.helo,
            mail_from=message.mail_from,
            resolver=self.resolver,
            from_domain=found.from_domain,
        )
        confirmed = self.matcher.confirm_hits(item.hits, message.rcpt_tos)
        if len(confirmed) != len(item.hits):
            log.warning("%d spooled hit(s) not confirmed", len(item.hits) - len(confirmed))
        return Prepared(item, found, auth, confirmed)

    def _store(self, conn: Connection, entry: Prepared, now: datetime) -> tuple[str, list[Hit]]:
        """Store the message's encrypted evidence; return its id and live hits per partner."""
        message = entry.item.message
        message_id = new_id("msg")
        doc = {
            "channel": message.channel,
            "peer_ip": message.peer_ip,
            "helo": message.helo,
            "mail_from": message.mail_from,
            "rcpt_tos": list(message.rcpt_tos),
            "provider_auth": message.provider_auth,
            "auth": entry.auth.to_dict(),
            "evidence": entry.evidence.to_dict(),
        }
        keyring = self.workspace.keyring
        dek = DataKey.generate()
        sealed = dek.seal(message_id, EVIDENCE_FIELD, json.dumps(doc, separators=(",", ":")))
        conn.execute(
            insert(messages).values(
                id=message_id,
                spool_id=entry.item.spool_id,
                channel=message.channel,
                received_at=message.received_at,
                processed_at=now,
                body_sha256=entry.evidence.body_sha256,
                dek_id=dek.id,
                kek_id=keyring.primary.id,
                wrapped_dek=dek.wrap(keyring, keyring.primary, message_id),
                evidence=sealed,
            )
        )
        by_partner: dict[str, list[str]] = defaultdict(list)
        for hit in entry.hits:
            if hit.kind == "live":
                by_partner[hit.partner_id].append(hit.canary_id)
        mail_from_domain = message.mail_from.rpartition("@")[2].lower() or None
        auth = entry.auth
        return message_id, [
            Hit(
                message_id=message_id,
                partner_id=partner_id,
                canary_ids=tuple(sorted(set(canary_ids))),
                received_at=message.received_at,
                peer_ip=message.peer_ip,
                helo=message.helo,
                mail_from_domain=mail_from_domain,
                from_domain=entry.evidence.from_domain,
                auth=auth.to_dict(),
                spf=auth.spf,
                spf_domain=auth.spf_domain,
                dkim_pass=frozenset(auth.passing_dkim_domains()),
            )
            for partner_id, canary_ids in sorted(by_partner.items())
        ]
