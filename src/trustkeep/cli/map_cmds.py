"""`trustkeep map check | diagram | diff | blast | drift | rules`: the data map as code."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from trustkeep.cli.common import HomeOpt, JsonOpt, KeyringOpt, emit, out, settings, workspace
from trustkeep.clock import utc_now
from trustkeep.errors import EXIT_FINDINGS, InvalidInput
from trustkeep.map import RULES, SEVERITIES, Finding, MapIndex, check_model, rank
from trustkeep.map.blast import blast_radius
from trustkeep.map.diagram import dot, mermaid, picture, render_svg
from trustkeep.map.diff import diff_models
from trustkeep.map.drift import drift
from trustkeep.map.evidence import exports_made, sightings_by_partner
from trustkeep.map.locate import locate_ids
from trustkeep.map.sarif import to_sarif
from trustkeep.model import Model, load_model
from trustkeep.workspace.open import MODEL_FILE

map_app = typer.Typer(no_args_is_help=True)

FileArg = Annotated[
    Path | None,
    typer.Argument(
        help="The model (default: trustkeep.yaml of the workspace).", show_default=False
    ),
]
FailOpt = Annotated[
    str, typer.Option("--fail-on", help="Exit 1 on findings at or above: " + ", ".join(SEVERITIES))
]


def _today() -> date:
    return utc_now().date()


def _model_path(path: Path | None, home: Path | None) -> Path:
    return path if path is not None else settings(home, None).home / MODEL_FILE


def _severity(value: str) -> str:
    if value not in SEVERITIES:
        raise InvalidInput(f"--fail-on {value!r} is not a severity", hint=", ".join(SEVERITIES))
    return value


def _finding_table(findings: list[Finding], title: str) -> Table:
    table = Table("severity", "rule", "target", "finding", title=title, title_justify="left")
    for f in findings:
        table.add_row(f.severity, f.rule, f.target, f.message)
    return table


@map_app.command("check")
def check(
    path: FileArg = None,
    fail_on: FailOpt = "high",
    fmt: Annotated[str, typer.Option("--format", help="text, json or sarif.")] = "text",
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Judge the map against the standard: every rule, accepted risks applied."""
    fail_on = _severity(fail_on)
    if fmt not in ("text", "json", "sarif"):
        raise InvalidInput(f"--format {fmt!r} is not one of text, json, sarif")
    model_path = _model_path(path, home)
    model = load_model(model_path)
    report = check_model(model, _today())
    failing = report.at_or_above(fail_on)
    if fmt == "sarif":
        sarif = to_sarif(report, model_path, locate_ids(model_path))
        sys.stdout.write(json.dumps(sarif, indent=2) + "\n")
    else:
        body = {"model": str(model_path), "fail_on": fail_on, **report.as_dict()}

        def human() -> None:
            if report.findings:
                out.print(_finding_table(report.findings, f"{len(report.findings)} finding(s)"))
            else:
                out.print(f"{model_path}: no findings")
            if report.accepted:
                out.print(_finding_table(report.accepted, "accepted risks (silenced)"))
            for a in report.unused_acceptances:
                out.print(f"note: accepted risk {a.rule} on {a.target} matches no finding")

        emit(body, json_out or fmt == "json", human)
    if failing:
        raise typer.Exit(EXIT_FINDINGS)


@map_app.command("diagram")
def diagram(
    path: FileArg = None,
    as_mermaid: Annotated[bool, typer.Option("--mermaid", help="Mermaid text (default).")] = False,
    svg: Annotated[Path | None, typer.Option("--svg", help="Write an SVG here (Graphviz).")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Flows and boundaries, edges coloured by the highest tier, findings marked."""
    model = load_model(_model_path(path, home))
    today = _today()
    report = check_model(model, today)
    pic = picture(MapIndex.build(model, today), report.findings)
    if svg is not None:
        render_svg(dot(pic), svg)
        emit({"svg": str(svg)}, json_out, lambda: out.print(f"wrote {svg}"))
        if not as_mermaid:
            return
    text = mermaid(pic)
    if json_out:
        emit({"mermaid": text, **({"svg": str(svg)} if svg else {})}, True, lambda: None)
    else:
        sys.stdout.write(text)


@map_app.command("diff")
def diff(
    old: Annotated[Path, typer.Argument(help="The model before.")],
    new: Annotated[Path, typer.Argument(help="The model after.")],
    fail_on: FailOpt = "high",
    json_out: JsonOpt = False,
) -> None:
    """What changed, and the risk delta: new and resolved findings, new recipients."""
    fail_on = _severity(fail_on)
    result = diff_models(load_model(old), load_model(new), _today())

    def human() -> None:
        for kind, changes in result["changes"].items():
            if isinstance(changes, dict):
                for what, ids in changes.items():
                    if ids:
                        out.print(f"{kind} {what}: {', '.join(ids)}")
            elif changes:
                out.print("the standard changed")
        for label, key in (("new", "new_findings"), ("resolved", "resolved_findings")):
            for f in result[key]:
                out.print(
                    f"{label} finding: {f['severity']} {f['rule']} {f['target']}: {f['message']}"
                )
        for category, places in result["new_recipients"].items():
            out.print(f"{category} now also reaches: {', '.join(places)}")
        delta = ", ".join(f"{s} {n:+d}" for s, n in result["risk_delta"].items() if n)
        out.print(f"risk delta: {delta or 'none'}")

    emit(result, json_out, human)
    if any(rank(f["severity"]) >= rank(fail_on) for f in result["new_findings"]):
        raise typer.Exit(EXIT_FINDINGS)


@map_app.command("blast")
def blast(
    partner: Annotated[str, typer.Argument(help="The partner id.")],
    model_file: Annotated[
        Path | None, typer.Option("--model", help="Judge this model file, without a workspace.")
    ] = None,
    home: HomeOpt = None,
    keyring: KeyringOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """What a breach at this partner exposes: data, subjects, exports, contracts, chain."""
    made: list[dict[str, Any]] = []
    model: Model
    if model_file is not None:
        model = load_model(model_file)
    else:
        with workspace(home, keyring) as ws:
            model, made = ws.model, exports_made(ws)
    result = blast_radius(model, partner, made, _today())

    def human() -> None:
        out.print(f"A breach at {partner} ({result['role']}, {result['country'] or '?'}) exposes:")
        for category, info in result["categories"].items():
            out.print(f"  {category} ({info['tier']}) as {', '.join(info['forms'])}")
        subjects = result["subjects"]
        out.print(
            f"  subjects: {subjects['at_least']}..{subjects['at_most']} "
            f"from {len(result['exports'])} export(s)"
        )
        for c in result["contracts"]:
            state = "valid" if c["valid"] else "NOT valid"
            out.print(f"  contract {c['ref'] or '-'} of {c['partner']}: {state}")
        for d in result["downstream"]:
            out.print(f"  downstream: {d['partner']} ({d['role']}, {d['country'] or '?'})")

    emit(result, json_out, human)


@map_app.command("drift")
def drift_cmd(home: HomeOpt = None, keyring: KeyringOpt = None, json_out: JsonOpt = False) -> None:
    """Exports made along flows since changed or removed; sightings at partners with no flow."""
    with workspace(home, keyring) as ws:
        found = drift(ws.model, exports_made(ws), sightings_by_partner(ws), _today())

    def human() -> None:
        if found:
            out.print(_finding_table(found, f"{len(found)} drift finding(s)"))
        else:
            out.print("no drift")

    emit({"findings": [f.as_dict() for f in found]}, json_out, human)
    if found:
        raise typer.Exit(EXIT_FINDINGS)


@map_app.command("rules")
def rules(json_out: JsonOpt = False) -> None:
    """Every rule: id, severity, title (explanations in docs/rules/)."""
    listed = [
        {
            "id": r.id,
            "severity": r.severity,
            "target": r.target_kind,
            "title": r.title,
            "explanation": r.explanation,
            "fix": r.fix,
        }
        for r in (RULES[i] for i in sorted(RULES))
    ]

    def human() -> None:
        table = Table("rule", "severity", "target", "title")
        for r in listed:
            table.add_row(r["id"], r["severity"], r["target"], r["title"])
        out.print(table)

    emit({"rules": listed}, json_out, human)
