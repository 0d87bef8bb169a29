"""`kill -9` mid-export: nothing visible at the destination; the pending manifest names
the partner and the canaries, so even a file that escaped can be attributed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from support import Env
from trustkeep.demo.synthetic import write_csv
from trustkeep.store.tables import export_canaries, exports


def _pending(env: Env) -> list[dict[str, object]]:
    ws = env.open()
    try:
        with ws.store.read() as conn:
            return [
                {**json.loads(r.manifest), "status": r.status}
                for r in conn.execute(select(exports))
            ]
    finally:
        ws.close()


def test_kill_9_mid_export_leaves_no_visible_file(export_env: Env) -> None:
    more = export_env.root / "more.csv"
    write_csv(more, 15_000, seed=5)
    assert export_env.cli("import", str(more)).code == 0
    out_dir = export_env.root / "outbox"
    out_dir.mkdir()
    out = out_dir / "esp.csv"
    command = [sys.executable, "-m", "trustkeep", "export", "vault-to-esp", "--out", str(out)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while not _pending(export_env):
            assert proc.poll() is None, "export ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        still_running = proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert still_running
    assert not out.exists()
    assert [p.name for p in out_dir.iterdir() if not p.name.startswith(".")] == []
    [manifest] = _pending(export_env)
    assert manifest["status"] == "pending" and manifest["partner"] == "esp"
    ids = manifest["canaries"]["ids"]  # type: ignore[index]
    assert ids
    ws = export_env.open()
    try:
        with ws.store.read() as conn:
            linked = conn.execute(
                select(export_canaries.c.canary_id).where(
                    export_canaries.c.export_id == manifest["export_id"]
                )
            ).scalars()
            assert sorted(linked) == sorted(ids)
    finally:
        ws.close()
    # A later export into the same folder works and leaves no partial files behind.
    again = export_env.cli("export", "vault-to-esp", "--out", str(out), "--json")
    assert again.code == 0, again.err
    assert sorted(p.name for p in out_dir.iterdir()) == ["esp.csv"]
