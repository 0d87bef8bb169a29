"""RCPT answers like an ordinary mail domain: 250 for mailboxes that exist, 550 5.1.1 else.

Live canaries, control canaries and postmaster@/abuse@ exist; everything else,
retired canaries included, does not. While the canary set is stale an unknown
address gets 451 (never a 550 that would lose evidence). Every answer comes
from one in-memory lookup: accepting and rejecting take the same path.
"""

from __future__ import annotations

import smtplib

import pytest

from intake_support import SPAMMER_IP, Intake, control_addresses, smtp_from
from trustkeep.intake.matcher import CanaryMatcher
from trustkeep.workspace import Workspace


def _answers(port: int, addresses: list[str]) -> list[tuple[int, bytes]]:
    with smtp_from(port, SPAMMER_IP) as client:
        client.ehlo()
        client.command_encoding = "utf-8"
        client.mail("probe@prober.example", options=["SMTPUTF8"])
        return [client.rcpt(a) for a in addresses]


def test_rcpt_answers(intake: Intake, workspace: Workspace) -> None:
    live = intake.canaries("app")[0]
    control = control_addresses(workspace)[0]
    local, _, domain = live.rpartition("@")
    retired = intake.canaries("esp")[-1]
    result = intake.env.cli("canaries", "retire", "--json", *_ids_of(workspace, retired))
    assert result.code == 0, result.err
    addresses = {
        "live": live,
        "live, other case": live.upper(),
        "control": control,
        "postmaster": "postmaster@nw-members.example",
        "abuse": "Abuse@club-mail.example",
        "plus-tag": f"{local}+spring-sale@{domain}",
        "random": "zq8x7v2k@nw-members.example",
        "one letter more": f"{local}x@{domain}",
        "retired": retired,
        "unicode": "jürgen.müller@nw-members.example",
    }
    with intake.server(workspace) as srv:
        got = dict(
            zip(addresses, _answers(srv.server.smtp_port, list(addresses.values())), strict=True)
        )
    accepted = {"live", "live, other case", "control", "postmaster", "abuse", "plus-tag"}
    for name, (code, text) in got.items():
        if name in accepted:
            assert code == 250, (name, code, text)
        else:
            assert (code, text[:5]) == (550, b"5.1.1"), (name, code, text)


def _ids_of(ws: Workspace, address: str) -> list[str]:
    matcher = CanaryMatcher(ws)
    matcher.refresh(force=True)
    return [hit.canary_id for hit in matcher.lookup(address)]


def test_stale_canary_set_defers_unknown_addresses(intake: Intake, workspace: Workspace) -> None:
    live = intake.canaries("app")[0]
    with intake.server(workspace, stale_seconds=0.0, refresh_seconds=3600) as srv:
        (known, unknown) = _answers(srv.server.smtp_port, [live, "nobody@nw-members.example"])
    assert known[0] == 250  # what is known is still known
    assert unknown[0] == 451  # not a 550: the sender tries again later


def test_banner_ehlo_and_vrfy_say_nothing(intake: Intake, workspace: Workspace) -> None:
    live = intake.canaries("app")[0]
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as client:
        banner = client.docmd("NOOP")  # the greeting was read on connect
        code, ehlo = client.ehlo()
        vrfy_live = client.verify(live)
        vrfy_none = client.verify("nobody@nw-members.example")
        expn = client.docmd("EXPN", "staff")
    assert code == 250 and b"trustkeep" not in ehlo.lower()
    assert banner[0] == 250
    assert vrfy_live == vrfy_none and vrfy_live[0] == 252  # VRFY tells nothing
    assert expn[0] == 502


def test_greeting_does_not_name_the_product(intake: Intake, workspace: Workspace) -> None:
    with intake.server(workspace) as srv:
        client = smtplib.SMTP()
        code, greeting = client.connect("127.0.0.1", srv.server.smtp_port)
        client.quit()
    assert code == 220 and b"trustkeep" not in greeting.lower()


def test_accept_and_reject_take_the_same_lookup(
    intake: Intake, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Structural: each RCPT is answered by exactly one `lookup`, with no database read."""
    live = intake.canaries("app")[0]
    calls: list[str] = []
    original = CanaryMatcher.lookup

    def counting(self: CanaryMatcher, address: str) -> tuple[object, ...]:
        calls.append(address)
        return original(self, address)

    with intake.server(workspace) as srv:
        monkeypatch.setattr(CanaryMatcher, "lookup", counting)

        def no_reads() -> None:
            raise AssertionError("RCPT must not read the database")

        monkeypatch.setattr(workspace.store, "read", no_reads)
        monkeypatch.setattr(srv.server.workspace.store, "read", no_reads)
        answers = _answers(srv.server.smtp_port, [live, "nobody@nw-members.example"])
        monkeypatch.undo()
    assert [a[0] for a in answers] == [250, 550]
    assert calls == [live, "nobody@nw-members.example"]
