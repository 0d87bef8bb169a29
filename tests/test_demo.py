"""`trustkeep demo --json`: the story ends with an alert naming the app partner's export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support import Env
from trustkeep.demo.story import prepare_home
from trustkeep.errors import WorkspaceError


def test_demo_json_names_the_leaking_partner_and_export(env: Env) -> None:
    if env.database_url:
        pytest.skip("the demo always runs on the embedded SQLite default")
    home = env.root / "demo"
    result = env.cli("demo", "--home", str(home), "--json")
    assert result.code == 0, result.err
    summary = result.json
    alert = summary["alert"]
    assert alert is not None
    assert alert["partner_id"] == "pocket-perks"
    exports = env.cli("exports", "list", "--home", str(home), "--json").json["exports"]
    app_export = next(e for e in exports if e["partner"] == "pocket-perks")
    assert alert["earliest_export_id"] == app_export["export_id"]
    assert alert["export_ids"] == [app_export["export_id"]]
    assert alert["message_count"] == summary["breach"]["canary_mails"] > 0
    assert summary["seconds_to_alert"] is not None
    # The ESP's genuine, DKIM-signed campaign was seen and judged authorised.
    campaign = summary["campaign"]
    assert campaign["sightings"] == campaign["canary_mails"] > 0
    assert campaign["alerts"] == 0
    # A dictionary spray was recognised as guessing: rejections, guess sightings, no alert.
    spray = summary["spray"]
    assert spray["rejected"] > spray["accepted"] > 0
    assert spray["sightings"].get("guess", 0) + spray["sightings"].get("control", 0) > 0
    assert spray["alerts"] == 0
    assert alert["level"] == "leak"
    assert alert["likelihood"] >= 3
    assert json.loads((home / "demo-summary.json").read_text())["alert"]["id"] == alert["id"]
    # A second run refuses to touch the folder without --reset, then starts over with it.
    assert env.cli("demo", "--home", str(home), "--customers", "500").code == 3
    again = env.cli("demo", "--home", str(home), "--reset", "--customers", "3000", "--json")
    assert again.code == 0, again.err
    assert again.json["alert"]["partner_id"] == "pocket-perks"


def test_reset_only_touches_demo_folders(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(WorkspaceError):
        prepare_home(mine, reset=True)
    assert (mine / "notes.txt").exists()
    with pytest.raises(WorkspaceError):
        prepare_home(mine, reset=False)
    old = tmp_path / "old"
    old.mkdir()
    (old / ".trustkeep-demo-marker").write_text("the earlier tour's folder")
    assert prepare_home(old, reset=True) == old and not old.exists()
