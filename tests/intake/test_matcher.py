"""Recipient matching: full keyed digests, exact first, then without a +tag; stale is not 550."""

from __future__ import annotations

from intake_support import Intake, control_addresses
from trustkeep.intake.matcher import CanaryMatcher
from trustkeep.workspace import Workspace


def test_lookup_is_exact_and_confirmed_by_decrypting(intake: Intake, workspace: Workspace) -> None:
    matcher = CanaryMatcher(workspace)
    assert matcher.refresh(force=True)
    canary = intake.canaries("app")[0]
    local, _, domain = canary.rpartition("@")
    (hit,) = matcher.lookup(canary)
    assert (hit.partner_id, hit.kind) == ("app", "live")
    assert matcher.lookup(canary.upper()) == (hit,)  # case does not matter for email
    assert matcher.confirm(canary) == (hit,)
    assert matcher.lookup(f"{local}x@{domain}") == ()  # one letter more is a stranger
    assert matcher.lookup(f"{local}@other.example") == ()
    assert matcher.lookup(f"{local}+promo@{domain}") == (hit,)  # a +tag is stripped
    assert not matcher.refresh()  # nothing new: the set is not rebuilt


def test_control_canaries_match_as_controls(intake: Intake, workspace: Workspace) -> None:
    matcher = CanaryMatcher(workspace)
    matcher.refresh(force=True)
    controls = control_addresses(workspace)
    assert controls
    for address in controls:
        (hit,) = matcher.lookup(address)
        assert hit.kind == "control" and hit.partner_id == ""


def test_stale_until_loaded_and_after_the_bound(intake: Intake, workspace: Workspace) -> None:
    now = [0.0]
    matcher = CanaryMatcher(workspace, stale_after=60, monotonic=lambda: now[0])
    assert matcher.stale  # never loaded
    matcher.refresh()
    assert not matcher.stale
    now[0] = 61.0
    assert matcher.stale
    matcher.refresh()  # nothing changed, but the check itself is fresh
    assert not matcher.stale


def test_an_exact_match_wins_before_a_plus_tag_is_stripped(
    intake: Intake, workspace: Workspace
) -> None:
    """Lists do hold `+` in local parts, and so may canaries."""
    from trustkeep.exports import canary_store
    from trustkeep.vault.context import codec_for

    domain = "nw-members.example"
    with workspace.store.write() as conn:
        codec = codec_for(workspace, conn)
        plain, tagged = canary_store.store(
            conn,
            codec,
            "app",
            [{"email": f"zoe.quill@{domain}"}, {"email": f"zoe.quill+news@{domain}"}],
            workspace.clock(),
        )
    matcher = CanaryMatcher(workspace)
    matcher.refresh(force=True)
    assert [h.canary_id for h in matcher.lookup(f"zoe.quill+news@{domain}")] == [tagged]
    assert [h.canary_id for h in matcher.lookup(f"Zoe.Quill+spring@{domain}")] == [plain]
    assert [h.canary_id for h in matcher.lookup(f"zoe.quill@{domain}")] == [plain]
    assert matcher.confirm(f"zoe.quill+news@{domain}")[0].canary_id == tagged
