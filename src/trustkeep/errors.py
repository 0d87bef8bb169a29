"""One error hierarchy for Trustkeep, with the CLI exit code each kind maps to.

Messages name a location and a reason, never a value: they may be shown,
logged or sent to a webhook, so they must never carry PII or key material.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 70


class TrustkeepError(Exception):
    """Base of every error Trustkeep raises on purpose."""

    exit_code: int = EXIT_INTERNAL
    code: str = "internal"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class InvalidInput(TrustkeepError):
    """The user gave input we cannot use (bad CSV, YAML, arguments)."""

    exit_code = EXIT_USAGE
    code = "invalid_input"


class EnvironmentProblem(TrustkeepError):
    """Something around us is missing or wrong: keyring, database, port, folder."""

    exit_code = EXIT_ENVIRONMENT
    code = "environment"


class Findings(TrustkeepError):
    """A check ran and found something: failed verification, risk findings."""

    exit_code = EXIT_FINDINGS
    code = "findings"


# -- per capability -----------------------------------------------------------


class WorkspaceError(EnvironmentProblem):
    code = "workspace"


class ModelError(InvalidInput):
    """trustkeep.yaml is invalid."""

    code = "model"


class StoreError(EnvironmentProblem):
    code = "store"


class KeyringError(EnvironmentProblem):
    """The keyring is missing, unreadable, of another workspace or lacks a key."""

    code = "keyring"


class KeyStateError(InvalidInput):
    """A key operation is not allowed in the keyring's current state."""

    code = "key_state"


class DecryptionError(TrustkeepError):
    """The one error for every decryption failure; it never says why."""

    exit_code = EXIT_ENVIRONMENT
    code = "decryption"

    def __init__(self, message: str = "decryption failed") -> None:
        super().__init__(message)


class VaultError(InvalidInput):
    code = "vault"


class SubjectNotFound(VaultError):
    code = "not_found"


class SubjectErased(VaultError):
    code = "erased"


class CsvInputError(InvalidInput):
    code = "csv"


class AlertError(InvalidInput):
    code = "alert"


class AlertNotFound(AlertError):
    code = "not_found"


class AuditError(TrustkeepError):
    code = "audit"


class ProofError(Findings):
    """A Merkle proof or a checkpoint does not verify."""

    code = "proof"


class AuditVerificationFailed(Findings):
    code = "audit_verification"


class WebhookRejected(InvalidInput):
    """An inbound webhook post was refused: unauthenticated, stale, replayed or malformed."""

    code = "webhook_rejected"
