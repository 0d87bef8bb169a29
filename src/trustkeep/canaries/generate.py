"""Generate canaries: synthetic customers that read like the list they hide in.

Each canary starts from a real "donor" row of the profile's sample, which
gives it an email pattern (as a template over names), the set of empty cells,
the joint shape of every other column, and the model for its names: one of
the donor's names is kept and the other replaced by one about as common (see
`names`). The local part is the donor's template filled with the canary's
names, and every other value goes through its column model (see `values`),
which never keeps a phone number or a house number of the donor.

Hard rules, each checked for every canary: names only from names at least
`MIN_COUNT` customers share; never a real (first, last) pair nor the same pair
twice in one call; never a real local part, one of `avoid_locals`, or the same
local part twice in one call.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from random import Random

from trustkeep.canaries.names import MIN_COUNT, pair_key
from trustkeep.canaries.patterns import render
from trustkeep.canaries.profile import EMAIL, FIRST, LAST, ListProfile, local_key
from trustkeep.canaries.values import fresh
from trustkeep.errors import InvalidInput

__all__ = ["generate", "generate_at", "spread"]

_DONOR_TRIES = 400  # donor rows per canary before giving up
_NAME_TRIES = 4  # name pairs tried per donor: a taken address is a taken pattern too
_ATEXT = frozenset("!#$%&'*+-/=?^_`{|}~.")


def _domains(domains: Sequence[str]) -> list[str]:
    if isinstance(domains, str):
        raise InvalidInput("domains must be a sequence of domain names, not one string")
    seen: dict[str, str] = {}
    for domain in domains:
        name = domain.strip() if isinstance(domain, str) else ""
        if not name or "@" in name or any(ch.isspace() for ch in name):
            raise InvalidInput("every canary domain must be a bare domain name")
        seen.setdefault(name.casefold(), name)
    if not seen:
        raise InvalidInput("at least one canary domain is needed")
    return list(seen.values())


def _valid_local(local: str) -> bool:
    if not 1 <= len(local) <= 64 or local[0] == "." or local[-1] == "." or ".." in local:
        return False
    return all(ch.isalnum() or ch in _ATEXT for ch in local)


def _check(profile: ListProfile) -> None:
    if EMAIL not in profile.columns:
        raise InvalidInput("the list has no email column; a canary is an address to watch")
    for column, counts, eligible in (
        (FIRST, profile.first_names, profile.names.firsts),
        (LAST, profile.last_names, profile.names.lasts),
    ):
        if column in profile.columns and counts and not eligible:
            raise InvalidInput(
                f"no {column.replace('_', ' ')} in the list is shared by {MIN_COUNT} or more "
                f"customers: canaries only use names that many customers carry, so this "
                f"list ({profile.rows} rows) is too small or too varied to hide canaries in",
                hint="export it without canaries or add it to a larger export",
            )
    if not any(profile.templates):
        raise InvalidInput("the list has no email addresses to learn canary addresses from")


def _styled(name: str, donor: str) -> str:
    """`name` in the donor's capitalisation when it is all upper or all lower case."""
    if donor.isupper():
        return name.upper()
    if donor.islower():
        return name.lower()
    return name


class _Batch:
    """One call's state: what is already used, so nothing repeats within the call."""

    def __init__(self, profile: ListProfile, rng: Random, avoid: Collection[str]) -> None:
        self.profile = profile
        self.rng = rng
        self.locals = {local_key(a) for a in avoid}
        self.pairs: set[str] = set()
        self.donors = [i for i, t in enumerate(profile.templates) if t is not None]
        self.others = [c for c in profile.columns if c in profile.models]

    def record(self, domain: str) -> dict[str, str]:
        profile, rng = self.profile, self.rng
        for _ in range(_DONOR_TRIES):
            index = rng.choice(self.donors)
            donor = profile.sample[index]
            for _ in range(_NAME_TRIES):
                pair = profile.names.draw(
                    donor.get(FIRST, ""), donor.get(LAST, ""), rng, profile.pair_bloom, self.pairs
                )
                if pair is None:
                    break
                row = self.attempt(pair, index, domain)
                if row is not None:
                    return row
        raise InvalidInput(
            "could not make a canary that avoids every real name pair and address; "
            "the list's names and address patterns leave too little room",
        )

    def attempt(self, pair: tuple[str, str], index: int, domain: str) -> dict[str, str] | None:
        profile, rng = self.profile, self.rng
        donor, template = profile.sample[index], profile.templates[index]
        assert template is not None
        first = _styled(pair[0], donor[FIRST]) if pair[0] else ""
        last = _styled(pair[1], donor[LAST]) if pair[1] else ""
        birth = profile.birth_column
        values: dict[str, str] = {}
        if birth is not None:
            values[birth] = fresh(profile.models[birth], donor[birth], rng)
        year = profile.birth_year(values)
        local = render(template, first, last, profile.fold, year, profile.fragments, rng)
        if local is None or not _valid_local(local):
            return None
        key = local.casefold()
        if key in self.locals or key in profile.local_bloom:
            return None
        self.locals.add(key)
        if first and last:
            self.pairs.add(pair_key(first, last))
        for column in self.others:
            if column not in values:
                values[column] = fresh(profile.models[column], donor[column], rng)
        values.update({EMAIL: f"{local}@{domain}", FIRST: first, LAST: last})
        return {column: values[column] for column in profile.columns}


def generate(
    profile: ListProfile,
    count: int,
    domains: Sequence[str],
    rng: Random,
    avoid_locals: Collection[str] = (),
) -> list[dict[str, str]]:
    """`count` canary records in the profile's columns, their addresses spread over `domains`.

    Deterministic for a given profile and `rng` state. Raises `InvalidInput` when
    the list cannot hide canaries (no email column, no name shared by enough
    customers) or when the arguments are wrong.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise InvalidInput("count must be an integer >= 0")
    return generate_at(profile, spread(count, domains, rng), rng, avoid_locals)


def spread(count: int, domains: Sequence[str], rng: Random) -> list[str]:
    """`count` domains, round-robin over `domains` shuffled: each gets count // len or one
    more, and which domain gets the extra ones is not predictable from the list."""
    names = _domains(domains)
    rng.shuffle(names)
    return [names[i % len(names)] for i in range(count)]


def generate_at(
    profile: ListProfile,
    domains: Sequence[str],
    rng: Random,
    avoid_locals: Collection[str] = (),
) -> list[dict[str, str]]:
    """One canary record per entry of `domains`, at that domain, all in one batch.

    Records made in one call never share a local part or a name pair, so live
    and control canaries made together cannot be told apart by how they were made.
    """
    if isinstance(domains, str):
        raise InvalidInput("domains must be a sequence of domain names, not one string")
    if not domains:
        return []
    _domains(domains)
    _check(profile)
    batch = _Batch(profile, rng, avoid_locals)
    return [batch.record(domain) for domain in domains]
