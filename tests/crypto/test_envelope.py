"""Envelope encryption: DataKey seal/open, wrap/unwrap under the keyring, one error."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustkeep.crypto import DataKey, Keyring, header_key_id
from trustkeep.crypto.secret import Secret
from trustkeep.errors import DecryptionError

SUBJECT = "sub_0123456789abcdef0123"
FIELD = "email"
VALUE = "ada@example.com"
MESSAGE = "decryption failed"


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    return Keyring.create("ws-test")


def _flip(blob: bytes, position: int) -> bytes:
    changed = bytearray(blob)
    changed[position] ^= 0xFF
    return bytes(changed)


def _assert_decryption_error(excinfo: pytest.ExceptionInfo[DecryptionError]) -> None:
    # Exactly the one error, with the one neutral message: it never says why.
    assert type(excinfo.value) is DecryptionError
    assert str(excinfo.value) == MESSAGE
    assert excinfo.value.exit_code == 3


# -- DataKey seal / open -------------------------------------------------------


@settings(max_examples=75, deadline=None)
@given(value=st.text(), subject=st.text(min_size=1, max_size=30), field=st.text(max_size=20))
def test_seal_open_round_trip(value: str, subject: str, field: str) -> None:
    dek = DataKey.generate()
    blob = dek.seal(subject, field, value)
    assert dek.open(subject, field, blob) == value
    assert header_key_id(blob) == dek.id
    if len(value.encode()) >= 8:  # shorter plaintexts may occur in random bytes
        assert value.encode() not in blob


def test_seal_is_randomised() -> None:
    dek = DataKey.generate()
    first, second = dek.seal(SUBJECT, FIELD, VALUE), dek.seal(SUBJECT, FIELD, VALUE)
    assert first != second
    assert dek.open(SUBJECT, FIELD, first) == dek.open(SUBJECT, FIELD, second) == VALUE


def test_blob_layout() -> None:
    dek = DataKey(0x01020304, bytes(32))
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    assert blob[0] == 0x01
    assert blob[1:5] == bytes([1, 2, 3, 4])
    # version (1) + key id (4) + nonce (12) + ciphertext + tag (16)
    assert len(blob) == 1 + 4 + 12 + len(VALUE.encode()) + 16


def test_open_with_another_subject_fails() -> None:
    dek = DataKey.generate()
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    with pytest.raises(DecryptionError) as excinfo:
        dek.open("sub_other", FIELD, blob)
    _assert_decryption_error(excinfo)


def test_open_with_another_field_fails() -> None:
    dek = DataKey.generate()
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    with pytest.raises(DecryptionError) as excinfo:
        dek.open(SUBJECT, "phone", blob)
    _assert_decryption_error(excinfo)


def test_open_with_another_data_key_fails() -> None:
    dek = DataKey.generate()
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    other = DataKey.generate()
    assert other.id != dek.id
    with pytest.raises(DecryptionError) as excinfo:
        other.open(SUBJECT, FIELD, blob)
    _assert_decryption_error(excinfo)


def test_open_with_same_id_but_other_key_material_fails() -> None:
    dek = DataKey(7, bytes(range(32)))
    impostor = DataKey(7, bytes(range(1, 33)))
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    with pytest.raises(DecryptionError) as excinfo:
        impostor.open(SUBJECT, FIELD, blob)
    _assert_decryption_error(excinfo)


def test_every_flipped_byte_of_a_field_blob_fails() -> None:
    dek = DataKey.generate()
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    assert dek.open(SUBJECT, FIELD, blob) == VALUE
    for position in range(len(blob)):
        with pytest.raises(DecryptionError) as excinfo:
            dek.open(SUBJECT, FIELD, _flip(blob, position))
        _assert_decryption_error(excinfo)


def test_every_truncation_of_a_field_blob_fails() -> None:
    dek = DataKey.generate()
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    for length in range(len(blob)):
        with pytest.raises(DecryptionError) as excinfo:
            dek.open(SUBJECT, FIELD, blob[:length])
        _assert_decryption_error(excinfo)


def test_appended_bytes_fail() -> None:
    dek = DataKey.generate()
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    with pytest.raises(DecryptionError) as excinfo:
        dek.open(SUBJECT, FIELD, blob + b"\x00")
    _assert_decryption_error(excinfo)


def test_other_version_byte_fails() -> None:
    dek = DataKey.generate()
    blob = dek.seal(SUBJECT, FIELD, VALUE)
    for version in (0x00, 0x02, 0xFF):
        with pytest.raises(DecryptionError) as excinfo:
            dek.open(SUBJECT, FIELD, bytes([version]) + blob[1:])
        _assert_decryption_error(excinfo)
        with pytest.raises(DecryptionError):
            header_key_id(bytes([version]) + blob[1:])


# -- wrap / unwrap under the keyring -------------------------------------------


def test_wrap_unwrap_round_trip(keyring: Keyring) -> None:
    dek = DataKey.generate()
    wrapped = dek.wrap(keyring, keyring.primary, SUBJECT)
    assert header_key_id(wrapped) == keyring.primary.id
    again = DataKey.unwrap(keyring, SUBJECT, dek.id, wrapped)
    assert again.id == dek.id
    assert again.open(SUBJECT, FIELD, dek.seal(SUBJECT, FIELD, VALUE)) == VALUE
    assert dek.open(SUBJECT, FIELD, again.seal(SUBJECT, FIELD, VALUE)) == VALUE


def test_unwrap_for_another_subject_fails(keyring: Keyring) -> None:
    dek = DataKey.generate()
    wrapped = dek.wrap(keyring, keyring.primary, SUBJECT)
    with pytest.raises(DecryptionError) as excinfo:
        DataKey.unwrap(keyring, "sub_other", dek.id, wrapped)
    _assert_decryption_error(excinfo)


def test_unwrap_with_another_dek_id_fails(keyring: Keyring) -> None:
    dek = DataKey(1000, bytes(range(32)))
    wrapped = dek.wrap(keyring, keyring.primary, SUBJECT)
    with pytest.raises(DecryptionError) as excinfo:
        DataKey.unwrap(keyring, SUBJECT, 1001, wrapped)
    _assert_decryption_error(excinfo)


def test_unwrap_with_another_keyring_fails(keyring: Keyring) -> None:
    dek = DataKey.generate()
    wrapped = dek.wrap(keyring, keyring.primary, SUBJECT)
    stranger = Keyring.create("ws-test")
    with pytest.raises(DecryptionError) as excinfo:
        DataKey.unwrap(stranger, SUBJECT, dek.id, wrapped)
    _assert_decryption_error(excinfo)


def test_every_flipped_byte_of_a_wrapped_key_fails(keyring: Keyring) -> None:
    dek = DataKey.generate()
    wrapped = dek.wrap(keyring, keyring.primary, SUBJECT)
    assert DataKey.unwrap(keyring, SUBJECT, dek.id, wrapped).id == dek.id
    for position in range(len(wrapped)):
        with pytest.raises(DecryptionError) as excinfo:
            DataKey.unwrap(keyring, SUBJECT, dek.id, _flip(wrapped, position))
        _assert_decryption_error(excinfo)


def test_every_truncation_of_a_wrapped_key_fails(keyring: Keyring) -> None:
    dek = DataKey.generate()
    wrapped = dek.wrap(keyring, keyring.primary, SUBJECT)
    for length in range(len(wrapped)):
        with pytest.raises(DecryptionError) as excinfo:
            DataKey.unwrap(keyring, SUBJECT, dek.id, wrapped[:length])
        _assert_decryption_error(excinfo)


def test_rotation_keeps_old_wrapped_keys_readable_until_retired() -> None:
    ring = Keyring.create("ws-test")
    old = ring.primary
    dek = DataKey.generate()
    wrapped_old = dek.wrap(ring, old, SUBJECT)

    new = ring.rotate()
    assert new.id != old.id
    assert ring.primary.id == new.id
    assert DataKey.unwrap(ring, SUBJECT, dek.id, wrapped_old).id == dek.id
    wrapped_new = dek.wrap(ring, ring.primary, SUBJECT)
    assert header_key_id(wrapped_new) == new.id

    ring.retire(old.id)
    with pytest.raises(DecryptionError) as excinfo:
        DataKey.unwrap(ring, SUBJECT, dek.id, wrapped_old)
    _assert_decryption_error(excinfo)
    # Keys wrapped under the new primary still open.
    again = DataKey.unwrap(ring, SUBJECT, dek.id, wrapped_new)
    assert again.open(SUBJECT, FIELD, dek.seal(SUBJECT, FIELD, VALUE)) == VALUE


# -- nothing leaks through repr ------------------------------------------------


def _renderings(material: bytes) -> list[str]:
    return [
        material.hex(),
        material.hex().upper(),
        base64.b64encode(material).decode(),
        base64.urlsafe_b64encode(material).decode().rstrip("="),
        repr(material),
    ]


def test_datakey_repr_hides_key_material() -> None:
    material = bytes(range(100, 132))
    dek = DataKey(99, material)
    for text in (repr(dek), str(dek), f"{dek!r}", f"{[dek]}"):
        assert "99" in text
        for form in _renderings(material):
            assert form not in text


def test_secret_repr_hides_material() -> None:
    material = bytes(range(200, 232))
    secret = Secret(material)
    for text in (repr(secret), str(secret), f"{secret}", f"{[secret]}"):
        for form in _renderings(material):
            assert form not in text
    assert secret.reveal() == material


def test_keyring_key_repr_hides_material(keyring: Keyring) -> None:
    key = keyring.primary
    material = key.material.reveal()
    for form in _renderings(material):
        assert form not in repr(key)
