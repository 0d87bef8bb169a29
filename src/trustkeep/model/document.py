"""The whole `trustkeep.yaml` document (see docs/model.md; key names are binding).

Every section has a strict model: unknown keys are errors, ids are unique
across systems, partners and flows, and flows and sub-processors must name
places that exist.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from trustkeep.model.alerting import Alerting
from trustkeep.model.parties import (
    VAULT,
    AcceptedRisk,
    Boundary,
    Flow,
    Partner,
    System,
)
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
    guess_budget: int = Field(
        default=10_000_000,
        ge=1,
        description="guesses per domain a dictionary spammer is assumed to afford: a canary "
        "ranked within it is guessable, and a hit on it is weak evidence",
    )
    controls_min: int = Field(
        default=20, ge=1, description="control canaries kept per domain, at least"
    )
    controls_share: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="control canaries per domain as a share of its live canaries, if more",
    )


class Model(Strict):
    version: Literal[1]
    custodian: Custodian
    standard: Standard
    vault: VaultSettings = Field(default_factory=VaultSettings)
    boundaries: list[Boundary] = Field(default_factory=list)
    systems: list[System] = Field(default_factory=list)
    partners: list[Partner] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    canaries: CanarySettings = Field(default_factory=CanarySettings)
    accepted_risks: list[AcceptedRisk] = Field(default_factory=list)
    alerts: Alerting = Field(default_factory=Alerting)
    include: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Model:
        ids: dict[str, str] = {}
        for kind, items in (("system", self.systems), ("partner", self.partners),
                            ("flow", self.flows)):  # fmt: skip
            for item in items:
                if item.id in ids or item.id == VAULT:
                    raise ValueError(f"id {item.id!r} is used twice (ids are unique across "
                                     "systems, partners and flows)")  # fmt: skip
                ids[item.id] = kind
        places = {VAULT} | {i for i, k in ids.items() if k != "flow"}
        for flow in self.flows:
            for end in (flow.from_, flow.to):
                if end not in places:
                    raise ValueError(f"flow {flow.id!r} names unknown system or partner {end!r}")
        partners = {p.id for p in self.partners}
        for partner in self.partners:
            for sub in partner.sub_processors:
                if sub not in partners:
                    raise ValueError(f"partner {partner.id!r} names unknown sub-processor {sub!r}")
        return self

    def partner(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)

    def flow(self, flow_id: str) -> Flow | None:
        return next((f for f in self.flows if f.id == flow_id), None)

    @field_validator("include")
    @classmethod
    def _relative(cls, value: list[str]) -> list[str]:
        for item in value:
            if item.startswith("/") or ".." in item.split("/"):
                raise ValueError("include paths stay inside the model's folder")
        return value
