"""Email validation: common addresses pass, garbage fails, the fast path never over-accepts."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trustkeep.vault.emails import _fast_ok, is_valid_email

EMAIL_LIKE = st.from_regex(
    r"[A-Za-z0-9._+-]{1,20}@[A-Za-z0-9.-]{1,20}\.[A-Za-z]{2,6}", fullmatch=True
)


@pytest.mark.parametrize(
    "address",
    [
        "ada@example.com",
        "Ada.Lovelace@Example.COM",
        "first.last+tag@sub.example.co.uk",
        "user_name-1@mail-server.example.org",
        "x@y.io",
        "1234567890@numbers.example.net",
        "o'brien@example.ie",
        "josé@example.es",
        "user@bücher.example",
    ],
)
def test_accepts_common_addresses(address: str) -> None:
    assert is_valid_email(address)


@pytest.mark.parametrize(
    "address",
    [
        "",
        " ",
        "plainaddress",
        "@example.com",
        "ada@",
        "ada@@example.com",
        "ada@example",
        "ada@.example.com",
        "ada@example..com",
        "ada..lovelace@example.com",
        ".ada@example.com",
        "ada.@example.com",
        "ada lovelace@example.com",
        "ada@exa mple.com",
        "ada@-example.com",
        "ada@example-.com",
        "ada@localhost",
        "ada@printer.local",
        "ada@example.test",
        "ada@example.invalid",
        "ada@" + "a" * 64 + ".com",
        "ada@" + ".".join(["a" * 60] * 5) + ".com",
        "ada@example.com\x00",
        "<ada@example.com>",
        "Ada <ada@example.com>",
        "ada@[127.0.0.1]",
    ],
)
def test_rejects_garbage(address: str) -> None:
    assert not is_valid_email(address)


@pytest.mark.parametrize(
    "address",
    ["ada@example.com", "first.last+tag@sub.example.co.uk", "a_b-c@x-y.example.org"],
)
def test_fast_path_takes_plain_addresses(address: str) -> None:
    assert _fast_ok(address)


@pytest.mark.parametrize(
    "address",
    [
        "josé@example.es",  # non-ASCII: the library decides
        "ada@xn--bcher-kva.example",  # IDNA label
        "ada@printer.local",  # special-use domain
        "ada@Printer.LOCAL",
        "a" * 65 + "@example.com",  # local part over 64: the library decides
        "o'brien@example.ie",  # legal, but not the plain pattern
    ],
)
def test_fast_path_defers_to_the_library(address: str) -> None:
    assert not _fast_ok(address)


def _library_accepts(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(address=st.one_of(EMAIL_LIKE, st.text()))
@example("ada@example.com")
@example("ada@printer.local")
@example("ada@sub.onion")
@example("a" * 64 + "@example.com")
@example("ada@" + "a" * 63 + ".com")
@example("ada@" + ".".join(["a" * 63] * 3) + "." + "b" * 61 + ".com")
def test_fast_path_never_accepts_what_the_library_rejects(address: str) -> None:
    if _fast_ok(address):
        validate_email(address, check_deliverability=False)  # must not raise
        assert is_valid_email(address)


@settings(max_examples=100, deadline=None)
@given(address=st.one_of(EMAIL_LIKE, st.text()))
def test_is_valid_email_agrees_with_the_library(address: str) -> None:
    assert is_valid_email(address) == _library_accepts(address)


# Regression: `$` in the fast-path pattern matched before a trailing newline, so
# the fast path accepted addresses the library rejects (fixed with `fullmatch`).
@pytest.mark.parametrize(
    "address", ["ada@example.com\n", "first.last@sub.example.org\n", "ada@example.com\r\n"]
)
def test_trailing_newline_is_not_a_valid_address(address: str) -> None:
    assert not _library_accepts(address)
    assert not _fast_ok(address)
    assert not is_valid_email(address)
