"""Loading trustkeep.yaml: the template loads, errors name file, line and reason."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import trustkeep
from trustkeep.errors import ModelError
from trustkeep.model import Model, load_model
from trustkeep.model.durations import parse_days

TEMPLATE = Path(trustkeep.__file__).parent / "workspace" / "template.yaml"


def _template_text() -> str:
    return (
        TEMPLATE.read_text(encoding="utf-8")
        .replace("{custodian_id}", "acme-shop")
        .replace("{custodian_name}", "Acme Shop")
    )


def _write(tmp_path: Path, text: str, name: str = "trustkeep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    """1-based line number of the first line containing `needle`."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in text")


def _insert_after(text: str, anchor: str, new_line: str) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if anchor in line)
    lines.insert(index + 1, new_line)
    return "\n".join(lines) + "\n"


# -- the template ------------------------------------------------------------------


def test_template_has_placeholders() -> None:
    raw = TEMPLATE.read_text(encoding="utf-8")
    assert "{custodian_id}" in raw
    assert "{custodian_name}" in raw


def test_template_loads(tmp_path: Path) -> None:
    model = load_model(_write(tmp_path, _template_text()))
    assert isinstance(model, Model)
    assert model.version == 1
    assert model.custodian.id == "acme-shop"
    assert model.custodian.name == "Acme Shop"
    standard = model.standard
    assert set(standard.tiers) == {"public", "personal", "sensitive"}
    assert standard.categories["email"] == "personal"
    assert standard.encrypted("email")
    assert not standard.encrypted("loyalty_tier")
    assert standard.encrypted("not_a_category")  # unknown categories: encrypted
    assert standard.tiers["personal"].max_retention_days == 365
    assert standard.tiers["sensitive"].max_retention_days == 90
    assert standard.tiers["public"].max_retention_days is None
    assert standard.tiers["personal"].allows("plain")
    assert not standard.tiers["sensitive"].allows("plain")
    assert model.vault.expected_subjects == 1_000_000
    assert model.canaries.probability == pytest.approx(0.99)


# -- unknown keys --------------------------------------------------------------------


def test_unknown_top_level_key(tmp_path: Path) -> None:
    text = _template_text().replace("boundaries: []", "boundaries: []\nboundries: []")
    path = _write(tmp_path, text, name="my-model.yaml")
    with pytest.raises(ModelError) as excinfo:
        load_model(path)
    message = str(excinfo.value)
    assert "my-model.yaml" in message
    assert f":{_line_of(text, 'boundries:')}:" in message
    assert "unknown key" in message
    assert "boundries" in message
    assert excinfo.value.exit_code == 2


def test_unknown_nested_key(tmp_path: Path) -> None:
    text = _insert_after(_template_text(), "max_retention: 365d", "      max_retension: 30d")
    path = _write(tmp_path, text)
    line = _line_of(text, "max_retension")
    assert line == _line_of(text, "max_retention: 365d") + 1
    with pytest.raises(ModelError) as excinfo:
        load_model(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert f"{path.name}:{line}:" in message
    assert "unknown key" in message
    assert "standard.tiers.personal.max_retension" in message


def test_unknown_key_in_custodian(tmp_path: Path) -> None:
    text = _insert_after(_template_text(), "name: Acme Shop", "  owner: someone")
    with pytest.raises(ModelError) as excinfo:
        load_model(_write(tmp_path, text))
    assert f":{_line_of(text, 'owner: someone')}:" in str(excinfo.value)
    assert "unknown key" in str(excinfo.value)


# -- invalid YAML, invalid values ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("version: 1\ncustodian: {id: x, name: [unclosed\nstandard: {}\n", 3),
        ("version: 1\ncustodian:\n  id: x\n   name: y\n", 4),
        ("version: 1\nkey: 'unterminated\n", 3),
        ("version: 1\n\tcustodian: {}\n", 2),
    ],
)
def test_invalid_yaml_names_a_line(tmp_path: Path, text: str, line: int) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ModelError) as excinfo:
        load_model(path)
    assert f"{path}:{line}:" in str(excinfo.value)


def test_invalid_yaml_in_the_template(tmp_path: Path) -> None:
    text = _template_text().replace("  countries: [US, CA", "  countries: [US, CA, {")
    path = _write(tmp_path, text)
    with pytest.raises(ModelError) as excinfo:
        load_model(path)
    assert str(path) in str(excinfo.value)
    assert excinfo.value.exit_code == 2


def test_category_with_unknown_tier(tmp_path: Path) -> None:
    text = _template_text().replace("birth_date: sensitive", "birth_date: secret")
    with pytest.raises(ModelError) as excinfo:
        load_model(_write(tmp_path, text))
    message = str(excinfo.value)
    assert "birth_date" in message
    assert "secret" in message
    assert "unknown tier" in message
    assert f":{_line_of(text, 'standard:')}:" in message


def test_combination_with_unknown_tier(tmp_path: Path) -> None:
    text = _template_text().replace(
        "{categories: [email, purchase_history], tier: sensitive}",
        "{categories: [email, purchase_history], tier: toxic}",
    )
    with pytest.raises(ModelError) as excinfo:
        load_model(_write(tmp_path, text))
    assert "unknown tier" in str(excinfo.value)
    assert "toxic" in str(excinfo.value)


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "- a\n- b\n", "just text\n", "42\n", "null\n"],
)
def test_not_a_mapping(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ModelError) as excinfo:
        load_model(path)
    assert f"{path}:1:" in str(excinfo.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError) as excinfo:
        load_model(tmp_path / "absent.yaml")
    assert "absent.yaml" in str(excinfo.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "trustkeep.yaml"
    path.write_bytes(b"version: 1\nname: \xff\xfe\n")
    with pytest.raises(ModelError) as excinfo:
        load_model(path)
    assert "UTF-8" in str(excinfo.value)


def test_wrong_version(tmp_path: Path) -> None:
    text = _template_text().replace("version: 1", "version: 2")
    with pytest.raises(ModelError) as excinfo:
        load_model(_write(tmp_path, text))
    assert f":{_line_of(text, 'version: 2')}: version:" in str(excinfo.value)


def test_invalid_custodian_id(tmp_path: Path) -> None:
    text = _template_text().replace("id: acme-shop", "id: Acme Shop!")
    with pytest.raises(ModelError) as excinfo:
        load_model(_write(tmp_path, text))
    assert "custodian.id" in str(excinfo.value)
    assert f":{_line_of(text, 'id: Acme Shop!')}:" in str(excinfo.value)


def test_include_outside_the_folder(tmp_path: Path) -> None:
    text = _template_text() + "include: [../elsewhere.yaml]\n"
    with pytest.raises(ModelError) as excinfo:
        load_model(_write(tmp_path, text))
    assert "include" in str(excinfo.value)


def test_many_errors_are_counted(tmp_path: Path) -> None:
    text = _template_text() + "extra_one: 1\nextra_two: 2\n"
    with pytest.raises(ModelError) as excinfo:
        load_model(_write(tmp_path, text))
    assert "(and 1 more)" in str(excinfo.value)


# -- durations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [("30d", 30), ("12w", 84), ("6m", 180), ("1y", 365), (" 2y ", 730), ("0d", 0)],
)
def test_durations(text: str, days: int) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize("text", ["30", 30, "3x", "d", "", "1.5y", "30 days", "-1d", "1D", None])
def test_durations_refused(text: object) -> None:
    with pytest.raises(ValueError):
        parse_days(text)


@pytest.mark.parametrize(("written", "days"), [("30d", 30), ("12w", 84), ("6m", 180), ("1y", 365)])
def test_durations_in_the_model(tmp_path: Path, written: str, days: int) -> None:
    text = _template_text().replace("max_retention: 365d", f"max_retention: {written}")
    model = load_model(_write(tmp_path, text))
    assert model.standard.tiers["personal"].max_retention_days == days


@pytest.mark.parametrize("written", ["30", "3x", "'30'", "1.5y", "true"])
def test_bad_durations_in_the_model(tmp_path: Path, written: str) -> None:
    text = _template_text().replace("max_retention: 365d", f"max_retention: {written}")
    with pytest.raises(ModelError) as excinfo:
        load_model(_write(tmp_path, text))
    message = str(excinfo.value)
    assert "standard.tiers.personal.max_retention" in message
    assert f":{_line_of(text, f'max_retention: {written}')}:" in message
    assert "duration" in message


# -- arbitrary documents ---------------------------------------------------------------

KEYS = st.one_of(
    st.sampled_from(
        [
            "version",
            "custodian",
            "standard",
            "tiers",
            "categories",
            "personal",
            "id",
            "name",
            "max_retention",
            "vault",
            "include",
            "combinations",
            "share",
        ]
    ),
    st.text(max_size=10),
)
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(["30d", "personal", "encrypt", "plain", 1, "acme"]),
)
DOCUMENTS = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(KEYS, children, max_size=5),
    ),
    max_leaves=25,
)
_counter = itertools.count()


@settings(max_examples=100, deadline=None)
@given(document=st.one_of(DOCUMENTS, st.dictionaries(KEYS, DOCUMENTS, max_size=6)))
def test_arbitrary_documents_only_raise_model_error(
    tmp_path_factory: pytest.TempPathFactory, document: object
) -> None:
    folder = tmp_path_factory.getbasetemp() / "arbitrary"
    folder.mkdir(exist_ok=True)
    path = folder / f"model-{next(_counter)}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        load_model(path)
    except ModelError as exc:
        assert str(path) in str(exc)
    finally:
        path.unlink()


@settings(max_examples=50, deadline=None)
@given(
    key=st.sampled_from(["standard", "custodian", "vault", "canaries", "version"]),
    value=DOCUMENTS,
)
def test_template_with_one_section_replaced_only_raises_model_error(
    tmp_path_factory: pytest.TempPathFactory, key: str, value: object
) -> None:
    document = yaml.safe_load(_template_text())
    document[key] = value
    folder = tmp_path_factory.getbasetemp() / "replaced"
    folder.mkdir(exist_ok=True)
    path = folder / f"model-{next(_counter)}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    try:
        model = load_model(path)
    except ModelError as exc:
        message = str(exc)
        assert str(path) in message
        line = message.removeprefix(f"{path}:").split(":", 1)[0]
        assert line.isdigit()
        assert 1 <= int(line) <= len(path.read_text(encoding="utf-8").splitlines()) + 1
    else:
        assert model.version == 1
    finally:
        path.unlink()


def test_duplicate_keys_are_refused_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "version: 1\ncustodian: {id: a, name: A}\nstandard:\n  tiers: {t: {}}\n"
        "  categories: {email: t}\n  categories: {email: t}\n"
    )
    with pytest.raises(ModelError, match=r"dup\.yaml:6: key 'categories' appears twice"):
        load_model(path)
