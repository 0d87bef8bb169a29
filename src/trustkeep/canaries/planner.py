"""How many canaries an export needs so that a partial leak still contains one.

The model: a partner leaks a uniformly random `leak_fraction` of an export's
rows (without replacement). With `k` canaries hidden among `N` rows and
`m = ceil(leak_fraction * N)` rows leaked, the leak misses every canary with
the hypergeometric probability C(N - k, m) / C(N, m), so it contains at least
one with probability 1 - C(N - k, m) / C(N, m).

Fractions are read as the decimal they print as (`0.01` is 1/100), so
`0.01 * 20_000` is 200 leaked rows and not the 201 that the binary float
0.01000000000000000020816... would round up to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from trustkeep.errors import InvalidInput

__all__ = ["CanaryPlan", "hit_probability", "leaked_rows", "max_canaries", "plan_canaries"]

_CHUNK = 4096
_CERTAIN = -800.0  # exp(-800) is below the smallest double: the miss probability is 0


@dataclass(frozen=True)
class CanaryPlan:
    """The number of canaries for one export and what it achieves.

    `capped` is true when the plan falls short of `target`: the share cap
    bound, or the list is empty. Otherwise `probability >= target`.
    """

    canaries: int
    probability: float
    target: float
    capped: bool
    real_rows: int
    total_rows: int


def _decimal(value: float) -> Fraction:
    return Fraction(repr(float(value)))


def _check_int(name: str, value: int, low: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInput(f"{name} must be an integer >= {low}")


def _check_fraction(name: str, value: float, *, open_low: bool, open_high: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise InvalidInput(f"{name} must be a number")
    low_ok = value > 0 if open_low else value >= 0
    high_ok = value < 1 if open_high else value <= 1
    if not (low_ok and high_ok):
        lo, hi = "(0" if open_low else "[0", "1)" if open_high else "1]"
        raise InvalidInput(f"{name} must lie in {lo}, {hi}")


def leaked_rows(total_rows: int, leak_fraction: float) -> int:
    """The number of rows a leak of `leak_fraction` of `total_rows` contains: ceil(f * N)."""
    _check_int("total_rows", total_rows)
    _check_fraction("leak_fraction", leak_fraction, open_low=False, open_high=False)
    return min(total_rows, math.ceil(_decimal(leak_fraction) * total_rows))


def hit_probability(total_rows: int, canaries: int, leak_fraction: float) -> float:
    """Exact probability that a random leak of ceil(f * N) of N rows holds a canary."""
    _check_int("canaries", canaries)
    leaked = leaked_rows(total_rows, leak_fraction)
    if canaries > total_rows:
        raise InvalidInput("canaries must not exceed total_rows")
    if canaries == 0 or leaked == 0:
        return 0.0
    if canaries > total_rows - leaked:
        return 1.0  # too few real rows to fill the leak without a canary
    # C(N-k, m) / C(N, m) = prod_{i<k} (1 - m / (N - i)), and the ratio is symmetric
    # in k and m, so the product runs over the shorter of the two: at most
    # sqrt(-ln(1 - p) * N) terms for a plan at probability p, ~37,000 at N = 10^8
    # and p = 1 - 10^-6. Each term is one correctly rounded division fed to
    # log1p; fsum adds them without rounding drift and -expm1 keeps full relative
    # precision even when the probability is tiny, where 1 - product would cancel.
    # (Differences of lgamma values lose ~1e-7 absolute at N = 10^8, enough to
    # flip a plan that sits on its target.)
    short, long = sorted((canaries, leaked))
    log_miss = 0.0
    for start in range(0, short, _CHUNK):
        stop = min(short, start + _CHUNK)
        log_miss += math.fsum(math.log1p(-long / (total_rows - i)) for i in range(start, stop))
        if log_miss < _CERTAIN:
            return 1.0  # every term is negative: the miss probability can only shrink
    return min(1.0, max(0.0, -math.expm1(log_miss)))


def _max_canaries(real_rows: int, max_share: float) -> int | None:
    """The largest k with k <= floor(s * (R + k)), or None when s = 1 (no cap)."""
    share = _decimal(max_share)
    if share == 1:
        return None
    # For an integer k, k <= floor(x) iff k <= x; k <= s(R + k) iff k <= sR / (1 - s).
    return math.floor(share * real_rows / (1 - share))


def max_canaries(real_rows: int, max_share: float) -> int | None:
    """The most canaries `max_share` allows among `real_rows` real rows (None: no cap)."""
    _check_int("real_rows", real_rows)
    _check_fraction("max_share", max_share, open_low=True, open_high=False)
    return _max_canaries(real_rows, max_share)


def plan_canaries(
    real_rows: int, probability: float, leak_fraction: float, max_share: float
) -> CanaryPlan:
    """The fewest canaries that give `probability` of catching a leak, within the share cap.

    Canaries are at most `max_share` of the export's rows. When the cap binds,
    the plan uses the capped number and reports `capped=True` with the
    probability that number achieves. A security default: a non-empty list
    always gets at least one canary, even when the cap allows none (a tiny
    list); that plan is marked `capped` when it falls short of the target. An
    empty list gets none, marked `capped` since the target cannot be met.
    """
    _check_int("real_rows", real_rows)
    _check_fraction("probability", probability, open_low=True, open_high=True)
    _check_fraction("leak_fraction", leak_fraction, open_low=True, open_high=False)
    _check_fraction("max_share", max_share, open_low=True, open_high=False)

    def achieved(k: int) -> float:
        return hit_probability(real_rows + k, k, leak_fraction)

    def plan(k: int, capped: bool) -> CanaryPlan:
        return CanaryPlan(k, achieved(k), probability, capped, real_rows, real_rows + k)

    if real_rows == 0:
        return plan(0, True)
    cap = _max_canaries(real_rows, max_share)
    if cap is not None and cap < 1:
        return plan(1, achieved(1) < probability)
    # The hit probability grows with k (more canaries, and a leak that can only grow),
    # so a binary search finds the smallest k. The with-replacement estimate
    # ln(1 - p) / ln(1 - f) is close and usually an upper bound, a good first bracket;
    # the cap is only evaluated when the search reaches it, as it can be far larger.
    high = 1
    if leak_fraction < 1:
        high = max(1, math.ceil(math.log1p(-probability) / math.log1p(-leak_fraction)))
    if cap is not None:
        high = min(high, cap)
    while achieved(high) < probability:
        if cap is not None and high >= cap:
            return plan(cap, True)
        high = high * 2 if cap is None else min(high * 2, cap)
    low = 0  # achieved(0) == 0 < probability
    while high - low > 1:
        middle = (low + high) // 2
        if achieved(middle) >= probability:
            high = middle
        else:
            low = middle
    return plan(high, False)
