"""Run every rule on a model, then apply the accepted risks (`accepted_risks`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from trustkeep.map import rules_flows, rules_parties, rules_systems  # noqa: F401 - registers
from trustkeep.map.findings import RULES, SEVERITIES, Acceptance, Finding, merged, rank
from trustkeep.map.graph import MapIndex
from trustkeep.model import Model
from trustkeep.model.parties import AcceptedRisk


@dataclass(frozen=True)
class Report:
    """Findings that count, those an acceptance silences, and acceptances matching nothing."""

    findings: list[Finding]
    accepted: list[Finding]
    unused_acceptances: list[AcceptedRisk] = field(default_factory=list)

    def at_or_above(self, severity: str) -> list[Finding]:
        return [f for f in self.findings if rank(f.severity) >= rank(severity)]

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {s: 0 for s in SEVERITIES}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def as_dict(self) -> dict[str, object]:
        return {
            "findings": [f.as_dict() for f in self.findings],
            "accepted": [f.as_dict() for f in self.accepted],
            "unused_acceptances": [
                {"rule": a.rule, "target": a.target, "expires": a.expires.isoformat()}
                for a in self.unused_acceptances
            ],
            "summary": self.summary(),
        }


def raw_findings(model: Model, today: date) -> list[Finding]:
    """Every rule's findings, most severe first, then by rule and target."""
    index = MapIndex.build(model, today)
    found: list[Finding] = []
    for rule_ in RULES.values():
        found.extend(merged(rule_, rule_.check(index)))
    found.sort(key=lambda f: (-rank(f.severity), f.rule, f.target))
    return found


def check_model(model: Model, today: date) -> Report:
    """The rules' findings with accepted risks applied as of `today`.

    An acceptance silences a finding (same rule, same target) until it expires
    (inclusive); after that the finding counts again and says so.
    """
    acceptances = {(a.rule, a.target): a for a in model.accepted_risks}
    used: set[tuple[str, str]] = set()
    counted: list[Finding] = []
    silenced: list[Finding] = []
    for finding in raw_findings(model, today):
        accepted = acceptances.get((finding.rule, finding.target))
        if accepted is None:
            counted.append(finding)
            continue
        used.add((finding.rule, finding.target))
        expired = accepted.expires < today
        acceptance = Acceptance(accepted.reason, accepted.expires.isoformat(), expired)
        if expired:
            note = f" (accepted until {accepted.expires}: the acceptance expired, so it counts)"
            counted.append(replace(finding, message=finding.message + note, acceptance=acceptance))
        else:
            silenced.append(replace(finding, acceptance=acceptance))
    unused = [a for key, a in acceptances.items() if key not in used]
    return Report(counted, silenced, unused)
