"""One function per output kind; each delivers a payload or raises DeliveryFailed.

Secrets come from the environment at send time and never appear in a reason:
reasons are stored in the outbox, logged and shown in the console.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from typing import Any

from trustkeep.model.alerting import EmailOutput, Output, SlackOutput, WebhookOutput
from trustkeep.notify.errors import DeliveryFailed
from trustkeep.notify.payload import (
    SIGNATURE_HEADER,
    email_message,
    json_body,
    signature,
    slack_body,
)
from trustkeep.notify.ssrf import Resolver, check_url, post, system_resolver

Environ = Mapping[str, str]
RETRYABLE_4XX = {408, 425, 429}


def _env(environ: Environ, name: str, what: str) -> str:
    value = environ.get(name)
    if not value:
        raise DeliveryFailed(f"{what}: environment variable {name} is not set")
    return value


def _url(output: WebhookOutput | SlackOutput, environ: Environ) -> str:
    if output.url is not None:
        return output.url
    assert output.url_env is not None  # the model requires one of url and url_env
    return _env(environ, output.url_env, "webhook URL")


def _post(
    output: WebhookOutput | SlackOutput,
    body: bytes,
    headers: Mapping[str, str],
    environ: Environ,
    resolver: Resolver,
) -> None:
    target = check_url(_url(output, environ), allow_private=output.allow_private, resolver=resolver)
    response = post(target, body, headers, timeout=output.timeout)
    if 200 <= response.status < 300:
        return
    if 300 <= response.status < 400:
        raise DeliveryFailed(f"the webhook answered a redirect ({response.status}); "
                             "redirects are not followed", retry=False)  # fmt: skip
    retry = response.status >= 500 or response.status in RETRYABLE_4XX
    raise DeliveryFailed(f"the webhook answered HTTP {response.status}", retry=retry)


def send_webhook(
    output: WebhookOutput,
    payload: Mapping[str, Any],
    *,
    environ: Environ = os.environ,
    resolver: Resolver = system_resolver,
) -> None:
    """POST the generic JSON document, signed when the output names a secret."""
    body = json_body(payload)
    headers = {"X-Trustkeep-Event": str(payload.get("event", ""))}
    if output.secret_env:
        secret = _env(environ, output.secret_env, "webhook secret")
        headers[SIGNATURE_HEADER] = signature(secret.encode(), body)
    _post(output, body, headers, environ, resolver)


def send_slack(
    output: SlackOutput,
    payload: Mapping[str, Any],
    *,
    environ: Environ = os.environ,
    resolver: Resolver = system_resolver,
) -> None:
    """POST a Slack-style message to the incoming-webhook URL named by `url_env`."""
    _post(output, slack_body(payload), {}, environ, resolver)


def send_email(
    output: EmailOutput, payload: Mapping[str, Any], *, environ: Environ = os.environ
) -> None:
    """Send the alert as plain-text mail through the configured SMTP relay."""
    message = email_message(payload, output.from_, output.to)
    host, port = output.relay
    try:
        with smtplib.SMTP(host, port, timeout=output.timeout) as smtp:
            if output.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if output.username_env and output.password_env:
                smtp.login(
                    _env(environ, output.username_env, "SMTP user"),
                    _env(environ, output.password_env, "SMTP password"),
                )
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise DeliveryFailed("the SMTP relay refused the login") from None
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryFailed("the SMTP relay refused every recipient", retry=False) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(
            f"the SMTP relay answered {exc.smtp_code}", retry=exc.smtp_code < 500
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryFailed("the SMTP relay does not support STARTTLS or login") from None
    except TimeoutError:
        raise DeliveryFailed("the SMTP relay did not answer in time") from None
    except ssl.SSLError:
        raise DeliveryFailed("TLS with the SMTP relay failed") from None
    except (smtplib.SMTPException, OSError):
        raise DeliveryFailed("cannot talk to the SMTP relay") from None


def deliver(
    output: Output,
    payload: Mapping[str, Any],
    *,
    environ: Environ = os.environ,
    resolver: Resolver = system_resolver,
) -> None:
    """Deliver `payload` to one output of any kind."""
    if isinstance(output, WebhookOutput):
        send_webhook(output, payload, environ=environ, resolver=resolver)
    elif isinstance(output, SlackOutput):
        send_slack(output, payload, environ=environ, resolver=resolver)
    else:
        send_email(output, payload, environ=environ)
