"""A workspace with partners, an export with canaries, a user and an API key per role.

`alerted` also runs the real intake server and mails a canary from a
spammer's address over SMTP, so there is an alert with real evidence.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from intake_support import CANARY_DOMAINS, wait_for
from support import Env, write_sample
from trustkeep.demo.synthetic import write_csv
from trustkeep.web.app import create_app
from trustkeep.web.auth import ROLES
from web.harness import MODEL, PASSWORD, Site


@pytest.fixture
def site(ws_env: Env) -> Iterator[Site]:
    model = ws_env.home / "trustkeep.yaml"
    text = model.read_text().replace("partners: []\nflows: []\n", MODEL)
    text = text.replace(
        "  domains: []                  # custodian-owned",
        f"  domains: [{', '.join(CANARY_DOMAINS)}]   # custodian-owned",
    )
    model.write_text(text)
    source = ws_env.root / "customers.csv"
    write_csv(source, 1000, seed=3)
    assert ws_env.cli("import", str(source)).code == 0
    assert ws_env.cli("import", str(write_sample(ws_env.root / "sample.csv"))).code == 0
    out = ws_env.root / "app.csv"
    exported = ws_env.cli("export", "vault-to-app", "--out", str(out), "--json")
    assert exported.code == 0, exported.err
    keys = {}
    for role in ROLES:
        added = ws_env.cli("users", "add", role, "--role", role, "--password-stdin", stdin=PASSWORD)
        assert added.code == 0, added.err
        created = ws_env.cli("apikeys", "create", "--role", role, "--name", role, "--json")
        assert created.code == 0, created.err
        keys[role] = created.json["key"]
    ws = ws_env.open()
    try:
        yield Site(ws_env, ws, create_app(ws), keys, exported.json)
    finally:
        ws.close()


@pytest.fixture
def alerted(site: Site) -> Site:
    """The site after a spammer mailed one canary over real SMTP: one open alert."""
    with site.server() as srv:
        site.mail_canary(srv.server.smtp_port, site.canaries()[0])
        found = wait_for(site.alerts)
    site.alert_id = found[0]["id"]
    return site
