"""`trustkeep users ...`: console users with roles; passwords never on the command line."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, out, workspace
from trustkeep.errors import InvalidInput
from trustkeep.web.auth import ROLES
from trustkeep.web.auth.users import add_user, disable_user, list_users, set_password

users = typer.Typer(no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from standard input (one line)."),
]


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidInput("no terminal to prompt for the password", hint="use --password-stdin")
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Repeat", hide_input=True) != first:
        raise InvalidInput("the passwords differ")
    return str(first)


@users.command("add")
def add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")],
    password_stdin: PasswordStdin = False,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a console user; the password is stored as an argon2id hash."""
    password = _password(password_stdin)
    with workspace(home, keyring) as ws:
        user = add_user(ws, name, role, password)
    emit(user, json_out, lambda: out.print(f"User {name} added with role {role}."))


@users.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(help="Login name.")],
    password_stdin: PasswordStdin = False,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Set a user's password."""
    password = _password(password_stdin)
    with workspace(home, keyring) as ws:
        set_password(ws, name, password)
    emit({"name": name}, json_out, lambda: out.print(f"Password of {name} changed."))


@users.command("disable")
def disable(
    name: Annotated[str, typer.Argument(help="Login name.")],
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Disable a user: no more sign-ins, and their sessions stop working."""
    with workspace(home, keyring) as ws:
        disable_user(ws, name)
    emit({"name": name, "disabled": True}, json_out, lambda: out.print(f"User {name} disabled."))


@users.command("list")
def list_(home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False) -> None:
    """Users, their roles and whether they are disabled."""
    with workspace(home, keyring) as ws:
        rows = list_users(ws)

    def human() -> None:
        table = Table("name", "role", "created", "disabled")
        for r in rows:
            table.add_row(r["name"], r["role"], r["created_at"], "yes" if r["disabled"] else "")
        out.print(table)

    emit({"users": rows}, json_out, human)
