"""Rules on the custodian's own systems and on the standard itself."""

from __future__ import annotations

from collections.abc import Iterator

from trustkeep.map.findings import Hit, rule
from trustkeep.map.graph import MapIndex

DEFAULT_MAX_ACCESS = 25


@rule(
    "TK-REST-001",
    "high",
    "system",
    "At-rest protection below what the tier demands",
    "A tier with `at_rest: encrypt` demands that its categories are stored encrypted. This "
    "system holds such a category (declared under `holds`, or brought by a flow) and stores "
    "it plain.",
    "Encrypt the store (or the columns) and set `at_rest: encrypt`, or stop keeping the category "
    "there.",
)
def at_rest(index: MapIndex) -> Iterator[Hit]:
    for system in index.model.systems:
        if system.at_rest != "plain":
            continue
        needs = [
            f.because
            for f in index.in_force(index.system_holds(system.id))
            if f.tier.at_rest == "encrypt"
        ]
        if needs:
            yield Hit(
                system.id, f"stores plain {', '.join(needs)}, which the standard encrypts at rest"
            )


@rule(
    "TK-REST-002",
    "medium",
    "system",
    "At-rest protection not declared",
    "The system holds categories whose tier demands encryption at rest, but the map does not "
    "say how it stores them.",
    "Declare `at_rest: encrypt` (once true) on the system.",
)
def at_rest_undeclared(index: MapIndex) -> Iterator[Hit]:
    for system in index.model.systems:
        if system.at_rest is None:
            needs = [
                f.because
                for f in index.in_force(index.system_holds(system.id))
                if f.tier.at_rest == "encrypt"
            ]
            if needs:
                yield Hit(system.id, f"holds {', '.join(needs)} but declares no at_rest")


@rule(
    "TK-ACCESS-001",
    "medium",
    "system",
    "Broad access to a system holding top-tier data",
    "The system holds a category of the standard's strictest tier (alone or through a "
    "combination), and more people can access it than the tier allows (`max_access`; "
    f"{DEFAULT_MAX_ACCESS} for the strictest tier when unset).",
    "Reduce who can access the system (roles, break-glass access), or keep the top-tier "
    "categories elsewhere.",
)
def broad_access(index: MapIndex) -> Iterator[Hit]:
    for system in index.model.systems:
        if system.access_count is None:
            continue
        for force in index.in_force(index.system_holds(system.id)):
            limit = force.tier.max_access
            if limit is None and force.tier_name in index.top_tiers:
                limit = DEFAULT_MAX_ACCESS
            if limit is not None and system.access_count > limit:
                yield Hit(
                    system.id,
                    f"{system.access_count} people can access {force.because} "
                    f"({force.tier_name}); at most {limit}",
                )


@rule(
    "TK-CAT-002",
    "high",
    "system",
    "A system holds a category the standard does not classify",
    "The system declares under `holds` a category with no tier in the standard, so how it "
    "must be stored cannot be judged.",
    "Add the category to `standard.categories` with its tier, or rename it to a known one.",
)
def unclassified_held(index: MapIndex) -> Iterator[Hit]:
    known = index.model.standard.categories
    for system in index.model.systems:
        unknown = sorted(c for c in system.holds if c not in known)
        if unknown:
            yield Hit(system.id, f"{', '.join(unknown)} not in standard.categories")


@rule(
    "TK-ORPHAN-001",
    "low",
    "system",
    "A system nothing flows to or from",
    "No flow reaches or leaves the system. Either the map is missing its flows (and the data "
    "in it escapes every rule about sharing) or the system is stale.",
    "Add the flows that feed and read it, or remove it from the map.",
)
def orphan_system(index: MapIndex) -> Iterator[Hit]:
    for system in index.model.systems:
        if system.id not in index.flows_in and system.id not in index.flows_out:
            yield Hit(system.id, f"{system.id} is connected to nothing")


@rule(
    "TK-STD-001",
    "medium",
    "tier",
    "A tier allows hashes but not plain",
    "An unkeyed hash of an email address or a phone number is guessable (hash every address "
    "on a list and compare), so it protects no better than plain. A tier that forbids plain "
    "but allows `hash` contradicts itself.",
    "Remove `hash` from the tier's `share` (use `token`, a keyed HMAC per partner), or allow "
    "plain deliberately.",
)
def hash_like_plain(index: MapIndex) -> Iterator[Hit]:
    for name, tier in index.model.standard.tiers.items():
        if tier.allows("hash") and not tier.allows("plain"):
            yield Hit(name, f"tier {name} allows hash but not plain")
