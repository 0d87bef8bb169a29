"""A batch of spooled mail updates each partner's alert once, with every hit counted."""

from __future__ import annotations

from intake_support import Intake, alerts, all_sightings
from trustkeep.clock import utc_now
from trustkeep.demo.mail import spam
from trustkeep.intake.matcher import CanaryMatcher
from trustkeep.intake.message import Inbound
from trustkeep.intake.processor import Processor
from trustkeep.intake.spool import Spool
from trustkeep.workspace import Workspace


def test_one_batch_two_partners_two_alerts_all_counted(
    intake: Intake, workspace: Workspace
) -> None:
    matcher = CanaryMatcher(workspace)
    matcher.refresh(force=True)
    spool = Spool(workspace, limit=100)
    targets = intake.canaries("app")[:5] + intake.canaries("esp")[:2]
    batch = []
    for rcpt in targets:
        raw = spam(rcpt, spam_domain="x.example")
        message = Inbound("smtp", utc_now(), raw, "a@x.example", (rcpt,), "127.0.0.9", "h")
        batch.append((message, matcher.confirm(rcpt)))
    spool._commit(batch)
    processor = Processor(workspace, spool, intake.zone, utc_now)
    assert processor.run_once() == len(targets)  # one transaction for the whole batch
    found = {a["partner_id"]: a for a in alerts(workspace)}
    assert set(found) == {"app", "esp"}
    assert found["app"]["message_count"] == 5 and len(found["app"]["canaries_hit"]) == 5
    assert found["esp"]["message_count"] == 2 and len(found["esp"]["canaries_hit"]) == 2
    sightings = all_sightings(workspace)
    assert len(sightings) == len(targets)
    assert all(s["alert_id"] == found[s["partner_id"]]["id"] for s in sightings)
    # A later batch updates the same alert instead of raising another.
    spool._commit(batch[:1])
    assert processor.run_once() == 1
    again = {a["partner_id"]: a for a in alerts(workspace)}
    assert again["app"]["id"] == found["app"]["id"]
    assert again["app"]["message_count"] == 6
