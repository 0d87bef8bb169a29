"""Changing what identifies a person: phone numbers, house numbers, IP addresses.

A canary never carries a real customer's phone number or postal address (as
far as the sample shows: lists larger than the sample are checked against the
sample only). Each keeps its donor's format: a phone its country code, area
group, separators and length, with new subscriber digits; an address its
street, with another house number as the list's addresses of that layout have
them; an IP address its network, with another last octet (which, like a real
household's, may be another customer's too). New digits are drawn position by position
from same-shaped values first, so fixed parts such as a fictional 555-01xx
range stay fixed, and uniformly, over more and more positions, only when that
space is used up.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from random import Random

__all__ = [
    "ADDRESS_COLUMNS",
    "IP_COLUMNS",
    "PHONE_COLUMNS",
    "change_address",
    "change_ip",
    "change_phone",
    "redraw_digits",
    "shape",
    "street_key",
]

PHONE_COLUMNS = frozenset({"phone", "phone_number", "mobile", "telephone"})
ADDRESS_COLUMNS = frozenset({"postal_address", "address", "street_address"})
IP_COLUMNS = frozenset({"ip_address", "ip"})
_DIGITS = re.compile(r"\d+")
_HOUSE = re.compile(r"\d{1,5}")
_LETTERS = re.compile(r"[^\W\d_]+")
_IPV4 = re.compile(r"(\d{1,3}\.\d{1,3}\.\d{1,3}\.)(\d{1,3})")
_ASCII_SHAPE = str.maketrans(
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", "9" * 10 + "a" * 52
)
_SUBSCRIBER = 7  # at most this many trailing digits are a subscriber's own
_TRIES = 40


def shape(value: str) -> str:
    """Digits as 9 and letters as a: `+44 7700 900123` -> `+99 9999 999999`."""
    if value.isascii():  # the common case, at C speed
        return value.translate(_ASCII_SHAPE)
    return "".join("9" if ch.isdigit() else "a" if ch.isalpha() else ch for ch in value)


def _digit_positions(value: str) -> list[int]:
    return [i for i, ch in enumerate(value) if ch.isdigit()]


def redraw_digits(
    value: str,
    positions: Sequence[int],
    by_shape: Mapping[str, Sequence[str]],
    seen: Collection[str],
    rng: Random,
    keep: int = 0,
) -> str:
    """`value` with new digits at `positions`, not in `seen`; the first `keep` digits stay."""
    pool = by_shape.get(shape(value), ())
    chars = list(value)
    if len(pool) >= 5:
        for _ in range(_TRIES):
            for pos in positions:
                chars[pos] = rng.choice(pool)[pos]
            if (candidate := "".join(chars)) != value and candidate not in seen:
                return candidate
    # The same-shaped values leave no room: widen one digit at a time from the end.
    digits = _digit_positions(value)[keep:]
    for width in range(1, len(digits) + 1):
        chars = list(value)
        for _ in range(_TRIES // 4):
            for pos in digits[-width:]:
                chars[pos] = str(rng.randrange(10))
            if (candidate := "".join(chars)) != value and candidate not in seen:
                return candidate
    return "".join(chars)


def change_phone(
    value: str, by_shape: Mapping[str, Sequence[str]], seen: Collection[str], rng: Random
) -> str:
    """The donor's number with new subscriber digits, in the same format."""
    groups = list(_DIGITS.finditer(value))
    if not groups:
        return value
    keep = 1 if value.lstrip().startswith("+") else 0  # the country code
    positions: list[int] = []
    if len(groups) == 1:
        whole = groups[0]
        size = min(_SUBSCRIBER, max(1, len(whole[0]) - 3))
        positions = list(range(whole.end() - size, whole.end()))
    else:
        # Subscriber digits: the last group, and groups before it until four digits,
        # never the country code nor the area group after it.
        for group in reversed(groups[keep + 1 :] or groups[-1:]):
            positions[:0] = range(group.start(), group.end())
            if len(positions) >= 4:
                break
        positions = positions[-_SUBSCRIBER:]
    kept = len(groups[0][0]) if keep else 0
    return redraw_digits(value, positions, by_shape, seen, rng, keep=kept)


def street_key(value: str) -> tuple[str, str] | None:
    """(the address's layout, its house number): `12 Elm St` -> (`# a a`, `12`)."""
    match = _HOUSE.search(value)
    if match is None:
        return None
    rest = value[: match.start()] + "#" + value[match.end() :]
    return _DIGITS.sub("9", _LETTERS.sub("a", rest)), match.group()


def change_address(
    value: str, numbers: Mapping[str, Sequence[str]], seen: Collection[str], rng: Random
) -> str:
    """The donor's street with another house number, drawn like same-layout addresses'."""
    found = street_key(value)
    if found is None:
        return value  # no number to change: the street alone identifies no one
    pool = numbers.get(found[0], ())
    match = _HOUSE.search(value)
    assert match is not None
    candidate = value
    for attempt in range(_TRIES):
        if attempt < _TRIES // 2 and pool:
            number = rng.choice(pool)
        else:
            number = str(rng.randrange(1, 10 ** len(match.group())))
        candidate = value[: match.start()] + number + value[match.end() :]
        if candidate != value and candidate not in seen:
            return candidate
    return candidate


def change_ip(value: str, rng: Random) -> str:
    """The donor's network with another last octet (or last group, for IPv6)."""
    match = _IPV4.fullmatch(value)
    if match is None:
        tail = re.search(r"[0-9A-Fa-f]{1,4}$", value)
        if tail is None:
            return value
        new = tail.group()
        while new == tail.group():
            new = "".join(rng.choice("0123456789abcdef") for _ in tail.group())
        return value[: tail.start()] + new
    octet = match.group(2)
    # Any other host of the same network: like a real address, it may be shared.
    new = str(rng.choice([n for n in range(1, 255) if str(n) != octet]))
    return match.group(1) + new
