"""Which export leaked? Narrow to the exports that explain every canary hit (pure).

A partner keeps a stable set of canaries across recurring exports plus a few
fresh ones per export, so the exports holding *all* hit canaries are the ones a
leaked file can be; the earliest of them is the oldest copy that explains it.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Narrowed:
    export_ids: tuple[str, ...]  # candidates, earliest first
    earliest: str | None
    explains_all: bool  # False: no single export holds every hit (several files leaked)


def narrow(hits: Mapping[str, Set[str]], created: Mapping[str, datetime]) -> Narrowed:
    """`hits`: canary id -> export ids holding it; `created`: export id -> creation time."""
    sets = [set(exports) for exports in hits.values() if exports]
    if not sets:
        return Narrowed((), None, False)
    common = set.intersection(*sets)
    explains_all = bool(common)
    chosen = common if common else set.union(*sets)

    known = sorted((created[e], e) for e in chosen if e in created)
    ordered = tuple([e for _, e in known] + sorted(e for e in chosen if e not in created))
    return Narrowed(ordered, ordered[0], explains_all)


@dataclass(frozen=True)
class Running:
    """Narrowing kept up to date hit by hit, without re-reading earlier hits."""

    common: frozenset[str] | None = None  # None until the first hit with exports
    union: frozenset[str] = frozenset()

    def extend(self, hits: Mapping[str, Set[str]]) -> Running:
        sets = [set(exports) for exports in hits.values() if exports]
        if not sets:
            return self
        here = frozenset(set.intersection(*sets))
        common = here if self.common is None else self.common & here
        return Running(common, self.union | frozenset(set.union(*sets)))

    def result(self, created: Mapping[str, datetime]) -> Narrowed:
        if self.common is None:
            return Narrowed((), None, False)
        chosen = self.common or self.union
        known = sorted((created[e], e) for e in chosen if e in created)
        ordered = tuple([e for _, e in known] + sorted(e for e in chosen if e not in created))
        return Narrowed(ordered, ordered[0] if ordered else None, bool(self.common))
