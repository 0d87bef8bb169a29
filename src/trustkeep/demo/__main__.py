"""`python -m trustkeep.demo [...]` is `trustkeep demo [...]` (see story.py)."""

import sys

from trustkeep.cli.app import run

sys.exit(run(["demo", *sys.argv[1:]]))
