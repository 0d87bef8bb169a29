"""Tests for trustkeep.canaries.planner: exact hit probabilities and canary plans.

The reference below computes 1 - C(N - k, m) / C(N, m) with integers and
fractions, nothing like the production code's log-space product.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustkeep.canaries import CanaryPlan, hit_probability, plan_canaries
from trustkeep.canaries.planner import leaked_rows
from trustkeep.errors import InvalidInput


def exact(total: int, canaries: int, fraction: float) -> float:
    leaked = math.ceil(Fraction(str(fraction)) * total)
    miss = Fraction(math.comb(total - canaries, leaked), math.comb(total, leaked))
    return float(1 - miss)


CASES = [
    (10, 0, 0.5),  # no canary: never hit
    (10, 3, 1.0),  # the whole export leaks: always hit
    (1, 1, 1.0),
    (1, 1, 0.01),  # one row, and a leak of at least one row is that row
    (100, 1, 0.01),
    (100, 5, 0.01),
    (100, 5, 0.2),
    (7, 3, 0.3),  # ceil(2.1) = 3 rows leak
    (50, 49, 0.02),  # more canaries than the leak can avoid
    (1000, 10, 0.05),
    (2000, 17, 0.123),
    (20_000, 1, 0.01),
    (20_000, 227, 0.01),
    (5000, 200, 0.001),
    (3000, 1500, 0.5),
]


@pytest.mark.parametrize(("total", "canaries", "fraction"), CASES)
def test_hit_probability_is_exact(total: int, canaries: int, fraction: float) -> None:
    assert hit_probability(total, canaries, fraction) == pytest.approx(
        exact(total, canaries, fraction), rel=1e-12, abs=1e-15
    )


def test_edges() -> None:
    assert hit_probability(1000, 0, 0.3) == 0.0
    assert hit_probability(1000, 1, 1.0) == 1.0
    assert hit_probability(0, 0, 0.5) == 0.0
    assert hit_probability(20_000, 1, 0.01) == pytest.approx(0.01, rel=1e-12)


def test_fractions_are_read_as_decimals() -> None:
    # 0.01 as a binary float is a hair above 1/100; 20,000 rows leak 200, not 201.
    assert leaked_rows(20_000, 0.01) == 200
    assert leaked_rows(3, 0.1) == 1
    assert leaked_rows(10, 0.7) == 7
    assert leaked_rows(10, 1.0) == 10


@settings(max_examples=50, deadline=None)
@given(
    total=st.integers(1, 400),
    data=st.data(),
    fraction=st.floats(0.001, 1.0, allow_nan=False),
)
def test_hit_probability_matches_reference(
    total: int, data: st.DataObject, fraction: float
) -> None:
    canaries = data.draw(st.integers(0, total))
    assert hit_probability(total, canaries, fraction) == pytest.approx(
        exact(total, canaries, fraction), rel=1e-10, abs=1e-14
    )


def test_tiny_probabilities_keep_their_precision() -> None:
    # 1 - product would cancel to nothing; -expm1 of a log sum keeps the digits.
    value = hit_probability(10**8, 1, 1e-8)
    assert value == pytest.approx(1e-8, rel=1e-9)


def test_large_exports_are_fast_and_sane() -> None:
    assert hit_probability(10**8, 2 * 10**6, 0.01) == 1.0
    assert 0.99 < hit_probability(10**8, 459, 0.01) < 0.9901


PLANS = [
    (1000, 0.5, 0.1),
    (1000, 0.9, 0.01),
    (5000, 0.99, 0.05),
    (20_000, 0.9, 0.01),
    (20_000, 0.999, 0.02),
    (123_457, 0.95, 0.003),
    (10**6, 0.99, 0.01),
    (10**6, 0.5, 0.0001),
    (10**8, 0.99, 0.01),
    (10**8, 0.999999, 0.001),
    (10**8, 0.9, 0.3),
]


@pytest.mark.parametrize(("real", "target", "fraction"), PLANS)
def test_plan_is_the_smallest_that_reaches_the_target(
    real: int, target: float, fraction: float
) -> None:
    plan = plan_canaries(real, target, fraction, max_share=0.5)
    k = plan.canaries
    assert not plan.capped
    assert plan.probability >= target
    assert plan.probability == hit_probability(real + k, k, fraction)
    assert hit_probability(real + k - 1, k - 1, fraction) < target
    assert (plan.real_rows, plan.total_rows, plan.target) == (real, real + k, target)


@settings(max_examples=50, deadline=None)
@given(
    real=st.integers(1, 5000),
    target=st.floats(0.01, 0.999),
    fraction=st.floats(0.001, 1.0),
    share=st.floats(0.001, 1.0),
)
def test_plan_properties(real: int, target: float, fraction: float, share: float) -> None:
    plan = plan_canaries(real, target, fraction, share)
    k = plan.canaries
    assert k >= 1
    assert plan.probability == hit_probability(real + k, k, fraction)
    cap = math.floor(Fraction(str(share)) * (real + k))
    if plan.capped:
        assert plan.probability < target
        # The cap: k is the largest within it, or 1 when the cap allows none.
        assert k == 1 or math.floor(Fraction(str(share)) * (real + k + 1)) < k + 1
    else:
        assert plan.probability >= target
        assert k == 1 or hit_probability(real + k - 1, k - 1, fraction) < target
    assert k <= cap or k == 1  # a security default: one canary even past the cap


def test_cap_binds() -> None:
    plan = plan_canaries(100, 0.99, 0.01, max_share=0.02)
    # floor(0.02 * 100 / 0.98) = 2: at most 2 canaries in 102 rows (2 <= floor(2.04)).
    assert plan == CanaryPlan(2, hit_probability(102, 2, 0.01), 0.99, True, 100, 102)
    assert plan.probability < 0.99


def test_cap_on_a_large_list() -> None:
    plan = plan_canaries(10**8, 0.999999, 1e-7, max_share=0.02)
    assert plan.capped
    assert plan.canaries == 2_040_816  # floor(0.02 * 10^8 / 0.98)
    assert plan.probability == hit_probability(plan.total_rows, plan.canaries, 1e-7)


def test_tiny_list_still_gets_one_canary() -> None:
    plan = plan_canaries(10, 0.99, 0.01, max_share=0.02)
    assert (plan.canaries, plan.capped, plan.total_rows) == (1, True, 11)
    assert plan.probability == pytest.approx(1 / 11)


def test_empty_list_gets_none() -> None:
    plan = plan_canaries(0, 0.99, 0.01, max_share=0.02)
    assert (plan.canaries, plan.probability, plan.capped) == (0, 0.0, True)


@pytest.mark.parametrize(
    "args",
    [
        (-1, 0.9, 0.01, 0.02),
        (10, 0.0, 0.01, 0.02),
        (10, 1.0, 0.01, 0.02),
        (10, 0.9, 0.0, 0.02),
        (10, 0.9, 1.5, 0.02),
        (10, 0.9, 0.01, 0.0),
        (10, 0.9, 0.01, 1.1),
        (10, float("nan"), 0.01, 0.02),
        (10.0, 0.9, 0.01, 0.02),
        (True, 0.9, 0.01, 0.02),
    ],
)
def test_plan_rejects_bad_arguments(args: tuple[int, float, float, float]) -> None:
    with pytest.raises(InvalidInput):
        plan_canaries(*args)


@pytest.mark.parametrize("args", [(-1, 0, 0.5), (10, 11, 0.5), (10, -1, 0.5), (10, 1, 1.5)])
def test_hit_probability_rejects_bad_arguments(args: tuple[int, int, float]) -> None:
    with pytest.raises(InvalidInput):
        hit_probability(*args)


def test_monte_carlo_agrees_with_the_plan() -> None:
    plan = plan_canaries(20_000, 0.9, 0.01, max_share=0.02)
    total, canaries = plan.total_rows, plan.canaries
    leaked = leaked_rows(total, 0.01)
    rng = random.Random(20240601)
    trials = 20_000
    # Canaries are rows 0..k-1; which rows they are does not matter to a uniform leak.
    hits = sum(min(rng.sample(range(total), leaked)) < canaries for _ in range(trials))
    error = math.sqrt(plan.probability * (1 - plan.probability) / trials)
    assert abs(hits / trials - plan.probability) < 4 * error
