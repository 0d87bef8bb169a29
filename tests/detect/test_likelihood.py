"""Weighing canary hits against guessing: the rules that must hold, and a calibration.

The calibration makes canaries (live and control) with the real generator from
lists of four styles, then runs 1,000 simulated dictionary sprays with the
independent attacker dictionary (tests/spray.py, 1990 US Census names): a
spray of n guesses hits exactly the canaries among its first n guesses, at
either domain. Not one spray may produce a `leak`.
"""

from __future__ import annotations

import random
from functools import cache

from hypothesis import given
from hypothesis import strategies as st

import spray
from listgen import STYLES, columns, make_list
from trustkeep.canaries import Observer, generate
from trustkeep.canaries.guessability import estimate
from trustkeep.detect.likelihood import (
    Background,
    CampaignView,
    CanaryFact,
    Outcome,
    Thresholds,
    weigh,
)

T = Thresholds()
DOMAINS = ("nw-members.example", "club-mail.example")


def fact(i: int, guesses: float, partner: str = "p1", kind: str = "live", domain: str = "d"):
    return CanaryFact(f"c{i}", kind, partner if kind == "live" else "", domain, guesses)


guessable = st.floats(min_value=1, max_value=T.budget)
unguessable = st.floats(min_value=T.budget * 1.0001, max_value=1e30)
backgrounds = st.builds(
    Background,
    rejects=st.integers(0, 10**7),
    control_hits=st.integers(0, 50),
    controls=st.integers(0, 50),
)


@given(st.lists(guessable, min_size=1, max_size=200), backgrounds, st.integers(0, 10**6))
def test_guessable_hits_alone_never_make_a_leak(
    depths: list[float], background: Background, misses: int
) -> None:
    view = CampaignView(tuple(fact(i, g) for i, g in enumerate(depths)), {"d": misses})
    (verdict,) = weigh(view, {"d": background}, T)
    assert verdict.outcome is not Outcome.LEAK
    assert verdict.unguessable_likelihood == 0


@given(
    unguessable,
    st.lists(guessable, max_size=50),
    st.lists(guessable, max_size=50),
    backgrounds,
    st.integers(0, 10**6),
)
def test_an_unguessable_hit_is_a_leak_whatever_else_the_sender_did(
    depth: float,
    others: list[float],
    controls: list[float],
    background: Background,
    misses: int,
) -> None:
    """Misses, dictionary hits and shallower control hits never buy innocence."""
    hits = [fact(0, depth)]
    hits += [fact(i + 1, g) for i, g in enumerate(others)]
    hits += [fact(1000 + i, g, kind="control") for i, g in enumerate(controls)]
    view = CampaignView(tuple(hits), {"d": misses})
    (verdict,) = weigh(view, {"d": background}, T)
    assert verdict.outcome is Outcome.LEAK
    assert verdict.likelihood >= T.leak


@given(unguessable, st.floats(min_value=1.0, max_value=1e6))
def test_a_control_hit_at_least_as_deep_discounts_the_hit(depth: float, extra: float) -> None:
    hits = (fact(0, depth), fact(1, depth * extra, kind="control"))
    (verdict,) = weigh(CampaignView(hits), {"d": Background(controls=20)}, T)
    assert verdict.outcome is not Outcome.LEAK
    assert verdict.discounted == 1


def test_each_partner_is_weighed_on_its_own() -> None:
    hits = (fact(0, 1e12, "a"), fact(1, 1e3, "b"), fact(2, 1e13, "c"))
    verdicts = {v.partner_id: v.outcome for v in weigh(CampaignView(hits), {}, T)}
    assert verdicts["a"] is Outcome.LEAK and verdicts["c"] is Outcome.LEAK
    assert verdicts["b"] is not Outcome.LEAK


def test_guessable_hits_without_any_sign_of_guessing_are_suspected() -> None:
    hits = tuple(fact(i, 1e6) for i in range(3))
    (verdict,) = weigh(CampaignView(hits), {"d": Background(controls=20)}, T)
    assert verdict.outcome is Outcome.SUSPECTED
    assert "guessable hits alone never prove a leak" in verdict.reasons


def test_the_same_hits_inside_a_spray_are_guessing() -> None:
    hits = (*(fact(i, 1e6) for i in range(3)), fact(9, 1e5, kind="control"))
    view = CampaignView(hits, {"d": 500_000})
    (verdict,) = weigh(view, {"d": Background(rejects=500_000, control_hits=4, controls=20)}, T)
    assert verdict.outcome is Outcome.GUESS
    assert verdict.likelihood < T.suspect


@given(st.lists(guessable, min_size=1, max_size=20), st.integers(0, 10**6), st.integers(0, 10**6))
def test_more_misses_never_strengthen_guessable_evidence(
    depths: list[float], misses: int, more: int
) -> None:
    hits = tuple(fact(i, g) for i, g in enumerate(depths))
    bg = {"d": Background(controls=20)}
    (few,) = weigh(CampaignView(hits, {"d": misses}), bg, T)
    (many,) = weigh(CampaignView(hits, {"d": misses + more}), bg, T)
    assert many.likelihood <= few.likelihood


@cache
def _population() -> tuple[tuple[CanaryFact, str], ...]:
    """Canaries of 4 partners, a quarter of them controls, made by the real generator."""
    population = []
    for n, style in enumerate(STYLES):
        real = make_list(style, 3000, n)
        observer = Observer(columns(style), expected_rows=len(real), rng=random.Random(n))
        for row in real:
            observer.observe(row)
        made = generate(observer.profile(), 160, DOMAINS, random.Random(100 + n))
        for i, record in enumerate(made):
            local, _, domain = record["email"].rpartition("@")
            kind = "control" if i % 4 == 0 else "live"  # made in the same batch, alike
            guesses = estimate(local).guesses
            population.append(
                (CanaryFact(f"{style}-{i}", kind, style, domain, guesses), local.casefold())
            )
    return tuple(population)


def test_calibration_a_thousand_sprays_convict_nobody() -> None:
    positions: dict[str, int] = {}
    for i, guess in enumerate(spray.dictionary(1_000_000)):
        positions.setdefault(guess, i)
    population = _population()
    at = {c.canary_id: positions[local] for c, local in population if local in positions}
    assert len(at) >= 20, "the dictionary reaches canaries, or the calibration says nothing"
    canaries = [c for c, _ in population]
    controls = sum(1 for c in canaries if c.kind == "control") // len(DOMAINS)
    rng = random.Random(2026)
    leaks = touched = 0
    for _ in range(1000):
        size = int(10 ** rng.uniform(3, 6))  # 1,000 to 1,000,000 guesses per domain
        hits = tuple(c for c in canaries if at.get(c.canary_id, size) < size)
        misses = {d: size - sum(1 for h in hits if h.domain == d) for d in DOMAINS}
        control_hits = {d: sum(1 for h in hits if h.domain == d and h.kind == "control")
                        for d in DOMAINS}  # fmt: skip
        # Half the sprays show no misses (the prober's 550s came from elsewhere, unseen).
        seen = misses if rng.random() < 0.5 else {}
        background = {
            d: Background(rejects=seen.get(d, 0), control_hits=control_hits[d], controls=controls)
            for d in DOMAINS
        }
        verdicts = weigh(CampaignView(hits, seen), background, T)
        touched += bool(verdicts)
        leaks += sum(v.outcome is Outcome.LEAK for v in verdicts)
    assert touched > 100  # most sprays reach some canary: the test has teeth
    assert leaks == 0


def test_a_small_spray_with_misses_is_guessing_even_without_background() -> None:
    """50 guesses, 48 unknown: misses at a canary domain are the mark of guessing."""
    hits = (fact(0, 1.2e5), fact(1, 4e6))
    (verdict,) = weigh(CampaignView(hits, {"d": 48}), {"d": Background(controls=20)}, T)
    assert verdict.outcome is Outcome.GUESS
    (without,) = weigh(CampaignView(hits), {"d": Background(controls=20)}, T)
    assert without.outcome is Outcome.SUSPECTED  # the same hits, no misses: worth a look
