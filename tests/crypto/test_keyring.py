"""The keyring file: permissions, loading errors, lifecycle, backup and signing."""

from __future__ import annotations

import base64
import json
import os
import stat
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature

import trustkeep.crypto.keyset as keyring_module
from trustkeep.crypto import DataKey, Keyring
from trustkeep.errors import (
    DecryptionError,
    KeyringError,
    KeyStateError,
)

WORKSPACE = "ws-test"
PASSPHRASE = "correct horse battery staple"


def _clock(start: datetime) -> Callable[[], datetime]:
    """A clock that advances one second per call, so key order is deterministic."""
    moments = iter(start + timedelta(seconds=n) for n in range(1000))
    return lambda: next(moments)


def _fast_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keyring_module, "SCRYPT_N", 2**10)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _summary(ring: Keyring) -> list[tuple[int, str, str, bytes]]:
    return sorted((k.id, k.status, k.created_at, k.material.reveal()) for k in ring.keys)


# -- files ---------------------------------------------------------------------


def test_save_load_round_trip(tmp_path: Path) -> None:
    ring = Keyring.create(WORKSPACE)
    ring.rotate()
    path = tmp_path / "keys" / "keyring.json"
    ring.save(path)
    assert ring.path == path
    assert _mode(path) == 0o600

    loaded = Keyring.load(path, WORKSPACE)
    assert loaded.workspace_id == WORKSPACE
    assert loaded.path == path
    assert _summary(loaded) == _summary(ring)
    assert loaded.primary.id == ring.primary.id
    assert loaded.sign(b"m") == ring.sign(b"m")
    # No stray temporary files left next to it.
    assert sorted(p.name for p in path.parent.iterdir()) == ["keyring.json"]


def test_save_replaces_file_and_keeps_mode(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    ring = Keyring.create(WORKSPACE)
    ring.save(path)
    new = ring.rotate()
    ring.save()
    assert _mode(path) == 0o600
    assert Keyring.load(path).primary.id == new.id


def test_save_without_path_raises() -> None:
    with pytest.raises(KeyringError):
        Keyring.create(WORKSPACE).save()


def test_keys_are_usable_after_load(tmp_path: Path) -> None:
    ring = Keyring.create(WORKSPACE)
    dek = DataKey.generate()
    wrapped = dek.wrap(ring, ring.primary, "sub_1")
    path = tmp_path / "keyring.json"
    ring.save(path)
    loaded = Keyring.load(path, WORKSPACE)
    assert DataKey.unwrap(loaded, "sub_1", dek.id, wrapped).id == dek.id


def test_load_refuses_group_or_world_readable_file(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    Keyring.create(WORKSPACE).save(path)
    for mode in (0o644, 0o640, 0o604, 0o660):
        os.chmod(path, mode)
        with pytest.raises(KeyringError) as excinfo:
            Keyring.load(path, WORKSPACE)
        assert excinfo.value.exit_code == 3
        assert "chmod 600" in str(excinfo.value)
    os.chmod(path, 0o400)
    assert Keyring.load(path, WORKSPACE).workspace_id == WORKSPACE


def test_load_missing_path(tmp_path: Path) -> None:
    with pytest.raises(KeyringError) as excinfo:
        Keyring.load(tmp_path / "absent.json")
    assert excinfo.value.exit_code == 3
    assert "not found" in str(excinfo.value)


def test_load_for_another_workspace(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    Keyring.create(WORKSPACE).save(path)
    with pytest.raises(KeyringError) as excinfo:
        Keyring.load(path, "ws-other")
    assert "another workspace" in str(excinfo.value)
    assert Keyring.load(path).workspace_id == WORKSPACE


def _valid_document() -> dict[str, Any]:
    return Keyring.create(WORKSPACE).to_document()


def _corrupt_contents() -> list[bytes]:
    good = _valid_document()
    material: str = good["keys"][0]["material"]
    wrong_format = dict(good, format="trustkeep-keyring/2")
    no_primary = json.loads(json.dumps(good))
    no_primary["keys"][0]["status"] = "active"
    short_key = json.loads(json.dumps(good))
    short_key["keys"][0]["material"] = base64.b64encode(b"short").decode()
    bad_status = json.loads(json.dumps(good))
    bad_status["keys"].append(dict(bad_status["keys"][0], id=5, status="spare"))
    bad_base64 = json.loads(json.dumps(good))
    bad_base64["signing_key"] = "not base64 at all!!"
    no_keys = {k: v for k, v in good.items() if k != "keys"}
    return [
        b"SECRET-MARKER-this is not json " + material.encode(),
        b"\xff\xfe SECRET-MARKER binary",
        b"",
        json.dumps(wrong_format).encode(),
        json.dumps(no_primary).encode(),
        json.dumps(short_key).encode(),
        json.dumps(bad_status).encode(),
        json.dumps(bad_base64).encode(),
        json.dumps(no_keys).encode(),
        b'{"format": "trustkeep-keyring/1", "SECRET-MARKER": 1',
    ]


@pytest.mark.parametrize("content", _corrupt_contents())
def test_load_corrupt_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "keyring.json"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(KeyringError) as excinfo:
        Keyring.load(path, WORKSPACE)
    err = excinfo.value
    assert err.exit_code == 3
    assert "not a Trustkeep keyring" in str(err)
    text = str(err) + repr(err) + "".join(traceback.format_exception(err))
    assert "SECRET-MARKER" not in text
    for line in content.decode("utf-8", "replace").splitlines():
        for token in line.replace('"', " ").split():
            if len(token) >= 16:  # key material, base64 blobs
                assert token not in text


@pytest.mark.parametrize("content", [b"[]", b"null", b"42", b'"keyring"'])
def test_load_json_that_is_not_an_object(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "keyring.json"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(KeyringError):
        Keyring.load(path, WORKSPACE)


def test_load_corrupt_file_keeps_no_content_in_exception_chain(tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    path.write_bytes(b'{"signing_key": "SECRET-MARKER", oops}')
    os.chmod(path, 0o600)
    with pytest.raises(KeyringError) as excinfo:
        Keyring.load(path, WORKSPACE)
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [excinfo.value]
    while todo:
        node = todo.pop()
        if node is not None and node not in seen:
            seen.append(node)
            todo += [node.__cause__, node.__context__]
    for exc in seen:
        for value in vars(exc).values():
            assert "SECRET-MARKER" not in str(value)


# -- lifecycle -----------------------------------------------------------------


def test_create_has_one_primary() -> None:
    ring = Keyring.create(WORKSPACE)
    assert [k.status for k in ring.keys] == ["primary"]
    assert len(ring.primary.material.reveal()) == 32
    assert 1 <= ring.primary.id < 2**31
    assert ring.usable() == [ring.primary]


def test_rotate_makes_new_primary_and_old_active() -> None:
    ring = Keyring.create(WORKSPACE, clock=_clock(datetime(2024, 1, 1, tzinfo=UTC)))
    old = ring.primary
    new = ring.rotate(clock=_clock(datetime(2024, 2, 1, tzinfo=UTC)))
    assert new.status == "primary"
    assert ring.primary == new
    assert new.id != old.id
    assert new.material != old.material
    statuses = {k.id: k.status for k in ring.keys}
    assert statuses == {old.id: "active", new.id: "primary"}
    assert ring.get(old.id).status == "active"
    assert [k.id for k in ring.usable()] == [new.id, old.id]
    assert ring.get(old.id).material == old.material


def test_retire_active_key() -> None:
    ring = Keyring.create(WORKSPACE)
    old = ring.primary
    ring.rotate()
    retired = ring.retire(old.id)
    assert retired.status == "retired"
    assert [k.id for k in ring.usable()] == [ring.primary.id]
    with pytest.raises(DecryptionError):
        ring.get(old.id)


def test_retire_primary_refused() -> None:
    ring = Keyring.create(WORKSPACE)
    with pytest.raises(KeyStateError) as excinfo:
        ring.retire(ring.primary.id)
    assert excinfo.value.exit_code == 2
    assert ring.primary.status == "primary"


def test_retire_unknown_key_refused() -> None:
    ring = Keyring.create(WORKSPACE)
    with pytest.raises(KeyStateError):
        ring.retire(ring.primary.id + 1)


def test_get_unknown_key_is_a_decryption_error() -> None:
    ring = Keyring.create(WORKSPACE)
    with pytest.raises(DecryptionError) as excinfo:
        ring.get(ring.primary.id + 1)
    assert str(excinfo.value) == "decryption failed"


def test_statuses_survive_save_and_load(tmp_path: Path) -> None:
    ring = Keyring.create(WORKSPACE)
    first = ring.primary
    ring.rotate()
    second = ring.primary
    ring.rotate()
    ring.retire(first.id)
    path = tmp_path / "keyring.json"
    ring.save(path)
    loaded = Keyring.load(path)
    statuses = {k.id: k.status for k in loaded.keys}
    assert statuses == {first.id: "retired", second.id: "active", ring.primary.id: "primary"}


# -- backup / restore ----------------------------------------------------------


def test_backup_restore_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    _fast_scrypt(monkeypatch)
    ring = Keyring.create(WORKSPACE)
    first = ring.primary
    ring.rotate()
    ring.rotate()
    ring.retire(first.id)
    blob = ring.backup(PASSPHRASE)

    doc = json.loads(blob)
    assert doc["format"] == "trustkeep-keyring-backup/1"
    assert doc["kdf"]["n"] == 2**10
    for key in ring.keys:
        assert base64.b64encode(key.material.reveal()) not in blob
    assert ring.to_document()["signing_key"].encode() not in blob

    restored = Keyring.restore(blob, PASSPHRASE)
    assert restored.workspace_id == WORKSPACE
    assert _summary(restored) == _summary(ring)
    assert {k.id: k.status for k in restored.keys} == {k.id: k.status for k in ring.keys}
    assert restored.primary.id == ring.primary.id
    assert restored.sign(b"message") == ring.sign(b"message")
    assert restored.to_document() == ring.to_document()


def test_backup_is_randomised(monkeypatch: pytest.MonkeyPatch) -> None:
    _fast_scrypt(monkeypatch)
    ring = Keyring.create(WORKSPACE)
    assert ring.backup(PASSPHRASE) != ring.backup(PASSPHRASE)


def test_restore_wrong_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    _fast_scrypt(monkeypatch)
    blob = Keyring.create(WORKSPACE).backup(PASSPHRASE)
    with pytest.raises(DecryptionError) as excinfo:
        Keyring.restore(blob, PASSPHRASE + "!")
    assert excinfo.value.exit_code == 3


def test_restore_tampered_ciphertext(monkeypatch: pytest.MonkeyPatch) -> None:
    _fast_scrypt(monkeypatch)
    doc = json.loads(Keyring.create(WORKSPACE).backup(PASSPHRASE))
    sealed = bytearray(base64.b64decode(doc["ciphertext"]))
    sealed[0] ^= 1
    doc["ciphertext"] = base64.b64encode(bytes(sealed)).decode()
    with pytest.raises(DecryptionError):
        Keyring.restore(json.dumps(doc).encode(), PASSPHRASE)


@pytest.mark.parametrize(
    "blob",
    [
        b"not json",
        b"{}",
        b'{"format": "trustkeep-keyring/1"}',
        b'{"format": "trustkeep-keyring-backup/1", "kdf": {}}',
    ],
)
def test_restore_not_a_backup(blob: bytes) -> None:
    with pytest.raises(KeyringError):
        Keyring.restore(blob, PASSPHRASE)


@pytest.mark.parametrize("passphrase", ["", "short", "eleven char"])
def test_backup_short_passphrase_refused(passphrase: str) -> None:
    assert len(passphrase) < 12
    with pytest.raises(KeyStateError) as excinfo:
        Keyring.create(WORKSPACE).backup(passphrase)
    assert excinfo.value.exit_code == 2


def test_backup_accepts_twelve_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    _fast_scrypt(monkeypatch)
    ring = Keyring.create(WORKSPACE)
    assert Keyring.restore(ring.backup("twelve chars"), "twelve chars").primary == ring.primary


# -- signing -------------------------------------------------------------------


def test_sign_and_verify() -> None:
    ring = Keyring.create(WORKSPACE)
    message = b"checkpoint 42"
    signature = ring.sign(message)
    assert len(signature) == 64
    ring.public_key().verify(signature, message)
    with pytest.raises(InvalidSignature):
        ring.public_key().verify(signature, message + b"!")
    tampered = bytes([signature[0] ^ 1]) + signature[1:]
    with pytest.raises(InvalidSignature):
        ring.public_key().verify(tampered, message)
    with pytest.raises(InvalidSignature):
        Keyring.create(WORKSPACE).public_key().verify(signature, message)


def test_signing_key_survives_rotation() -> None:
    ring = Keyring.create(WORKSPACE)
    signature = ring.sign(b"m")
    ring.rotate()
    ring.public_key().verify(signature, b"m")
