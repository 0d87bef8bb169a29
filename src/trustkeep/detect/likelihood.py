"""How much a campaign's canary hits say against guessing: a likelihood ratio per partner.

Pure code (no I/O). The question for each partner whose canaries a campaign hit is
how much more likely those hits are if that partner's copy of the list is being
mailed than if the sender is guessing addresses at our domains. Every canary
carries its guessability `g`: about how many guesses a name-dictionary spammer
needs to reach its local part (trustkeep.canaries.guessability). Under the
guessing hypothesis each hit canary `c` had a chance `p0(c)` of being reached,
and the hit adds `-log10 p0(c)` to the partner's log10 likelihood ratio (a leak
mailing the partner's copy reaches its canaries whatever their guessability, so
`p1 = 1` per hit; the ratio is conservative: it ignores the canaries a leak of a
sample would miss, which only speak for the partner).

* A guessable canary (`g <= budget`) was reached by guessing with probability
  `min(1, max(r_d, m_d, E_d / g))`: `E_d` is the guessing effort seen at its
  domain `d` (rejected recipients there in the window, the campaign's own
  misses, and when the campaign hit control canaries, the depth of the deepest
  one; never less than `floor_effort`, for probing we did not see), `r_d` is
  the share of the domain's control canaries hit in the window (add-one-half
  smoothed), and `m_d` the share of the campaign's recipients at `d` that did
  not exist (a leaked list holds no unknown addresses at a canary domain).
* An unguessable canary (`g > budget`) is out of reach of the model's
  dictionary; it is allowed a residual `p0 = model_error * budget / g` for a
  dictionary better than the model. Misses and control hits do not discount
  it: a thief cannot buy innocence by adding random or dictionary recipients.
  Only a control hit of the same campaign at least as deep (`g_control >= g`)
  does, because then the sender's dictionary demonstrably reaches that far:
  the hit is then weighed like a guessable one.

Outcomes, per partner: `leak` when the unguessable, undiscounted hits alone reach
`leak` (log10) and so does the total; `suspected` when the total reaches
`suspect`; `guess` otherwise. Guessable hits alone therefore never make a
`leak`, however many there are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "Background",
    "CampaignView",
    "CanaryFact",
    "Outcome",
    "Thresholds",
    "Weighed",
    "hit_weight",
    "weigh",
]

LIVE = "live"
CONTROL = "control"
GUESSES_FIELD = "_guesses"  # sealed with each canary when it is made


class Outcome(StrEnum):
    GUESS = "guess"
    SUSPECTED = "suspected"
    LEAK = "leak"


@dataclass(frozen=True)
class CanaryFact:
    """What weighing needs of one canary (no address)."""

    canary_id: str
    kind: str  # live | control
    partner_id: str  # "" for a control canary
    domain: str
    guesses: float


@dataclass(frozen=True)
class Background:
    """Guessing seen at one canary domain over the window, from every sender."""

    rejects: int = 0  # 550 answers to unknown local parts
    control_hits: int = 0  # distinct control canaries hit
    controls: int = 0  # control canaries at the domain


@dataclass(frozen=True)
class CampaignView:
    """What one campaign did: the distinct canaries it hit and its own misses per domain."""

    hits: tuple[CanaryFact, ...]
    misses: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    suspect: float = 1.5
    leak: float = 3.0
    budget: float = 10_000_000
    floor_effort: float = 1_000
    model_error: float = 1e-4


@dataclass(frozen=True)
class Weighed:
    """One partner's verdict on one campaign."""

    partner_id: str
    outcome: Outcome
    likelihood: float  # log10 likelihood ratio, all hits
    unguessable_likelihood: float  # log10, from unguessable, undiscounted hits alone
    canary_ids: tuple[str, ...]
    guessable: int
    unguessable: int
    discounted: int
    reasons: tuple[str, ...]


def _effort(
    domain: str, campaign: CampaignView, bg: Background, depth: float, t: Thresholds
) -> float:
    effort = max(t.floor_effort, float(bg.rejects), float(campaign.misses.get(domain, 0)))
    return max(effort, depth)


def _control_rate(bg: Background) -> float:
    return min(1.0, (bg.control_hits + 0.5) / (bg.controls + 1))


def hit_weight(
    fact: CanaryFact,
    effort: float,
    control_rate: float,
    discounted: bool,
    t: Thresholds,
) -> float:
    """`-log10 p0` for one hit canary (see the module docstring)."""
    guesses = max(1.0, fact.guesses)
    if guesses > t.budget and not discounted:
        return -math.log10(min(1.0, t.model_error * t.budget / guesses))
    p0 = min(1.0, max(control_rate, effort / guesses))
    return -math.log10(p0)


def _miss_rates(campaign: CampaignView) -> dict[str, float]:
    """Per domain, the share of the campaign's recipients there that did not exist.

    A leaked list holds no unknown addresses at the canary domains (only canaries, and
    now and then a retired one): misses there are the mark of guessing.
    """
    hits: dict[str, int] = {}
    for fact in campaign.hits:
        hits[fact.domain] = hits.get(fact.domain, 0) + 1
    return {
        domain: misses / (misses + hits.get(domain, 0))
        for domain, misses in campaign.misses.items()
        if misses > 0
    }


def _depths(hits: Iterable[CanaryFact]) -> dict[str, float]:
    """The deepest control canary the campaign hit, per domain and overall ("")."""
    depth: dict[str, float] = {}
    for fact in hits:
        if fact.kind == CONTROL:
            depth[fact.domain] = max(depth.get(fact.domain, 0.0), fact.guesses)
            depth[""] = max(depth.get("", 0.0), fact.guesses)
    return depth


def weigh(
    campaign: CampaignView, background: Mapping[str, Background], t: Thresholds
) -> list[Weighed]:
    """One verdict per partner whose live canaries the campaign hit, by partner id."""
    depth = _depths(campaign.hits)
    deepest = depth.get("", 0.0)
    by_partner: dict[str, list[CanaryFact]] = {}
    for fact in campaign.hits:
        if fact.kind == LIVE:
            by_partner.setdefault(fact.partner_id, []).append(fact)
    controls_hit = sum(1 for f in campaign.hits if f.kind == CONTROL)
    miss_rate = _miss_rates(campaign)
    results = []
    for partner_id, facts in sorted(by_partner.items()):
        total = unguessable = 0.0
        counts = {"guessable": 0, "unguessable": 0, "discounted": 0}
        for fact in facts:
            bg = background.get(fact.domain, Background())
            deep = fact.guesses > t.budget
            discounted = deep and deepest >= fact.guesses
            weight = hit_weight(
                fact,
                _effort(fact.domain, campaign, bg, depth.get(fact.domain, 0.0), t),
                max(_control_rate(bg), miss_rate.get(fact.domain, 0.0)),
                discounted,
                t,
            )
            total += weight
            if deep and not discounted:
                unguessable += weight
                counts["unguessable"] += 1
            else:
                counts["discounted" if discounted else "guessable"] += 1
        if unguessable >= t.leak and total >= t.leak:
            outcome = Outcome.LEAK
        elif total >= t.suspect:
            outcome = Outcome.SUSPECTED
        else:
            outcome = Outcome.GUESS
        results.append(
            Weighed(
                partner_id=partner_id,
                outcome=outcome,
                likelihood=round(total, 3),
                unguessable_likelihood=round(unguessable, 3),
                canary_ids=tuple(sorted(f.canary_id for f in facts)),
                reasons=_reasons(outcome, total, counts, controls_hit, campaign, background, t),
                **counts,
            )
        )
    return results


def _reasons(
    outcome: Outcome,
    total: float,
    counts: Mapping[str, int],
    controls_hit: int,
    campaign: CampaignView,
    background: Mapping[str, Background],
    t: Thresholds,
) -> tuple[str, ...]:
    """The verdict in words, for the alert and the console (numbers and kinds, no address)."""
    words = []
    budget = f"10^{math.log10(t.budget):.0f}" if t.budget > 0 else "0"
    if counts["unguessable"]:
        words.append(
            f"{_n(counts['unguessable'], 'canary', 'canaries')} no dictionary of {budget} "
            "guesses per domain reaches"
        )
    if counts["guessable"]:
        words.append(
            f"{_n(counts['guessable'], 'guessable canary', 'guessable canaries')} "
            f"(within {budget} guesses): weak evidence alone"
        )
    if counts["discounted"]:
        words.append(
            f"{_n(counts['discounted'], 'canary', 'canaries')} discounted: the same sender hit "
            "control canaries at least as hard to guess"
        )
    if controls_hit:
        words.append(
            f"the sender hit {_n(controls_hit, 'control canary', 'control canaries')} "
            "(never exported): it is guessing addresses"
        )
    misses = sum(campaign.misses.values())
    if misses:
        words.append(f"the sender also tried {_n(misses, 'unknown address', 'unknown addresses')}")
    rejects = sum(bg.rejects for bg in background.values())
    if rejects:
        words.append(f"{rejects:,} unknown addresses tried at the canary domains in the window")
    words.append(f"likelihood ratio 10^{total:.1f} against guessing")
    if outcome is not Outcome.LEAK and counts["unguessable"] == 0 and counts["guessable"]:
        words.append("guessable hits alone never prove a leak")
    return tuple(words)


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def describe(weighed: Sequence[Weighed]) -> str:
    """One line per partner, for logs and the CLI."""
    return "; ".join(f"{w.partner_id}: {w.outcome} (10^{w.likelihood:.1f})" for w in weighed)
