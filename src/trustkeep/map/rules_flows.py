"""Rules on what each flow carries, in which form, how, for what and for how long."""

from __future__ import annotations

from collections.abc import Iterator

from trustkeep.map.findings import Hit, rule
from trustkeep.map.graph import NO_DELETION, MapIndex, is_email
from trustkeep.model.durations import parse_days
from trustkeep.model.parties import VAULT, Flow
from trustkeep.model.standard import role_allowed


def _shared(index: MapIndex) -> Iterator[Flow]:
    """Flows that hand data to another organisation (their destination is a partner)."""
    return (f for f in index.model.flows if f.to in index.partners)


@rule(
    "TK-FORM-001",
    "critical",
    "flow",
    "A category is shared in a form its tier forbids",
    "Each tier of the standard lists the forms (plain, token, hash, mask) its categories may "
    "travel in when they leave for a partner. This flow sends a category in a form its tier "
    "does not list (or the tier says `never`).",
    "Send the category in a form the tier allows (usually `token` or `mask`), drop it from the "
    "flow, or change the standard if the standard is wrong.",
)
def form_forbidden(index: MapIndex) -> Iterator[Hit]:
    standard = index.model.standard
    for flow in _shared(index):
        for category, form in flow.categories.items():
            tier_name = standard.categories.get(category)
            if tier_name and not standard.tiers[tier_name].allows(form):
                yield Hit(
                    flow.id, f"{category} is {tier_name}: its tier forbids sharing it as {form}"
                )


@rule(
    "TK-FORM-002",
    "high",
    "flow",
    "A combination of categories reaches a higher tier",
    "The standard ranks some categories higher when they travel together (for example email "
    "with purchase history). This flow carries every category of such a combination, and one of "
    "them travels in a form the combination's tier forbids.",
    "Tokenise or mask one of the combined categories, split the flow so that no partner gets "
    "the whole combination, or drop a category the purpose does not need.",
)
def combination(index: MapIndex) -> Iterator[Hit]:
    for flow in _shared(index):
        for force in index.in_force(flow.categories):
            if len(force.categories) < 2:
                continue
            for category in force.categories:
                form = flow.categories[category]
                if not force.tier.allows(form):
                    yield Hit(
                        flow.id,
                        f"{force.because} together are {force.tier_name}: that "
                        f"tier forbids {category} as {form}",
                    )


@rule(
    "TK-PLAIN-001",
    "high",
    "flow",
    "Plain data to a role the tier does not allow",
    "A tier's `plain_to` lists the partner roles that may receive its categories in the clear. "
    "This flow sends such a category plain (or as an unkeyed hash, which is guessable and so "
    "counts as plain) to a partner whose role is not listed.",
    "Send a token or a mask instead, or send it to a partner whose role the tier allows "
    "(usually a processor under a contract).",
)
def plain_to(index: MapIndex) -> Iterator[Hit]:
    for flow in _shared(index):
        role = index.partners[flow.to].role
        for force in index.in_force(flow.categories):
            tier = force.tier
            if tier.plain_to is None or role_allowed(role, tier.plain_to):
                continue
            plain = [
                f"{c} ({flow.categories[c]})"
                for c in force.categories
                if flow.categories[c] in ("plain", "hash") and tier.allows(flow.categories[c])
            ]
            if plain:
                allowed = ", ".join(tier.plain_to) or "no role"
                yield Hit(
                    flow.id,
                    f"{', '.join(plain)} in the clear to a {role}; "
                    f"{force.because} is {force.tier_name}, plain only to {allowed}",
                )


def _demands_encryption(index: MapIndex, flow: Flow) -> list[str]:
    return [
        f"{f.because} ({f.tier_name})"
        for f in index.in_force(flow.categories)
        if f.tier.transport == "encrypted"
    ]


@rule(
    "TK-TRANSPORT-001",
    "high",
    "flow",
    "Unencrypted transport where the tier demands encryption",
    "A tier with `transport: encrypted` demands that its categories only travel over an "
    "encrypted channel. This flow carries such a category with `encrypted: false`.",
    "Move the flow to an encrypted channel (SFTP, HTTPS, TLS-only SMTP, an encrypted file) and "
    "set `transport: {encrypted: true}`.",
)
def transport_required(index: MapIndex) -> Iterator[Hit]:
    for flow in index.model.flows:
        if flow.transport is not None and not flow.transport.encrypted:
            why = _demands_encryption(index, flow)
            if why:
                yield Hit(flow.id, f"unencrypted, but {', '.join(why)} demand encryption")


@rule(
    "TK-TRANSPORT-002",
    "medium",
    "flow",
    "Unencrypted transport across a boundary",
    "Data leaving one boundary for another (or for a partner) crosses networks the custodian "
    "does not control. This flow crosses a boundary unencrypted, even though no tier it carries "
    "demands encryption.",
    "Encrypt the channel and set `transport: {encrypted: true}`.",
)
def transport_boundary(index: MapIndex) -> Iterator[Hit]:
    for flow in index.model.flows:
        if (
            flow.transport is not None
            and not flow.transport.encrypted
            and not _demands_encryption(index, flow)
            and index.crosses_boundary(flow)
        ):
            yield Hit(flow.id, f"{flow.from_} to {flow.to} crosses a boundary unencrypted")


@rule(
    "TK-TRANSPORT-003",
    "medium",
    "flow",
    "Transport not declared where the tier demands encryption",
    "The flow carries a category whose tier demands encrypted transport, but the map does not "
    "say how it travels, so nobody can tell whether the standard is met.",
    "Declare `transport: {protocol: ..., encrypted: true}` on the flow.",
)
def transport_undeclared(index: MapIndex) -> Iterator[Hit]:
    for flow in index.model.flows:
        if flow.transport is None:
            why = _demands_encryption(index, flow)
            if why:
                yield Hit(flow.id, f"no transport declared, but {', '.join(why)} demand encryption")


def _retention(index: MapIndex, flow: Flow) -> tuple[int | None, str | None]:
    if flow.retention is not None:
        return flow.retention_days, flow.retention
    partner = index.partners.get(flow.to)
    if partner is not None and partner.retention is not None:
        return parse_days(partner.retention), partner.retention
    return None, None


@rule(
    "TK-RET-001",
    "high",
    "flow",
    "Retention at the destination beyond the tier's maximum",
    "A tier's `max_retention` caps how long any recipient may keep its categories. The flow's "
    "`retention` (or, when the flow sets none, the partner's) is longer.",
    "Shorten the retention in the contract and in the map, or stop sending the category.",
)
def retention_too_long(index: MapIndex) -> Iterator[Hit]:
    for flow in index.model.flows:
        days, written = _retention(index, flow)
        if days is None:
            continue
        over = [
            f"{f.because} ({f.tier_name}: at most {f.tier.max_retention})"
            for f in index.in_force(flow.categories)
            if f.tier.max_retention_days is not None and days > f.tier.max_retention_days
        ]
        if over:
            yield Hit(
                flow.id, f"kept {written} at {flow.to}, longer than allowed for {', '.join(over)}"
            )


@rule(
    "TK-RET-002",
    "medium",
    "flow",
    "No retention declared where the tier caps it",
    "The flow hands a partner categories whose tier caps retention, but neither the flow nor "
    "the partner says how long the partner keeps them.",
    "Set `retention:` on the flow (or on the partner) to a duration within the tier's maximum.",
)
def retention_undeclared(index: MapIndex) -> Iterator[Hit]:
    for flow in _shared(index):
        if _retention(index, flow)[0] is None:
            caps = [
                f"{f.because} ({f.tier.max_retention})"
                for f in index.in_force(flow.categories)
                if f.tier.max_retention_days is not None
            ]
            if caps:
                yield Hit(flow.id, f"no retention declared; capped: {', '.join(caps)}")


@rule(
    "TK-PURPOSE-001",
    "high",
    "flow",
    "Purpose not allowed for the recipient's role",
    "Each purpose in the standard lists the partner roles that may receive data for it. This "
    "flow's purpose does not list the recipient's role.",
    "Send the data to a partner in an allowed role, change the purpose, or (if the standard is "
    "wrong) add the role to the purpose.",
)
def purpose_role(index: MapIndex) -> Iterator[Hit]:
    for flow in _shared(index):
        purpose = index.model.standard.purposes.get(flow.purpose)
        role = index.partners[flow.to].role
        if purpose is not None and not role_allowed(role, purpose.roles):
            yield Hit(
                flow.id,
                f"{flow.purpose} is not allowed for a {role} "
                f"(only {', '.join(purpose.roles) or 'no role'})",
            )


@rule(
    "TK-PURPOSE-002",
    "medium",
    "flow",
    "Purpose unknown to the standard",
    "Data goes to a partner for a purpose the standard does not define, so neither the roles "
    "allowed nor the categories needed can be judged (and exports along it are refused).",
    "Use a purpose defined under `standard.purposes`, or define this one with its roles and needs.",
)
def purpose_unknown(index: MapIndex) -> Iterator[Hit]:
    for flow in _shared(index):
        if flow.purpose not in index.model.standard.purposes:
            yield Hit(flow.id, f"purpose {flow.purpose} is not in standard.purposes")


@rule(
    "TK-MIN-001",
    "medium",
    "flow",
    "Over-sharing: a category the purpose does not need",
    "Each purpose lists under `needs` the categories it requires. This flow sends a category "
    "that is not among them: data minimisation says it should stay home.",
    "Drop the category from the flow, or add it to the purpose's `needs` with a reason.",
)
def oversharing(index: MapIndex) -> Iterator[Hit]:
    for flow in index.model.flows:
        purpose = index.model.standard.purposes.get(flow.purpose)
        if purpose is None or not purpose.needs:
            continue
        extra = sorted(set(flow.categories) - set(purpose.needs))
        if extra:
            yield Hit(flow.id, f"{', '.join(extra)} not needed for {flow.purpose}")


@rule(
    "TK-CAT-001",
    "high",
    "flow",
    "A category the standard does not classify",
    "The flow carries a category that has no tier in the standard, so "
    "nothing about how it may travel or be kept can be judged.",
    "Add the category to `standard.categories` with its tier, or rename it to a known one.",
)
def unclassified(index: MapIndex) -> Iterator[Hit]:
    known = index.model.standard.categories
    for flow in index.model.flows:
        unknown = sorted(c for c in flow.categories if c not in known)
        if unknown:
            yield Hit(flow.id, f"{', '.join(unknown)} not in standard.categories")


@rule(
    "TK-DEL-001",
    "medium",
    "flow",
    "No deletion path at the destination",
    "The flow hands a partner personal data but declares no way to have it deleted there, so "
    "erasure requests and the end of retention cannot be honoured.",
    "Agree a deletion path (API, file of ids, contract clause) and record it as `deletion:`.",
)
def no_deletion(index: MapIndex) -> Iterator[Hit]:
    for flow in _shared(index):
        if (flow.deletion or "").strip().lower() in NO_DELETION:
            personal = sorted(c for c in flow.categories if index.protected(c))
            if personal:
                yield Hit(flow.id, f"{flow.to} gets {', '.join(personal)} with no deletion path")


@rule(
    "TK-CANARY-001",
    "low",
    "flow",
    "A vault flow without mail-canary coverage",
    "Canaries are detected when someone mails them. A flow from the vault that does not carry "
    "email in plain form gives its partner nothing to mail, so a leak there goes unseen.",
    "Send email plain where the standard allows it, or accept the risk for this flow with a "
    "reason (a hashed audience upload, say).",
)
def canary_coverage(index: MapIndex) -> Iterator[Hit]:
    for flow in index.flows_out.get(VAULT, ()):
        if not any(is_email(c) and f == "plain" for c, f in flow.categories.items()):
            yield Hit(flow.id, "no category carries email in plain form: canaries cannot be mailed")


@rule(
    "TK-CANARY-002",
    "medium",
    "flow",
    "A vault flow without canaries configured",
    "Exports along this flow would carry no canaries: canaries are switched off for the flow, "
    "or no canary domains are configured under `canaries.domains`.",
    "Configure custodian-owned canary domains and leave canaries enabled on the flow.",
)
def canary_configured(index: MapIndex) -> Iterator[Hit]:
    for flow in index.flows_out.get(VAULT, ()):
        if flow.canaries is not None and not flow.canaries.enabled:
            yield Hit(flow.id, "canaries are disabled for this flow")
        elif not index.model.canaries.domains:
            yield Hit(flow.id, "no canary domains are configured (canaries.domains)")
