"""The demo brand's data map: Northwind, its ESP, an agency and an app partner."""

from __future__ import annotations

ESP_IP = "127.0.0.2"
SPAMMER_IP = "127.0.0.3"
SPRAYER_IP = "127.0.0.4"  # a dictionary spammer, unrelated to any leak
ESP_DOMAIN = "relaymail.example"
ESP_SELECTOR = "rm1"
SENDING_DOMAIN = "news.northwind.example"
CANARY_DOMAINS = ("nw-members.example", "club-mail.example")
SPAM_DOMAIN = "mega-deals.example"

ESP, AGENCY, APP = "relay-mail", "bright-agency", "pocket-perks"

PARTNERS = f"""partners:
  - id: {ESP}
    name: Relay Mail Co.
    role: processor
    country: US
    contract: {{ref: DPA-2024-17, expires: 2099-01-31}}
    retention: 365d
    senders: {{ips: [{ESP_IP}/32], domains: [{ESP_DOMAIN}], dkim: [{ESP_DOMAIN}]}}
  - id: {AGENCY}
    name: Bright Agency
    role: processor
    country: GB
    contract: {{ref: DPA-2025-03, expires: 2099-06-30}}
    retention: 180d
    senders: {{domains: [bright-agency.example], dkim: [bright-agency.example]}}
  - id: {APP}
    name: Pocket Perks (loyalty app)
    role: processor
    country: IE
    contract: {{ref: DPA-2025-11, expires: 2099-12-31}}
    retention: 365d
    senders: {{domains: [pocketperks.example], dkim: [pocketperks.example]}}
flows:
  - id: vault-to-{ESP}
    from: vault
    to: {ESP}
    purpose: email_marketing
    categories: {{email: plain, first_name: plain, last_name: plain, loyalty_tier: plain}}
    transport: {{protocol: sftp, encrypted: true}}
    retention: 180d
    deletion: api
  - id: vault-to-{AGENCY}
    from: vault
    to: {AGENCY}
    purpose: email_marketing
    categories: {{email: plain, first_name: plain, last_name: plain, loyalty_tier: plain}}
    transport: {{protocol: sftp, encrypted: true}}
    retention: 90d
    deletion: manual
  - id: vault-to-{APP}
    from: vault
    to: {APP}
    purpose: email_marketing
    categories: {{email: plain, first_name: plain, last_name: plain, loyalty_tier: plain}}
    transport: {{protocol: https, encrypted: true}}
    retention: 365d
    deletion: api
    # An app's list leaks in chunks: plan for 5 % of it, so that such a leak holds an
    # unguessable canary (and raises a `leak` alert) with probability 0.999.
    canaries: {{probability: 0.999, leak_fraction: 0.05, max_share: 0.05}}
"""


def model_text(template: str) -> str:
    """The workspace template with the brand's partners, flows and domains filled in."""
    text = template.replace("partners: []\nflows: []\n", PARTNERS)
    text = text.replace("sending_domains: []", f"sending_domains: [{SENDING_DOMAIN}]")
    domains = ", ".join(CANARY_DOMAINS)
    return text.replace("  domains: []", f"  domains: [{domains}]")
