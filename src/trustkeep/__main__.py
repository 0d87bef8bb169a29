"""`python -m trustkeep` runs the CLI."""

from trustkeep.cli.app import main

main()
