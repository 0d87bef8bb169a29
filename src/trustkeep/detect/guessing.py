"""Weigh each message's canary hits within its campaign, against the guessing seen.

Runs in the processor's transaction: assigns each message to its campaign, adds
its hits and misses to the campaign's evidence, counts newly hit control
canaries per domain, reads the domains' background (rejected recipients and
control hits over the alert window) and returns a verdict per message and
partner (`trustkeep.detect.likelihood`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection

from trustkeep.detect.campaigns import Campaigns
from trustkeep.detect.likelihood import (
    CONTROL,
    Background,
    CampaignView,
    CanaryFact,
    Thresholds,
    Weighed,
    weigh,
)
from trustkeep.store import counters
from trustkeep.workspace import Workspace


@dataclass(frozen=True)
class Observed:
    """One message as weighing sees it: unauthorised live hits, control hits, misses."""

    message_id: str
    received_at: datetime
    fingerprints: list[str]
    live: Mapping[str, str]  # canary id -> partner id, unauthorised hits only
    controls: Sequence[str] = ()  # control canary ids
    misses: Mapping[str, int] = field(default_factory=dict)
    sender_misses: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    weighed: dict[tuple[str, str], Weighed]  # (message id, partner id) -> verdict
    campaign_of: dict[str, str]  # message id -> campaign id


def thresholds(workspace: Workspace) -> Thresholds:
    section, canaries = workspace.model.alerts, workspace.model.canaries
    return Thresholds(
        suspect=section.suspect_likelihood,
        leak=section.leak_likelihood,
        budget=float(canaries.guess_budget),
    )


class Assessor:
    """Owned by a processor; `facts` is the matcher's view of every live and control canary."""

    def __init__(self, workspace: Workspace, facts: Callable[[], Mapping[str, CanaryFact]]):
        self.workspace = workspace
        self.facts = facts
        self.campaigns = Campaigns(workspace)

    def window(self) -> timedelta:
        return timedelta(days=self.workspace.model.alerts.dedup_days)

    def assess(self, conn: Connection, observed: Sequence[Observed], now: datetime) -> Assessment:
        facts = self.facts()
        weighed: dict[tuple[str, str], Weighed] = {}
        campaign_of: dict[str, str] = {}
        new_controls: Counter[str] = Counter()
        views: list[tuple[Observed, CampaignView]] = []
        try:
            for item in observed:
                campaign_id, state = self.campaigns.assign(
                    conn, item.fingerprints, item.received_at, self.window()
                )
                campaign_of[item.message_id] = campaign_id
                hits = {**dict(item.live), **{c: "" for c in item.controls}}
                for canary_id in state.add(hits, item.misses, item.sender_misses):
                    fact = facts.get(canary_id)
                    if fact is not None and fact.kind == CONTROL:
                        name = counters.day_counter(counters.CONTROL_HITS, fact.domain, now)
                        new_controls[name] += 1
                known = tuple(facts[c] for c in state.hits if c in facts)
                views.append((item, CampaignView(known, state.tried())))
            self.campaigns.save(conn)
        except BaseException:
            self.campaigns.discard()
            raise
        counters.add(conn, self.workspace.store.dialect, new_controls)
        background = self._background(conn, facts, now)
        limits = thresholds(self.workspace)
        for item, view in views:
            touched = set(item.live.values())
            for verdict in weigh(view, background, limits):
                if verdict.partner_id in touched:
                    weighed[(item.message_id, verdict.partner_id)] = verdict
        return Assessment(weighed, campaign_of)

    def _background(
        self, conn: Connection, facts: Mapping[str, CanaryFact], now: datetime
    ) -> dict[str, Background]:
        domains = sorted({f.domain for f in facts.values()} | set(self._configured()))
        days = self.workspace.model.alerts.dedup_days + 1
        rejects = counters.over_days(conn, counters.REJECTED, domains, now, days)
        control_hits = counters.over_days(conn, counters.CONTROL_HITS, domains, now, days)
        controls = Counter(f.domain for f in facts.values() if f.kind == CONTROL)
        return {
            d: Background(rejects.get(d, 0), min(control_hits.get(d, 0), controls[d]), controls[d])
            for d in domains
        }

    def _configured(self) -> list[str]:
        return [d.lower().rstrip(".") for d in self.workspace.model.canaries.domains]
