"""Sightings and the alerts they raise: judge, narrow, deduplicate, store.

Runs inside the processor's transaction, so a message, its sightings and its
alert land together or not at all.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from trustkeep.clock import as_utc, isoformat, parse_iso
from trustkeep.detect.exportfacts import ExportFacts
from trustkeep.detect.narrow import Running, narrow
from trustkeep.detect.rules import Facts, SenderPolicy, Verdict, judge
from trustkeep.store.tables import alerts, sightings
from trustkeep.workspace import Workspace

MAX_LISTED = 50  # senders and authentication results kept per alert


@dataclass(frozen=True)
class Hit:
    """One message's canary hits at one partner, with what the pipeline learnt."""

    message_id: str
    partner_id: str
    canary_ids: tuple[str, ...]
    received_at: datetime
    peer_ip: str | None
    helo: str | None
    mail_from_domain: str | None
    from_domain: str | None
    auth: dict[str, Any] = field(default_factory=dict)  # AuthResults.to_dict()
    spf: str = "none"
    spf_domain: str | None = None
    dkim_pass: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Recorded:
    sighting_id: str
    verdict: Verdict
    alert_id: str | None
    event: str | None  # "raised" | "updated" | None


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(10)}"


def policy_for(workspace: Workspace, partner_id: str) -> SenderPolicy:
    partner = workspace.model.partner(partner_id)
    senders = partner.senders if partner else None
    if senders is None:
        return SenderPolicy()
    return SenderPolicy(tuple(senders.ips), tuple(senders.domains), tuple(senders.dkim))


def window(workspace: Workspace) -> timedelta:
    return timedelta(days=workspace.model.alerts.dedup_days)


@dataclass(frozen=True)
class _Judged:
    hit: Hit
    verdict: Verdict
    per_canary: dict[str, set[str]]
    created: dict[str, datetime]
    export_ids: tuple[str, ...]


def record_many(
    workspace: Workspace,
    conn: Connection,
    hits: Sequence[Hit],
    now: datetime,
    facts_cache: ExportFacts | None = None,
) -> list[Recorded]:
    """Judge a batch of hits; one alert update per partner, one insert for the sightings."""
    cache = facts_cache or ExportFacts(workspace)
    judged = [_judge(workspace, conn, cache, hit) for hit in hits]
    by_partner: dict[str, list[_Judged]] = {}
    for item in judged:
        if not item.verdict.authorised:
            by_partner.setdefault(item.hit.partner_id, []).append(item)
    raised: dict[str, tuple[str, str]] = {
        partner: _raise(workspace, conn, partner, items, now)
        for partner, items in sorted(by_partner.items())
    }
    results: list[Recorded] = []
    rows: list[dict[str, Any]] = []
    for item in judged:
        hit, verdict = item.hit, item.verdict
        alert_id, event = (None, None) if verdict.authorised else raised[hit.partner_id]
        sighting_id = new_id("sig")
        rows.append(
            {
                "id": sighting_id,
                "message_id": hit.message_id,
                "partner_id": hit.partner_id,
                "received_at": hit.received_at,
                "canary_ids": json.dumps(sorted(hit.canary_ids)),
                "export_ids": json.dumps(list(item.export_ids)),
                "authorised": verdict.authorised,
                "verdict": json.dumps({**verdict.as_dict(), "auth": hit.auth}),
                "alert_id": alert_id,
            }
        )
        results.append(Recorded(sighting_id, verdict, alert_id, event))
    if rows:
        conn.execute(insert(sightings), rows)
    return results


def _judge(workspace: Workspace, conn: Connection, cache: ExportFacts, hit: Hit) -> _Judged:
    per_canary = cache.canary_exports(conn, hit.canary_ids)
    created, ends = cache.export_facts(conn, set().union(*per_canary.values()))
    holding = [e for e in created if all(e in s for s in per_canary.values() if s)]
    facts = Facts(
        peer_ip=hit.peer_ip,
        spf=hit.spf,
        spf_domain=hit.spf_domain,
        dkim_pass=hit.dkim_pass,
        from_domain=hit.from_domain,
        received_at=hit.received_at,
        retention_ends=tuple(ends[e] for e in (holding or list(created))),
    )
    verdict = judge(facts, policy_for(workspace, hit.partner_id), _sending(workspace))
    return _Judged(hit, verdict, per_canary, created, narrow(per_canary, created).export_ids)


def _sending(workspace: Workspace) -> list[str]:
    return list(workspace.model.custodian.sending_domains)


def _raise(
    workspace: Workspace, conn: Connection, partner_id: str, items: list[_Judged], now: datetime
) -> tuple[str, str]:
    """Raise or update the partner's alert with this batch's unauthorised hits."""
    # One alert per partner and window, even with several processors running.
    workspace.store.lock_for_append(conn, f"alerts:{partner_id}")
    first = min(item.hit.received_at for item in items)
    last = max(item.hit.received_at for item in items)
    open_alert = conn.execute(
        select(alerts)
        .where(
            alerts.c.partner_id == partner_id,
            alerts.c.status != "resolved",
            alerts.c.last_seen >= first - window(workspace),
        )
        .order_by(alerts.c.last_seen.desc())
        .limit(1)
    ).first()
    summary: dict[str, Any] = json.loads(open_alert.summary) if open_alert else {}
    for item in items:
        summary = _summary(summary, item)
    if open_alert is None:
        alert_id = new_id("alr")
        conn.execute(
            insert(alerts).values(
                id=alert_id,
                partner_id=partner_id,
                status="open",
                created_at=now,
                updated_at=now,
                first_seen=first,
                last_seen=last,
                message_count=len(items),
                summary=json.dumps(summary),
            )
        )
        workspace.audit.record(
            conn,
            "intake",
            "alert.raised",
            target_kind="alert",
            target_id=alert_id,
            details={
                "partner_id": partner_id,
                "export_ids": summary["export_ids"],
                "reasons": summary["reasons"],
            },
        )
        _notify(workspace, conn, alert_id, "raised", now)
        return alert_id, "raised"
    conn.execute(
        update(alerts)
        .where(alerts.c.id == open_alert.id)
        .values(
            updated_at=now,
            first_seen=min(as_utc(open_alert.first_seen), first),
            last_seen=max(as_utc(open_alert.last_seen), last),
            message_count=alerts.c.message_count + len(items),
            summary=json.dumps(summary),
        )
    )
    return open_alert.id, "updated"


def _summary(previous: dict[str, Any], item: _Judged) -> dict[str, Any]:
    """The alert's summary with one more hit, from the previous one (no re-reading)."""
    common = previous.get("common_exports")
    running = Running(
        frozenset(common) if common is not None else None,
        frozenset(previous.get("all_exports", [])),
    ).extend(item.per_canary)
    hit = item.hit
    sender = {
        "peer_ip": hit.peer_ip,
        "helo": hit.helo,
        "mail_from_domain": hit.mail_from_domain,
        "from_domain": hit.from_domain,
    }
    created = {e: isoformat(t) for e, t in item.created.items()}
    times = {**previous.get("export_times", {}), **created}
    narrowed = running.result({e: parse_iso(t) for e, t in times.items()})
    return {
        "canary_ids": sorted(set(previous.get("canary_ids", [])) | set(hit.canary_ids)),
        "export_ids": list(narrowed.export_ids),
        "earliest_export_id": narrowed.earliest,
        "explains_all": narrowed.explains_all,
        "common_exports": sorted(running.common) if running.common is not None else None,
        "all_exports": sorted(running.union),
        "export_times": times,
        "senders": _merge(previous.get("senders", []), sender),
        "auth": _merge(previous.get("auth", []), hit.auth),
        "reasons": sorted(set(previous.get("reasons", [])) | set(item.verdict.reasons)),
    }


def _merge(items: list[Any], item: Any) -> list[Any]:
    if item in items or len(items) >= MAX_LISTED:
        return items
    return [*items, item]


def _notify(
    workspace: Workspace, conn: Connection, alert_id: str, event: str, now: datetime
) -> None:
    outputs = workspace.model.alerts.outputs
    if not outputs:
        return
    from trustkeep.notify.outbox import enqueue

    enqueue(conn, outputs, alert_id, event, now)


# The reading side, for interfaces that import one module.
from trustkeep.detect.manage import (  # noqa: E402
    acknowledge,
    alert_sightings,
    count_alerts,
    get_alert,
    list_alerts,
    list_sightings,
    message_evidence,
    resolve,
)

__all__ = [
    "Hit",
    "Recorded",
    "acknowledge",
    "alert_sightings",
    "count_alerts",
    "get_alert",
    "list_alerts",
    "list_sightings",
    "message_evidence",
    "record_many",
    "resolve",
]
