"""`trustkeep import`: mapping, bad rows, dedupe on re-import, refusals that write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SAMPLE, Env, write_sample


def _count(env: Env) -> int:
    result = env.cli("subjects", "count", "--json")
    assert result.code == 0, result.err
    return int(result.json["subjects"])


def _events(env: Env) -> int:
    return len(env.cli("audit", "log", "--json", "--limit", "10000").json["events"])


def test_import_then_reimport_updates_never_duplicates(ws_env: Env) -> None:
    csv = write_sample(ws_env.root / "c.csv")
    first = ws_env.cli("import", str(csv), "--json")
    assert first.code == 0, first.err
    assert first.json["inserted"] == len(SAMPLE) and first.json["updated"] == 0
    again = ws_env.cli("import", str(csv), "--json", "--batch-size", "2")
    assert again.json["inserted"] == 0 and again.json["updated"] == len(SAMPLE)
    assert _count(ws_env) == len(SAMPLE)


def test_same_email_in_other_case_updates_the_subject(ws_env: Env) -> None:
    ws_env.cli("import", str(write_sample(ws_env.root / "a.csv")))
    changed = [("  ADA.Lovelace@Example.com ", "Ada", "King", "+44 1", "N1", "platinum")]
    result = ws_env.cli("import", str(write_sample(ws_env.root / "b.csv", changed)), "--json")
    assert result.json["updated"] == 1 and result.json["inserted"] == 0
    [subject] = ws_env.cli(
        "subjects", "lookup", "--email", "ada.lovelace@example.com", "--json"
    ).json["subject_ids"]
    values = ws_env.cli("subjects", "reveal", subject, "--purpose", "test", "--json").json["values"]
    assert values["last_name"] == "King" and values["loyalty_tier"] == "platinum"


def test_bad_rows_reported_by_line_and_reason_never_value(ws_env: Env) -> None:
    path = ws_env.root / "bad.csv"
    path.write_text(
        "email,first_name,last_name\n"
        "ok.person@example.com,Okay,Person\n"
        "not-an-address-zq7,Secretname,Hidden\n"
        '"multi\nline@example.com",Quoted,Value\n'
        ",Noemail,Here\n"
        "too,many,fields,here\n"
        "fine.again@example.org,Fine,Again\n"
    )
    result = ws_env.cli("import", str(path), "--json")
    assert result.code == 0, result.err
    bad = {b["line"]: b["reason"] for b in result.json["bad_rows"]}
    assert set(bad) == {3, 4, 6, 7}
    assert "valid address" in bad[3] and "empty" in bad[6] and "fields" in bad[7]
    assert result.json["inserted"] == 2
    human = ws_env.cli("import", str(path))
    for secret in ("not-an-address-zq7", "Secretname", "Hidden", "Noemail"):
        assert secret not in human.out + human.err + result.out


def test_strict_refuses_whole_file_and_writes_nothing(ws_env: Env) -> None:
    path = ws_env.root / "strict.csv"
    path.write_text("email,first_name\ngood@example.com,G\nnope,N\n")
    before = _events(ws_env)
    result = ws_env.cli("import", str(path), "--strict")
    assert result.code == 2
    assert "line 3" in result.err and "nope" not in result.err
    assert _count(ws_env) == 0
    assert _events(ws_env) == before


@pytest.mark.parametrize(
    ("content", "expect"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "line 1"),
        (b'{"customers": [{"email": "a@example.com"}]}', "no email column"),
        ("email,name\nzoë@example.com,Zoë\n".encode("latin-1"), "not UTF-8"),
        (b"", "empty"),
        (b"email,first_name\n", "no rows"),
        (b"first_name,last_name\nAda,Lovelace\n", "no email column"),
        (b'email,name\n"unterminated@example.com,x\n', "line 2"),
    ],
    ids=["binary", "json", "latin1", "empty", "header-only", "no-email", "bad-quote"],
)
def test_unusable_files_one_clear_error_exit_2_nothing_written(
    ws_env: Env, content: bytes, expect: str
) -> None:
    path = ws_env.root / "in.csv"
    path.write_bytes(content)
    result = ws_env.cli("import", str(path))
    assert result.code == 2, result.out + result.err
    assert expect in result.err
    assert result.err.strip().count("\n") <= 1  # one line (plus an optional hint)
    assert "Traceback" not in result.err
    assert _count(ws_env) == 0


def test_map_overrides_and_unmapped_columns_are_not_stored(ws_env: Env) -> None:
    path = ws_env.root / "m.csv"
    path.write_text("Contact,Given,notes\nm.curie@example.com,Marie,secret-note-77\n")
    result = ws_env.cli(
        "import", str(path), "--map", "Contact=email", "--map", "given=first_name", "--json"
    )
    assert result.code == 0, result.err
    assert result.json["ignored_columns"] == ["notes"]
    [subject] = ws_env.cli("subjects", "lookup", "--email", "m.curie@example.com", "--json").json[
        "subject_ids"
    ]
    values = ws_env.cli("subjects", "reveal", subject, "--purpose", "t", "--json").json["values"]
    assert values == {"email": "m.curie@example.com", "first_name": "Marie"}


def test_map_to_unknown_category_is_usage_error(ws_env: Env) -> None:
    path = write_sample(ws_env.root / "c.csv")
    result = ws_env.cli("import", str(path), "--map", "phone=shoe_size")
    assert result.code == 2
    assert "shoe_size" in result.err


def test_missing_file_is_usage_error(ws_env: Env, tmp_path: Path) -> None:
    result = ws_env.cli("import", str(tmp_path / "nope.csv"))
    assert result.code == 2
