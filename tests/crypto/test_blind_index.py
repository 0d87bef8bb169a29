"""Blind indexes: normalisation, the coincidence rule for their size, keyed truncated MACs."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustkeep.crypto import Keyring, blind_index, normalise, recommend_bits
from trustkeep.crypto.blind_index import MAX_BITS, MIN_BITS

CATEGORIES = ("email", "phone", "first_name", "postal_address")
SETTINGS = settings(max_examples=100, deadline=None)


@pytest.fixture(scope="module")
def keyring() -> Keyring:
    return Keyring.create("ws-test")


# -- normalise -----------------------------------------------------------------


@SETTINGS
@given(category=st.sampled_from(CATEGORIES), value=st.text())
def test_normalise_is_idempotent(category: str, value: str) -> None:
    once = normalise(category, value)
    assert normalise(category, once) == once


@SETTINGS
@given(category=st.sampled_from(CATEGORIES), value=st.text())
def test_normalise_ignores_surrounding_whitespace(category: str, value: str) -> None:
    assert normalise(category, f" \t{value}\n ") == normalise(category, value.strip())


def test_email_example() -> None:
    assert normalise("email", "  A@B.Example ") == normalise("email", "a@b.example")
    assert normalise("email", "  A@B.Example ") == "a@b.example"
    assert normalise("email", "Straße@Example.DE") == "strasse@example.de"


@SETTINGS
@given(
    value=st.from_regex(
        r"[A-Za-z0-9._+-]{1,20}@[A-Za-z0-9.-]{1,20}\.[A-Za-z]{2,6}", fullmatch=True
    ),
    pad_left=st.text(alphabet=" \t\r\n", max_size=3),
    pad_right=st.text(alphabet=" \t\r\n", max_size=3),
)
def test_email_is_case_insensitive_and_trimmed(value: str, pad_left: str, pad_right: str) -> None:
    expected = normalise("email", value.lower())
    assert expected == value.lower()
    assert normalise("email", pad_left + value.upper() + pad_right) == expected
    assert normalise("email", pad_left + value.swapcase() + pad_right) == expected


def test_email_keeps_inner_characters() -> None:
    # Emails are not word-collapsed: distinct addresses stay distinct.
    assert normalise("email", "a.b+c@x.org") == "a.b+c@x.org"
    assert normalise("email", "ab@x.org") != normalise("email", "a.b@x.org")


def test_unicode_is_nfc_normalised() -> None:
    decomposed = "Jose\u0301@example.com"
    composed = "Jos\u00e9@example.com"
    assert normalise("email", decomposed) == normalise("email", composed)
    assert normalise("first_name", "Jose\u0301") == normalise("first_name", "JOS\u00c9")


@SETTINGS
@given(value=st.text())
def test_phone_keeps_only_digits_and_a_leading_plus(value: str) -> None:
    result = normalise("phone", value)
    body = result.removeprefix("+")
    assert all(ch.isdigit() for ch in body)
    assert result.startswith("+") == value.strip().startswith("+")
    assert "+" not in body


@SETTINGS
@given(
    digits=st.text(alphabet="0123456789", min_size=1, max_size=15),
    plus=st.booleans(),
    separators=st.lists(st.sampled_from([" ", "-", "(", ")", ".", "/"]), max_size=15),
)
def test_phone_formatting_is_ignored(digits: str, plus: bool, separators: list[str]) -> None:
    formatted = "".join(
        d + (separators[i] if i < len(separators) else "") for i, d in enumerate(digits)
    )
    prefix = "+" if plus else ""
    assert normalise("phone", f"  {prefix}{formatted} ") == prefix + digits


def test_phone_examples() -> None:
    assert normalise("phone", "+1 (555) 010-9999") == "+15550109999"
    assert normalise("phone", "0044 20 7946 0000") == "00442079460000"
    assert normalise("phone", "555 + 1") == "5551"


@SETTINGS
@given(value=st.text())
def test_other_categories_collapse_whitespace(value: str) -> None:
    result = normalise("first_name", value)
    assert result == result.strip()
    assert " ".join(result.split()) == result  # single spaces between words only


@SETTINGS
@given(
    value=st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ \t", max_size=30)
)
def test_other_categories_ignore_ascii_case(value: str) -> None:
    assert normalise("first_name", value.upper()) == normalise("first_name", value.lower())
    assert normalise("first_name", value) == " ".join(value.lower().split())


def test_other_category_example() -> None:
    assert normalise("first_name", "  Ada \t  LOVELACE ") == "ada lovelace"


# -- recommend_bits ------------------------------------------------------------


@SETTINGS
@given(rows=st.integers(min_value=1, max_value=2**40))
def test_recommend_bits_follows_the_coincidence_rule(rows: int) -> None:
    bits = recommend_bits(rows)
    assert MIN_BITS <= bits <= MAX_BITS
    if bits > MIN_BITS:
        # At least two rows share each index value on average ...
        assert rows / 2**bits >= 2
    if bits < MAX_BITS:
        # ... and one more bit would break that.
        assert rows / 2 ** (bits + 1) < 2


@pytest.mark.parametrize(
    ("rows", "bits"),
    [
        (4, 1),
        (7, 1),
        (8, 2),
        (1_000, 8),
        (1_024, 9),
        (1_000_000, 18),
        (2**20, 19),
        (2**20 - 1, 18),
        (2**33, 32),
        (2**33 - 1, 31),
    ],
)
def test_recommend_bits_examples(rows: int, bits: int) -> None:
    assert recommend_bits(rows) == bits
    assert rows / 2**bits >= 2
    assert rows / 2 ** (bits + 1) < 2


@pytest.mark.parametrize("rows", [1, 2, 3])
def test_recommend_bits_lower_clamp(rows: int) -> None:
    # Too few rows for even one bit to keep two per value: clamped up to 1.
    assert rows / 2**MIN_BITS < 2
    assert recommend_bits(rows) == MIN_BITS == 1


@pytest.mark.parametrize("rows", [2**34, 2**34 + 1, 2**40, 10**15])
def test_recommend_bits_upper_clamp(rows: int) -> None:
    # The rule would allow more than 32 bits; clamped down to 32.
    assert math.floor(math.log2(rows / 2)) > MAX_BITS
    assert recommend_bits(rows) == MAX_BITS == 32


def test_recommend_bits_custom_coincidence() -> None:
    assert recommend_bits(1_000, min_coincidence=4) == 7
    assert recommend_bits(1_000, min_coincidence=4) < recommend_bits(1_000)


@pytest.mark.parametrize("rows", [0, -1])
def test_recommend_bits_refuses_non_positive(rows: int) -> None:
    with pytest.raises(ValueError):
        recommend_bits(rows)


# -- blind_index ---------------------------------------------------------------


@SETTINGS
@given(
    category=st.sampled_from(CATEGORIES),
    value=st.text(max_size=50),
    bits=st.integers(min_value=MIN_BITS, max_value=MAX_BITS),
)
def test_index_fits_in_bits_and_is_deterministic(
    keyring: Keyring, category: str, value: str, bits: int
) -> None:
    key = keyring.primary
    norm = normalise(category, value)
    index = blind_index(keyring, key, category, norm, bits)
    assert 0 <= index < 2**bits
    assert blind_index(keyring, key, category, norm, bits) == index


@SETTINGS
@given(value=st.text(max_size=50), bits=st.integers(min_value=MIN_BITS, max_value=MAX_BITS - 1))
def test_shorter_index_is_a_prefix_of_the_longer(keyring: Keyring, value: str, bits: int) -> None:
    key = keyring.primary
    full = blind_index(keyring, key, "email", value, MAX_BITS)
    assert blind_index(keyring, key, "email", value, bits) == full >> (MAX_BITS - bits)


def test_index_is_deterministic_across_keyring_instances() -> None:
    ring = Keyring.create("ws-test")
    copy = Keyring.from_document(ring.to_document())
    assert blind_index(ring, ring.primary, "email", "ada@example.com", 32) == blind_index(
        copy, copy.primary, "email", "ada@example.com", 32
    )


def test_index_differs_across_keys() -> None:
    values = [f"user{n}@example.com" for n in range(20)]
    first, second = Keyring.create("ws-test"), Keyring.create("ws-test")
    for value in values:
        assert blind_index(first, first.primary, "email", value, 32) != blind_index(
            second, second.primary, "email", value, 32
        )


def test_index_differs_across_keys_of_one_keyring() -> None:
    ring = Keyring.create("ws-test")
    old = ring.primary
    new = ring.rotate()
    value = "ada@example.com"
    assert blind_index(ring, old, "email", value, 32) != blind_index(ring, new, "email", value, 32)


def test_index_differs_across_categories(keyring: Keyring) -> None:
    key = keyring.primary
    for value in ("12345", "ada", "ada@example.com", ""):
        indexes = {blind_index(keyring, key, category, value, 32) for category in CATEGORIES}
        assert len(indexes) == len(CATEGORIES)


def test_index_differs_across_values(keyring: Keyring) -> None:
    key = keyring.primary
    indexes = {blind_index(keyring, key, "email", f"user{n}@example.com", 32) for n in range(200)}
    assert len(indexes) == 200


def test_small_index_has_coincidences(keyring: Keyring) -> None:
    # With 4 bits, 200 values must share index values: the point of truncation.
    key = keyring.primary
    indexes = [blind_index(keyring, key, "email", f"u{n}@example.com", 4) for n in range(200)]
    assert len(set(indexes)) <= 16
    assert len(set(indexes)) >= 12  # and they spread over (almost) all of them


@pytest.mark.parametrize("bits", [0, -1, 33, 64])
def test_index_bits_out_of_range(keyring: Keyring, bits: int) -> None:
    with pytest.raises(ValueError):
        blind_index(keyring, keyring.primary, "email", "a@b.example", bits)
