"""`kill -9` in the middle of an import leaves whole batches; importing again converges."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import func, select

from support import Env
from trustkeep.store.tables import blind_indexes, subjects

ROWS = 30_000
DISTINCT = 20_000


def _counts(env: Env) -> tuple[int, int]:
    ws = env.open()
    try:
        with ws.store.read() as conn:
            people = conn.execute(select(func.count()).select_from(subjects)).scalar() or 0
            indexed = conn.execute(
                select(func.count())
                .select_from(blind_indexes)
                .where(blind_indexes.c.category == "email")
            ).scalar()
        return int(people), int(indexed or 0)
    finally:
        ws.close()


def test_kill_9_mid_import_is_consistent_and_rerun_converges(ws_env: Env) -> None:
    path = ws_env.root / "big.csv"
    with path.open("w") as handle:
        handle.write("email,first_name,last_name\n")
        for i in range(ROWS):
            n = (i * 7919) % DISTINCT  # every distinct email at least once, some twice
            handle.write(f"person{n}@example.com,First{n % 97},Last{n % 89}\n")
    command = [sys.executable, "-m", "trustkeep", "import", str(path), "--batch-size", "250"]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _counts(ws_env)[0] == 0:
            assert proc.poll() is None, "import ended before it could be killed"
            assert time.monotonic() < deadline, "no batch committed in time"
            time.sleep(0.05)
        still_running = proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert still_running
    people, indexed = _counts(ws_env)
    assert 0 < people < DISTINCT
    assert people == indexed  # whole batches only: every subject has its index
    verify = ws_env.cli("audit", "verify", "--json")
    assert verify.code == 0, verify.out

    again = ws_env.cli("import", str(path), "--batch-size", "1000", "--json")
    assert again.code == 0, again.err
    assert _counts(ws_env) == (DISTINCT, DISTINCT)
    for probe in (0, 1, DISTINCT - 1, 12345):
        found = ws_env.cli("subjects", "lookup", "--email", f"person{probe}@example.com", "--json")
        assert len(found.json["subject_ids"]) == 1
    assert ws_env.cli("audit", "verify").code == 0
