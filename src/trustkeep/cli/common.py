"""What every command shares: options, opening the workspace, output, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from trustkeep.config import Settings
from trustkeep.workspace import Workspace, open_workspace

HomeOpt = Annotated[
    Path | None,
    typer.Option("--home", help="Workspace folder [env: TRUSTKEEP_HOME; default ./.trustkeep]."),
]
KeyringOpt = Annotated[
    Path | None,
    typer.Option(
        "--keyring",
        help="Keyring file, outside the workspace [env: TRUSTKEEP_KEYRING].",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output only.")]

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def settings(home: Path | None, keyring: Path | None) -> Settings:
    return Settings.resolve(home=home, keyring=keyring)


@contextmanager
def workspace(
    home: Path | None, keyring: Path | None, migrate: bool = False
) -> Iterator[Workspace]:
    ws = open_workspace(settings(home, keyring), migrate=migrate)
    try:
        yield ws
    finally:
        ws.close()


def emit(data: Any, as_json: bool, human: Callable[[], None]) -> None:
    """JSON on stdout with --json (and nothing else there), else the human rendering."""
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    else:
        human()


@contextmanager
def progress(total: int | None, label: str, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr; `advance(n)` moves it."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not enabled,
    )
    with bar:
        task = bar.add_task(label, total=total)
        yield lambda n: bar.advance(task, n)
