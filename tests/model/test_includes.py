"""`include:` fragments: merged lists, inside the model's folder only, no loops."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustkeep.errors import ModelError
from trustkeep.model import load_model

BASE = """version: 1
custodian: {id: northwind, name: Northwind}
standard:
  tiers: {personal: {at_rest: encrypt, share: [plain]}}
  categories: {email: personal}
"""
PARTNER = """partners:
  - {id: esp, name: Relay, role: processor, contract: {ref: D1, expires: 2030-01-01}}
"""


def test_fragment_partners_are_merged(tmp_path: Path) -> None:
    (tmp_path / "partners").mkdir()
    (tmp_path / "partners" / "esp.yaml").write_text(PARTNER)
    (tmp_path / "m.yaml").write_text(BASE + "include: [partners/esp.yaml]\n")
    model = load_model(tmp_path / "m.yaml")
    assert [p.id for p in model.partners] == ["esp"]


def test_include_outside_folder_is_refused(tmp_path: Path) -> None:
    inner = tmp_path / "model"
    inner.mkdir()
    (tmp_path / "evil.yaml").write_text(PARTNER)
    (inner / "m.yaml").write_text(BASE + "include: [../evil.yaml]\n")
    with pytest.raises(ModelError, match="outside the model's folder"):
        load_model(inner / "m.yaml")


def test_include_loop_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("include: [b.yaml]\n")
    (tmp_path / "b.yaml").write_text("include: [a.yaml]\n")
    (tmp_path / "m.yaml").write_text(BASE + "include: [a.yaml]\n")
    with pytest.raises(ModelError, match="twice"):
        load_model(tmp_path / "m.yaml")


def test_fragment_may_not_replace_the_standard(tmp_path: Path) -> None:
    (tmp_path / "f.yaml").write_text("standard: {}\n")
    (tmp_path / "m.yaml").write_text(BASE + "include: [f.yaml]\n")
    with pytest.raises(ModelError, match="may only add"):
        load_model(tmp_path / "m.yaml")


def test_flow_to_unknown_partner_is_refused(tmp_path: Path) -> None:
    flow = "flows:\n  - {id: f1, from: vault, to: ghost, purpose: x, categories: {email: plain}}\n"
    (tmp_path / "m.yaml").write_text(BASE + flow)
    with pytest.raises(ModelError, match="unknown system or partner 'ghost'"):
        load_model(tmp_path / "m.yaml")


def test_an_id_repeated_in_a_fragment_points_at_the_repeat(tmp_path: Path) -> None:
    flow = "flows:\n  - {id: f1, from: vault, to: esp, purpose: x, categories: {email: plain}}\n"
    (tmp_path / "f.yaml").write_text("# the same partner again\n" + PARTNER)
    (tmp_path / "m.yaml").write_text(BASE + PARTNER + flow + "include: [f.yaml]\n")
    with pytest.raises(ModelError, match=r"f\.yaml:3: .*'esp' is used twice"):
        load_model(tmp_path / "m.yaml")
