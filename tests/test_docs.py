"""Documentation that cannot drift: every command, option and setting is documented."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from trustkeep.cli.app import app
from trustkeep.config import SETTINGS
from trustkeep.model.schema import render

DOCS = Path(__file__).parents[1] / "docs"
README = Path(__file__).parents[1] / "README.md"


def _commands(command: Any, path: list[str]) -> Iterator[tuple[str, list[str]]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, [*path, name])
    else:
        options = [o for p in command.params for o in p.opts if o.startswith("--")]
        yield " ".join(path), options


def test_every_command_and_option_is_documented() -> None:
    text = (DOCS / "cli.md").read_text()
    commands = list(_commands(typer.main.get_command(app), []))
    assert len(commands) >= 15
    for name, options in commands:
        heading = f"### `trustkeep {name}"
        assert heading in text, f"docs/cli.md lacks {heading}"
        section = text.split(heading, 1)[1].split("\n### ", 1)[0]
        for option in options:
            assert f"`{option}" in section, f"docs/cli.md: {name} lacks {option}"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.env}`" in text and f"| {setting.name} |" in text


def test_published_schema_matches_models() -> None:
    assert (DOCS / "trustkeep.schema.json").read_text() == render(), (
        "run: python -m trustkeep.model.schema > docs/trustkeep.schema.json"
    )


def test_readme_first_screen_has_the_two_commands() -> None:
    first_screen = "\n".join(README.read_text().splitlines()[:12])
    assert "make demo" in first_screen and "make test" in first_screen
    for page in ("workspace", "configuration", "model", "vault", "keys", "audit", "cli"):
        assert (DOCS / f"{page}.md").exists()
