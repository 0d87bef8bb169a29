"""The CLI shell: --json everywhere, exit codes, no tracebacks, nothing secret printed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from support import Env
from trustkeep.cli import app as app_module
from trustkeep.cli.app import app, run


def _commands(command: Any, path: list[str]) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _commands(sub, [*path, name])
    else:
        yield " ".join(path), command


def test_every_command_takes_json() -> None:
    for name, command in _commands(typer.main.get_command(app), []):
        options = {o for p in command.params for o in p.opts}
        assert "--json" in options, name


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["subjects", "reveal"]) == 2
    assert run(["no-such-command"]) == 2
    assert run(["import", "x.csv", "--batch-size", "0"]) == 2


def test_no_workspace_is_environment_error_with_json(env: Env) -> None:
    result = env.cli("subjects", "count", "--json")
    assert result.code == 3
    assert result.json["error"]["code"] == "workspace"
    assert "trustkeep init" in result.json["error"]["hint"]
    assert "Traceback" not in result.err


def test_internal_error_is_70_without_traceback_or_message(
    ws_env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object, **__: object) -> None:
        raise RuntimeError("ada.lovelace@example.com")  # a value that must not be shown

    monkeypatch.setattr("trustkeep.vault.count", explode)
    monkeypatch.delenv("TRUSTKEEP_DEBUG", raising=False)
    result = ws_env.cli("subjects", "count", "--json")
    assert result.code == 70
    assert "ada.lovelace" not in result.out + result.err
    assert "Traceback" not in result.err
    assert json.loads(result.out)["error"]["message"] == "internal error (RuntimeError)"


def test_invalid_model_is_exit_2_with_file_and_line(ws_env: Env) -> None:
    model = ws_env.home / "trustkeep.yaml"
    model.write_text(model.read_text().replace("standard:", "standrad:", 1))
    result = ws_env.cli("subjects", "count")
    assert result.code == 2
    assert "trustkeep.yaml:" in result.err and "standrad" in result.err
    assert "did you mean 'standard'" in result.err


def test_typer_never_shows_locals() -> None:
    assert app.pretty_exceptions_show_locals is False
    assert app_module.app is app
