"""An independent spammer's dictionary of local parts, to test the guessability model against.

The model's name lists come from Faker; this attacker's come from the 1990
US Census lists shipped by the `names` package (0.3.0, public-domain data),
so agreement between the two is evidence the model is about attackers in
general and not about its own lists.

Every guess is a pattern over census names (flast, first.last, ...) and has
a probability: the pattern's share of addresses times its names' census
frequencies (and 1/100 for two digits, 1/56 for a birth year). `dictionary`
yields guesses in descending probability by a best-first merge of all the
patterns (each pattern is a product of one or two lists sorted by
probability, whose pairs a heap visits in order), so the first million
come out in a few seconds without building the rest.
"""

from __future__ import annotations

import heapq
import math
from functools import cache
from importlib import resources
from random import Random

__all__ = ["dictionary", "first_names", "surnames"]

# Share of addresses following each pattern, as an attacker would guess it.
# `{f}` is a first name, `{l}` a surname, `{i}` a first initial, `{d}` two
# digits and `{y}` a birth year.
PATTERNS: tuple[tuple[str, float], ...] = (
    ("{f}.{l}", 0.22),
    ("{i}{l}", 0.14),
    ("{f}{l}", 0.08),
    ("{f}{d}", 0.07),
    ("{f}", 0.06),
    ("{i}.{l}", 0.05),
    ("{f}{y}", 0.05),
    ("{f}_{l}", 0.04),
    ("{l}{i}", 0.03),
    ("{l}.{f}", 0.03),
    ("{f}{i}", 0.02),
    ("{l}", 0.02),
    ("{f}-{l}", 0.01),
)
_YEARS = [str(y) for y in range(1950, 2006)]
_DIGITS = [f"{n:02d}" for n in range(100)]

Weighted = list[tuple[str, float]]  # (text, probability), most probable first


@cache
def _census(filename: str) -> tuple[tuple[str, float], ...]:
    """One census list: (casefolded name, frequency in %), in census rank order.

    The census rounds frequencies to 0.001 %, so most of the long tail reads
    0.000; those names get a Zipf-like tail, falling as 1/rank from the last
    listed frequency, so that rank order is kept.
    """
    text = resources.files("names").joinpath(filename).read_text(encoding="ascii")
    rows: list[tuple[str, float]] = []
    floor_freq, floor_rank = 0.001, 1
    for rank, line in enumerate(text.splitlines(), start=1):
        name, freq, *_ = line.split()
        share = float(freq)
        if share > 0:
            floor_freq, floor_rank = share, rank
        else:
            share = floor_freq * floor_rank / rank
        rows.append((name.casefold(), share))
    return tuple(rows)


@cache
def _first_weighted() -> Weighted:
    """First names of either sex, each sex half the population."""
    share: dict[str, float] = {}
    for filename in ("dist.male.first", "dist.female.first"):
        for name, freq in _census(filename):
            share[name] = share.get(name, 0.0) + freq / 200
    return sorted(share.items(), key=lambda kv: (-kv[1], kv[0]))


@cache
def _last_weighted() -> Weighted:
    return [(name, freq / 100) for name, freq in _census("dist.all.last")]


@cache
def _initials() -> Weighted:
    share: dict[str, float] = {}
    for name, p in _first_weighted():
        share[name[0]] = share.get(name[0], 0.0) + p
    return sorted(share.items(), key=lambda kv: (-kv[1], kv[0]))


def first_names(limit: int | None = None) -> list[str]:
    """Census first names (both sexes), most common first, casefolded."""
    return [name for name, _ in _first_weighted()[:limit]]


def surnames(limit: int | None = None) -> list[str]:
    """Census surnames, most common first, casefolded."""
    return [name for name, _ in _last_weighted()[:limit]]


def _factors(template: str) -> list[tuple[str, Weighted]]:
    """The placeholders of a pattern, in order, with their weighted lists."""
    lists = {
        "f": _first_weighted(),
        "l": _last_weighted(),
        "i": _initials(),
        "d": [(d, 0.01) for d in _DIGITS],
        "y": [(y, 1 / len(_YEARS)) for y in _YEARS],
    }
    return [(key, lists[key]) for key in "flidy" if "{" + key + "}" in template]


def dictionary(limit: int, seed: int = 0) -> list[str]:
    """`limit` distinct local parts, most probable first, over the usual name patterns.

    Seed 0 uses `PATTERNS`' shares as they are; another seed scales each
    share by a random factor between 1/2 and 2, a differently minded attacker.
    """
    rng = Random(seed)
    shares = [share * (2 ** rng.uniform(-1, 1) if seed else 1.0) for _, share in PATTERNS]
    specs = [(template, _factors(template)) for template, _ in PATTERNS]
    # Heap entries: (-log probability, pattern, i, j); j is -1 for one-list patterns.
    heap: list[tuple[float, int, int, int]] = []
    for k, (_, factors) in enumerate(specs):
        logp = math.log(shares[k]) + sum(math.log(lst[0][1]) for _, lst in factors)
        heap.append((-logp, k, 0, 0 if len(factors) == 2 else -1))
    heapq.heapify(heap)
    out: list[str] = []
    seen: set[str] = set()
    while heap and len(out) < limit:
        _, k, i, j = heapq.heappop(heap)
        template, factors = specs[k]
        (key_a, list_a), *rest = factors
        if j < 0:
            guess = template.replace("{" + key_a + "}", list_a[i][0])
            if i + 1 < len(list_a):
                logp = math.log(shares[k]) + math.log(list_a[i + 1][1])
                heapq.heappush(heap, (-logp, k, i + 1, -1))
        else:
            key_b, list_b = rest[0]
            guess = template.replace("{" + key_a + "}", list_a[i][0]).replace(
                "{" + key_b + "}", list_b[j][0]
            )
            base = math.log(shares[k])
            # Visit each (i, j) once: step j always, step i only along j == 0.
            if j + 1 < len(list_b):
                logp = base + math.log(list_a[i][1]) + math.log(list_b[j + 1][1])
                heapq.heappush(heap, (-logp, k, i, j + 1))
            if j == 0 and i + 1 < len(list_a):
                logp = base + math.log(list_a[i + 1][1]) + math.log(list_b[0][1])
                heapq.heappush(heap, (-logp, k, i + 1, 0))
        if guess not in seen:
            seen.add(guess)
            out.append(guess)
    return out
