"""The detection rules (pure): who may mail a canary, and which export leaked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustkeep.detect import rules
from trustkeep.detect.narrow import Running, narrow
from trustkeep.detect.rules import Facts, SenderPolicy, judge

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
POLICY = SenderPolicy(
    ips=("198.51.100.0/24",), domains=("relaymail.example",), dkim=("rm.example",)
)
SENDING = ["news.northwind.example"]


def facts(**kw: object) -> Facts:
    base: dict[str, object] = {
        "peer_ip": "203.0.113.9",
        "spf": "none",
        "spf_domain": None,
        "dkim_pass": frozenset(),
        "from_domain": "news.northwind.example",
        "received_at": NOW,
    }
    base.update(kw)
    return Facts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kw", "authorised"),
    [
        ({"peer_ip": "198.51.100.7"}, True),
        ({"peer_ip": "::ffff:198.51.100.7"}, True),
        ({"spf": "pass", "spf_domain": "bounce.relaymail.example"}, True),
        ({"dkim_pass": frozenset({"rm.example"})}, True),
        ({"spf": "softfail", "spf_domain": "relaymail.example"}, False),
        ({"spf": "pass", "spf_domain": "notrelaymail.example"}, False),
        ({"dkim_pass": frozenset({"evil.example"})}, False),
        ({"peer_ip": "198.51.101.7"}, False),
        ({"peer_ip": "not-an-ip"}, False),
        ({"peer_ip": "198.51.100.7", "from_domain": "evil.example"}, False),
        ({"peer_ip": "198.51.100.7", "from_domain": None}, False),
        ({"peer_ip": "198.51.100.7", "from_domain": "mail.news.northwind.example"}, True),
    ],
)
def test_authorised_needs_partner_infrastructure_and_custodian_from(
    kw: dict[str, object], authorised: bool
) -> None:
    assert judge(facts(**kw), POLICY, SENDING).authorised is authorised


def test_reasons_name_every_failure() -> None:
    verdict = judge(facts(from_domain="evil.example"), POLICY, SENDING)
    assert verdict.reasons == (rules.NOT_PARTNER_INFRA, rules.FROM_NOT_CUSTODIAN)
    assert judge(facts(), SenderPolicy(), SENDING).reasons == (rules.NO_SENDERS,)


def test_retention_expired_only_when_every_holding_export_is_past_it() -> None:
    ok = {"peer_ip": "198.51.100.1"}
    past, future = NOW - timedelta(days=1), NOW + timedelta(days=1)
    assert judge(facts(**ok, retention_ends=(past,)), POLICY, SENDING).reasons == (
        rules.RETENTION_EXPIRED,
    )
    assert judge(facts(**ok, retention_ends=(past, future)), POLICY, SENDING).authorised
    assert judge(facts(**ok, retention_ends=(past, None)), POLICY, SENDING).authorised
    assert judge(facts(**ok, retention_ends=()), POLICY, SENDING).authorised


def test_narrow_to_exports_that_explain_all_hits_and_name_the_earliest() -> None:
    created = {f"e{i}": NOW + timedelta(days=i) for i in range(4)}
    # stable canary s is in every export; fresh canaries f2 only in e2, f3 only in e3
    hits = {"s": {"e0", "e1", "e2", "e3"}, "f2": {"e2"}}
    result = narrow(hits, created)
    assert result.export_ids == ("e2",) and result.earliest == "e2" and result.explains_all
    result = narrow({"s": {"e0", "e1", "e2", "e3"}}, created)
    assert result.export_ids == ("e0", "e1", "e2", "e3") and result.earliest == "e0"
    result = narrow({"f2": {"e2"}, "f3": {"e3"}}, created)
    assert not result.explains_all and result.export_ids == ("e2", "e3")
    assert narrow({}, created).earliest is None


@given(
    st.dictionaries(
        st.sampled_from([f"c{i}" for i in range(6)]),
        st.sets(st.sampled_from([f"e{i}" for i in range(5)]), min_size=1),
        min_size=1,
    )
)
def test_narrowed_exports_hold_every_hit_when_one_can(hits: dict[str, set[str]]) -> None:
    created = {f"e{i}": NOW + timedelta(hours=i) for i in range(5)}
    result = narrow(hits, created)
    common = set.intersection(*hits.values())
    if common:
        assert set(result.export_ids) == common
        assert result.earliest == min(common, key=created.__getitem__)
    else:
        assert set(result.export_ids) == set.union(*hits.values())


@given(
    st.lists(
        st.dictionaries(
            st.sampled_from([f"c{i}" for i in range(6)]),
            st.sets(st.sampled_from([f"e{i}" for i in range(5)]), min_size=1),
            min_size=1,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_running_narrowing_equals_narrowing_all_hits_at_once(
    batches: list[dict[str, set[str]]],
) -> None:
    created = {f"e{i}": NOW + timedelta(hours=i) for i in range(5)}
    running = Running()
    everything: dict[str, set[str]] = {}
    for batch in batches:
        running = running.extend(batch)
        for canary, exports in batch.items():
            everything[f"{len(everything)}:{canary}"] = exports
    assert running.result(created) == narrow(everything, created)
