"""Whether a flow may be carried out today, judged against the standard (pure code).

An export refuses, before writing anything: a form the standard forbids for a
category's tier (or for the tier of a combination the flow carries), plain
sharing to a role the tier's `plain_to` does not list, a purpose the standard
does not allow for the partner's role, a partner without a valid contract, and
a flow that does not start at the vault or does not end at a partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from trustkeep.errors import InvalidInput
from trustkeep.model import Model
from trustkeep.model.parties import VAULT, Flow, Partner
from trustkeep.model.standard import role_allowed


class ExportRefused(InvalidInput):
    """The flow breaks the standard; nothing was written."""

    code = "export_refused"


@dataclass(frozen=True)
class Violation:
    rule: str
    message: str


def flow_violations(model: Model, flow: Flow, partner: Partner, today: date) -> list[Violation]:
    found: list[Violation] = []
    standard = model.standard
    if flow.from_ != VAULT:
        found.append(Violation("from", f"flow {flow.id} starts at {flow.from_}, not the vault"))
    for category, form in flow.categories.items():
        if category not in standard.categories:
            found.append(Violation("category", f"{category} is not a category of the standard"))
            continue
        tier_name = standard.categories[category]
        tier = standard.tiers[tier_name]
        if not tier.allows(form):
            found.append(
                Violation(
                    "form", f"{category} is {tier_name}: the standard forbids sharing it as {form}"
                )
            )
        elif (
            form == "plain"
            and tier.plain_to is not None
            and not role_allowed(partner.role, tier.plain_to)
        ):
            found.append(
                Violation(
                    "plain_to",
                    f"{category} is {tier_name}: plain only to "
                    f"{', '.join(tier.plain_to) or 'no one'}, not to a {partner.role}",
                )
            )
    for combo in standard.combinations:
        if set(combo.categories) <= set(flow.categories):
            tier = standard.tiers[combo.tier]
            for category in combo.categories:
                form = flow.categories[category]
                if not tier.allows(form):
                    found.append(
                        Violation(
                            "combination",
                            f"{' + '.join(combo.categories)} together are {combo.tier}: "
                            f"the standard forbids sharing {category} as {form}",
                        )
                    )
    purpose = standard.purposes.get(flow.purpose)
    if purpose is None:
        found.append(Violation("purpose", f"purpose {flow.purpose} is not in the standard"))
    elif not role_allowed(partner.role, purpose.roles):
        found.append(
            Violation("purpose", f"purpose {flow.purpose} is not allowed for a {partner.role}")
        )
    if partner.contract is None or partner.contract.expires is None:
        found.append(Violation("contract", f"partner {partner.id} has no contract with an expiry"))
    elif partner.contract.expires < today:
        found.append(
            Violation(
                "contract", f"partner {partner.id}'s contract expired on {partner.contract.expires}"
            )
        )
    return found


def resolve_flow(model: Model, flow_id: str) -> tuple[Flow, Partner]:
    flow = model.flow(flow_id)
    if flow is None:
        known = ", ".join(f.id for f in model.flows) or "none"
        raise InvalidInput(f"no flow {flow_id!r} in trustkeep.yaml", hint=f"flows: {known}")
    partner = model.partner(flow.to)
    if partner is None:
        raise ExportRefused(f"flow {flow_id} goes to {flow.to}, which is not a partner")
    return flow, partner


def check_flow(model: Model, flow_id: str, today: date) -> tuple[Flow, Partner]:
    """The flow and its partner, or ExportRefused listing every violation."""
    flow, partner = resolve_flow(model, flow_id)
    violations = flow_violations(model, flow, partner, today)
    if violations:
        reasons = "; ".join(v.message for v in violations)
        raise ExportRefused(f"flow {flow_id} refused: {reasons}", hint="nothing was written")
    return flow, partner
