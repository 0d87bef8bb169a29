"""Run every benchmark in bench/ with its defaults; `--quick` runs them on 20,000 rows.

    python bench/run.py [--quick]

Each script's output is shown as it runs; the exit status is non-zero if any failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_ARGS = ["--rows", "20000"]


def scripts() -> list[Path]:
    """Every bench/*.py except this runner and private helpers (`_name.py`)."""
    return sorted(
        path
        for path in HERE.glob("*.py")
        if path.name != Path(__file__).name and not path.name.startswith("_")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="pass --rows 20000 to each script")
    args = parser.parse_args()
    failed: list[str] = []
    for script in scripts():
        command = [sys.executable, str(script), *(QUICK_ARGS if args.quick else [])]
        print(f"==> {script.name} {' '.join(command[2:])}".rstrip(), flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, check=False).returncode
        elapsed = time.perf_counter() - started
        status = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"<== {script.name}: {status} in {elapsed:.1f} s\n", flush=True)
        if code != 0:
            failed.append(script.name)
    if failed:
        print(f"bench: {len(failed)} failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("bench: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
