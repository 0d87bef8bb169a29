"""Boundaries, systems, partners and flows of trustkeep.yaml (MODEL.md; key names binding)."""

from __future__ import annotations

import ipaddress
from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from trustkeep.model.durations import Duration, parse_days
from trustkeep.model.standard import Form, Role, Strict

ID_PATTERN = r"^[a-z0-9]+([_-][a-z0-9]+)*$"
VAULT = "vault"


class Boundary(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: str = "network"
    name: str | None = None


class System(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str | None = None
    kind: str | None = None
    owner: str | None = None
    boundary: str | None = None
    holds: list[str] = Field(default_factory=list)
    at_rest: Literal["plain", "encrypt"] | None = None
    access_count: int | None = Field(default=None, ge=0)
    country: str | None = None


class Contract(Strict):
    ref: str | None = None
    expires: date | None = None


class Senders(Strict):
    """Who may legitimately mail addresses this partner holds."""

    ips: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    dkim: list[str] = Field(default_factory=list)

    @field_validator("ips")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network") from None
        return value


class Partner(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str | None = None
    role: Role
    country: str | None = None
    contract: Contract | None = None
    retention: Duration | None = None
    senders: Senders | None = None
    sub_processors: list[str] = Field(default_factory=list)
    boundary: str | None = None

    def contract_valid_on(self, day: date) -> bool:
        return bool(self.contract and self.contract.expires and self.contract.expires >= day)


class Transport(Strict):
    protocol: str | None = None
    encrypted: bool = False


class FlowCanaries(Strict):
    probability: float | None = Field(default=None, gt=0, lt=1)
    leak_fraction: float | None = Field(default=None, gt=0, le=1)
    max_share: float | None = Field(default=None, gt=0, le=1)
    enabled: bool = True


class Flow(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=ID_PATTERN)
    from_: str = Field(alias="from")
    to: str
    purpose: str
    categories: dict[str, Form] = Field(min_length=1)
    transport: Transport | None = None
    frequency: str | None = None
    volume: int | None = Field(default=None, ge=0)
    retention: Duration | None = None
    deletion: str | None = None
    canaries: FlowCanaries | None = None

    @property
    def retention_days(self) -> int | None:
        return parse_days(self.retention) if self.retention else None


class AcceptedRisk(Strict):
    rule: str
    target: str
    reason: str
    expires: date
