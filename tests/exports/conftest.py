"""A workspace with partners, flows, canary domains and a few thousand customers."""

from __future__ import annotations

import pytest

from support import Env
from trustkeep.demo.synthetic import write_csv

PARTNERS = """
partners:
  - id: esp
    name: Relay Mail Co.
    role: processor
    country: US
    contract: {ref: DPA-1, expires: 2099-01-31}
    senders: {ips: [198.51.100.0/24], domains: [relaymail.example], dkim: [relaymail.example]}
  - id: agency
    name: Bright Agency
    role: processor
    country: GB
    contract: {ref: DPA-2, expires: 2099-06-30}
  - id: lapsed
    name: Old Partner
    role: processor
    contract: {ref: DPA-0, expires: 2020-01-01}
  - id: adco
    name: Ad Co
    role: controller
    contract: {ref: DSA-3, expires: 2099-01-01}
flows:
  - id: vault-to-esp
    from: vault
    to: esp
    purpose: email_marketing
    categories: {email: plain, first_name: plain, last_name: plain, loyalty_tier: plain}
  - id: vault-to-agency
    from: vault
    to: agency
    purpose: email_marketing
    categories: {email: plain, first_name: plain, phone: mask, postal_code: token}
  - id: vault-to-agency-tokens
    from: vault
    to: agency
    purpose: analytics
    categories: {email: token, loyalty_tier: plain, signup_date: mask}
  - id: esp-tokens
    from: vault
    to: esp
    purpose: analytics
    categories: {email: token, loyalty_tier: plain}
  - id: hashed-emails
    from: vault
    to: esp
    purpose: email_marketing
    categories: {email: hash}
  - id: to-lapsed
    from: vault
    to: lapsed
    purpose: email_marketing
    categories: {email: plain}
  - id: wrong-purpose
    from: vault
    to: adco
    purpose: analytics
    categories: {loyalty_tier: plain}
  - id: birthdays-plain
    from: vault
    to: esp
    purpose: email_marketing
    categories: {email: token, birth_date: plain}
"""
CUSTOMERS = 3000


@pytest.fixture
def export_env(ws_env: Env) -> Env:
    model = ws_env.home / "trustkeep.yaml"
    text = model.read_text()
    text = text.replace("partners: []\nflows: []\n", PARTNERS)
    text = text.replace(
        "  domains: []                  # custodian-owned",
        "  domains: [nw-members.example, club-mail.example]   # custodian-owned",
    )
    model.write_text(text)
    path = ws_env.root / "customers.csv"
    write_csv(path, CUSTOMERS, seed=11)
    result = ws_env.cli("import", str(path), "--json")
    assert result.code == 0, result.err
    return ws_env
