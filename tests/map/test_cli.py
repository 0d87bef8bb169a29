"""`trustkeep map ...` through the real CLI: exit codes, JSON, SARIF, diagram, diff."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from mapmodels import base, flow, write

from trustkeep.cli.app import run
from trustkeep.map import RULES

SARIF_LEVELS = {"error", "warning", "note", "none"}


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = run(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _today() -> datetime:
    return datetime.now(UTC)


def _weak(tmp_path: Path, name: str = "trustkeep.yaml") -> Path:
    data = base()
    flow(data, "vault-to-esp")["retention"] = "400d"  # TK-RET-001, high
    flow(data, "vault-to-esp")["deletion"] = None  # TK-DEL-001, medium
    return write(tmp_path, data, name)


def test_clean_model_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "map", "check", str(write(tmp_path, base())), "--json")
    assert code == 0
    body = json.loads(out)
    assert body["findings"] == [] and body["summary"]["high"] == 0


def test_findings_exit_1_with_rule_and_target(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _cli(capsys, "map", "check", str(_weak(tmp_path)), "--json")
    assert code == 1
    found = {(f["rule"], f["target"]) for f in json.loads(out)["findings"]}
    assert found == {("TK-RET-001", "vault-to-esp"), ("TK-DEL-001", "vault-to-esp")}


@pytest.mark.parametrize(("fail_on", "code"), [("critical", 0), ("high", 1), ("info", 1)])
def test_fail_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str, code: int
) -> None:
    assert _cli(capsys, "map", "check", str(_weak(tmp_path)), "--fail-on", fail_on)[0] == code


def test_fail_on_medium_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = base()
    flow(data, "vault-to-esp")["deletion"] = None
    path = write(tmp_path, data)
    assert _cli(capsys, "map", "check", str(path))[0] == 0
    assert _cli(capsys, "map", "check", str(path), "--fail-on", "medium")[0] == 1


def test_bad_fail_on_and_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(write(tmp_path, base()))
    assert _cli(capsys, "map", "check", path, "--fail-on", "severe")[0] == 2
    assert _cli(capsys, "map", "check", path, "--format", "xml")[0] == 2


def test_invalid_model_exits_2_with_location(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "trustkeep.yaml"
    path.write_text("version: 1\ncustodian: {id: a, name: A}\nstandrd: {}\n")
    code, out, err = _cli(capsys, "map", "check", str(path), "--json")
    assert code == 2
    assert json.loads(out)["error"]["code"] == "model"
    assert "trustkeep.yaml:3: standrd: unknown key (did you mean 'standard'?)" in err


def test_accepted_risk_active_then_expired(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = base()
    flow(data, "vault-to-esp")["retention"] = "400d"
    risk = {"rule": "TK-RET-001", "target": "vault-to-esp", "reason": "until the migration"}
    data["accepted_risks"] = [{**risk, "expires": (_today() + timedelta(days=30)).date()}]
    code, out, _ = _cli(capsys, "map", "check", str(write(tmp_path, data)), "--json")
    body = json.loads(out)
    assert code == 0 and body["findings"] == []
    assert body["accepted"][0]["acceptance"]["reason"] == "until the migration"
    data["accepted_risks"] = [{**risk, "expires": (_today() - timedelta(days=1)).date()}]
    code, out, _ = _cli(capsys, "map", "check", str(write(tmp_path, data)), "--json")
    [finding] = json.loads(out)["findings"]
    assert code == 1
    assert finding["acceptance"]["expired"] is True and "expired" in finding["message"]


def _check_sarif(log: dict[str, Any]) -> None:
    """The required structure of SARIF 2.1.0 (sarif-schema-2.1.0.json, required keys)."""
    assert log["version"] == "2.1.0" and "sarif-2.1.0" in log["$schema"]
    assert isinstance(log["runs"], list) and log["runs"]
    for run_ in log["runs"]:
        driver = run_["tool"]["driver"]
        assert isinstance(driver["name"], str)
        ids = [r["id"] for r in driver["rules"]]
        assert len(ids) == len(set(ids))
        for rule in driver["rules"]:
            assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
            assert rule["defaultConfiguration"]["level"] in SARIF_LEVELS
        for result in run_["results"]:
            assert result["message"]["text"]
            assert result["level"] in SARIF_LEVELS
            assert ids[result["ruleIndex"]] == result["ruleId"]
            for location in result["locations"]:
                physical = location["physicalLocation"]
                assert physical["artifactLocation"]["uri"]
                assert physical["region"]["startLine"] >= 1
            for suppression in result.get("suppressions", []):
                assert suppression["kind"] in {"inSource", "external"}


def test_sarif(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _weak(tmp_path)
    code, out, _ = _cli(capsys, "map", "check", str(path), "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    _check_sarif(log)
    results = log["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"TK-RET-001", "TK-DEL-001"}
    assert len(log["runs"][0]["tool"]["driver"]["rules"]) == len(RULES)
    line = next(
        i for i, t in enumerate(path.read_text().splitlines(), 1) if "id: vault-to-esp" in t
    )
    assert results[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == line
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "trustkeep.yaml"
    )


def test_default_file_is_the_workspace_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "ws"
    home.mkdir()
    _weak(home)
    code, out, _ = _cli(capsys, "map", "check", "--home", str(home), "--json")
    assert code == 1 and json.loads(out)["findings"]


def test_diagram_mermaid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "map", "diagram", str(_weak(tmp_path)), "--mermaid")
    assert code == 0
    assert out.startswith("flowchart LR")
    assert "⚠ vault-to-esp" in out  # the flow with findings is marked
    assert "subgraph" in out and "-.->" in out  # a boundary, a sub-processor link
    assert "stroke:#f9a825" in out  # coloured by its highest tier (personal)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_diagram_svg(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_path = tmp_path / "map.svg"
    code, out, _ = _cli(
        capsys, "map", "diagram", str(_weak(tmp_path)), "--svg", str(out_path), "--json"
    )
    assert code == 0 and json.loads(out)["svg"] == str(out_path)
    svg = out_path.read_text()
    assert "<svg" in svg and "⚠ vault&#45;to&#45;esp" in svg and "#f9a825" in svg


def test_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = write(tmp_path, base(), "old.yaml")
    data = base()
    data["partners"].append(
        {
            "id": "ads",
            "role": "processor",
            "country": "US",
            "contract": {"ref": "A", "expires": "2099-01-01"},
        }
    )
    data["flows"].append(
        {
            "id": "vault-to-ads",
            "from": "vault",
            "to": "ads",
            "purpose": "email_marketing",
            "categories": {"email": "token"},
            "transport": {"encrypted": True},
            "retention": "400d",
            "deletion": "api",
        }
    )
    new = write(tmp_path, data, "new.yaml")
    code, out, _ = _cli(capsys, "map", "diff", str(old), str(new), "--json")
    body = json.loads(out)
    assert code == 1
    assert body["changes"]["flows"]["added"] == ["vault-to-ads"]
    assert body["changes"]["partners"]["added"] == ["ads"]
    assert body["new_recipients"] == {"email": ["ads"]}
    assert {(f["rule"], f["target"]) for f in body["new_findings"]} >= {
        ("TK-RET-001", "vault-to-ads"),
        ("TK-CANARY-001", "vault-to-ads"),
    }
    assert body["risk_delta"]["high"] == 1 and body["resolved_findings"] == []
    code, _, _ = _cli(capsys, "map", "diff", str(new), str(old), "--json")
    assert code == 0  # going back only resolves findings


def test_blast_without_workspace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, base())
    code, out, _ = _cli(capsys, "map", "blast", "deliv", "--model", str(path), "--json")
    body = json.loads(out)
    assert code == 0
    assert body["categories"]["email"] == {"forms": ["plain"], "tier": "personal"}
    assert body["reached_through"] == ["esp"]
    assert [c["partner"] for c in body["contracts"]] == ["deliv", "esp"]
    code, _, err = _cli(capsys, "map", "blast", "nobody", "--model", str(path))
    assert code == 2 and "no partner 'nobody'" in err


def test_rules_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "map", "rules", "--json")
    assert code == 0 and {r["id"] for r in json.loads(out)["rules"]} == set(RULES)
