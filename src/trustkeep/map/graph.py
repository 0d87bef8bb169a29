"""The model as a graph: indexes, tiers in force, and how far each category travels.

Built once per check in linear time, so that every rule is a lookup rather than
a scan (10,000 flows and 2,000 partners check in well under a second).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from trustkeep.model import Model, Tier
from trustkeep.model.parties import VAULT, Flow, Partner, System

NO_DELETION = {"", "none", "no", "never", "manual-none"}


def _strictness(tier: Tier) -> tuple[bool, int, bool, bool, int]:
    """How strict a tier is, judged by what it demands (higher is stricter)."""
    forms = [] if "never" in tier.share else [f for f in tier.share if f != "never"]
    return (
        "plain" not in forms,
        -len(forms),
        tier.at_rest == "encrypt",
        tier.transport == "encrypted",
        -(tier.max_retention_days if tier.max_retention_days is not None else 10**9),
    )


def is_email(category: str) -> bool:
    """Whether a category holds email addresses (where mail canaries live)."""
    return category == "email" or category.startswith("email_") or category.endswith("_email")


@dataclass(frozen=True)
class InForce:
    """A tier that governs some data, and why: one category or a combination."""

    tier_name: str
    tier: Tier
    because: str
    categories: tuple[str, ...]


@dataclass
class MapIndex:
    model: Model
    today: date
    systems: dict[str, System] = field(default_factory=dict)
    partners: dict[str, Partner] = field(default_factory=dict)
    flows_in: dict[str, list[Flow]] = field(default_factory=dict)
    flows_out: dict[str, list[Flow]] = field(default_factory=dict)
    tier_rank: dict[str, int] = field(default_factory=dict)
    top_tiers: set[str] = field(default_factory=set)
    # partner -> category -> forms it may hold, directly or through a chain
    holds: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    listed_by: dict[str, list[str]] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)
    came_from: dict[str, str] = field(default_factory=dict)
    bad_hop: dict[str, str] = field(default_factory=dict)
    _in_force: dict[frozenset[str], list[InForce]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, model: Model, today: date) -> MapIndex:
        index = cls(model, today)
        index.systems = {s.id: s for s in model.systems}
        index.partners = {p.id: p for p in model.partners}
        for flow in model.flows:
            index.flows_in.setdefault(flow.to, []).append(flow)
            index.flows_out.setdefault(flow.from_, []).append(flow)
        for partner in model.partners:
            for sub in partner.sub_processors:
                index.listed_by.setdefault(sub, []).append(partner.id)
        index._rank_tiers()
        index._propagate()
        index._walk_chains()
        return index

    # -- tiers ----------------------------------------------------------------------

    def _rank_tiers(self) -> None:
        tiers = self.model.standard.tiers
        order = sorted(tiers, key=lambda n: (_strictness(tiers[n]), list(tiers).index(n)))
        self.tier_rank = {name: i for i, name in enumerate(order)}
        scores = {name: _strictness(tiers[name]) for name in tiers}
        best = max(scores.values())
        if len(tiers) > 1 and best > min(scores.values()):
            self.top_tiers = {n for n, s in scores.items() if s == best}

    def in_force(self, categories: Iterable[str]) -> list[InForce]:
        """Tiers governing a set of categories: each category's, then combinations'."""
        present = frozenset(categories)
        # Many flows carry the same few category sets: remember each answer.
        cached = self._in_force.get(present)
        if cached is None:
            cached = self._in_force[present] = self._compute_in_force(present)
        return cached

    def _compute_in_force(self, present: frozenset[str]) -> list[InForce]:
        standard = self.model.standard
        found = [
            InForce(standard.categories[c], standard.tiers[standard.categories[c]], c, (c,))
            for c in sorted(present)
            if c in standard.categories
        ]
        for combo in standard.combinations:
            if set(combo.categories) <= present:
                found.append(
                    InForce(
                        combo.tier,
                        standard.tiers[combo.tier],
                        " + ".join(combo.categories),
                        tuple(combo.categories),
                    )
                )
        return found

    def highest_tier(self, categories: Iterable[str]) -> str | None:
        names = [f.tier_name for f in self.in_force(categories)]
        return max(names, key=lambda n: self.tier_rank[n]) if names else None

    def protected(self, category: str) -> bool:
        """Personal data in the standard's eyes: its tier encrypts at rest (unknown: yes)."""
        return self.model.standard.encrypted(category)

    # -- places ---------------------------------------------------------------------

    def is_partner(self, place: str) -> bool:
        return place in self.partners

    def boundary_of(self, place: str) -> str | None:
        """A place's boundary; a partner without one stands outside every boundary."""
        if place in self.systems:
            return self.systems[place].boundary
        if place in self.partners:
            return self.partners[place].boundary or f"partner:{place}"
        return None

    def crosses_boundary(self, flow: Flow) -> bool:
        a, b = self.boundary_of(flow.from_), self.boundary_of(flow.to)
        if self.is_partner(flow.from_) or self.is_partner(flow.to):
            return a != b
        return a is not None and b is not None and a != b

    def contract_ok(self, partner: Partner) -> bool:
        return partner.contract_valid_on(self.today)

    def system_holds(self, system_id: str) -> set[str]:
        """What a system holds: declared, plus what flows bring in or take out."""
        held = set(self.systems[system_id].holds)
        for flow in (*self.flows_in.get(system_id, ()), *self.flows_out.get(system_id, ())):
            held.update(flow.categories)
        return held

    def from_custodian(self, flow: Flow) -> bool:
        return flow.from_ == VAULT or flow.from_ in self.systems

    # -- reachability -----------------------------------------------------------------

    def _propagate(self) -> None:
        """What each partner may hold: what flows bring, and what its processors hold."""
        for flow in self.model.flows:
            if flow.to in self.partners:
                held = self.holds.setdefault(flow.to, {})
                for category, form in flow.categories.items():
                    held.setdefault(category, set()).add(form)
        queue = deque(self.holds)
        while queue:
            current = queue.popleft()
            source = self.holds.get(current, {})
            for sub in self.partners[current].sub_processors:
                target = self.holds.setdefault(sub, {})
                grew = False
                for category, forms in source.items():
                    have = target.setdefault(category, set())
                    if not forms <= have:
                        have.update(forms)
                        grew = True
                if grew:
                    queue.append(sub)

    def _onward(self, partner_id: str) -> list[str]:
        subs = list(self.partners[partner_id].sub_processors)
        subs += [f.to for f in self.flows_out.get(partner_id, ()) if f.to in self.partners]
        return subs

    def _walk_chains(self) -> None:
        """Hops from the custodian to each partner, and the first hop without a contract."""
        queue: deque[str] = deque()
        for flow in self.model.flows:
            if self.from_custodian(flow) and flow.to in self.partners and flow.to not in self.depth:
                self.depth[flow.to] = 1
                queue.append(flow.to)
                if not self.contract_ok(self.partners[flow.to]):
                    self.bad_hop[flow.to] = flow.to
        while queue:
            current = queue.popleft()
            for nxt in self._onward(current):
                if nxt not in self.depth:
                    self.depth[nxt] = self.depth[current] + 1
                    self.came_from[nxt] = current
                    queue.append(nxt)
        # Taint spreads along every onward edge, not only the shortest one.
        queue = deque(self.depth)
        while queue:
            current = queue.popleft()
            for nxt in self._onward(current):
                if nxt in self.bad_hop:
                    continue
                bad = self.bad_hop.get(current)
                if bad is None and not self.contract_ok(self.partners[nxt]):
                    bad = nxt
                if bad is not None:
                    self.bad_hop[nxt] = bad
                    queue.append(nxt)

    def path_to(self, partner_id: str) -> list[str]:
        path = [partner_id]
        while path[-1] in self.came_from:
            path.append(self.came_from[path[-1]])
        return list(reversed(path))

    def _backward(self, partner_id: str) -> list[str]:
        """The partners whose `_onward` includes this one (the edges walked in reverse)."""
        back = list(self.listed_by.get(partner_id, ()))
        back += [f.from_ for f in self.flows_in.get(partner_id, ()) if f.from_ in self.partners]
        return back

    def _reach(self, partner_id: str, step: Callable[[str], list[str]]) -> list[str]:
        """Partners reachable from this one along `step`, nearest first, itself excluded."""
        seen = {partner_id}
        order: list[str] = []
        queue = deque(step(partner_id))
        while queue:
            current = queue.popleft()
            if current in seen:
                continue
            seen.add(current)
            order.append(current)
            queue.extend(step(current))
        return order

    def downstream(self, partner_id: str) -> list[str]:
        """Every partner data can travel on to from this one (sub-processors, onward flows)."""
        return self._reach(partner_id, self._onward)

    def upstream(self, partner_id: str) -> list[str]:
        """Every partner whose data can travel on to this one, in the model's order."""
        above = set(self._reach(partner_id, self._backward))
        return [p for p in self.partners if p in above]
