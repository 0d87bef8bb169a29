"""The scripted tour behind `make demo`: every vault command on a fresh workspace.

It runs the real CLI in this process against a workspace under
`./.trustkeep-demo/` (keyring in a sibling folder, never inside the workspace),
printing each command before its output, and stops at the first failure.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

from rich.console import Console

from trustkeep.cli.app import run
from trustkeep.demo.synthetic import customers, write_csv

ROOT = Path(".trustkeep-demo")
PARTNERS = """partners:
  - id: relay-mail
    name: Relay Mail Co.
    role: processor
    country: US
    contract: {ref: DPA-2024-17, expires: 2099-01-31}
    retention: 365d
    senders: {ips: [198.51.100.0/24], domains: [relaymail.example], dkim: [relaymail.example]}
  - id: bright-agency
    name: Bright Agency
    role: processor
    country: GB
    contract: {ref: DPA-2025-03, expires: 2099-06-30}
flows:
  - id: vault-to-relay-mail
    from: vault
    to: relay-mail
    purpose: email_marketing
    categories: {email: plain, first_name: plain, last_name: plain, loyalty_tier: plain}
    transport: {protocol: sftp, encrypted: true}
    retention: 180d
  - id: vault-to-bright-agency
    from: vault
    to: bright-agency
    purpose: email_marketing
    categories: {email: plain, first_name: plain, phone: mask, postal_code: token}
    transport: {protocol: sftp, encrypted: true}
"""
MARKER = ".trustkeep-demo-marker"
console = Console(highlight=False)


def _step(*args: str, expect: int = 0, capture: bool = False) -> str:
    console.print(f"\n[bold cyan]$ trustkeep {' '.join(args)}[/]")
    buffer = StringIO()
    if capture:
        with redirect_stdout(buffer):
            code = run(list(args))
        sys.stdout.write(buffer.getvalue())
    else:
        code = run(list(args))
    if code != expect:
        console.print(f"[red]demo step failed with exit code {code} (expected {expect})[/]")
        raise SystemExit(1)
    return buffer.getvalue()


def _fresh_root() -> None:
    if ROOT.exists():
        if not (ROOT / MARKER).exists():
            console.print(f"[red]{ROOT} exists and is not a demo folder; not touching it[/]")
            raise SystemExit(3)
        shutil.rmtree(ROOT)
    ROOT.mkdir(mode=0o700)
    (ROOT / MARKER).write_text("created by `make demo`; safe to delete\n")


def main(rows: int = 2000) -> None:
    os.umask(0o077)
    _fresh_root()
    home, ring = ROOT / "workspace", ROOT / "keyring" / "demo.keyring"
    os.environ.update(TRUSTKEEP_HOME=str(home), TRUSTKEEP_KEYRING=str(ring))
    os.environ.update(TRUSTKEEP_ACTOR="demo:operator")
    os.environ.pop("TRUSTKEEP_DATABASE_URL", None)
    csv_path = ROOT / "customers.csv"
    write_csv(csv_path, rows, seed=7)
    with csv_path.open("a") as handle:  # two broken rows, reported by line, never by value
        handle.write("not-an-email,Broken,Row,,,,,\n")
        handle.write("too,few\n")
    first = next(customers(1, seed=7))

    console.rule("[bold]Trustkeep: the vault tour")
    console.print(f"{rows} synthetic customers in {csv_path}; workspace {home}; keyring {ring}")
    _step("init", "--custodian-id", "northwind", "--name", "Northwind Outfitters")
    model = home / "trustkeep.yaml"
    text = model.read_text().replace("partners: []\nflows: []\n", PARTNERS)
    model.write_text(
        text.replace("  domains: []", "  domains: [nw-members.example, club-mail.example]")
    )
    console.print("[dim]added two partners, two flows and the canary domains to trustkeep.yaml[/]")
    _step("import", str(csv_path))
    _step("import", str(csv_path), "--json", capture=True)
    _step("subjects", "count")
    found = json.loads(
        _step("subjects", "lookup", "--email", first["email"], "--json", capture=True)
    )
    subject = found["subject_ids"][0]
    _step("subjects", "show", subject)
    _step("subjects", "reveal", subject, "--purpose", "demo: customer asked for a copy")
    keys = json.loads(_step("keys", "list", "--json", capture=True))["keys"]
    _step("keys", "rotate")
    _step("keys", "rewrap")
    _step("keys", "retire", str(keys[0]["id"]))
    _step("keys", "list")
    _step("subjects", "erase", subject, "--purpose", "demo: erasure request 1")
    _step("subjects", "lookup", "--email", first["email"])
    _step("subjects", "reveal", subject, "--purpose", "after erasure", expect=2)
    outbox = ROOT / "outbox"
    outbox.mkdir()
    export = json.loads(
        _step("export", "vault-to-relay-mail", "--out", str(outbox / "relay-mail.csv"), "--json",
              capture=True)
    )  # fmt: skip
    _step("export", "vault-to-bright-agency", "--out", str(outbox / "bright-agency.csv"))
    _step("exports", "list")
    _step("canaries", "list", "--export", export["export_id"], "--purpose", "demo")
    _step("audit", "verify")
    _step("audit", "log", "--limit", "12")
    console.rule("[bold green]Tour complete")
    console.print(
        f"Try it yourself: TRUSTKEEP_HOME={home} TRUSTKEEP_KEYRING={ring} "
        ".venv/bin/trustkeep --help"
    )


if __name__ == "__main__":
    main()
