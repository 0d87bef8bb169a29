"""Inbound webhook channel: provider posts verified, then handed to the intake as `Inbound`.

One module per provider (`mailgun`, `sendgrid`), each with `verify(...)` and
`to_inbound(post, now)`; the HTTP endpoints are in `trustkeep.web.inbound`.
"""

from trustkeep.intake.webhooks.common import (
    BadCredentials,
    Malformed,
    MissingCredentials,
    WebhookRejected,
)
from trustkeep.intake.webhooks.post import Form, Post, parse_form
from trustkeep.intake.webhooks.replay import Ledger
from trustkeep.intake.webhooks.secrets import WebhookSecrets

__all__ = [
    "BadCredentials",
    "Form",
    "Ledger",
    "Malformed",
    "MissingCredentials",
    "Post",
    "WebhookRejected",
    "WebhookSecrets",
    "parse_form",
]
