"""Rules and findings: the vocabulary of the data-map checker."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from trustkeep.map.graph import MapIndex

Severity = Literal["info", "low", "medium", "high", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "low", "medium", "high", "critical")
TargetKind = Literal["flow", "partner", "system", "tier", "workspace"]


def rank(severity: str) -> int:
    """Order of a severity: info 0 … critical 4."""
    return [str(s) for s in SEVERITIES].index(severity)


@dataclass(frozen=True)
class Hit:
    """What a rule function yields: a target and what is wrong there."""

    target: str
    message: str
    kind: TargetKind | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    target_kind: TargetKind
    title: str
    explanation: str
    fix: str
    check: Callable[[MapIndex], Iterable[Hit]] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Acceptance:
    reason: str
    expires: str
    expired: bool


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    target: str
    target_kind: TargetKind
    title: str
    message: str
    fix: str
    acceptance: Acceptance | None = None

    @property
    def accepted(self) -> bool:
        return self.acceptance is not None and not self.acceptance.expired

    def as_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "rule": self.rule,
            "severity": self.severity,
            "target": self.target,
            "target_kind": self.target_kind,
            "title": self.title,
            "message": self.message,
            "fix": self.fix,
        }
        if self.acceptance is not None:
            body["acceptance"] = {
                "reason": self.acceptance.reason,
                "expires": self.acceptance.expires,
                "expired": self.acceptance.expired,
            }
        return body


RULES: dict[str, Rule] = {}


def rule(
    rule_id: str,
    severity: Severity,
    target_kind: TargetKind,
    title: str,
    explanation: str,
    fix: str,
) -> Callable[[Callable[[MapIndex], Iterable[Hit]]], Callable[[MapIndex], Iterable[Hit]]]:
    """Register a rule function under a stable id (`TK-<AREA>-<NNN>`)."""

    def register(fn: Callable[[MapIndex], Iterable[Hit]]) -> Callable[[MapIndex], Iterable[Hit]]:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} registered twice")
        RULES[rule_id] = Rule(rule_id, severity, target_kind, title, explanation, fix, fn)
        return fn

    return register


def merged(rule_: Rule, hits: Iterable[Hit]) -> Iterator[Finding]:
    """One finding per target: several problems of one rule at one place read as one."""
    by_target: dict[tuple[str, TargetKind], list[str]] = {}
    for hit in hits:
        messages = by_target.setdefault((hit.target, hit.kind or rule_.target_kind), [])
        if hit.message not in messages:
            messages.append(hit.message)
    for (target, kind), messages in by_target.items():
        yield Finding(
            rule_.id, rule_.severity, target, kind, rule_.title, "; ".join(messages), rule_.fix
        )
