"""The providers' secrets, read from the environment or a 0600 file, never from the model."""

from __future__ import annotations

import base64
import binascii
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.serialization import load_der_public_key

from trustkeep.crypto.secret import Secret
from trustkeep.errors import EnvironmentProblem

MAILGUN_VAR = "TRUSTKEEP_MAILGUN_SIGNING_KEY"
SENDGRID_VAR = "TRUSTKEEP_SENDGRID_PARSE_SECRET"
SENDGRID_KEY_VAR = "TRUSTKEEP_SENDGRID_VERIFICATION_KEY"


@dataclass(frozen=True)
class WebhookSecrets:
    """What authenticates each provider; None disables that provider's endpoint."""

    mailgun_signing_key: Secret | None = None
    sendgrid_credentials: Secret | None = None  # b"user:password" from the parse URL
    sendgrid_public_key: EllipticCurvePublicKey | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebhookSecrets:
        """Read the TRUSTKEEP_* webhook settings (each `NAME` or `NAME_FILE`)."""
        env = os.environ if env is None else env
        public = (env.get(SENDGRID_KEY_VAR) or "").strip()
        return cls(
            mailgun_signing_key=_secret(env, MAILGUN_VAR),
            sendgrid_credentials=_secret(env, SENDGRID_VAR),
            sendgrid_public_key=parse_public_key(public) if public else None,
        )


def parse_public_key(text: str) -> EllipticCurvePublicKey:
    """A SendGrid security-policy public key: base64 DER SubjectPublicKeyInfo, or PEM."""
    body = "".join(line for line in text.splitlines() if not line.startswith("-----"))
    try:
        key = load_der_public_key(base64.b64decode(body, validate=True))
    except (ValueError, binascii.Error):
        raise EnvironmentProblem(f"{SENDGRID_KEY_VAR} is not a base64 DER public key") from None
    if not isinstance(key, EllipticCurvePublicKey):
        raise EnvironmentProblem(f"{SENDGRID_KEY_VAR} is not an elliptic-curve key")
    return key


def _secret(env: Mapping[str, str], name: str) -> Secret | None:
    value, path = env.get(name) or "", env.get(f"{name}_FILE") or ""
    if value and path:
        raise EnvironmentProblem(f"set {name} or {name}_FILE, not both")
    if path:
        value = _read_secret_file(Path(path), f"{name}_FILE")
    value = value.strip()
    return Secret(value.encode("utf-8")) if value else None


def _read_secret_file(path: Path, setting: str) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        raise EnvironmentProblem(f"{setting}: cannot open the file") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_mode & 0o077:
            raise EnvironmentProblem(
                f"{setting}: the file must be a regular file of mode 0600",
                hint=f"chmod 600 {path}",
            )
        data = handle.read(64 * 1024)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise EnvironmentProblem(f"{setting}: the file is not UTF-8 text") from None
