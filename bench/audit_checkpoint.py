"""Bench: the cost of one verified checkpoint as the audit log grows, and of a full verify.

    python bench/audit_checkpoint.py [--rows N]

A workspace in a temporary folder (SQLite, its own XDG_CONFIG_HOME). For each log
size (1,000, N/5 and N events, N = 100,000 by default) the events are appended in
one transaction (one checkpoint), then one more write is timed with the
checkpoint that follows its commit: the checkpointer verifies only the new
events (position, recomputed leaf, MAC chain) after checking the signed
checkpoint it extends, so this should stay flat. A full `verify_log` is timed
too (it grows with the log). Prints figures and one `RESULT {json}` line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="largest log size")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tk-audit-bench-"))
    os.environ["XDG_CONFIG_HOME"] = str(folder / "config")
    os.environ.pop("TRUSTKEEP_DATABASE_URL", None)
    from trustkeep.audit.verify import verify_log
    from trustkeep.config import Settings
    from trustkeep.workspace import init_workspace, open_workspace

    results = []
    try:
        settings = Settings.resolve(home=folder / "ws", env=dict(os.environ))
        init_workspace(settings, "bench", "Bench").close()
        ws = open_workspace(settings)
        try:
            have = len(ws.audit.events())
            for size in sorted({1_000, max(1_000, args.rows // 5), max(1_000, args.rows)}):
                with ws.store.write() as conn:
                    for i in range(size - have):
                        ws.audit.record(conn, "bench", "bench.event", details={"i": i})
                started = time.perf_counter()
                with ws.store.write() as conn:
                    ws.audit.record(conn, "bench", "bench.one")
                one = time.perf_counter() - started
                started = time.perf_counter()
                report = verify_log(ws.store, ws.keyring, ws.checkpointer, now=ws.clock())
                full = time.perf_counter() - started
                have = report.events
                results.append(
                    {
                        "events": have,
                        "write_and_checkpoint_ms": round(one * 1000, 2),
                        "full_verify_s": round(full, 3),
                        "ok": report.ok,
                    }
                )
                print(
                    f"  log {have:>9,} events: one write + its checkpoint {one * 1000:6.1f} ms, "
                    f"full verify {full:6.2f} s, ok={report.ok}"
                )
        finally:
            ws.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print("RESULT " + json.dumps({"bench": "audit_checkpoint", "sizes": results}))


if __name__ == "__main__":
    main()
