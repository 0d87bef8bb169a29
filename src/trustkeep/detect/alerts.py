"""Sightings and the alerts they raise: judge, narrow, deduplicate, store.

Runs inside the processor's transaction, so a message, its sightings and its
alert land together or not at all.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from trustkeep.clock import as_utc, isoformat, parse_iso
from trustkeep.detect.exportfacts import ExportFacts
from trustkeep.detect.likelihood import CONTROL, Outcome, Weighed
from trustkeep.detect.narrow import Running, narrow
from trustkeep.detect.rules import Facts, SenderPolicy, Verdict, judge
from trustkeep.store.tables import alerts, sightings
from trustkeep.workspace import Workspace

MAX_LISTED = 50  # senders and authentication results kept per alert
AUTHORISED = "authorised"
ALERTING = frozenset({Outcome.SUSPECTED.value, Outcome.LEAK.value})
LEVELS = {Outcome.SUSPECTED.value: 1, Outcome.LEAK.value: 2}


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
    event: str | None  # "raised" | "escalated" | "updated" | None
    kind: str = "leak"  # authorised | guess | suspected | leak


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
class Judged:
    hit: Hit
    verdict: Verdict
    per_canary: dict[str, set[str]]
    created: dict[str, datetime]
    export_ids: tuple[str, ...]


def judge_many(
    workspace: Workspace,
    conn: Connection,
    hits: Sequence[Hit],
    facts_cache: ExportFacts | None = None,
) -> list[Judged]:
    """Is each hit's mail authorised (the partner's own infrastructure, within retention)?"""
    cache = facts_cache or ExportFacts(workspace)
    return [_judge(workspace, conn, cache, hit) for hit in hits]


Weighing = Mapping[tuple[str, str], Weighed]  # (message id, partner id) -> verdict


def record_many(
    workspace: Workspace,
    conn: Connection,
    judged: Sequence[Judged],
    weighed: Weighing,
    now: datetime,
    campaign_of: Mapping[str, str] | None = None,
) -> list[Recorded]:
    """Store the sightings; one alert update per partner for `suspected` and `leak` hits.

    An unauthorised hit with no weighing (a caller that does not weigh) counts as
    `suspected`, never `leak`: only weighed evidence convicts.
    """
    campaigns = campaign_of or {}
    kinds = {i: _kind(item, weighed.get(_key(item))) for i, item in enumerate(judged)}
    # A campaign's mail weighed `guess` earlier in this batch joins its alert too.
    strongest: dict[tuple[str, str | None], str] = {}
    for i, item in enumerate(judged):
        if kinds[i] in ALERTING:
            key = (item.hit.partner_id, campaigns.get(item.hit.message_id))
            strongest[key] = max(strongest.get(key, kinds[i]), kinds[i], key=LEVELS.__getitem__)
    by_partner: dict[str, list[tuple[Judged, Weighed | None, str]]] = {}
    for i, item in enumerate(judged):
        campaign = campaigns.get(item.hit.message_id)
        if kinds[i] == Outcome.GUESS.value and campaign is not None:
            kinds[i] = strongest.get((item.hit.partner_id, campaign), kinds[i])
        if kinds[i] in ALERTING:
            entry = (item, weighed.get(_key(item)), kinds[i])
            by_partner.setdefault(item.hit.partner_id, []).append(entry)
    raised = {
        partner: _raise(workspace, conn, partner, items, now, campaigns)
        for partner, items in sorted(by_partner.items())
    }
    results: list[Recorded] = []
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(judged):
        hit, verdict, kind = item.hit, item.verdict, kinds[index]
        weight = weighed.get(_key(item))
        alert_id, event = raised[hit.partner_id] if kind in ALERTING else (None, None)
        sighting_id = new_id("sig")
        doc = {**verdict.as_dict(), "auth": hit.auth}
        if weight is not None:
            doc["weighing"] = _weighing(weight)
        rows.append(
            _sighting(
                sighting_id,
                hit.message_id,
                hit.partner_id,
                hit.received_at,
                hit.canary_ids,
                kind,
                doc,
                export_ids=item.export_ids,
                authorised=verdict.authorised,
                alert_id=alert_id,
                campaign_id=campaigns.get(hit.message_id),
                likelihood=weight.likelihood if weight is not None else None,
            )
        )
        results.append(Recorded(sighting_id, verdict, alert_id, event, kind))
    if rows:
        conn.execute(insert(sightings), rows)
    return results


def record_controls(
    conn: Connection,
    hits: Mapping[str, tuple[datetime, Sequence[str]]],
    campaign_of: Mapping[str, str],
) -> None:
    """One `control` sighting per message that reached control canaries (never an alert)."""
    rows = [
        _sighting(
            new_id("sig"),
            message_id,
            "",
            received_at,
            canary_ids,
            CONTROL,
            {"reasons": ["control_canary"], "authorised": False},
            campaign_id=campaign_of.get(message_id),
        )
        for message_id, (received_at, canary_ids) in sorted(hits.items())
        if canary_ids
    ]
    if rows:
        conn.execute(insert(sightings), rows)


def _sighting(
    sighting_id: str,
    message_id: str,
    partner_id: str,
    received_at: datetime,
    canary_ids: Sequence[str],
    kind: str,
    verdict: Mapping[str, Any],
    *,
    export_ids: Sequence[str] = (),
    authorised: bool = False,
    alert_id: str | None = None,
    campaign_id: str | None = None,
    likelihood: float | None = None,
) -> dict[str, Any]:
    """One `sightings` row (canary ids only, never addresses)."""
    return {
        "id": sighting_id,
        "message_id": message_id,
        "partner_id": partner_id,
        "received_at": received_at,
        "canary_ids": json.dumps(sorted(canary_ids)),
        "export_ids": json.dumps(list(export_ids)),
        "authorised": authorised,
        "verdict": json.dumps(verdict),
        "alert_id": alert_id,
        "kind": kind,
        "campaign_id": campaign_id,
        "likelihood": likelihood,
    }


def _key(item: Judged) -> tuple[str, str]:
    return (item.hit.message_id, item.hit.partner_id)


def _kind(item: Judged, weighed: Weighed | None) -> str:
    if item.verdict.authorised:
        return AUTHORISED
    if weighed is None:
        return Outcome.SUSPECTED.value
    return weighed.outcome.value


def _weighing(weighed: Weighed) -> dict[str, Any]:
    return {
        "outcome": weighed.outcome.value,
        "likelihood": weighed.likelihood,
        "unguessable_likelihood": weighed.unguessable_likelihood,
        "guessable": weighed.guessable,
        "unguessable": weighed.unguessable,
        "discounted": weighed.discounted,
        "reasons": list(weighed.reasons),
    }


def _judge(workspace: Workspace, conn: Connection, cache: ExportFacts, hit: Hit) -> Judged:
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
    return Judged(hit, verdict, per_canary, created, narrow(per_canary, created).export_ids)


def _sending(workspace: Workspace) -> list[str]:
    return list(workspace.model.custodian.sending_domains)


def _raise(
    workspace: Workspace,
    conn: Connection,
    partner_id: str,
    items: list[tuple[Judged, Weighed | None, str]],
    now: datetime,
    campaign_of: Mapping[str, str],
) -> tuple[str, str]:
    """Raise or update the partner's alert with this batch's `suspected` and `leak` hits.

    The campaign's earlier mail to this partner, weighed `guess` while the evidence
    was thin, joins the alert: its scope is the whole campaign.
    """
    # One alert per partner and window, even with several processors running.
    workspace.store.lock_for_append(conn, f"alerts:{partner_id}")
    campaigns = sorted(
        {campaign_of[i.hit.message_id] for i, _, _ in items if i.hit.message_id in campaign_of}
    )
    earlier = _earlier(conn, partner_id, campaigns)
    first = min(item.hit.received_at for item, _, _ in items)
    if earlier:
        first = min(first, *(as_utc(row.received_at) for row in earlier))
    last = max(item.hit.received_at for item, _, _ in items)
    level = max((kind for _, _, kind in items), key=LEVELS.__getitem__)
    likelihood = max((w.likelihood for _, w, _ in items if w is not None), default=None)
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
    for item, weighed, _ in items:
        summary = _summary(summary, item, weighed)
    if earlier:
        joined = {c for row in earlier for c in json.loads(row.canary_ids)}
        summary["canary_ids"] = sorted(set(summary["canary_ids"]) | joined)
    count = len(items) + len(earlier)
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
                message_count=count,
                summary=json.dumps(summary),
                level=level,
                likelihood=likelihood,
            )
        )
        _join(conn, earlier, alert_id, level)
        workspace.audit.record(
            conn,
            "intake",
            "alert.raised",
            target_kind="alert",
            target_id=alert_id,
            details={
                "partner_id": partner_id,
                "level": level,
                "likelihood": likelihood,
                "export_ids": summary["export_ids"],
                "reasons": summary["reasons"],
            },
        )
        _notify(workspace, conn, alert_id, "raised", level, now)
        return alert_id, "raised"
    previous = open_alert.level or Outcome.LEAK.value
    escalated = LEVELS[level] > LEVELS.get(previous, 2)
    known = [float(v) for v in (open_alert.likelihood, likelihood) if v is not None]
    best = max(known, default=None)
    conn.execute(
        update(alerts)
        .where(alerts.c.id == open_alert.id)
        .values(
            updated_at=now,
            first_seen=min(as_utc(open_alert.first_seen), first),
            last_seen=max(as_utc(open_alert.last_seen), last),
            message_count=alerts.c.message_count + count,
            summary=json.dumps(summary),
            level=level if escalated else previous,
            likelihood=best,
        )
    )
    _join(conn, earlier, open_alert.id, level if escalated else previous)
    if escalated:
        workspace.audit.record(
            conn,
            "intake",
            "alert.escalated",
            target_kind="alert",
            target_id=open_alert.id,
            details={"partner_id": partner_id, "level": level, "likelihood": likelihood},
        )
        _notify(workspace, conn, open_alert.id, "updated", level, now)
        return open_alert.id, "escalated"
    return open_alert.id, "updated"


def _earlier(conn: Connection, partner_id: str, campaigns: list[str]) -> list[Any]:
    """The campaigns' earlier sightings at this partner that were weighed as guessing."""
    if not campaigns:
        return []
    return list(
        conn.execute(
            select(sightings.c.id, sightings.c.canary_ids, sightings.c.received_at).where(
                sightings.c.campaign_id.in_(campaigns),
                sightings.c.partner_id == partner_id,
                sightings.c.kind == Outcome.GUESS.value,
                sightings.c.alert_id.is_(None),
            )
        ).all()
    )


def _join(conn: Connection, earlier: list[Any], alert_id: str, level: str) -> None:
    if earlier:
        conn.execute(
            update(sightings)
            .where(sightings.c.id.in_([row.id for row in earlier]))
            .values(alert_id=alert_id, kind=level)
        )


def _summary(previous: dict[str, Any], item: Judged, weighed: Weighed | None) -> dict[str, Any]:
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
        "weighing": _stronger(previous.get("weighing"), weighed),
    }


def _stronger(previous: Any, weighed: Weighed | None) -> Any:
    """The weighing that speaks most strongly for a leak so far (shown as the headline)."""
    if weighed is None:
        return previous
    if previous is None or float(previous.get("likelihood", 0)) <= weighed.likelihood:
        return _weighing(weighed)
    return previous


def _merge(items: list[Any], item: Any) -> list[Any]:
    if item in items or len(items) >= MAX_LISTED:
        return items
    return [*items, item]


def _notify(
    workspace: Workspace, conn: Connection, alert_id: str, event: str, level: str, now: datetime
) -> None:
    section = workspace.model.alerts
    if not section.outputs:
        return
    if level == Outcome.SUSPECTED.value and not section.notify_suspected:
        return
    from trustkeep.notify.outbox import enqueue

    enqueue(conn, section.outputs, alert_id, event, now)


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
    "judge_many",
    "list_alerts",
    "list_sightings",
    "message_evidence",
    "record_controls",
    "record_many",
    "resolve",
]
