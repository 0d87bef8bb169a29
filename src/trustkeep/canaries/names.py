"""Names for canaries: only names many customers share, never a real person's pair.

A canary's first and last names each come from names that at least
`MIN_COUNT` customers of the list carry, so no canary name can single anyone
out, and the pair is never a real customer's pair.

Drawing the two names independently would make canaries stand out to anyone
who looks at how common a row's names are, or how they go with the other
columns: real rows pair common names with common names, German first names
with German phone numbers, while the common pairs are exactly the real ones a
canary must avoid. So a canary starts from its real donor row: it keeps one of
that row's names and replaces the other with a different name about as
common, nearest in count first. The names' frequencies, jointly and with the
rest of the row, then follow the real rows'; each name is drawn about as often
as the list's own frequency profile says (so its mix of locales stays); and
only where every nearby pair is taken (the very commonest names) does a
canary have to move further.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from random import Random

from trustkeep.canaries.bloom import BloomFilter

__all__ = ["MIN_COUNT", "NameTable", "build_table", "merge_counts", "pair_key"]

MIN_COUNT = 5


def pair_key(first: str, last: str) -> str:
    """How a (first, last) pair is stored and compared: case-folded and trimmed."""
    return f"{first.strip().casefold()}\x1f{last.strip().casefold()}"


def merge_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts by case-folded name, keyed by each name's most common spelling."""
    totals: Counter[str] = Counter()
    spellings: dict[str, Counter[str]] = {}
    for name, count in counts.items():
        key = name.strip().casefold()
        totals[key] += count
        spellings.setdefault(key, Counter())[name.strip()] += count
    # Ties go to the alphabetically first spelling, so the result is reproducible.
    return {
        min(spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))[0]: total
        for key, total in totals.items()
    }


@dataclass(frozen=True)
class _Ranked:
    """One column's eligible names sorted by count, and every name's count."""

    counts: tuple[int, ...]  # ascending
    names: tuple[str, ...]  # aligned with counts
    count_of: Mapping[str, int]  # case-folded name -> count, eligible or not
    spelling: Mapping[str, str]  # case-folded eligible name -> its spelling
    cumulative: tuple[int, ...]  # running total of counts, aligned with names

    @classmethod
    def of(cls, merged: Mapping[str, int]) -> _Ranked:
        ranked = sorted((c, n) for n, c in merged.items() if c >= MIN_COUNT)
        return cls(
            counts=tuple(c for c, _ in ranked),
            names=tuple(n for _, n in ranked),
            count_of={n.casefold(): c for n, c in merged.items()},
            spelling={n.casefold(): n for _, n in ranked},
            cumulative=tuple(itertools.accumulate(c for c, _ in ranked)),
        )

    def eligible(self, name: str) -> str | None:
        return self.spelling.get(name.casefold())

    def near(self, name: str, width: int, rng: Random) -> str:
        """An eligible name whose count is that of `name`, or `width` ranks away.

        A rare name (under MIN_COUNT) has no eligible name as rare; it is replaced
        by an eligible name drawn by count, as if its row had had a common name,
        rather than by the least common eligible names, which would then be
        overrepresented.
        """
        count = self.count_of.get(name.casefold(), 0)
        if count < MIN_COUNT:
            point = rng.random() * self.cumulative[-1]
            return self.names[min(bisect_right(self.cumulative, point), len(self.names) - 1)]
        low = max(0, bisect_left(self.counts, count) - width)
        high = min(len(self.names), bisect_right(self.counts, count) + width)
        return self.names[rng.randrange(low, high)]  # never empty: `name` itself is in it


@dataclass(frozen=True)
class NameTable:
    """Eligible first and last names, ranked by how many customers carry them."""

    first_rank: _Ranked = field(repr=False)
    last_rank: _Ranked = field(repr=False)

    @property
    def firsts(self) -> tuple[str, ...]:
        """Eligible first names (shared by at least MIN_COUNT customers)."""
        return self.first_rank.names

    @property
    def lasts(self) -> tuple[str, ...]:
        """Eligible last names."""
        return self.last_rank.names

    def draw(
        self,
        first: str,
        last: str,
        rng: Random,
        bloom: BloomFilter,
        taken: Collection[str],
        tries: int = 24,
    ) -> tuple[str, str] | None:
        """Names for a canary modelled on a real row's (`first`, `last`), or None.

        One name is kept when it is eligible and the other replaced by one about
        as common; empty names stay empty. The pair is never a real customer's
        (per `bloom`) and not in `taken`.
        """
        keep_first = rng.random() < 0.5
        for attempt in range(tries):
            width = (1 << (attempt // 3)) - 1  # 0, 0, 0, 1, 1, 1, 3, ... ranks either side
            f = _name(self.first_rank, first, keep_first or not last, width, rng)
            la = _name(self.last_rank, last, not keep_first or not first, width, rng)
            if f is None or la is None:
                return None
            if not (f and la):
                return f, la  # a single name: there is no pair to avoid
            key = pair_key(f, la)
            if key not in taken and key not in bloom:
                return f, la
        return None


def _name(rank: _Ranked, name: str, keep: bool, width: int, rng: Random) -> str | None:
    if not name:
        return ""
    if not rank.names:
        return None
    kept = rank.eligible(name) if keep else None
    return kept if kept is not None else rank.near(name, width, rng)


def build_table(firsts: Mapping[str, int], lasts: Mapping[str, int]) -> NameTable:
    """A table from merged exact counts."""
    return NameTable(first_rank=_Ranked.of(firsts), last_rank=_Ranked.of(lasts))
