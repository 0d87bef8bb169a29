"""Helpers shared by tests: the in-process CLI runner and sample customers."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from trustkeep.cli.app import run
from trustkeep.config import Settings
from trustkeep.workspace import Workspace, open_workspace


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Env:
    root: Path
    home: Path
    config: Path
    database_url: str | None
    capsys: pytest.CaptureFixture[str]

    def cli(self, *args: str, stdin: str | None = None) -> Result:
        """Run the real CLI in-process and capture what it printed."""
        self.capsys.readouterr()
        if stdin is not None:
            saved = sys.stdin
            sys.stdin = io.StringIO(stdin)
            try:
                code = run(list(args))
            finally:
                sys.stdin = saved
        else:
            code = run(list(args))
        captured = self.capsys.readouterr()
        return Result(code, captured.out, captured.err)

    def settings(self) -> Settings:
        return Settings.resolve()

    def open(self) -> Workspace:
        return open_workspace(self.settings())

    def keyring_files(self) -> list[Path]:
        return sorted((self.config / "trustkeep" / "keyrings").glob("*.keyring"))


SAMPLE = [
    ("ada.lovelace@example.com", "Ada", "Lovelace", "+44 20 7946 0018", "EC1A 1BB", "gold"),
    ("grace.hopper@example.org", "Grace", "Hopper", "+1 202 555 0143", "20500", "platinum"),
    ("alan_turing42@example.net", "Alan", "Turing", "+44 161 496 0753", "M13 9PL", "silver"),
    ("kjohnson@mail.example", "Katherine", "Johnson", "+1 757 555 0199", "23666", "bronze"),
    ("edsger.dijkstra@example.nl", "Edsger", "Dijkstra", "+31 20 555 0101", "1012 AB", "gold"),
]


def write_sample(path: Path, rows: list[tuple[str, ...]] | None = None) -> Path:
    lines = ["email,first_name,last_name,phone,postal_code,loyalty_tier"]
    lines += [",".join(row) for row in (rows or SAMPLE)]
    path.write_text("\n".join(lines) + "\n")
    return path
