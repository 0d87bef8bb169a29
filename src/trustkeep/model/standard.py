"""The organisation's own PII standard: tiers, categories and what each tier allows."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from trustkeep.model.durations import Duration, parse_days

Form = Literal["plain", "token", "hash", "mask"]
Role = Literal["processor", "controller", "sub_processor"]
Identifier = str


def role_allowed(role: str, allowed: Collection[str]) -> bool:
    """Whether `role` is among `allowed` roles (`plain_to`, a purpose's `roles`).

    A sub-processor works for a processor under the same obligations (GDPR art. 28(4)),
    so what the standard allows a processor it allows a sub-processor too.
    """
    return role in allowed or (role == "sub_processor" and "processor" in allowed)


class Strict(BaseModel):
    """Every model refuses unknown keys, so a typo is an error, not a silent default."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Tier(Strict):
    at_rest: Literal["plain", "encrypt"] = "encrypt"
    share: list[Form | Literal["never"]] = Field(default_factory=list)
    plain_to: list[Role] | None = None
    max_retention: Duration | None = None
    transport: Literal["any", "encrypted"] = "any"
    # Most people who may access a system holding this tier (the data-map checker's
    # TK-ACCESS-001; the strictest tier defaults to 25 when unset).
    max_access: int | None = Field(default=None, ge=0)

    @property
    def max_retention_days(self) -> int | None:
        return parse_days(self.max_retention) if self.max_retention else None

    def allows(self, form: str) -> bool:
        return form in self.share and "never" not in self.share


class Combination(Strict):
    categories: list[str] = Field(min_length=2)
    tier: str


class Purpose(Strict):
    roles: list[Role] = Field(default_factory=list)
    needs: list[str] = Field(default_factory=list)


class Standard(Strict):
    tiers: dict[str, Tier] = Field(min_length=1)
    categories: dict[str, str] = Field(min_length=1)
    combinations: list[Combination] = Field(default_factory=list)
    purposes: dict[str, Purpose] = Field(default_factory=dict)
    countries: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _tiers_exist(self) -> Standard:
        for name in [*self.tiers, *self.categories, *self.purposes]:
            if not re.fullmatch(r"[a-z0-9]+([_-][a-z0-9]+)*", name):
                raise ValueError(f"{name!r} is not an id (lowercase words joined by - or _)")
        for category, tier in self.categories.items():
            if tier not in self.tiers:
                raise ValueError(f"category {category!r} names unknown tier {tier!r}")
        for combo in self.combinations:
            if combo.tier not in self.tiers:
                raise ValueError(f"a combination names unknown tier {combo.tier!r}")
        return self

    def tier_of(self, category: str) -> Tier:
        return self.tiers[self.categories[category]]

    def encrypted(self, category: str) -> bool:
        """Whether the vault must encrypt this category at rest (unknown ones: yes)."""
        if category not in self.categories:
            return True
        return self.tier_of(category).at_rest == "encrypt"
