"""The whole `trustkeep.yaml` document (see docs/model.md; key names are binding).

This issue's capabilities read `custodian`, `standard`, `vault` and `canaries`;
systems, partners and flows are kept as written for the data-map and export
capabilities, which give them their own models.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from trustkeep.model.standard import Standard, Strict

ID_PATTERN = r"^[a-z0-9]+([_-][a-z0-9]+)*$"


class Custodian(Strict):
    id: str = Field(pattern=ID_PATTERN)
    name: str = Field(min_length=1)
    sending_domains: list[str] = Field(default_factory=list)


class VaultSettings(Strict):
    expected_subjects: int = Field(default=1_000_000, ge=1)
    blind_index_bits: int | None = Field(default=None, ge=1, le=32)


class CanarySettings(Strict):
    domains: list[str] = Field(default_factory=list)
    probability: float = Field(default=0.99, gt=0, lt=1)
    leak_fraction: float = Field(default=0.01, gt=0, le=1)
    max_share: float = Field(default=0.02, gt=0, le=1)


class Model(Strict):
    version: Literal[1]
    custodian: Custodian
    standard: Standard
    vault: VaultSettings = Field(default_factory=VaultSettings)
    boundaries: list[dict[str, Any]] = Field(default_factory=list)
    systems: list[dict[str, Any]] = Field(default_factory=list)
    partners: list[dict[str, Any]] = Field(default_factory=list)
    flows: list[dict[str, Any]] = Field(default_factory=list)
    canaries: CanarySettings = Field(default_factory=CanarySettings)
    accepted_risks: list[dict[str, Any]] = Field(default_factory=list)
    include: list[str] = Field(default_factory=list)

    @field_validator("include")
    @classmethod
    def _relative(cls, value: list[str]) -> list[str]:
        for item in value:
            if item.startswith("/") or ".." in item.split("/"):
                raise ValueError("include paths stay inside the model's folder")
        return value
