"""Attacks on attribution: dictionary sprays, probing, framing, brokers, dilution, rotation.

Every test drives the real listener over SMTP. The spray dictionary comes from
tests/spray.py (1990 US Census names), a different source from the model's;
the sprayer's dictionary also holds the canaries a name dictionary reaches
(the guessable ones), since a good dictionary would.
"""

from __future__ import annotations

import random
import smtplib
from collections.abc import Iterable

import pytest

import spray
from intake_support import (
    CANARY_DOMAINS,
    SPAMMER_IP,
    Intake,
    alerts,
    all_sightings,
    control_addresses,
    guessable,
    smtp_from,
    spool_count,
    wait_for,
)
from trustkeep.demo.mail import spam
from trustkeep.workspace import Workspace

SPRAYER_IP = "127.0.0.9"


def _mail(port: int, ip: str, sender: str, recipients: Iterable[str], body: str) -> int:
    """Mail `recipients`, up to 100 a message, from `ip`; returns how many were accepted."""
    targets = list(recipients)
    accepted = 0
    with smtp_from(port, ip) as client:
        for start in range(0, len(targets), 100):
            batch = targets[start : start + 100]
            raw = f"From: {sender}\r\nSubject: offer\r\n\r\n{body}\r\n".encode()
            try:
                refused = client.sendmail(sender, batch, raw)
            except smtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients
                client.rset()
            accepted += len(batch) - len(refused)
    return accepted


def _drained(ws: Workspace) -> None:
    wait_for(lambda: spool_count(ws) == 0)


def _dictionary(size: int) -> list[str]:
    return [f"{g}@{d}" for g in spray.dictionary(size) for d in CANARY_DOMAINS]


def _spray(intake: Intake, ws: Workspace, port: int, partners: Iterable[str], size: int) -> None:
    """A dictionary run that also holds every guessable canary of `partners` and controls."""
    guessed = [a for p in partners for a in intake.guessable(p)]
    controls = [a for a in control_addresses(ws) if guessable(a)]
    targets = _dictionary(size) + guessed + controls
    random.Random(1).shuffle(targets)
    accepted = _mail(port, SPRAYER_IP, "deals@pills.example", targets, "cheap pills")
    assert accepted >= len(guessed) + len(controls)


def _leak_sample(intake: Intake, partner: str, seed: int = 7) -> list[str]:
    """A 1 % sample of `partner`'s export holding one of its unguessable canaries.

    The planner makes such a sample likely; this test checks how it is weighed.
    """
    rows = intake.canaries(partner) + intake.customers(partner)
    sample = random.Random(seed).sample(rows, max(1, len(rows) // 100))
    strong = intake.unguessable(partner)
    assert strong, "the export carries unguessable canaries"
    if not any(a in strong for a in sample):
        sample[0] = strong[0]
    return sample


def _levels(ws: Workspace) -> dict[str, str]:
    return {a["partner_id"]: a["level"] for a in alerts(ws)}


def _mailed(
    intake: Intake, ws: Workspace, targets: list[str], sender: str = "win@mega-deals.example"
) -> dict[str, str]:
    """Serve, mail `targets` from the spammer's IP, wait until processed: alert levels."""
    with intake.server(ws) as srv:
        _mail(srv.server.smtp_port, SPAMMER_IP, sender, targets, "gift card")
        _drained(ws)
    return _levels(ws)


def test_spray_over_two_partners_guessable_canaries_is_no_leak(
    intake: Intake, workspace: Workspace
) -> None:
    with intake.server(workspace) as srv:
        _spray(intake, workspace, srv.server.smtp_port, ["esp", "app"], 2000)
        _drained(workspace)
    assert "leak" not in _levels(workspace).values()
    kinds = {s["kind"] for s in all_sightings(workspace)}
    assert "guess" in kinds and "control" in kinds  # recorded, not hidden
    assert "leak" not in kinds


def test_spray_plus_a_leak_from_elsewhere_gives_exactly_one_leak(
    intake: Intake, workspace: Workspace
) -> None:
    sample = _leak_sample(intake, "app")
    with intake.server(workspace) as srv:
        port = srv.server.smtp_port
        _spray(intake, workspace, port, ["esp", "app"], 2000)
        _mail(port, SPAMMER_IP, "win@mega-deals.example", sample, "you won a gift card")
        _drained(workspace)
    found = alerts(workspace)
    leaks = [a for a in found if a["level"] == "leak"]
    assert [a["partner_id"] for a in leaks] == ["app"]
    assert leaks[0]["likelihood"] >= workspace.model.alerts.leak_likelihood
    assert leaks[0]["earliest_export_id"] == intake.exports["app"]["export_id"]


def test_probing_then_mailing_the_found_canaries_from_elsewhere_is_no_leak(
    intake: Intake, workspace: Workspace
) -> None:
    probe = _dictionary(500) + [a for p in ("esp", "app") for a in intake.guessable(p)]
    probe += [a for a in control_addresses(workspace) if guessable(a)]
    with intake.server(workspace) as srv:
        port = srv.server.smtp_port
        with smtp_from(port, SPRAYER_IP) as client:
            client.ehlo()
            client.mail("probe@prober.example")
            found = [a for a in probe if client.rcpt(a)[0] == 250]
            client.rset()
        assert found
        _mail(port, SPAMMER_IP, "offers@elsewhere.example", found, "fresh offers")
        _drained(workspace)
    assert "leak" not in _levels(workspace).values()


def test_a_leak_of_guessable_canaries_only_is_suspected_never_leak(
    intake: Intake, workspace: Workspace
) -> None:
    weak = intake.guessable("app")[:6]
    levels = _mailed(intake, workspace, weak, "win@mega-deals.example")
    assert levels.get("app") == "suspected"
    assert "leak" not in levels.values()


def test_a_broker_mailing_two_partners_samples_gets_two_leaks(
    intake: Intake, workspace: Workspace
) -> None:
    merged = _leak_sample(intake, "app") + _leak_sample(intake, "esp", seed=8)
    random.Random(2).shuffle(merged)
    assert _mailed(intake, workspace, merged, "list@broker.example") == {
        "app": "leak",
        "esp": "leak",
    }


def test_a_leak_diluted_with_random_and_dictionary_recipients_stays_a_leak(
    intake: Intake, workspace: Workspace
) -> None:
    rng = random.Random(3)
    noise = [
        f"{''.join(rng.choices('abcdefghijklmnopqrstuvwxyz0123456789', k=10))}@nw-members.example"
        for _ in range(1000)
    ]
    noise += _dictionary(500)  # 1,000 addresses over the two domains
    targets = _leak_sample(intake, "app") + noise
    rng.shuffle(targets)
    assert _mailed(intake, workspace, targets, "win@mega-deals.example").get("app") == "leak"


def test_a_leak_from_100_rotating_ips_is_one_campaign_and_one_leak(
    intake: Intake, workspace: Workspace
) -> None:
    sample = intake.unguessable("app")[:1] + intake.guessable("app")[:4]
    with intake.server(workspace) as srv:
        port = srv.server.smtp_port
        for i in range(100):
            rcpt = sample[i % len(sample)]
            with smtp_from(port, f"127.0.{1 + i // 50}.{10 + i % 50}") as client:
                client.sendmail(
                    "win@mega-deals.example", [rcpt], spam(rcpt, spam_domain="x.example")
                )
        _drained(workspace)
    unauthorised = [s for s in all_sightings(workspace) if not s["authorised"]]
    assert len(unauthorised) == 100
    assert len({s["campaign_id"] for s in unauthorised}) == 1
    found = alerts(workspace)
    assert [(a["partner_id"], a["level"]) for a in found] == [("app", "leak")]
    assert found[0]["message_count"] == 100


def test_a_hit_on_a_control_canary_is_recorded_as_guessing(
    intake: Intake, workspace: Workspace
) -> None:
    control = control_addresses(workspace)[0]
    with intake.server(workspace) as srv:
        _mail(srv.server.smtp_port, SPAMMER_IP, "a@guess.example", [control], "hello")
        _drained(workspace)
    (sighting,) = all_sightings(workspace)
    assert sighting["kind"] == "control" and sighting["partner_id"] == ""
    assert alerts(workspace) == []
    result = intake.env.cli("canaries", "controls", "--json")
    assert result.code == 0, result.err
    hits = {d["domain"]: d["control_hits"] for d in result.json["domains"]}
    assert hits[control.rpartition("@")[2]] == 1


@pytest.mark.parametrize("case", ["retired"])
def test_a_retired_canary_no_longer_answers(
    intake: Intake, workspace: Workspace, case: str
) -> None:
    export_id = intake.exports["app"]["export_id"]
    result = intake.env.cli("canaries", "retire", "--export", export_id, "--reason", "t", "--json")
    assert result.code == 0, result.err
    assert result.json["count"] == intake.exports["app"]["canaries"]["count"]
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as client:
        client.ehlo()
        client.mail("a@b.example")
        assert client.rcpt(intake.canaries("app")[0])[0] == 550
        assert client.rcpt(intake.canaries("esp")[0])[0] == 250


def _depth(address: str) -> float:
    from trustkeep.canaries.guessability import estimate

    return estimate(address.rpartition("@")[0]).guesses


def test_a_thief_adding_guessable_controls_cannot_buy_innocence(
    intake: Intake, workspace: Workspace
) -> None:
    controls = [a for a in control_addresses(workspace) if guessable(a)]
    assert controls
    targets = _leak_sample(intake, "app") + controls + _dictionary(200)
    random.Random(4).shuffle(targets)
    assert _mailed(intake, workspace, targets, "win@mega-deals.example").get("app") == "leak"


def test_a_sender_who_also_hits_controls_as_deep_is_not_convicted(
    intake: Intake, workspace: Workspace
) -> None:
    """His dictionary beats the model: his unguessable hits are discounted."""
    deep_controls = [a for a in control_addresses(workspace) if not guessable(a)]
    assert deep_controls, "controls are made like canaries: some are unguessable"
    deepest = max(_depth(a) for a in deep_controls)
    shallower = [a for a in intake.unguessable("app") if _depth(a) <= deepest]
    assert shallower
    targets = shallower[:2] + deep_controls
    assert _mailed(intake, workspace, targets, "a@better-dictionary.example").get("app") != "leak"


def test_a_sender_whose_earlier_guesses_all_failed_is_still_seen_guessing(
    intake: Intake, workspace: Workspace
) -> None:
    """One guess a message: the misses never reach the spool, yet they count."""
    unknown = [f"{g}@nw-members.example" for g in spray.dictionary(300)]
    weak = [a for a in intake.guessable("app") if a.endswith("@nw-members.example")][:3]
    assert weak
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPRAYER_IP) as client:
        for rcpt in unknown + weak:
            try:
                client.sendmail("x@spam.example", [rcpt], b"Subject: hi\r\n\r\nbuy\r\n")
            except smtplib.SMTPRecipientsRefused:
                client.rset()
        _drained(workspace)
    sightings = [s for s in all_sightings(workspace) if s["partner_id"] == "app"]
    assert sightings and {s["kind"] for s in sightings} == {"guess"}
    assert alerts(workspace) == []
