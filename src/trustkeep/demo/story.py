"""`trustkeep demo`: the whole story on a fresh workspace, in about a minute.

A brand (Northwind) with an ESP, an agency and an app partner; 20,000 synthetic
customers imported into the vault; an export to each partner with canaries;
its own server on ephemeral ports; the ESP's legitimate DKIM-signed campaign
(sightings, no alert); a dictionary spray at the canary domains, recognised as
guessing (rejections, `guess` sightings, no alert); then a breach at the app
partner: a spammer mails a 5 % sample of that export, and a `leak` alert names
the partner and the export.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import random
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from trustkeep.config import Settings
from trustkeep.demo import brand
from trustkeep.demo.mail import at_domains, campaign, dictionary_spray, send, spam
from trustkeep.demo.synthetic import write_csv
from trustkeep.detect import manage
from trustkeep.errors import WorkspaceError
from trustkeep.exports import build_export
from trustkeep.intake.authn import dkim_sign, generate_dkim_key
from trustkeep.intake.resolver import LocalZone
from trustkeep.intake.server import IntakeServer, ServeOptions, ServerThread
from trustkeep.store.tables import sightings, spool
from trustkeep.vault.ingest import import_csv
from trustkeep.workspace import Workspace, init_workspace, open_workspace
from trustkeep.workspace.open import read_workspace_id

MARKER = ".trustkeep-demo"
OLD_MARKER = ".trustkeep-demo-marker"  # left by the vault tour `make demo` ran before
SAMPLE = 0.05
Say = Callable[[str], None]


def prepare_home(home: Path | None, reset: bool) -> Path:
    """The demo folder: a new one it names, or `home` (emptied first with --reset)."""
    if home is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        home = Path(f"trustkeep-demo-{stamp}")
    home = home.expanduser().absolute()
    if home.exists() and any(home.iterdir()):
        if not reset:
            raise WorkspaceError(f"{home} exists", hint="pass --reset to start it over")
        if not any((home / m).exists() for m in (MARKER, OLD_MARKER)):
            raise WorkspaceError(
                f"{home} is not a demo workspace; not touching it",
                hint="choose another --home",
            )
        with contextlib.suppress(WorkspaceError, OSError):
            ring = _settings(home).keyring_path(read_workspace_id(home))
            ring.unlink(missing_ok=True)
        shutil.rmtree(home)
    return home


def _settings(home: Path) -> Settings:
    env = {k: v for k, v in os.environ.items() if k != "TRUSTKEEP_DATABASE_URL"}
    env.setdefault("TRUSTKEEP_ACTOR", "demo:operator")
    return Settings.resolve(home=home, env=env)


def build(home: Path, customers: int, say: Say) -> Workspace:
    """Workspace, data map, customers in the vault, one export per partner."""
    settings = _settings(home)
    ws = init_workspace(settings, "northwind", "Northwind Outfitters")
    ws.close()
    (home / MARKER).write_text("created by `trustkeep demo`; safe to delete with --reset\n")
    template = resources.files("trustkeep.workspace").joinpath("template.yaml").read_text()
    model = brand.model_text(template.replace("{custodian_id}", "northwind"))
    (home / "trustkeep.yaml").write_text(model.replace("{custodian_name}", "Northwind Outfitters"))
    ws = open_workspace(settings)
    source = home / "customers.csv"
    try:
        write_csv(source, customers, seed=11)
        summary = import_csv(ws, source)
    finally:
        source.unlink(missing_ok=True)  # synthetic, but plaintext: never left at rest
    say(f"Imported {summary.inserted:,} synthetic customers into the encrypted vault.")
    (home / "exports").mkdir(mode=0o700, exist_ok=True)
    for partner in (brand.ESP, brand.AGENCY, brand.APP):
        manifest = build_export(ws, f"vault-to-{partner}", home / "exports" / f"{partner}.csv")
        say(
            f"Exported {manifest['rows']:,} rows to {partner} "
            f"({manifest['canaries']['count']} canaries): {manifest['export_id']}"
        )
    return ws


def _emails(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["email"] for row in csv.DictReader(handle)]


def _zone() -> tuple[LocalZone, bytes]:
    zone = LocalZone()
    private_pem, public_key = generate_dkim_key()
    zone.add_dkim_key(brand.ESP_DOMAIN, brand.ESP_SELECTOR, public_key)
    zone.add_spf(brand.ESP_DOMAIN, f"v=spf1 ip4:{brand.ESP_IP} -all")
    zone.add_dmarc(brand.SENDING_DOMAIN, "v=DMARC1; p=none")
    zone.add_spf(brand.SPAM_DOMAIN, "v=spf1 ?all")
    return zone, private_pem


def _poll(check: Callable[[], Any], deadline: float) -> Any:
    """Call `check` until it returns something truthy or the deadline passes."""
    end = time.monotonic() + deadline
    while True:
        found = check()
        if found or time.monotonic() > end:
            return found
        time.sleep(0.02)


def play(ws: Workspace, home: Path, say: Say) -> dict[str, Any]:
    """Serve, play the campaign and the breach; return the summary."""
    zone, private_pem = _zone()
    server = IntakeServer(ws, ServeOptions(smtp_port=0, http_port=None), resolver=zone)
    with ServerThread(server):
        port = server.smtp_port
        targets = at_domains(_emails(home / "exports" / f"{brand.ESP}.csv"), brand.CANARY_DOMAINS)
        mails = [
            (
                rcpt,
                dkim_sign(
                    campaign(rcpt, sender_domain=brand.SENDING_DOMAIN, esp_domain=brand.ESP_DOMAIN),
                    domain=brand.ESP_DOMAIN,
                    selector=brand.ESP_SELECTOR,
                    private_pem=private_pem,
                ),
            )
            for rcpt in targets
        ]
        sent = send(
            "127.0.0.1", port, source_ip=brand.ESP_IP, helo=f"mta1.{brand.ESP_DOMAIN}",
            mail_from=f"bounces@{brand.ESP_DOMAIN}", messages=mails,
        )  # fmt: skip
        seen = _poll(lambda: _sightings(ws, brand.ESP) >= sent.accepted, 60)
        say(
            f"The ESP's campaign reached {sent.accepted} canaries: "
            f"{_sightings(ws, brand.ESP)} sightings, authorised, no alert."
        )
        guesses = _guesses(brand.CANARY_DOMAINS)
        say(f"A spammer sprays {len(guesses):,} guessed addresses at the canary domains.")
        sprayed = dictionary_spray("127.0.0.1", port, source_ip=brand.SPRAYER_IP, guesses=guesses)
        _poll(lambda: _spooled(ws) == 0, 60)
        spray = {
            "guesses": len(guesses),
            "accepted": sprayed.accepted,
            "rejected": sprayed.refused,
            "sightings": (kinds := _kinds(ws)),
            "alerts": len(_all_alerts(ws)),
        }
        say(
            f"It got {sprayed.refused:,} rejections and {sprayed.accepted:,} acceptances: "
            f"recognised as guessing ({kinds.get('guess', 0)} guess sightings), "
            f"{spray['alerts']} alerts."
        )
        rows = _emails(home / "exports" / f"{brand.APP}.csv")
        sample = random.Random(5).sample(rows, max(1, round(len(rows) * SAMPLE)))
        say(f"Breach at {brand.APP}: a spammer mails a {SAMPLE:.0%} sample ({len(sample)} rows).")
        first = datetime.now(UTC)
        breach = send(
            "127.0.0.1", port, source_ip=brand.SPAMMER_IP, helo="bulk.mega-deals.example",
            mail_from=f"win@{brand.SPAM_DOMAIN}",
            messages=((r, spam(r, spam_domain=brand.SPAM_DOMAIN)) for r in sample),
        )  # fmt: skip
        alert = _poll(lambda: _alert(ws, brand.APP), 30)
        _poll(lambda: _spooled(ws) == 0, 30)
        alert = _alert(ws, brand.APP) or alert
    esp_alerts = _alerts_for(ws, brand.ESP)
    seconds = None
    if alert:
        raised = datetime.fromisoformat(alert["created_at"].replace("Z", "+00:00"))
        seconds = round((raised - first).total_seconds(), 3)
    return {
        "workspace": str(home),
        "campaign": {
            "partner_id": brand.ESP,
            "canary_mails": sent.accepted,
            "sightings": _sightings(ws, brand.ESP),
            "all_seen": bool(seen),
            "alerts": len(esp_alerts),
        },
        "breach": {
            "partner_id": brand.APP,
            "sample_rows": len(sample),
            "canary_mails": breach.accepted,
            "refused": breach.refused,
        },
        "spray": spray,
        "alert": alert,
        "seconds_to_alert": seconds,
    }


def _guesses(domains: tuple[str, ...], top: int = 60) -> list[str]:
    """A name dictionary's first guesses, in the usual patterns, at every canary domain."""
    folder = resources.files("trustkeep.canaries").joinpath("data")
    firsts = folder.joinpath("guess_first_names.txt").read_text(encoding="ascii").split()[:top]
    lasts = folder.joinpath("guess_surnames.txt").read_text(encoding="ascii").split()[:top]
    locals_ = [f for f in firsts]
    locals_ += [f"{f[0]}{last}" for f in firsts for last in lasts]
    locals_ += [f"{f}.{last}" for f in firsts for last in lasts]
    unique = list(dict.fromkeys(locals_))
    return [f"{local}@{domain}" for domain in domains for local in unique]


def _spooled(ws: Workspace) -> int:
    with ws.store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(spool)).scalar() or 0)


def _kinds(ws: Workspace) -> dict[str, int]:
    with ws.store.read() as conn:
        query = select(sightings.c.kind, func.count()).group_by(sightings.c.kind)
        return {str(kind): int(n) for kind, n in conn.execute(query)}


def _all_alerts(ws: Workspace) -> list[dict[str, Any]]:
    with ws.store.read() as conn:
        return manage.list_alerts(conn)


def _sightings(ws: Workspace, partner_id: str, kind: str = "authorised") -> int:
    with ws.store.read() as conn:
        query = select(func.count()).select_from(sightings)
        query = query.where(sightings.c.partner_id == partner_id, sightings.c.kind == kind)
        return int(conn.execute(query).scalar() or 0)


def _alerts_for(ws: Workspace, partner_id: str) -> list[dict[str, Any]]:
    with ws.store.read() as conn:
        return manage.list_alerts(conn, partner_id=partner_id)


def _alert(ws: Workspace, partner_id: str) -> dict[str, Any] | None:
    found = _alerts_for(ws, partner_id)
    return found[0] if found else None


CONSOLE = "http://127.0.0.1:8700/"


def run(home: Path | None, reset: bool, customers: int, say: Say) -> dict[str, Any]:
    folder = prepare_home(home, reset)
    ws = build(folder, customers, say)
    try:
        summary = play(ws, folder, say)
        from trustkeep.web.demo_login import ensure_demo_user

        user, password = ensure_demo_user(ws)
    finally:
        ws.close()
    (folder / "demo-summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    # The password is printed once, never written to the summary file.
    summary["console"] = {
        "url": CONSOLE,
        "user": user,
        "password": password,
        "serve": f"trustkeep serve --home {folder}",
    }
    return summary
