"""The `alerts:` section of trustkeep.yaml: deduplication and where alerts are pushed.

Secrets (Slack URLs, HMAC keys, SMTP passwords) are never written here: outputs
name the environment variable that holds them (`*_env`).
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator, model_validator

from trustkeep.model.durations import Duration, parse_days
from trustkeep.model.standard import Strict

ID_PATTERN = r"^[a-z0-9]+([_-][a-z0-9]+)*$"
ENV_PATTERN = r"^[A-Z_][A-Z0-9_]*$"
Event = Literal["raised", "updated", "resolved"]
ALL_EVENTS: list[Event] = ["raised", "updated", "resolved"]


def _http_url(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise ValueError("must not carry credentials (user:password@)")
    return value


class _Output(Strict):
    id: str = Field(pattern=ID_PATTERN)
    events: list[Event] = Field(default_factory=lambda: list(ALL_EVENTS), min_length=1)
    timeout: float = Field(default=10.0, gt=0, le=60, description="seconds per attempt")


class _HttpOutput(_Output):
    url: str | None = None
    url_env: str | None = Field(default=None, pattern=ENV_PATTERN)
    allow_private: bool = Field(
        default=False, description="allow loopback, private and link-local targets"
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return _http_url(value)


class WebhookOutput(_HttpOutput):
    """Generic JSON POST, signed with HMAC-SHA256 when `secret_env` is set."""

    kind: Literal["webhook"]
    secret_env: str | None = Field(default=None, pattern=ENV_PATTERN)

    @model_validator(mode="after")
    def _one_url(self) -> WebhookOutput:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url or url_env")
        return self


class SlackOutput(_HttpOutput):
    """Slack-style incoming webhook; its URL is a secret, so only `url_env` is accepted."""

    kind: Literal["slack"]

    @model_validator(mode="after")
    def _env_only(self) -> SlackOutput:
        if self.url is not None or self.url_env is None:
            raise ValueError("a Slack webhook URL is a secret: name it with url_env, not url")
        return self


class EmailOutput(_Output):
    """Plain-text mail through an SMTP relay (`host:port`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    kind: Literal["email"]
    to: list[str] = Field(min_length=1)
    smtp: str = "127.0.0.1:25"
    from_: str = Field(alias="from")
    starttls: bool = False
    username_env: str | None = Field(default=None, pattern=ENV_PATTERN)
    password_env: str | None = Field(default=None, pattern=ENV_PATTERN)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for item in value:
            _address(item)
        return value

    @field_validator("from_")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _address(value)

    @field_validator("smtp")
    @classmethod
    def _relay(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("smtp is host:port, e.g. 127.0.0.1:25")
        return value

    @model_validator(mode="after")
    def _login_over_tls(self) -> EmailOutput:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both username_env and password_env, or neither")
        if self.username_env and not self.starttls:
            raise ValueError("SMTP login needs starttls: true (never send a password in clear)")
        return self

    @property
    def relay(self) -> tuple[str, int]:
        host, _, port = self.smtp.rpartition(":")
        return host.strip("[]"), int(port)


def _address(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or any(c in value for c in "\r\n<>,; "):
        raise ValueError("is not an email address")
    return value


Output = Annotated[WebhookOutput | SlackOutput | EmailOutput, Field(discriminator="kind")]


class Alerting(Strict):
    """Alert deduplication and the outputs every alert event is pushed to."""

    dedup_window: Duration = "1d"
    console_url: str | None = None
    max_attempts: int = Field(default=8, ge=1, le=50)
    outputs: list[Output] = Field(default_factory=list)
    suspect_likelihood: float = Field(
        default=1.5,
        ge=0,
        description="log10 likelihood ratio from which canary mail raises a `suspected` alert",
    )
    leak_likelihood: float = Field(
        default=3.0,
        ge=0,
        description="log10 likelihood ratio, from unguessable canaries alone, for a `leak`",
    )
    notify_suspected: bool = Field(
        default=True, description="push `suspected` alerts to the outputs (at a lower severity)"
    )

    @field_validator("console_url")
    @classmethod
    def _console(cls, value: str | None) -> str | None:
        return _http_url(value)

    @model_validator(mode="after")
    def _unique(self) -> Alerting:
        seen: set[str] = set()
        for output in self.outputs:
            if output.id in seen:
                raise ValueError(f"alert output id {output.id!r} is used twice")
            seen.add(output.id)
        return self

    @model_validator(mode="after")
    def _ordered(self) -> Alerting:
        if self.suspect_likelihood > self.leak_likelihood:
            raise ValueError("suspect_likelihood must not exceed leak_likelihood")
        return self

    @property
    def dedup_days(self) -> int:
        return parse_days(self.dedup_window)

    def output(self, output_id: str) -> WebhookOutput | SlackOutput | EmailOutput | None:
        return next((o for o in self.outputs if o.id == output_id), None)
