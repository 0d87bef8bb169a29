"""Every rule: a minimal model that triggers it, and a near miss that does not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from mapmodels import TODAY, base, flow, hits, party, report

from trustkeep.map import RULES

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    """An edit: `flow:vault-to-esp.retention`, `party:esp.contract`, `canaries.domains`."""

    def edit(data: dict[str, Any]) -> None:
        head, _, rest = path.partition(".")
        kind, _, item = head.partition(":")
        target = (
            flow(data, item) if kind == "flow" else party(data, item) if kind == "party" else data
        )
        keys = rest.split(".") if kind in ("flow", "party") else path.split(".")
        for key in keys[:-1]:
            target = target[key]
        if value is None:
            target.pop(keys[-1], None)
        else:
            target[keys[-1]] = value

    return edit


def _all(*edits: Edit) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for one in edits:
            one(data)

    return edit


def _add(section: str, item: dict[str, Any]) -> Edit:
    return lambda data: data[section].append(item)


def _cats(flow_id: str, **forms: str) -> Edit:
    return lambda data: flow(data, flow_id)["categories"].update(forms)


ESP = "flow:vault-to-esp"
PUBLIC_FLOW = {
    "id": "tiers-to-esp",
    "from": "crm",
    "to": "esp",
    "purpose": "email_marketing",
    "categories": {"loyalty_tier": "plain"},
    "retention": "90d",
    "deletion": "api",
}
INTERNAL = {"id": "crm2", "boundary": "corporate", "holds": ["loyalty_tier"], "at_rest": "plain"}

# esp passes data on to a processor of its own
ESP_TO_ADS = _all(
    _add(
        "partners",
        {
            "id": "ads",
            "role": "processor",
            "country": "US",
            "contract": {"ref": "A", "expires": TODAY},
        },
    ),
    _add(
        "flows",
        {
            **PUBLIC_FLOW,
            "id": "esp-to-ads",
            "from": "esp",
            "to": "ads",
            "transport": {"encrypted": True},
        },
    ),
)

# rule: (trigger, target, near miss)
CASES: dict[str, tuple[Edit, str, Edit]] = {
    "TK-FORM-001": (
        _cats("vault-to-esp", birth_date="plain"),
        "vault-to-esp",
        _cats("vault-to-esp", birth_date="token"),
    ),
    "TK-FORM-002": (
        _cats("vault-to-esp", purchase_history="token"),
        "vault-to-esp",
        _cats("vault-to-esp", purchase_history="token", email="token"),
    ),
    "TK-PLAIN-001": (
        _all(
            _set("party:esp.role", "controller"),
            _set("standard.purposes.email_marketing.roles", ["controller"]),
        ),
        "vault-to-esp",
        _all(
            _set("party:esp.role", "controller"),
            _set("standard.purposes.email_marketing.roles", ["controller"]),
            _cats("vault-to-esp", email="token", first_name="mask"),
        ),
    ),
    "TK-TRANSPORT-001": (
        _set(f"{ESP}.transport", {"encrypted": False}),
        "vault-to-esp",
        _set(f"{ESP}.transport", {"encrypted": True}),
    ),
    "TK-TRANSPORT-002": (
        _add("flows", {**PUBLIC_FLOW, "transport": {"encrypted": False}}),
        "tiers-to-esp",
        _all(
            _add("systems", INTERNAL),
            _add("flows", {**PUBLIC_FLOW, "to": "crm2", "transport": {"encrypted": False}}),
        ),
    ),
    "TK-TRANSPORT-003": (
        _set(f"{ESP}.transport", None),
        "vault-to-esp",
        _add("flows", PUBLIC_FLOW),
    ),
    "TK-REST-001": (
        _set("party:crm.at_rest", "plain"),
        "crm",
        _all(
            _add("systems", INTERNAL),
            _add("flows", {**PUBLIC_FLOW, "to": "crm2", "transport": {"encrypted": True}}),
        ),
    ),
    "TK-REST-002": (
        _set("party:crm.at_rest", None),
        "crm",
        _all(
            _add("systems", {**INTERNAL, "at_rest": None}),
            _add("flows", {**PUBLIC_FLOW, "to": "crm2", "transport": {"encrypted": True}}),
        ),
    ),
    "TK-RET-001": (
        _set(f"{ESP}.retention", "400d"),
        "vault-to-esp",
        _set(f"{ESP}.retention", "365d"),
    ),
    "TK-RET-002": (
        _all(_set(f"{ESP}.retention", None), _set("party:esp.retention", None)),
        "vault-to-esp",
        _set(f"{ESP}.retention", None),
    ),
    "TK-CONTRACT-001": (
        _set("party:esp.contract", None),
        "esp",
        _set("party:esp.contract", {"ref": "X", "expires": TODAY}),
    ),
    "TK-CONTRACT-002": (
        _set("party:esp.contract", {"ref": "X", "expires": date(2026, 5, 31)}),
        "esp",
        _set("party:esp.contract", {"ref": "X", "expires": TODAY}),
    ),
    "TK-PURPOSE-001": (
        _set("standard.purposes.email_marketing.roles", ["controller"]),
        "vault-to-esp",
        _set("standard.purposes.email_marketing.roles", ["controller", "processor"]),
    ),
    "TK-PURPOSE-002": (
        _all(_set(f"{ESP}.purpose", "newsletter")),
        "vault-to-esp",
        _set("flow:crm-to-vault.purpose", "operations"),
    ),
    "TK-CHAIN-001": (
        _set("party:deliv.contract", None),
        "deliv",
        _set("party:deliv.contract", {"ref": "S", "expires": TODAY}),
    ),
    "TK-COUNTRY-001": (
        _set("party:deliv.country", "SG"),
        "deliv",
        _all(_set("party:deliv.country", "SG"), _set("standard.countries", [])),
    ),
    "TK-COUNTRY-002": (
        _set("party:esp.country", None),
        "esp",
        _add("partners", {"id": "idle", "role": "processor"}),
    ),
    "TK-CANARY-001": (
        _cats("vault-to-esp", email="token"),
        "vault-to-esp",
        _cats("vault-to-esp", email="plain"),
    ),
    "TK-CANARY-002": (
        _set("canaries.domains", []),
        "vault-to-esp",
        _set(f"{ESP}.canaries", {"enabled": True}),
    ),
    "TK-DEL-001": (
        _set(f"{ESP}.deletion", None),
        "vault-to-esp",
        _add("flows", {**PUBLIC_FLOW, "deletion": None, "transport": {"encrypted": True}}),
    ),
    "TK-MIN-001": (
        _cats("vault-to-esp", last_name="plain"),
        "vault-to-esp",
        _all(
            _cats("vault-to-esp", last_name="plain"),
            _set("standard.purposes.email_marketing.needs", []),
        ),
    ),
    "TK-CAT-001": (
        _cats("vault-to-esp", shoe_size="plain"),
        "vault-to-esp",
        _cats("vault-to-esp", loyalty_tier="token"),
    ),
    "TK-CAT-002": (
        _set("party:crm.holds", ["email", "shoe_size"]),
        "crm",
        _set("party:crm.holds", ["email", "loyalty_tier"]),
    ),
    "TK-SEND-001": (
        _set("party:esp.senders", None),
        "esp",
        _all(_set("party:esp.senders", None), _cats("vault-to-esp", email="token")),
    ),
    "TK-ACCESS-001": (
        _all(_set("party:crm.holds", ["birth_date"]), _set("party:crm.access_count", 26)),
        "crm",
        _all(_set("party:crm.holds", ["birth_date"]), _set("party:crm.access_count", 25)),
    ),
    "TK-ORPHAN-001": (
        _add("systems", {**INTERNAL, "id": "legacy"}),
        "legacy",
        _all(
            _add("systems", INTERNAL),
            _add("flows", {**PUBLIC_FLOW, "to": "crm2", "transport": {"encrypted": True}}),
        ),
    ),
    "TK-ORPHAN-002": (
        _add("partners", {"id": "old", "role": "processor", "country": "US"}),
        "old",
        _all(
            _add(
                "partners",
                {
                    "id": "old",
                    "role": "sub_processor",
                    "country": "US",
                    "contract": {"ref": "O", "expires": TODAY},
                },
            ),
            lambda d: party(d, "deliv").update(sub_processors=["old"]),
        ),
    ),
    "TK-SUBP-001": (
        ESP_TO_ADS,
        "esp",
        _all(ESP_TO_ADS, _set("party:esp.sub_processors", ["deliv", "ads"])),
    ),
    "TK-SUBP-002": (
        _set("party:esp.sub_processors", []),
        "deliv",
        _set("party:deliv.role", "processor"),
    ),
    "TK-STD-001": (
        _set("standard.tiers.sensitive.share", ["token", "hash"]),
        "sensitive",
        _set("standard.tiers.sensitive.share", ["token", "mask"]),
    ),
}


def test_the_base_model_is_clean() -> None:
    result = report(base())
    assert result.findings == [] and result.accepted == []


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULES)
    assert len(RULES) >= 20


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_triggers(rule_id: str) -> None:
    trigger, target, _ = CASES[rule_id]
    data = base()
    trigger(data)
    found = [f for f in report(data).findings if f.rule == rule_id]
    assert [f.target for f in found] == [target], found
    assert found[0].severity == RULES[rule_id].severity
    assert found[0].message and found[0].fix == RULES[rule_id].fix


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_near_miss(rule_id: str) -> None:
    _, _, near = CASES[rule_id]
    data = base()
    near(data)
    assert rule_id not in {rule for rule, _ in hits(data)}


def test_chain_several_hops_away() -> None:
    data = base()
    party(data, "deliv")["sub_processors"] = ["seeds"]
    data["partners"].append({"id": "seeds", "role": "sub_processor", "country": "US"})
    found = {f.target: f for f in report(data).findings if f.rule == "TK-CHAIN-001"}
    assert set(found) == {"seeds"}
    assert "esp -> deliv -> seeds" in found["seeds"].message
    assert "email" in found["seeds"].message


def test_chain_through_a_hop_without_contract_taints_what_follows() -> None:
    data = base()
    party(data, "deliv")["contract"] = None
    party(data, "deliv")["sub_processors"] = ["seeds"]
    data["partners"].append(
        {
            "id": "seeds",
            "role": "sub_processor",
            "country": "US",
            "contract": {"ref": "S", "expires": date(2099, 1, 1)},
        }
    )
    found = {f.target for f in report(data).findings if f.rule == "TK-CHAIN-001"}
    assert found == {"deliv", "seeds"}


def test_combination_raises_retention_and_transport() -> None:
    data = base()
    flow(data, "vault-to-esp")["categories"]["purchase_history"] = "token"
    flow(data, "vault-to-esp")["categories"]["email"] = "token"
    flow(data, "vault-to-esp")["retention"] = "180d"
    assert ("TK-RET-001", "vault-to-esp") in hits(data)


def test_hash_counts_as_plain_for_plain_to() -> None:
    data = base()
    data["standard"]["tiers"]["personal"]["share"] = ["plain", "token", "hash"]
    party(data, "esp")["role"] = "controller"
    data["standard"]["purposes"]["email_marketing"]["roles"] = ["controller"]
    flow(data, "vault-to-esp")["categories"] = {"email": "hash"}
    assert ("TK-PLAIN-001", "vault-to-esp") in hits(data)


def test_accepted_risk_silences_until_expiry() -> None:
    data = base()
    flow(data, "vault-to-esp")["retention"] = "400d"
    data["accepted_risks"] = [
        {"rule": "TK-RET-001", "target": "vault-to-esp", "reason": "migration", "expires": TODAY}
    ]
    active = report(data)
    assert active.findings == []
    assert [(f.rule, f.target) for f in active.accepted] == [("TK-RET-001", "vault-to-esp")]
    later = report(data, date(2026, 6, 2))
    [finding] = later.findings
    assert finding.acceptance is not None and finding.acceptance.expired
    assert "expired" in finding.message
    assert later.accepted == []


def test_unused_acceptances_are_listed() -> None:
    data = base()
    data["accepted_risks"] = [
        {"rule": "TK-RET-001", "target": "nowhere", "reason": "r", "expires": TODAY}
    ]
    assert [a.target for a in report(data).unused_acceptances] == ["nowhere"]


def test_every_rule_is_well_formed() -> None:
    for rule_id, rule in RULES.items():
        assert rule.id == rule_id
        area, _, number = rule_id.removeprefix("TK-").rpartition("-")
        assert rule_id.startswith("TK-") and area.isupper() and number.isdigit()
        assert rule.explanation.endswith(".") and rule.fix.endswith(".")


def test_a_sub_processor_may_receive_what_a_processor_may() -> None:
    data = base()
    data["flows"].append(
        {
            "id": "esp-to-deliv",
            "from": "esp",
            "to": "deliv",
            "purpose": "email_marketing",
            "categories": {"email": "plain"},
            "transport": {"protocol": "https", "encrypted": True},
            "retention": "30d",
            "deletion": "api",
        }
    )
    found = {rule for rule, target in hits(data) if target == "esp-to-deliv"}
    assert not found & {"TK-PLAIN-001", "TK-PURPOSE-001"}
    # ... but not what only a controller may.
    data["standard"]["tiers"]["personal"]["plain_to"] = ["controller"]
    data["standard"]["purposes"]["email_marketing"]["roles"] = ["controller"]
    found = {rule for rule, target in hits(data) if target == "esp-to-deliv"}
    assert {"TK-PLAIN-001", "TK-PURPOSE-001"} <= found
