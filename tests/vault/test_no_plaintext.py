"""No plaintext byte of an encrypted category reaches the database, its WAL or the output."""

from __future__ import annotations

import secrets

from sqlalchemy import insert, inspect, text

from support import SAMPLE, Env, write_sample
from trustkeep.store.tables import meta

ENCRYPTED_COLUMNS = (0, 1, 2, 3, 4)  # email, first_name, last_name, phone, postal_code


def _raw_bytes(env: Env) -> bytes:
    """Everything the database holds, as raw as this backend lets a test read it."""
    if env.database_url is None:
        files = sorted(env.home.glob("trustkeep.db*"))
        assert files
        return b"".join(p.read_bytes() for p in files if p.is_file())
    ws = env.open()
    try:
        chunks = []
        with ws.store.engine.connect() as conn:
            for table in inspect(conn).get_table_names():
                for row in conn.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608
                    chunks.append(repr(tuple(row)).encode())
                    chunks.extend(bytes(v) for v in row if isinstance(v, bytes | memoryview))
        return b"\n".join(chunks)
    finally:
        ws.close()


def _values() -> list[bytes]:
    """Sample values long enough that random bytes (ids, ciphertext) cannot match by chance."""
    values = []
    for row in SAMPLE:
        for index in ENCRYPTED_COLUMNS:
            value = row[index]
            if len(value) >= 5:
                values.append(value.encode())
                if "@" in value:
                    values.append(value.lower().encode())
    assert len(values) >= 20
    return values


def test_no_plaintext_in_database_wal_or_output(ws_env: Env) -> None:
    csv = write_sample(ws_env.root / "c.csv")
    outputs = [ws_env.cli("import", str(csv)), ws_env.cli("import", str(csv), "--json")]
    subject = ws_env.cli("subjects", "lookup", "--email", SAMPLE[0][0], "--json").json[
        "subject_ids"
    ][0]
    outputs.append(ws_env.cli("subjects", "show", subject, "--json"))
    outputs.append(ws_env.cli("audit", "log", "--json"))
    outputs.append(ws_env.cli("keys", "rotate"))
    outputs.append(ws_env.cli("keys", "rewrap", "--data"))
    raw = _raw_bytes(ws_env)
    checkpoints = b"".join(p.read_bytes() for p in (ws_env.home / "audit").glob("*") if p.is_file())
    printed = "".join(r.out + r.err for r in outputs).encode()
    for value in _values():
        assert value not in raw, "plaintext found in the database"
        assert value not in checkpoints
        assert value not in printed

    # Positive control: the same grep finds a planted plaintext value.
    planted = f"planted-{secrets.token_hex(6)}@example.com"
    ws = ws_env.open()
    try:
        with ws.store.write() as conn:
            conn.execute(insert(meta).values(name="control", value=planted))
    finally:
        ws.close()
    assert planted.encode() in _raw_bytes(ws_env)


def test_errors_name_lines_never_values(ws_env: Env) -> None:
    path = ws_env.root / "bad.csv"
    secret = "zz-secret-local-part"
    path.write_text(f"email,first_name\n{secret}@@example.com,Secretia\n")
    for args in (
        ("import", str(path)),
        ("import", str(path), "--strict"),
        ("import", str(path), "--json"),
    ):
        result = ws_env.cli(*args)
        assert secret not in result.out + result.err
        assert "Secretia" not in result.out + result.err
        said = result.out + result.err
        assert "line 2" in said or '"line": 2' in said


def test_lookup_miss_and_hit_print_ids_only(ws_env: Env) -> None:
    ws_env.cli("import", str(write_sample(ws_env.root / "c.csv")))
    result = ws_env.cli("subjects", "lookup", "--email", SAMPLE[3][0])
    assert result.code == 0 and result.out.startswith("sub_")
    assert SAMPLE[3][0] not in result.out + result.err
