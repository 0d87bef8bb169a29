"""A workspace whose audit log has a few dozen events of several kinds."""

from __future__ import annotations

import pytest

from notify.conftest import receiver  # noqa: F401  (a real HTTP receiver, for publish --url)
from support import Env, write_sample


@pytest.fixture
def busy(ws_env: Env) -> Env:
    ws_env.cli("import", str(write_sample(ws_env.root / "c.csv")), "--batch-size", "2")
    [subject] = ws_env.cli(
        "subjects", "lookup", "--email", "ada.lovelace@example.com", "--json"
    ).json["subject_ids"]
    for n in range(3):
        ws_env.cli("subjects", "reveal", subject, "--purpose", f"audit test {n}")
    ws_env.cli("keys", "rotate")
    return ws_env
