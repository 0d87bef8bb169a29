"""Which canaries an export carries, and the control canaries made with them.

The planner's count makes a leak of `leak_fraction` *touch* a canary with the
target probability. A touch is only proof when the canary is unguessable (no
name dictionary of the guess budget reaches it: a hit on a guessable one is
weak evidence, by design), so the export carries enough canaries that a leak
holds an *unguessable* one with the target probability, within `max_share`.
Canaries are never picked by guessability (that would skew their names away
from the list's); the export simply carries more of them, all made alike.

Control canaries are made in the same batch, at the same domains, never
exported: at least `controls_min` per domain or `controls_share` of its live
canaries, whichever is more. A hit on one is proof of guessing there.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from random import Random

from sqlalchemy import Connection

from trustkeep.canaries import ListProfile, generate_at, hit_probability, plan_canaries, spread
from trustkeep.canaries.guessability import estimate
from trustkeep.canaries.planner import max_canaries
from trustkeep.detect.likelihood import GUESSES_FIELD
from trustkeep.exports import canary_store
from trustkeep.model.document import CanarySettings
from trustkeep.vault.codec import Codec

SAMPLE_FOR_SHARE = 2000
# A floor on the share assumed unguessable when sizing; top-ups and the cap do the rest.
MIN_SHARE = 0.05
TOP_UPS = 4


@dataclass(frozen=True)
class Selection:
    reused: list[tuple[str, dict[str, str]]]
    fresh_ids: list[str]
    fresh: list[dict[str, str]]
    control_ids: list[str]
    unguessable: int
    leak_alert_probability: float
    planned: int  # what the touch-only planner asked for
    real_rows: int


def guesses_of(values: dict[str, str]) -> float:
    try:
        return float(values.get(GUESSES_FIELD, "1"))
    except ValueError:
        return 1.0


def with_guesses(records: list[dict[str, str]]) -> list[dict[str, str]]:
    """Each record with its local part's guessability (sealed with it when stored)."""
    for record in records:
        local = record.get("email", "").rpartition("@")[0]
        record[GUESSES_FIELD] = repr(float(estimate(local).guesses))
    return records


def unguessable_share(profile: ListProfile, budget: float) -> float:
    """The share of the list's own local parts beyond the budget (canaries follow the list)."""
    locals_ = [row.get("email", "").rpartition("@")[0] for row in profile.sample]
    locals_ = [x for x in locals_ if x][:SAMPLE_FOR_SHARE]
    if not locals_:
        return MIN_SHARE
    share = sum(1 for x in locals_ if estimate(x).guesses > budget) / len(locals_)
    return max(MIN_SHARE, share)


def controls_needed(
    settings: CanarySettings, live: Counter[str], controls: Counter[str], adding: Counter[str]
) -> list[str]:
    """One domain entry per control canary still missing after this export's live ones."""
    needed: list[str] = []
    for domain in settings.domains:
        key = domain.lower().rstrip(".")
        want = max(
            settings.controls_min,
            math.ceil(settings.controls_share * (live[key] + adding[key])),
        )
        needed.extend([domain] * max(0, want - controls[key]))
    return needed


def select(
    conn: Connection,
    codec: Codec,
    partner_id: str,
    profile: ListProfile,
    settings: CanarySettings,
    plan_args: tuple[int, float, float, float],
    rng: Random,
    now: datetime,
) -> Selection:
    """Reuse the partner's stable canaries, make the rest and the controls, store them."""
    real_rows, probability, leak_fraction, max_share = plan_args
    budget = float(settings.guess_budget)
    plan = plan_canaries(real_rows, probability, leak_fraction, max_share)
    cap = max_canaries(real_rows, max_share)
    share = unguessable_share(profile, budget)
    # Enough canaries that the expected number of unguessable ones meets the plan.
    wanted = math.ceil(plan.canaries / share)
    total = max(plan.canaries, min(wanted, cap) if cap is not None else wanted)
    stable = [
        (cid, values)
        for cid, values in canary_store.partner_canaries(conn, codec, partner_id)
        if values.get("email")
    ]
    fresh_n = canary_store.fresh_count(total)
    reused = stable[: total - fresh_n]
    census = canary_store.census(conn, codec)
    live_domains = spread(total - len(reused), settings.domains, rng)
    control_domains = controls_needed(
        settings, census.live, census.controls, Counter(d.lower() for d in live_domains)
    )
    fresh, controls = _make(profile, live_domains, control_domains, rng, census.locals)
    unguessable = sum(1 for _, v in reused if guesses_of(v) > budget)
    unguessable += sum(1 for v in fresh if guesses_of(v) > budget)

    def achieved() -> float:
        return hit_probability(real_rows + len(reused) + len(fresh), unguessable, leak_fraction)

    for _ in range(TOP_UPS):  # chance fell short of the expectation: a few more, made alike
        count = len(reused) + len(fresh)
        room = (cap - count) if cap is not None else count
        if achieved() >= probability or room <= 0:
            break
        extra = min(room, max(1, math.ceil((plan.canaries - unguessable) / share)))
        more, _ = _make(profile, spread(extra, settings.domains, rng), [], rng, census.locals)
        fresh.extend(more)
        unguessable += sum(1 for v in more if guesses_of(v) > budget)
    fresh_ids = canary_store.store(conn, codec, partner_id, fresh, now)
    control_ids = canary_store.store(conn, codec, "", controls, now, kind="control")
    return Selection(
        reused, fresh_ids, fresh, control_ids, unguessable, achieved(), plan.canaries, real_rows
    )


def _make(
    profile: ListProfile,
    live: Sequence[str],
    controls: Sequence[str],
    rng: Random,
    avoid: set[str],
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Live and control canaries in one batch, in an order that mixes them."""
    order = [(d, False) for d in live] + [(d, True) for d in controls]
    rng.shuffle(order)
    records = with_guesses(generate_at(profile, [d for d, _ in order], rng, avoid))
    for record in records:
        avoid.add(record["email"].rpartition("@")[0].casefold())
    made_live = [r for r, (_, control) in zip(records, order, strict=True) if not control]
    made_controls = [r for r, (_, control) in zip(records, order, strict=True) if control]
    return made_live, made_controls
