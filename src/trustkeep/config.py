"""Settings: one table that is also the documentation (docs/configuration.md is tested)."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS = (
    Setting("home", "TRUSTKEEP_HOME", "./.trustkeep", "The workspace folder."),
    Setting(
        "keyring",
        "TRUSTKEEP_KEYRING",
        "$XDG_CONFIG_HOME/trustkeep/keyrings/<workspace id>.keyring",
        "The keyring file; never inside the workspace; mode 0600.",
    ),
    Setting(
        "database_url",
        "TRUSTKEEP_DATABASE_URL",
        "sqlite:///<home>/trustkeep.db",
        "SQLAlchemy URL of the database; postgresql+psycopg://... for PostgreSQL.",
    ),
    Setting("actor", "TRUSTKEEP_ACTOR", "cli:<login name>", "Who the audit log says acted."),
    Setting(
        "key_rotate_after",
        "TRUSTKEEP_KEY_ROTATE_AFTER",
        str(2**30),
        "Encryptions after which the primary key is rotated automatically "
        "(AES-GCM with random nonces must stay well below 2^32 per key).",
    ),
    # Webhook secrets come from the environment or a 0600 file, never from trustkeep.yaml
    # or the database; a provider whose secret is unset has its endpoint disabled.
    Setting(
        "mailgun_signing_key",
        "TRUSTKEEP_MAILGUN_SIGNING_KEY",
        "(unset: /inbound/mailgun disabled)",
        "Mailgun HTTP webhook signing key that signs inbound route posts.",
    ),
    Setting(
        "mailgun_signing_key_file",
        "TRUSTKEEP_MAILGUN_SIGNING_KEY_FILE",
        "(unset)",
        "File (mode 0600) holding the Mailgun signing key, instead of the variable.",
    ),
    Setting(
        "sendgrid_parse_secret",
        "TRUSTKEEP_SENDGRID_PARSE_SECRET",
        "(unset: /inbound/sendgrid disabled)",
        "The `user:password` pair put in the SendGrid Inbound Parse URL (HTTP Basic).",
    ),
    Setting(
        "sendgrid_parse_secret_file",
        "TRUSTKEEP_SENDGRID_PARSE_SECRET_FILE",
        "(unset)",
        "File (mode 0600) holding the SendGrid `user:password` pair, instead of the variable.",
    ),
    Setting(
        "sendgrid_verification_key",
        "TRUSTKEEP_SENDGRID_VERIFICATION_KEY",
        "(unset: no signature check)",
        "Public key (base64 DER) of a SendGrid Inbound Parse security policy; "
        "when set, posts must also carry a valid ECDSA signature.",
    ),
)


@dataclass(frozen=True)
class Settings:
    """Resolved settings: command-line flags first, then environment, then defaults."""

    home: Path
    keyring: Path | None
    database_url: str | None
    actor: str
    key_rotate_after: int

    @classmethod
    def resolve(
        cls,
        home: Path | None = None,
        keyring: Path | None = None,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> Settings:
        env = dict(os.environ) if env is None else env
        home = home or Path(env.get("TRUSTKEEP_HOME") or "./.trustkeep")
        ring = keyring or (Path(env["TRUSTKEEP_KEYRING"]) if env.get("TRUSTKEEP_KEYRING") else None)
        return cls(
            home=home.expanduser().absolute(),
            keyring=ring.expanduser().absolute() if ring else None,
            database_url=database_url or env.get("TRUSTKEEP_DATABASE_URL") or None,
            actor=env.get("TRUSTKEEP_ACTOR") or f"cli:{_login()}",
            key_rotate_after=int(env.get("TRUSTKEEP_KEY_ROTATE_AFTER") or 2**30),
        )

    def keyring_path(self, workspace_id: str, env: dict[str, str] | None = None) -> Path:
        if self.keyring is not None:
            return self.keyring
        env = dict(os.environ) if env is None else env
        base = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        return (base / "trustkeep" / "keyrings" / f"{workspace_id}.keyring").absolute()

    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'trustkeep.db'}"


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
