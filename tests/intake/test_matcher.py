"""Recipient matching: blind-index candidates are confirmed; a collision never inherits a hit."""

from __future__ import annotations

from intake_support import Intake
from trustkeep.intake.matcher import CanaryMatcher
from trustkeep.workspace import Workspace


def test_blind_index_collision_is_not_a_canary(intake: Intake, workspace: Workspace) -> None:
    matcher = CanaryMatcher(workspace)
    assert matcher.refresh(force=True)
    canaries = intake.canaries("app") + intake.canaries("esp")
    by_pair = {matcher.candidates(c)[0]: c for c in canaries}
    # Find a stranger whose blind index equals some canary's (they collide by design).
    stranger = next(
        f"stranger{i}@nw-members.example"
        for i in range(10_000_000)
        if matcher.candidates(f"stranger{i}@nw-members.example")
    )
    twin = by_pair[matcher.candidates(stranger)[0]]
    assert matcher.confirm(twin)  # the canary itself is confirmed (and cached)
    assert matcher.confirm(stranger) == ()  # its collision is not
    assert matcher.confirm(twin.upper())  # case does not matter for email
    assert not matcher.refresh()  # nothing new: the index is not reloaded
