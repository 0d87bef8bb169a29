"""Key rotation reaches canaries and message evidence: retire never strands them."""

from __future__ import annotations

from sqlalchemy import select, update

from intake_support import SPAMMER_IP, Intake, alerts, sightings_count, smtp_from, wait_for
from trustkeep.demo.mail import spam
from trustkeep.detect import manage
from trustkeep.intake.matcher import CanaryMatcher
from trustkeep.store.tables import canaries
from trustkeep.vault import dependents
from trustkeep.workspace import Workspace


def test_rewrap_carries_canaries_and_evidence_then_retire(
    intake: Intake, workspace: Workspace
) -> None:
    rcpt = intake.canaries("app")[0]
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
        smtp.sendmail("win@x.example", [rcpt], spam(rcpt, spam_domain="x.example"))
        wait_for(lambda: sightings_count(workspace) == 1)
    old = workspace.keyring.primary.id
    env = intake.env
    assert env.cli("keys", "rotate").code == 0
    # Subjects alone are re-wrapped by nothing here yet: retire must refuse, naming why.
    refused = env.cli("keys", "retire", str(old))
    assert refused.code == 2
    result = env.cli("keys", "rewrap", "--json")
    assert result.code == 0, result.err
    assert result.json["canaries"] > 0 and result.json["messages"] == 1
    assert env.cli("keys", "retire", str(old)).code == 0
    # Everything still opens, and canaries are found under the new key alone.
    ws = env.open()
    try:
        matcher = CanaryMatcher(ws)
        matcher.refresh(force=True)
        assert [h.partner_id for h in matcher.confirm(rcpt)] == ["app"]
        (alert,) = alerts(ws)
        with ws.store.read() as conn:
            message_id = manage.alert_sightings(conn, alert["id"])[0]["message_id"]
        evidence = manage.message_evidence(ws, message_id, actor="test", reveal=False)
        assert evidence["evidence"]["subject"]
    finally:
        ws.close()


def test_retire_refuses_while_a_canary_still_depends_on_the_key(intake: Intake) -> None:
    env = intake.env
    ws = env.open()
    old = ws.keyring.primary.id
    ws.close()
    assert env.cli("keys", "rotate").code == 0
    assert env.cli("keys", "rewrap").code == 0
    ws = env.open()
    try:
        with ws.store.write() as conn:
            assert dependents.references(conn, old) == {}
            # One canary left indexed under the old key, as before canaries counted.
            first = conn.execute(select(canaries.c.id).limit(1)).scalar()
            conn.execute(update(canaries).where(canaries.c.id == first).values(index_key_id=old))
            assert dependents.references(conn, old) == {"canaries": 1}
    finally:
        ws.close()
    refused = env.cli("keys", "retire", str(old))
    assert refused.code == 2 and "1 canaries" in refused.err
    assert env.cli("keys", "rewrap").code == 0
    assert env.cli("keys", "retire", str(old)).code == 0
