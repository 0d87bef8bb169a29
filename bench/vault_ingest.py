"""Bench: `trustkeep import` throughput against a no-framework floor on the same data.

    python bench/vault_ingest.py [--rows N] [--database-url URL] [--batch-size B] [--seed S]

1. Writes N synthetic customers to a temporary CSV (trustkeep.demo.synthetic).
2. In a fresh child process: creates a workspace in a temporary folder (keyring
   outside it) and times `trustkeep.vault.import_csv` on the file; the child's
   peak RSS is the import's own (interpreter and libraries included).
3. In another fresh child process: the floor, the least work the same import
   needs with no framework - read the CSV with `csv.reader`; per subject a
   random 32-byte data key wrapped with AES-GCM under a fixed KEK, 4 AES-GCM
   encryptions (email, first_name, last_name, phone), one HMAC-SHA256 of the
   normalised email; `executemany` in batches of the same size, one commit per
   batch, into a plain table (sqlite3 with the workspace's WAL and
   synchronous=FULL, or psycopg into a table of the bench's schema).

Prints a block of figures and one `RESULT {json}` line. Without --database-url
the workspace uses SQLite; with a postgresql+psycopg:// URL, both runs use a
fresh schema `trustkeep_bench_<hex>` that is dropped afterwards. Temporary
files are always removed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

CHILD_PREFIX = "CHILD "
FLOOR_COLUMNS = (
    "id TEXT PRIMARY KEY, wrapped_dek {blob}, email {blob}, first_name {blob}, last_name {blob},"
    " phone {blob}, email_index BIGINT NOT NULL, postal_code TEXT, birth_date TEXT,"
    " loyalty_tier TEXT, signup_date TEXT"
)
INSERT = "INSERT INTO floor VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
INDEX_BITS = 18  # what trustkeep plans for the template's 1,000,000 expected subjects


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="customers (1000000)")
    parser.add_argument("--database-url", default=None, help="postgresql+psycopg://... or none")
    parser.add_argument("--batch-size", type=int, default=None, help="rows per transaction")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument("--child", choices=("import", "floor"), help=argparse.SUPPRESS)
    args, extra = parser.parse_known_args()
    if args.child:  # the job comes on standard input: a database URL stays out of `ps`
        job = json.loads(extra[0] if extra else sys.stdin.read())
        result = child_import(job) if args.child == "import" else child_floor(job)
        print(CHILD_PREFIX + json.dumps(result), flush=True)
        return 0
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.rows < 1 or (args.batch_size is not None and args.batch_size < 1):
        parser.error("--rows and --batch-size must be at least 1")
    url = args.database_url
    if url and not url.startswith("postgresql"):
        parser.error("--database-url takes a PostgreSQL URL; omit it for SQLite")
    from trustkeep.vault.ingest import DEFAULT_BATCH

    batch = args.batch_size or DEFAULT_BATCH
    return run(args.rows, url, batch, args.seed)


def run(rows: int, url: str | None, batch: int, seed: int) -> int:
    from trustkeep.demo.synthetic import write_csv

    tmp = Path(tempfile.mkdtemp(prefix="trustkeep-bench-"))
    schema = f"trustkeep_bench_{secrets.token_hex(4)}" if url else None
    try:
        csv_path = tmp / "customers.csv"
        started = time.perf_counter()
        print(f"vault_ingest: {rows:,} synthetic customers ...", file=sys.stderr, flush=True)
        write_csv(csv_path, rows, seed)
        csv_seconds = time.perf_counter() - started
        job: dict[str, Any] = {"csv": str(csv_path), "rows": rows, "batch": batch, "tmp": str(tmp)}
        if url and schema:
            _pg_schema(url, schema, create=True)
            job["url"] = _with_search_path(url, schema)
            job["conninfo"] = _conninfo(url)
            job["schema"] = schema
        load, code = [os.getloadavg()[0]], _revision()
        imported = _spawn("import", job)
        floor = _spawn("floor", job)
        load.append(os.getloadavg()[0])
        if _revision() != code:
            code += " (changed during the run)"
        imported["code"] = code
        report(rows, batch, url, csv_path.stat().st_size, csv_seconds, imported, floor, load)
        return 0
    finally:
        if url and schema:
            _pg_schema(url, schema, create=False)
        shutil.rmtree(tmp, ignore_errors=True)


def report(
    rows: int,
    batch: int,
    url: str | None,
    csv_bytes: int,
    csv_seconds: float,
    imported: dict[str, Any],
    floor: dict[str, Any],
    load: list[float],
) -> None:
    import_rate = rows / imported["seconds"]
    floor_rate = floor["rows"] / floor["seconds"]
    result = {
        "bench": "vault_ingest",
        "date": date.today().isoformat(),
        "database": "postgresql" if url else "sqlite",
        "database_version": imported["database_version"],
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "code": imported["code"],
        "rows": rows,
        "batch_size": batch,
        "import_seconds": round(imported["seconds"], 2),
        "import_rows_per_s": round(import_rate),
        "import_peak_rss_mb": imported["peak_rss_mb"],
        "import_start_rss_mb": imported["start_rss_mb"],
        "floor_rows": floor["rows"],
        "floor_seconds": round(floor["seconds"], 2),
        "floor_rows_per_s": round(floor_rate),
        "floor_peak_rss_mb": floor["peak_rss_mb"],
        "import_to_floor": round(import_rate / floor_rate, 3),
        "load_1m": [round(value, 2) for value in load],
    }
    lines = [
        ("date", f"{result['date']}, {platform.system()} {platform.machine()}, "
         f"{result['cpus']} CPUs, Python {result['python']}"),
        ("code", f"src/ as of commit {result['code']}"),
        ("database", str(result["database_version"])),
        ("rows, batch", f"{rows:,} rows, {batch:,} per transaction"),
        ("synthetic csv", f"{csv_bytes / 2**20:.1f} MB written in {csv_seconds:.1f} s "
         "(before, not timed)"),
        ("import", f"{rows:,} rows in {imported['seconds']:.1f} s = {import_rate:,.0f} rows/s"),
        ("import peak RSS", f"{imported['peak_rss_mb']:.1f} MB "
         f"(child process; {imported['start_rss_mb']:.1f} MB when the import started)"),
        ("floor", f"{floor['rows']:,} rows in {floor['seconds']:.1f} s = {floor_rate:,.0f} rows/s"
         f" (peak RSS {floor['peak_rss_mb']:.1f} MB)"),
        ("import / floor", f"{result['import_to_floor']:.1%}"),
        ("load average", f"{load[0]:.2f} before the import, {load[1]:.2f} after the floor "
         "(1 min; the bench itself adds about 1)"),
    ]  # fmt: skip
    print("\nvault_ingest: trustkeep import vs. no-framework floor")
    for label, value in lines:
        print(f"  {label:<16} {value}")
    print("RESULT " + json.dumps(result), flush=True)


def _revision() -> str:
    """The last commit that changed src/, `+dirty` when src/ has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h", "--", "src"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src"], cwd=root, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    return (head or "unknown") + ("+dirty" if dirty else "")


# -- children -----------------------------------------------------------------


def _spawn(kind: str, job: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter, so its peak RSS is its own."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", kind]
    done = subprocess.run(
        command, input=json.dumps(job), stdout=subprocess.PIPE, text=True, check=False
    )
    found = [line for line in done.stdout.splitlines() if line.startswith(CHILD_PREFIX)]
    if done.returncode != 0 or not found:
        raise SystemExit(f"vault_ingest: the {kind} run failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(found[-1][len(CHILD_PREFIX) :])
    return result


def _peak_rss_mb() -> float:
    """This process's peak RSS in MB (2**20 bytes).

    Linux's VmHWM belongs to the process image; `ru_maxrss` is also carried over
    from the parent across fork + exec, so it can report the parent's peak.
    """
    try:
        status = Path("/proc/self/status").read_text()
        return round(int(status.split("VmHWM:")[1].split()[0]) / 1024, 1)
    except (OSError, IndexError, ValueError):
        return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _ticker(kind: str, total: int) -> Callable[[int], None]:
    done = [0, 0]

    def tick(count: int) -> None:
        done[0] += count
        tenth = done[0] * 10 // total
        if tenth > done[1]:
            done[1] = tenth
            print(f"  {kind}: {done[0]:,}/{total:,}", file=sys.stderr, flush=True)

    return tick


def child_import(job: dict[str, Any]) -> dict[str, Any]:
    from trustkeep.config import Settings
    from trustkeep.vault import import_csv
    from trustkeep.workspace import init_workspace

    tmp = Path(job["tmp"])
    settings = Settings.resolve(
        home=tmp / "home",
        keyring=tmp / "keys" / "bench.keyring",
        database_url=job.get("url"),
        env={},
    )
    workspace = init_workspace(settings)
    try:
        with workspace.store.read() as conn:
            version = conn.exec_driver_sql(
                "SELECT version()" if job.get("url") else "SELECT sqlite_version()"
            ).scalar()
        start_rss = _peak_rss_mb()
        started = time.perf_counter()
        summary = import_csv(
            workspace, Path(job["csv"]), batch_size=job["batch"],
            progress=_ticker("import", job["rows"]),
        )  # fmt: skip
        seconds = time.perf_counter() - started
    finally:
        workspace.close()
    if summary.inserted != job["rows"] or summary.bad:
        raise SystemExit(f"import stored {summary.inserted} of {job['rows']} rows")
    return {
        "seconds": seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "start_rss_mb": start_rss,
        "database_version": str(version).split(" on ")[0]
        if job.get("url")
        else f"SQLite {version}",
    }


def _subjects(path: Path) -> Iterator[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def child_floor(job: dict[str, Any]) -> dict[str, Any]:
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kek, index_key = AESGCM(os.urandom(32)), os.urandom(32)
    sql, conn = _floor_table(job)
    insert = INSERT.replace("?", "%s") if job.get("url") else INSERT
    tick = _ticker("floor", job["rows"])
    started = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    count = 0
    for email, first, last, phone, postal, birth, tier, signup in _subjects(Path(job["csv"])):
        subject = os.urandom(10).hex()
        key = os.urandom(32)
        dek = AESGCM(key)
        ad = subject.encode()
        nonce = os.urandom(12)
        wrapped = nonce + kek.encrypt(nonce, key, ad)
        sealed = []
        for value in (email, first, last, phone):
            nonce = os.urandom(12)
            sealed.append(nonce + dek.encrypt(nonce, value.encode(), ad))
        mac = hmac.HMAC(index_key, hashes.SHA256())
        mac.update(email.strip().casefold().encode())
        index = int.from_bytes(mac.finalize()[:8], "big") >> (64 - INDEX_BITS)
        batch.append((subject, wrapped, *sealed, index, postal, birth, tier, signup))
        if len(batch) >= job["batch"]:
            count += _flush(sql, conn, insert, batch, tick)
    if batch:
        count += _flush(sql, conn, insert, batch, tick)
    seconds = time.perf_counter() - started
    conn.close()
    return {"rows": count, "seconds": seconds, "peak_rss_mb": _peak_rss_mb()}


def _flush(
    sql: Any, conn: Any, insert: str, batch: list[tuple[Any, ...]], tick: Callable[[int], None]
) -> int:
    sql.executemany(insert, batch)
    conn.commit()
    tick(len(batch))
    size = len(batch)
    batch.clear()
    return size


def _floor_table(job: dict[str, Any]) -> tuple[Any, Any]:
    """(cursor, connection) on an empty floor table, with an index for email lookups."""
    conn: Any
    if job.get("url"):
        import psycopg

        conn = psycopg.connect(job["conninfo"], options=f"-csearch_path={job['schema']}")
        cursor = conn.cursor()
        blob = "BYTEA"
    else:
        conn = sqlite3.connect(Path(job["tmp"]) / "floor.db")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        cursor = conn.cursor()
        blob = "BLOB"
    cursor.execute(f"CREATE TABLE floor ({FLOOR_COLUMNS.format(blob=blob)})")
    cursor.execute("CREATE INDEX floor_email_index ON floor (email_index)")
    conn.commit()
    return cursor, conn


# -- PostgreSQL helpers ---------------------------------------------------------


def _conninfo(url: str) -> str:
    """A libpq URL for psycopg from an SQLAlchemy one."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _with_search_path(url: str, schema: str) -> str:
    from sqlalchemy.engine import make_url

    parsed = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return parsed.render_as_string(hide_password=False)


def _pg_schema(url: str, schema: str, create: bool) -> None:
    import psycopg
    from psycopg import sql

    statement = "CREATE SCHEMA {}" if create else "DROP SCHEMA IF EXISTS {} CASCADE"
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(schema)))


if __name__ == "__main__":
    sys.exit(main())
