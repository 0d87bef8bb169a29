"""Rules on partners: contracts, chains of sub-processors, countries, senders, orphans."""

from __future__ import annotations

from collections.abc import Iterator

from trustkeep.map.findings import Hit, rule
from trustkeep.map.graph import MapIndex, is_email
from trustkeep.model.parties import VAULT


def _direct(index: MapIndex) -> list[str]:
    """Partners a flow hands data to, in model order."""
    return [p.id for p in index.model.partners if p.id in index.flows_in]


@rule(
    "TK-CONTRACT-001",
    "high",
    "partner",
    "A partner receives data without a contract",
    "A partner that receives data needs a contract (a DPA for a processor) with a reference "
    "and an expiry date; this one has none, or no expiry date.",
    "Sign the contract and record it as `contract: {ref: ..., expires: YYYY-MM-DD}`.",
)
def contract_missing(index: MapIndex) -> Iterator[Hit]:
    for pid in _direct(index):
        contract = index.partners[pid].contract
        if contract is None or contract.expires is None:
            yield Hit(pid, f"{pid} receives data with no contract with an expiry date")


@rule(
    "TK-CONTRACT-002",
    "high",
    "partner",
    "A partner receives data under an expired contract",
    "The partner's contract expired, yet flows still hand it data.",
    "Renew the contract and update `contract.expires`, or stop the flows to this partner.",
)
def contract_expired(index: MapIndex) -> Iterator[Hit]:
    for pid in _direct(index):
        contract = index.partners[pid].contract
        if contract is not None and contract.expires is not None and contract.expires < index.today:
            yield Hit(
                pid,
                f"{pid}'s contract {contract.ref or ''} expired on {contract.expires}".replace(
                    "  ", " "
                ),
            )


@rule(
    "TK-CHAIN-001",
    "high",
    "partner",
    "Data reaches a partner several hops away without a contract",
    "Categories travel on from a partner to its sub-processors (and their sub-processors). "
    "This organisation is reached that way, and some hop on the chain has no valid contract, "
    "so nothing binds what it does with the data.",
    "Get a contract in place at every hop (or make the partner's DPA cover its sub-processors "
    "and record it), or stop the onward transfer.",
)
def chain(index: MapIndex) -> Iterator[Hit]:
    for pid, bad in index.bad_hop.items():
        if index.depth.get(pid, 0) < 2 and bad == pid:
            continue  # a direct recipient without a contract: TK-CONTRACT-001/002
        path = " -> ".join(index.path_to(pid))
        cats = ", ".join(sorted(index.holds.get(pid, {}))) or "data"
        yield Hit(pid, f"{cats} reach {pid} through {path}; {bad} has no valid contract")


def _receivers(index: MapIndex) -> Iterator[str]:
    """Partners that hold data, directly or through a chain, in model order."""
    return (p.id for p in index.model.partners if index.holds.get(p.id))


@rule(
    "TK-COUNTRY-001",
    "high",
    "partner",
    "Data goes to a country the standard does not allow",
    "`standard.countries` lists the countries data may go to. This partner (or system) is "
    "elsewhere and receives data, directly or through a chain of sub-processors.",
    "Choose a partner or region within the allowed countries, or (with the legal basis "
    "documented) add the country to the standard.",
)
def country(index: MapIndex) -> Iterator[Hit]:
    allowed = {c.upper() for c in index.model.standard.countries}
    if not allowed:
        return
    for pid in _receivers(index):
        where = index.partners[pid].country
        if where is not None and where.upper() not in allowed:
            yield Hit(pid, f"{pid} is in {where}, outside the allowed countries")
    for system in index.model.systems:
        outside = system.country is not None and system.country.upper() not in allowed
        if outside and index.system_holds(system.id):
            yield Hit(
                system.id,
                f"{system.id} is in {system.country}, outside the allowed countries",
                kind="system",
            )


@rule(
    "TK-COUNTRY-002",
    "medium",
    "partner",
    "A partner that receives data has no country",
    "The standard restricts destination countries, but this partner (which receives data, "
    "directly or as a sub-processor) does not say where it is.",
    "Record the partner's `country:` (where it processes the data).",
)
def country_unknown(index: MapIndex) -> Iterator[Hit]:
    if not index.model.standard.countries:
        return
    for pid in _receivers(index):
        if index.partners[pid].country is None:
            yield Hit(pid, f"{pid} receives data but its country is not declared")


@rule(
    "TK-SEND-001",
    "medium",
    "partner",
    "A partner with canaries but no declared senders",
    "A partner that receives mailable canaries (email in plain form from the vault) must "
    "declare who may mail on its behalf (`senders`: IPs, envelope domains, DKIM domains); "
    "otherwise canary mail arriving from it cannot be told apart from a leak.",
    "Add `senders: {ips: [...], domains: [...], dkim: [...]}` to the partner.",
)
def senders(index: MapIndex) -> Iterator[Hit]:
    for flow in index.flows_out.get(VAULT, ()):
        partner = index.partners.get(flow.to)
        if partner is None:
            continue
        if not any(is_email(c) and f == "plain" for c, f in flow.categories.items()):
            continue
        s = partner.senders
        if s is None or not (s.ips or s.domains or s.dkim):
            yield Hit(partner.id, f"{partner.id} gets mailable canaries but declares no senders")


@rule(
    "TK-SUBP-001",
    "medium",
    "partner",
    "Onward transfer to a partner not declared as sub-processor",
    "A flow takes data from this partner to another organisation, but the partner does not list "
    "that organisation under `sub_processors`, so the chain is not on record.",
    "Add the recipient to the partner's `sub_processors` (and check its contract), or remove "
    "the flow.",
)
def undeclared_onward(index: MapIndex) -> Iterator[Hit]:
    for partner in index.model.partners:
        for flow in index.flows_out.get(partner.id, ()):
            if flow.to in index.partners and flow.to not in partner.sub_processors:
                yield Hit(
                    partner.id,
                    f"flow {flow.id} sends data on to {flow.to}, which "
                    f"{partner.id} does not declare",
                )


@rule(
    "TK-SUBP-002",
    "medium",
    "partner",
    "A sub-processor whose processor is not on record",
    "The partner's role is `sub_processor`, but no partner lists it under `sub_processors`: "
    "the chain it belongs to is undeclared.",
    "List it under the `sub_processors` of the partner that engages it.",
)
def orphan_subprocessor(index: MapIndex) -> Iterator[Hit]:
    for partner in index.model.partners:
        if partner.role == "sub_processor" and partner.id not in index.listed_by:
            yield Hit(partner.id, f"no partner lists {partner.id} as a sub-processor")


@rule(
    "TK-ORPHAN-002",
    "low",
    "partner",
    "A partner nothing flows to or from",
    "The partner has no flows and no partner lists it as a sub-processor. Either the map is "
    "missing its flows or the partner is stale.",
    "Add the flows that reach it, or remove the partner from the map.",
)
def orphan_partner(index: MapIndex) -> Iterator[Hit]:
    for partner in index.model.partners:
        if (
            partner.id not in index.flows_in
            and partner.id not in index.flows_out
            and partner.id not in index.listed_by
        ):
            yield Hit(partner.id, f"{partner.id} is connected to nothing")
