"""Command-line interface: thin Typer commands over the services."""
