"""Streaming a customer CSV: a checking pass, then rows in batches.

The first pass reads the whole file once without storing anything: it proves
the file is UTF-8 CSV with an email column and at least one row, and counts the
rows for the progress bar (with `--strict`, it also validates every row). Only
then does the import write, so a file that is not CSV writes nothing.
Errors name the line and the reason, never the value.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trustkeep.errors import CsvInputError
from trustkeep.vault.columns import map_header
from trustkeep.vault.emails import is_valid_email

MAX_FIELD = 4096
csv.field_size_limit(MAX_FIELD * 4)


@dataclass(frozen=True)
class Row:
    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


@dataclass
class Plan:
    """What the checking pass learnt about a file."""

    path: Path
    header: list[str]
    mapping: dict[int, str]
    ignored: list[str]
    rows: int = 0
    bad: list[BadRow] = field(default_factory=list)


def _open(path: Path) -> io.TextIOWrapper:
    try:
        raw = open(path, "rb")  # noqa: SIM115 - wrapped and closed by the caller
    except OSError as exc:
        raise CsvInputError(f"{path}: cannot read ({exc.strerror})") from None
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")


def _records(handle: io.TextIOWrapper, path: Path) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(handle, strict=True)
    line = 1
    try:
        for record in reader:
            yield line, record
            line = reader.line_num + 1
    except UnicodeDecodeError:
        raise CsvInputError(
            f"{path}: line {line}: not UTF-8 text", hint="re-save the file as UTF-8"
        ) from None
    except csv.Error as exc:
        reason = str(exc).split(" (")[0]
        raise CsvInputError(f"{path}: line {line}: not valid CSV ({reason})") from None


def check_row(line: int, record: list[str], width: int, mapping: dict[int, str]) -> Row | BadRow:
    """Validate one record: field count, field sizes, a valid email address."""
    if len(record) != width:
        return BadRow(line, f"has {len(record)} fields, the header has {width}")
    values: dict[str, str] = {}
    for index, category in mapping.items():
        value = record[index].strip()
        if len(value) > MAX_FIELD:
            return BadRow(line, f"{category} is longer than {MAX_FIELD} characters")
        if value:
            values[category] = value
    email = values.get("email")
    if email is None:
        return BadRow(line, "email is empty")
    if not is_valid_email(email):
        return BadRow(line, "email is not a valid address")
    return Row(line, values)


def plan(
    path: Path, categories: list[str], overrides: dict[str, str], strict: bool = False
) -> Plan:
    """The checking pass: raises CsvInputError for a file that cannot be imported."""
    with _open(path) as handle:
        records = _records(handle, path)
        first = next(records, None)
        if first is None or not any(cell.strip() for cell in first[1]):
            raise CsvInputError(f"{path}: the file is empty", hint="expected a header line")
        header = first[1]
        mapping, ignored = map_header(header, categories, overrides)
        result = Plan(path, header, mapping, ignored)
        for line, record in records:
            if not record:
                continue
            result.rows += 1
            if strict:
                checked = check_row(line, record, len(header), mapping)
                if isinstance(checked, BadRow):
                    result.bad.append(checked)
    if result.rows == 0:
        raise CsvInputError(f"{path}: the file has a header but no rows")
    return result


def rows(the_plan: Plan) -> Iterator[Row | BadRow]:
    """Second pass: every data row, checked, in file order."""
    with _open(the_plan.path) as handle:
        records = _records(handle, the_plan.path)
        header = next(records)[1]
        for line, record in records:
            if record:
                yield check_row(line, record, len(header), the_plan.mapping)
