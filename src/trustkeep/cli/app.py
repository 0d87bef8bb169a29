"""The `trustkeep` command: a thin shell over the services, mapping errors to exit codes.

Exit codes: 0 ok, 1 findings (failed verification), 2 usage or invalid input,
3 environment (keyring, database, folder), 70 internal error.
"""

from __future__ import annotations

import json
import os
import sys
import traceback

import typer

from trustkeep.cli import (
    alerts_cmds,
    apikeys_cmds,
    audit_cmds,
    demo_cmds,
    export_cmds,
    keys_cmds,
    map_cmds,
    serve_cmds,
    users_cmds,
    vault_cmds,
    workspace_cmds,
)
from trustkeep.errors import EXIT_INTERNAL, EXIT_USAGE, TrustkeepError

app = typer.Typer(
    name="trustkeep",
    help="Be a trusted custodian of your customers' data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)
workspace_cmds.register(app)
vault_cmds.register(app)
export_cmds.register(app)
serve_cmds.register(app)
demo_cmds.register(app)
app.add_typer(export_cmds.exports_app, name="exports", help="Exports made and their manifests.")
app.add_typer(export_cmds.canaries_app, name="canaries", help="Canaries (privileged).")
app.add_typer(vault_cmds.subjects, name="subjects", help="Look up, reveal, erase, count.")
app.add_typer(keys_cmds.keys, name="keys", help="Rotate, re-wrap, retire, back up keys.")
app.add_typer(audit_cmds.audit, name="audit", help="Read and verify the audit log.")
app.add_typer(alerts_cmds.alerts_app, name="alerts", help="Alerts raised by canary mail.")
app.add_typer(alerts_cmds.sightings_app, name="sightings", help="Canary mail received.")
app.add_typer(workspace_cmds.db, name="db", help="Database schema migrations.")
app.add_typer(map_cmds.map_app, name="map", help="The data map: check, diagram, diff, blast.")
app.add_typer(users_cmds.users, name="users", help="Console users and their roles.")
app.add_typer(apikeys_cmds.apikeys, name="apikeys", help="API keys with scopes.")


def _fail(argv: list[str], code: int, kind: str, message: str, hint: str | None = None) -> int:
    if "--json" in argv:
        body = {"error": {"code": kind, "message": message, "hint": hint, "exit_code": code}}
        sys.stdout.write(json.dumps(body) + "\n")
    text = f"error: {message}" + (f"\n  hint: {hint}" if hint else "")
    sys.stderr.write(text + "\n")
    return code


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; usage errors are Click's (exit 2), ours map through TrustkeepError."""
    command = typer.main.get_command(app)
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        command.main(args=args, prog_name="trustkeep", standalone_mode=True)
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else EXIT_USAGE)
    except TrustkeepError as exc:
        return _fail(args, exc.exit_code, exc.code, exc.message, exc.hint)
    except KeyboardInterrupt:
        return _fail(args, 130, "interrupted", "interrupted")
    except Exception as exc:
        # No locals, no message: an unexpected exception might carry a value.
        if os.environ.get("TRUSTKEEP_DEBUG") == "1":
            traceback.print_exc()
        return _fail(
            args,
            EXIT_INTERNAL,
            "internal",
            f"internal error ({type(exc).__name__})",
            "set TRUSTKEEP_DEBUG=1 to see the traceback",
        )
    return 0


def main() -> None:
    # Everything Trustkeep writes (database, WAL, checkpoints, exports) is private.
    os.umask(0o077)
    sys.exit(run())
