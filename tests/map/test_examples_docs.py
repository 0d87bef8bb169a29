"""The documented examples check as documented; every rule has its generated page."""

from __future__ import annotations

import re
from pathlib import Path

from mapmodels import TODAY

from trustkeep.cli.app import app
from trustkeep.map import RULES, check_model
from trustkeep.map.docs import pages
from trustkeep.map.drift import DRIFT_RULES
from trustkeep.model import load_model

DOCS = Path(__file__).parents[2] / "docs"


def test_email_brand_is_clean_apart_from_accepted_risks() -> None:
    report = check_model(load_model(DOCS / "examples/email-brand/trustkeep.yaml"), TODAY)
    assert report.findings == []
    assert {(f.rule, f.target) for f in report.accepted} == {
        ("TK-CANARY-001", "vault-to-analytics"),
        ("TK-CANARY-001", "vault-to-sms"),
    }
    assert report.unused_acceptances == []


def test_weak_map_shows_the_listed_findings() -> None:
    report = check_model(load_model(DOCS / "examples/weak-map/trustkeep.yaml"), TODAY)
    found = {(f.rule, f.target) for f in report.findings}
    listed = (DOCS / "map.md").read_text().split("examples/weak-map/", 1)[1]
    listed = listed.split("## ", 1)[0]
    expected: set[tuple[str, str]] = set()
    for sentence in re.split(r";", listed):
        rules = re.findall(r"`(TK-[A-Z]+-\d{3})`", sentence)
        targets = re.findall(r"on\s+`([a-z0-9_-]+)`", sentence)
        expected |= {(r, t) for r in rules for t in targets}
    assert len(expected) >= 15
    assert found == expected


def test_every_rule_has_its_page() -> None:
    folder = DOCS / "rules"
    for name, text in pages().items():
        assert (folder / name).read_text() == text, "run: python -m trustkeep.map.docs docs/rules"
    for rule_id in [*RULES, *DRIFT_RULES]:
        assert f"(rules/{rule_id}.md)" in (DOCS / "map.md").read_text()


def test_map_commands_are_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    import typer

    group = typer.main.get_command(app).commands["map"]  # type: ignore[attr-defined]
    for name, command in group.commands.items():
        heading = f"### `trustkeep map {name}"
        assert heading in text
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        for option in (o for p in command.params for o in p.opts if o.startswith("--")):
            assert f"`{option}" in section, (name, option)
