"""Fixtures for intake tests (the support code is in tests/intake_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intake_support import CANARY_DOMAINS, CUSTOMERS, MODEL, Intake, make_zone
from support import Env
from trustkeep.demo.synthetic import write_csv
from trustkeep.workspace import Workspace


@pytest.fixture
def intake(ws_env: Env) -> Intake:
    model = ws_env.home / "trustkeep.yaml"
    text = model.read_text().replace("partners: []\nflows: []\n", MODEL)
    text = text.replace("sending_domains: []", "sending_domains: [news.northwind.example]")
    text = text.replace(
        "  domains: []                  # custodian-owned",
        f"  domains: [{', '.join(CANARY_DOMAINS)}]   # custodian-owned",
    )
    # Enough controls that some are as hard to guess as the partners' deepest canaries.
    text = text.replace("  max_share: 0.02\n", "  max_share: 0.02\n  controls_min: 60\n", 1)
    model.write_text(text)
    source = ws_env.root / "customers.csv"
    write_csv(source, CUSTOMERS, seed=3)
    assert ws_env.cli("import", str(source)).code == 0
    exports = {}
    for partner in ("esp", "app"):
        out = ws_env.root / f"{partner}.csv"
        result = ws_env.cli("export", f"vault-to-{partner}", "--out", str(out), "--json")
        assert result.code == 0, result.err
        exports[partner] = result.json
    zone, pem, evil = make_zone()
    return Intake(ws_env, zone, pem, evil, exports)


@pytest.fixture
def workspace(intake: Intake) -> Iterator[Workspace]:
    ws = intake.env.open()
    try:
        yield ws
    finally:
        ws.close()
