"""Loading validates against the published JSON Schema; nothing crashes the loader or checker."""

from __future__ import annotations

import copy
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mapmodels import TODAY, base, write

from trustkeep.errors import ModelError
from trustkeep.map import MapIndex, check_model
from trustkeep.map.diagram import dot, mermaid, picture
from trustkeep.map.locate import locate_ids
from trustkeep.map.sarif import to_sarif
from trustkeep.model import load_model

LOCATION = re.compile(r"\.yaml(:\d+)?: ")


def _error(path: Path) -> str:
    with pytest.raises(ModelError) as excinfo:
        load_model(path)
    assert excinfo.value.exit_code == 2
    return str(excinfo.value)


def test_unknown_key_in_a_flow_names_line_and_suggests(tmp_path: Path) -> None:
    data = base()
    data["flows"][1]["retension"] = "30d"
    path = write(tmp_path, data)
    message = _error(path)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "retension" in t)
    assert f"trustkeep.yaml:{line}: flows.1.retension: unknown key" in message
    assert "did you mean 'retention'?" in message


def test_wrong_type_names_what_is_expected(tmp_path: Path) -> None:
    data = base()
    data["systems"][0]["access_count"] = "many"
    message = _error(write(tmp_path, data))
    assert "systems.0.access_count: expected a whole number" in message
    assert "many" not in message  # values stay out of messages


def test_bad_form_lists_the_allowed_ones(tmp_path: Path) -> None:
    data = base()
    data["flows"][1]["categories"]["email"] = "clear"
    assert "must be one of plain, token, hash, mask" in _error(write(tmp_path, data))


def test_missing_key(tmp_path: Path) -> None:
    data = base()
    del data["flows"][1]["purpose"]
    assert "flows.1: missing key 'purpose'" in _error(write(tmp_path, data))


def test_errors_in_a_fragment_name_the_fragment(tmp_path: Path) -> None:
    data = base()
    partners = data.pop("partners")
    partners[1]["contrat"] = {"ref": "x"}
    data["include"] = ["partners.yaml"]
    (tmp_path / "partners.yaml").write_text(yaml.safe_dump({"partners": partners}, sort_keys=False))
    message = _error(write(tmp_path, data))
    text = (tmp_path / "partners.yaml").read_text().splitlines()
    line = next(i for i, t in enumerate(text, 1) if "contrat" in t)
    assert f"partners.yaml:{line}: partners.1.contrat: unknown key" in message
    assert "did you mean 'contract'?" in message


def test_unknown_reference_points_at_its_line(tmp_path: Path) -> None:
    data = base()
    data["flows"][1]["to"] = "nobody"
    path = write(tmp_path, data)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "nobody" in t)
    assert f"trustkeep.yaml:{line}:" in _error(path)


def test_the_loaded_model_matches(tmp_path: Path) -> None:
    model = load_model(write(tmp_path, base()))
    assert check_model(model, TODAY).findings == []


def _run_everything(path: Path) -> None:
    """Load; if valid, every consumer of the model must run without raising."""
    try:
        model = load_model(path)
    except ModelError as exc:
        assert LOCATION.search(str(exc) + " "), str(exc)
        return
    report = check_model(model, TODAY)
    index = MapIndex.build(model, TODAY)
    pic = picture(index, report.findings)
    mermaid(pic)
    dot(pic)
    to_sarif(report, path, locate_ids(path))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400))
def test_arbitrary_yaml_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "trustkeep.yaml"
    path.write_text(text, encoding="utf-8")
    _run_everything(path)


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.dates(),
    st.sampled_from(
        ["plain", "token", "esp", "vault", "30d", "personal", "processor", "crm", "US"]
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from([*base(), "junk"]), _values, max_size=6))
def test_arbitrary_structures(tmp_path: Path, data: dict[str, Any]) -> None:
    _run_everything(write(tmp_path, data))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _paths(item, (*prefix, i))
    return found


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.data())
def test_mutated_models(tmp_path: Path, choice: st.DataObject) -> None:
    """A sound model with one value replaced anywhere: an error with a line, or a report."""
    data = base()
    for _ in range(choice.draw(st.integers(1, 3))):
        paths = [p for p in _paths(data) if p]
        where = choice.draw(st.sampled_from(paths))
        parent: Any = data
        for part in where[:-1]:
            parent = parent[part]
        parent[where[-1]] = choice.draw(_values)
    _run_everything(write(tmp_path, copy.deepcopy(data)))


def test_dates_survive_the_schema(tmp_path: Path) -> None:
    data = base()
    data["accepted_risks"] = [
        {"rule": "TK-X-001", "target": "esp", "reason": "r", "expires": date(2030, 1, 1)}
    ]
    assert load_model(write(tmp_path, data)).accepted_risks[0].expires == date(2030, 1, 1)
