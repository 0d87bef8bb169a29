"""Learn a customer list's distribution in one streaming pass, for canary generation.

An `Observer` sees every real row once and keeps, in memory that does not grow
with the list apart from the name counts and two Bloom filters:

* exact counts of first and last names (a name is eligible for canaries only
  when enough customers share it, so these must be exact);
* a uniform reservoir sample of whole rows (Vitter's algorithm R), the source
  of every per-column distribution and of the email pattern statistics;
* a Bloom filter of every real email local part and one of every real
  (first, last) pair, so no canary ever reuses either.

`profile()` turns that into a `ListProfile`, which holds everything the
generator needs and no reference to the observer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from random import Random

from trustkeep.canaries.bloom import BloomFilter
from trustkeep.canaries.names import NameTable, build_table, merge_counts, pair_key
from trustkeep.canaries.patterns import FOLDS, Template, fold, parse
from trustkeep.canaries.values import ColumnModel, build_model, parse_date
from trustkeep.errors import InvalidInput

__all__ = ["EMAIL", "FIRST", "LAST", "ListProfile", "Observer", "local_key"]

EMAIL, FIRST, LAST = "email", "first_name", "last_name"
BIRTH_COLUMNS = ("birth_date", "date_of_birth", "dob", "birthdate")
FALSE_POSITIVES = 0.001


def local_key(address: str) -> str:
    """The normalised local part of an address (the whole value if it has no `@`)."""
    local = address.rpartition("@")[0] if "@" in address else address
    return local.strip().casefold()


@dataclass(frozen=True, repr=False)
class ListProfile:
    """What canaries for one list are made from. Holds PII: keep it in memory only."""

    columns: tuple[str, ...]
    rows: int
    first_names: Mapping[str, int]  # most common spelling -> exact count, all names
    last_names: Mapping[str, int]
    sample: tuple[Mapping[str, str], ...]
    templates: tuple[Template | None, ...]  # one per sample row; None without an email
    fold: str  # how the list spells names in addresses, see patterns.fold
    fragments: Mapping[int, tuple[str, ...]]  # handle word fragments by length
    models: Mapping[str, ColumnModel]  # every column but email and the names
    names: NameTable
    local_bloom: BloomFilter
    pair_bloom: BloomFilter
    birth_column: str | None = field(default=None)

    def birth_year(self, row: Mapping[str, str]) -> int | None:
        """The year of `row`'s birth date, when the list has one and it parses."""
        if self.birth_column is None:
            return None
        model = self.models[self.birth_column]
        value = row.get(self.birth_column, "")
        day = parse_date(value, model.date_format) if value and model.date_format else None
        return day.year if day else None

    def __repr__(self) -> str:
        # Never the sample or the names: both are customers' data.
        return f"ListProfile(rows={self.rows}, columns={self.columns!r}, sample={len(self.sample)})"


class Observer:
    """Sees a list's real rows once each and learns what its canaries must look like."""

    def __init__(
        self, columns: Sequence[str], expected_rows: int, rng: Random, sample_size: int = 20000
    ) -> None:
        """`expected_rows` sizes the Bloom filters (0.1% false positives at that many rows)."""
        if isinstance(columns, str) or not columns or len(set(columns)) != len(columns):
            raise InvalidInput("columns must be a non-empty sequence of distinct names")
        _check_count("expected_rows", expected_rows, 0)
        _check_count("sample_size", sample_size, 1)
        self._columns = tuple(columns)
        self._rng = rng
        self._size = sample_size
        self._rows = 0
        self._sample: list[dict[str, str]] = []
        self._firsts: Counter[str] = Counter()
        self._lasts: Counter[str] = Counter()
        # The salts only keep the two filters' bit positions apart; they are not
        # secrets (they sit beside the bits), so the injected rng may supply them
        # and a profile stays reproducible.
        self._locals = BloomFilter(expected_rows, FALSE_POSITIVES, salt=rng.randbytes(16))
        self._pairs = BloomFilter(expected_rows, FALSE_POSITIVES, salt=rng.randbytes(16))

    @property
    def rows(self) -> int:
        """Rows observed so far."""
        return self._rows

    def observe(self, row: Mapping[str, str]) -> None:
        """Learn from one real row: category -> plaintext value; missing means empty."""
        self.observe_lazy(row, lambda: row)

    def observe_lazy(self, core: Mapping[str, str], full: Callable[[], Mapping[str, str]]) -> None:
        """`observe`, where `core` holds at least email, first and last name and `full()`
        the whole row: `full` is called only when the reservoir sample keeps the row, so
        a caller that decrypts rows pays for every column of sampled rows only."""
        first = (core.get(FIRST) or "").strip()
        last = (core.get(LAST) or "").strip()
        email = (core.get(EMAIL) or "").strip()
        if first:
            self._firsts[first] += 1
        if last:
            self._lasts[last] += 1
        if first and last:
            self._pairs.add(pair_key(first, last))
        if email:
            self._locals.add(local_key(core[EMAIL]))
        if self._rows < self._size:
            self._sample.append(self._cells(full()))
        else:
            slot = self._rng.randrange(self._rows + 1)
            if slot < self._size:
                self._sample[slot] = self._cells(full())
        self._rows += 1

    def _cells(self, row: Mapping[str, str]) -> dict[str, str]:
        values = {}
        for column in self._columns:
            raw = row.get(column)
            values[column] = raw if raw is not None and raw.strip() else ""
        return values

    def profile(self) -> ListProfile:
        """Everything learnt so far, as a self-contained `ListProfile`."""
        sample = tuple(dict(row) for row in self._sample)
        columns = self._columns
        models = {
            c: build_model(c, [row[c] for row in sample])
            for c in columns
            if c not in (EMAIL, FIRST, LAST)
        }
        birth = next((c for c in BIRTH_COLUMNS if c in models and models[c].kind == "date"), None)
        shell = ListProfile(
            columns=columns,
            rows=self._rows,
            first_names=merge_counts(self._firsts),
            last_names=merge_counts(self._lasts),
            sample=sample,
            templates=(),
            fold="ascii",
            fragments={},
            models=models,
            names=build_table({}, {}),
            local_bloom=self._locals,
            pair_bloom=self._pairs,
            birth_column=birth,
        )
        years = [shell.birth_year(row) for row in sample]
        mode = _fold_mode(sample, years)
        templates = tuple(
            parse(local, row.get(FIRST, ""), row.get(LAST, ""), mode, year)
            if (local := row.get(EMAIL, "").rpartition("@")[0] or row.get(EMAIL, ""))
            else None
            for row, year in zip(sample, years, strict=True)
        )
        fragments: dict[int, list[str]] = {}
        for template in templates:
            for token in template.tokens if template else ():
                if token.kind == "frag":
                    fragments.setdefault(len(token.text), []).append(token.text)
        return replace(
            shell,
            templates=templates,
            fold=mode,
            fragments={n: tuple(words) for n, words in fragments.items()},
            names=build_table(shell.first_names, shell.last_names),
        )


def _check_count(name: str, value: int, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInput(f"{name} must be an integer >= {low}")


def _fold_mode(sample: Sequence[Mapping[str, str]], years: Sequence[int | None]) -> str:
    """The spelling of names in addresses that explains the most sampled rows."""
    score = dict.fromkeys(FOLDS, 0)
    for row, year in zip(sample, years, strict=True):
        first, last, email = row.get(FIRST, ""), row.get(LAST, ""), row.get(EMAIL, "")
        if not email or len({(fold(first, m), fold(last, m)) for m in FOLDS}) == 1:
            continue  # plain ASCII names read the same under every mode
        local = email.rpartition("@")[0] or email
        for mode in FOLDS:
            score[mode] += parse(local, first, last, mode, year).pattern != "handle"
    return max(FOLDS, key=lambda m: score[m])  # ascii, the most common, wins ties
