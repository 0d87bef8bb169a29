"""Per-column models: values that follow a column's spread without copying a person.

Every column of a canary is drawn from one real "donor" row of the sample,
which keeps the columns' joint shape (a German phone goes with a German
postcode, a birth date with a plausible signup date). Then:

* directly identifying columns (phone, postal address, IP address) are always
  changed, see `identifying`;
* every other column reproduces how often a row's value recurs in the list.
  A real row's value is shared by j rows with probability j N_j / n (N_j: values
  seen j times). Copying the donor's value would add the canary as one more
  holder, so a canary instead takes, by Good and Turing's estimate of what a
  new row brings, a value never seen (probability N_1 / n) or one seen k times
  (probability (k + 1) N_{k+1} / n), picked next to the donor's value so the
  row's joint shape moves as little as possible. The estimate is made within
  the donor's block of neighbouring values, so dense and sparse parts of a
  column keep their own rates. A value never seen is the donor's date moved by
  a few days, or the donor's value with new last digits; free text without
  digits is copied.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from random import Random

from trustkeep.canaries.identifying import (
    ADDRESS_COLUMNS,
    IP_COLUMNS,
    PHONE_COLUMNS,
    change_address,
    change_ip,
    change_phone,
    redraw_digits,
    shape,
    street_key,
)

__all__ = ["ColumnModel", "build_model", "fresh", "parse_date"]

_DATE_PATTERNS = {  # format -> (regex, year, month, day group order)
    "%Y-%m-%d": (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), (0, 1, 2)),
    "%d/%m/%Y": (re.compile(r"(\d{2})/(\d{2})/(\d{4})"), (2, 1, 0)),
    "%m/%d/%Y": (re.compile(r"(\d{2})/(\d{2})/(\d{4})"), (2, 0, 1)),
    "%d.%m.%Y": (re.compile(r"(\d{2})\.(\d{2})\.(\d{4})"), (2, 1, 0)),
    "%Y/%m/%d": (re.compile(r"(\d{4})/(\d{2})/(\d{2})"), (0, 1, 2)),
}
_NON_DIGITS = re.compile(r"\D+")
_DATE_HEAD = 10  # every format above is ten characters long
_SNIFF = 2000  # values enough to recognise a date column
_LARGE = 20  # a value held by this many rows: one holder more is invisible
_BLOCK = 64  # distinct values per block that tell how often values recur there
_TRIES = 40


@dataclass(frozen=True)
class ColumnModel:
    """What one column's sampled values look like."""

    name: str
    kind: str  # phone, address, ip, date or value
    counts: Mapping[str, int] = field(repr=False)  # sampled value -> rows holding it
    neighbours: Mapping[str, tuple[tuple[int, str], ...]] = field(repr=False)  # by shape
    by_shape: Mapping[str, tuple[str, ...]] = field(repr=False)
    date_format: str | None = None
    first_day: int = 0  # ordinal bounds of the dates observed
    last_day: int = 0
    numbers: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)


def parse_date(value: str, fmt: str) -> date | None:
    """The date at the head of `value` in format `fmt` (then nothing, or T or a space)."""
    pattern, order = _DATE_PATTERNS[fmt]
    match = pattern.match(value)
    if match is None or (len(value) > _DATE_HEAD and value[_DATE_HEAD] not in "T "):
        return None
    parts = match.groups()
    try:
        return date(int(parts[order[0]]), int(parts[order[1]]), int(parts[order[2]]))
    except ValueError:
        return None


def _format_date(day: date, fmt: str) -> str:
    return day.strftime(fmt)


def _date_format(values: Sequence[str]) -> str | None:
    values = values[:_SNIFF]
    if not values:
        return None
    scores = {fmt: sum(parse_date(v, fmt) is not None for v in values) for fmt in _DATE_PATTERNS}
    fmt = max(_DATE_PATTERNS, key=lambda f: scores[f])  # the first listed wins a tie
    return fmt if scores[fmt] >= 0.95 * len(values) else None


def _key(value: str, fmt: str | None) -> int:
    """Where `value` sits among its shape's values: its day, or its digits as a number."""
    if fmt is not None and (day := parse_date(value, fmt)) is not None:
        return day.toordinal()
    digits = _NON_DIGITS.sub("", value)[:18]
    return int(digits) if digits else 0


def build_model(name: str, values: Sequence[str]) -> ColumnModel:
    """Learn column `name` from its sampled values (empty strings included)."""
    filled = [v for v in values if v]
    counts = Counter(filled)
    kind, fmt = "value", None
    if name in PHONE_COLUMNS:
        kind = "phone"
    elif name in ADDRESS_COLUMNS:
        kind = "address"
    elif name in IP_COLUMNS:
        kind = "ip"
    elif (fmt := _date_format(filled)) is not None:
        kind = "date"
    by_shape: dict[str, list[str]] = {}
    for value in filled:
        by_shape.setdefault(shape(value), []).append(value)
    neighbours: dict[str, list[tuple[int, str]]] = {}
    for value in counts:
        neighbours.setdefault(shape(value), []).append((_key(value, fmt), value))
    numbers: dict[str, list[str]] = {}
    if kind == "address":
        for value in filled:
            if (found := street_key(value)) is not None:
                numbers.setdefault(found[0], []).append(found[1])
    days = [_key(v, fmt) for v in counts] if fmt else [0]
    return ColumnModel(
        name=name,
        kind=kind,
        counts=dict(counts),
        neighbours={k: tuple(sorted(v)) for k, v in neighbours.items()},
        by_shape={k: tuple(v) for k, v in by_shape.items()},
        date_format=fmt,
        first_day=min(days),
        last_day=max(days),
        numbers={k: tuple(v) for k, v in numbers.items()},
    )


def _outcome(held: Sequence[int], rng: Random) -> int:
    """Good-Turing: a new row's value is unseen w.p. N_1/n, seen k times w.p. (k+1)N_{k+1}/n.

    Returns 0 for unseen, k for seen k times, -1 for a value held by more than
    _LARGE rows (where one more holder makes no visible difference).
    """
    classes = Counter(held)
    draw = rng.random() * sum(held)
    if (draw := draw - classes[1]) < 0:
        return 0
    for k in range(1, _LARGE):
        if (draw := draw - (k + 1) * classes[k + 1]) < 0:
            return k
    return -1


def fresh(model: ColumnModel, value: str, rng: Random) -> str:
    """A value for a canary whose donor row holds `value` in this column."""
    if not value:
        return ""  # the donor's empty cells keep each column's empty rate
    if model.kind == "phone":
        return change_phone(value, model.by_shape, model.counts.keys(), rng)
    if model.kind == "address":
        return change_address(value, model.numbers, model.counts.keys(), rng)
    if model.kind == "ip":
        return change_ip(value, rng)
    # The counts near the donor's value, not the column's overall, decide: a column
    # may mix dense and sparse parts (a small country's postcodes among a large
    # one's, birth dates around 1985 and around 1935). The column's values, in
    # order, are cut into fixed blocks; a donor draws from its own block's counts,
    # so over all donors every block is drawn as often as its rows, exactly.
    items = model.neighbours.get(shape(value), ())
    index = bisect_left(items, (_key(value, model.date_format), value))
    low, high = _block(len(items), index)
    pick = _outcome([model.counts[v] for _, v in items[low:high]], rng)
    if pick == 0:
        return _unseen(model, value, rng)
    if model.counts.get(value, 0) == pick or (pick == -1 and model.counts.get(value, 0) >= _LARGE):
        return value
    return _neighbour(items[low:high], index - low, model.counts, pick, rng)


def _block(size: int, index: int) -> tuple[int, int]:
    """The [low, high) block of `index` among `size` items: _BLOCK to 2 * _BLOCK long."""
    blocks = max(1, size // _BLOCK)
    length = size // blocks
    block = min(index // length, blocks - 1) if length else 0
    return block * length, size if block == blocks - 1 else (block + 1) * length


def _neighbour(
    items: Sequence[tuple[int, str]], start: int, counts: Mapping[str, int], held: int, rng: Random
) -> str:
    """The value nearest `items[start]` held by `held` rows (-1: _LARGE or more), else by
    as close a number as the block has (Good-Turing's classes can skip a count)."""

    def miss(value: str) -> int:
        count = counts[value]
        return max(0, _LARGE - count) if held == -1 else abs(count - held)

    side = 1 if rng.random() < 0.5 else -1  # ties go either way: no drift to one side
    best = min(range(len(items)), key=lambda i: (miss(items[i][1]), abs(i - start + side / 4)))
    return items[best][1]


def _unseen(model: ColumnModel, value: str, rng: Random) -> str:
    seen = model.counts
    fmt = model.date_format
    day = parse_date(value, fmt) if fmt else None
    if fmt is None or day is None:
        if not any(ch.isdigit() for ch in value):
            return value  # free text: nothing to vary without changing the value's kind
        end = [m.end() for m in re.finditer(r"\d+", value)][-1]
        return redraw_digits(value, range(max(0, end - 2), end), model.by_shape, seen, rng)
    tail = value[_DATE_HEAD:]
    candidate = value
    for attempt in range(_TRIES):
        # A few days first, so the joint shape with other dates (age at signup)
        # barely moves; wider only when those days are all taken.
        reach = 7 * 2 ** (attempt // 8)
        ordinal = day.toordinal() + rng.randint(-reach, reach)
        if not model.first_day <= ordinal <= model.last_day:
            continue
        candidate = _format_date(date.fromordinal(ordinal), fmt) + tail
        if candidate not in seen:
            return candidate
    return candidate
