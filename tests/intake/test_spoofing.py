"""Spoofing cases, each a test through the real listener, resolver and detector.

Only the genuine partner mail is authorised; every forgery raises an alert.
The ESP's declared IPs (198.51.100.0/24) are never the test peers, so SPF and
DKIM alone decide whether mail came from its infrastructure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from intake_support import ESP_IP, Intake, sightings_count, smtp_from, wait_for
from intake_support import all_sightings as sightings_of
from trustkeep.clock import utc_now
from trustkeep.demo.mail import campaign
from trustkeep.detect import rules
from trustkeep.intake.authn import dkim_sign
from trustkeep.workspace import Workspace


@dataclass(frozen=True)
class Case:
    peer: str
    mail_from: str
    from_domain: str
    sign_with: str | None  # "esp", "evil" or None
    tamper: bool = False
    days_later: int = 0
    reason: str | None = None  # None: authorised


CASES = {
    "genuine partner mail": Case(
        ESP_IP, "bounces@relaymail.example", "news.northwind.example", "esp"
    ),
    "forged envelope sender": Case(
        "127.0.0.3", "bounces@relaymail.example", "news.northwind.example", None,
        reason=rules.NOT_PARTNER_INFRA,
    ),
    "from domain not the custodian's": Case(
        ESP_IP, "bounces@relaymail.example", "relaymail.example", "esp",
        reason=rules.FROM_NOT_CUSTODIAN,
    ),
    "another domain's DKIM signature": Case(
        "127.0.0.4", "mailer@evil.example", "news.northwind.example", "evil",
        reason=rules.NOT_PARTNER_INFRA,
    ),
    "body altered after signing": Case(
        "127.0.0.4", "bounces@relaymail.example", "news.northwind.example", "esp", tamper=True,
        reason=rules.NOT_PARTNER_INFRA,
    ),
    "peer outside the ranges, valid-looking envelope": Case(
        "127.0.0.5", "bounces@relaymail.example", "news.northwind.example", None,
        reason=rules.NOT_PARTNER_INFRA,
    ),
    "genuine mail after retention ran out": Case(
        ESP_IP, "bounces@relaymail.example", "news.northwind.example", "esp", days_later=45,
        reason=rules.RETENTION_EXPIRED,
    ),
}  # fmt: skip


def message(intake: Intake, case: Case, rcpt: str) -> bytes:
    raw = campaign(rcpt, sender_domain=case.from_domain, esp_domain="relaymail.example")
    if case.sign_with == "esp":
        raw = dkim_sign(
            raw, domain="relaymail.example", selector="rm1", private_pem=intake.dkim_pem
        )
    elif case.sign_with == "evil":
        raw = dkim_sign(raw, domain="evil.example", selector="s1", private_pem=intake.evil_pem)
    if case.tamper:
        raw = raw.replace(b"winter collection", b"WINTER SALE: log in at http://evil.example")
    return raw


@pytest.mark.parametrize("name", list(CASES))
def test_spoofing_case(intake: Intake, workspace: Workspace, name: str) -> None:
    case = CASES[name]
    rcpt = intake.canaries("esp")[0]
    later = timedelta(days=case.days_later)
    clock = (lambda: utc_now() + later) if case.days_later else None
    with intake.server(workspace, clock=clock) as srv:
        with smtp_from(srv.server.smtp_port, case.peer, helo="mta1.relaymail.example") as smtp:
            smtp.sendmail(case.mail_from, [rcpt], message(intake, case, rcpt))
        wait_for(lambda: sightings_count(workspace) == 1)
    (sighting,) = sightings_of(workspace)
    assert sighting["partner_id"] == "esp"
    if case.reason is None:
        assert sighting["authorised"], sighting["reasons"]
        assert sighting["alert_id"] is None
    else:
        assert not sighting["authorised"]
        assert case.reason in sighting["reasons"]
        assert sighting["alert_id"] is not None
