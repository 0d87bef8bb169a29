"""Bench: `trustkeep export` throughput against a no-framework floor on the same vault.

    python bench/export.py [--rows N (default 1000000)] [--database-url URL]

1. Writes N synthetic customers, creates a fresh workspace (SQLite default, or a
   fresh PostgreSQL schema) with one partner and one flow (email, first_name,
   last_name plain; loyalty_tier plain), and imports them (timed, reported).
2. In a fresh child process: `trustkeep.exports.build_export` — the learning
   pass, the canary plan and generation, and the writing pass. Its peak RSS is
   the child's own.
3. In another fresh child process, the floor: the least work the same export
   needs with no framework — read (id, wrapped key, sealed) in batches with the
   driver, per subject unwrap the data key and decrypt the flow's three sealed
   fields with AES-GCM (same associated data), write a CSV row.

Prints figures and one `RESULT {json}` line; temporary files and schemas are removed.
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import resource
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHILD = "CHILD "
MODEL_ADDITIONS = """
partners:
  - id: esp
    name: Relay Mail Co.
    role: processor
    contract: {ref: DPA-1, expires: 2099-01-31}
flows:
  - id: vault-to-esp
    from: vault
    to: esp
    purpose: email_marketing
    categories: {email: plain, first_name: plain, last_name: plain, loyalty_tier: plain}
"""
SEALED = ("email", "first_name", "last_name")


def _rss_mb() -> float:
    """This process's peak RSS (VmHWM): ru_maxrss would carry the parent's across exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _settings(job: dict[str, Any]) -> Any:
    from trustkeep.config import Settings

    return Settings.resolve(
        home=Path(job["home"]), keyring=Path(job["keyring"]), database_url=job.get("url")
    )


def child_export(job: dict[str, Any]) -> dict[str, Any]:
    from trustkeep.exports import build_export
    from trustkeep.workspace import open_workspace

    ws = open_workspace(_settings(job))
    started = time.perf_counter()
    manifest = build_export(ws, "vault-to-esp", Path(job["tmp"]) / "export.csv")
    seconds = time.perf_counter() - started
    ws.close()
    return {"seconds": seconds, "rows": manifest["rows"], "canaries": manifest["canaries"]["count"],
            "peak_rss_mb": _rss_mb()}  # fmt: skip


def child_floor(job: dict[str, Any]) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from trustkeep.crypto.envelope import WRAP_PURPOSE
    from trustkeep.workspace import open_workspace

    ws = open_workspace(_settings(job))
    keks = {k.id: AESGCM(ws.keyring.derived(k, WRAP_PURPOSE)) for k in ws.keyring.usable()}
    raw = ws.store.engine.raw_connection()
    ws.close()
    out = open(Path(job["tmp"]) / "floor.csv", "w", newline="")  # noqa: SIM115
    writer = csv.writer(out)
    started = time.perf_counter()
    rows, last = 0, ""
    mark = "?" if job.get("url") is None else "%s"
    query = (f"SELECT id, wrapped_dek, dek_id, sealed, plain FROM subjects WHERE id > {mark} "  # noqa: S608
             f"AND erased_at IS NULL ORDER BY id LIMIT 1000")  # fmt: skip
    while True:
        cursor = raw.cursor()
        cursor.execute(query, (last,))
        batch = cursor.fetchall()
        cursor.close()
        if not batch:
            break
        for subject_id, wrapped, dek_id, sealed, plain in batch:
            wrapped = bytes(wrapped)
            sid = subject_id.encode()
            kek = keks[int.from_bytes(wrapped[1:5], "big")]
            dek_ad = b"trustkeep/v1/dek\x00" + sid + b"\x00" + int(dek_id).to_bytes(4, "big")
            dek = AESGCM(kek.decrypt(wrapped[5:17], wrapped[17:], dek_ad + wrapped[:5]))
            blobs = json.loads(sealed)
            values = []
            for field in SEALED:
                blob = base64.b64decode(blobs[field])
                ad = b"trustkeep/v1/field\x00" + sid + b"\x00" + field.encode() + b"\x00" + blob[:5]
                values.append(dek.decrypt(blob[5:17], blob[17:], ad).decode())
            values.append(json.loads(plain).get("loyalty_tier", ""))
            writer.writerow(values)
            rows += 1
        last = batch[-1][0]
    out.close()
    seconds = time.perf_counter() - started
    raw.close()
    return {"seconds": seconds, "rows": rows, "peak_rss_mb": _rss_mb()}


def _spawn(kind: str, job: dict[str, Any]) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, json.dumps(job)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr[-4000:])
        raise SystemExit(f"bench child {kind} failed ({result.returncode})")
    line = next(x for x in result.stdout.splitlines() if x.startswith(CHILD))
    return dict(json.loads(line[len(CHILD) :]))


def run(rows: int, url: str | None) -> None:
    from sqlalchemy import create_engine, text

    from trustkeep.demo.synthetic import write_csv
    from trustkeep.vault import import_csv
    from trustkeep.workspace import init_workspace

    tmp = Path(tempfile.mkdtemp(prefix="trustkeep-bench-export-"))
    schema = f"trustkeep_bench_{secrets.token_hex(4)}" if url else None
    try:
        job: dict[str, Any] = {"home": str(tmp / "ws"), "keyring": str(tmp / "k" / "ring"),
                               "tmp": str(tmp)}  # fmt: skip
        if url and schema:
            with create_engine(url).begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            job["url"] = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        print(f"export bench: {rows:,} customers ...", file=sys.stderr, flush=True)
        write_csv(tmp / "customers.csv", rows, seed=3)
        ws = init_workspace(_settings(job))
        model = Path(job["home"]) / "trustkeep.yaml"
        text_model = model.read_text().replace("partners: []\nflows: []\n", MODEL_ADDITIONS)
        model.write_text(text_model.replace("  domains: []", "  domains: [nw-members.example]"))
        ws.close()
        from trustkeep.workspace import open_workspace

        ws = open_workspace(_settings(job))
        started = time.perf_counter()
        import_csv(ws, tmp / "customers.csv", batch_size=5000)
        import_seconds = time.perf_counter() - started
        ws.close()
        exported = _spawn("export", job)
        floor = _spawn("floor", job)
        export_rate = exported["rows"] / exported["seconds"]
        floor_rate = floor["rows"] / floor["seconds"]
        result = {
            "bench": "export", "database": "postgresql" if url else "sqlite", "rows": rows,
            "import_rows_per_s": round(rows / import_seconds),
            "export_seconds": round(exported["seconds"], 2),
            "export_rows_per_s": round(export_rate), "canaries": exported["canaries"],
            "export_peak_rss_mb": exported["peak_rss_mb"],
            "floor_rows_per_s": round(floor_rate), "floor_peak_rss_mb": floor["peak_rss_mb"],
            "export_to_floor": round(export_rate / floor_rate, 3),
            "load_1m": round(os.getloadavg()[0], 2),
        }  # fmt: skip
        for key, value in result.items():
            print(f"{key:>22}: {value}")
        print("RESULT " + json.dumps(result))
    finally:
        if url and schema:
            with create_engine(url).begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        job = json.loads(args.child[1])
        result = child_export(job) if args.child[0] == "export" else child_floor(job)
        print(CHILD + json.dumps(result), flush=True)
        return 0
    os.umask(0o077)
    run(args.rows, args.database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
