"""`trustkeep import`: stream a customer CSV into the vault in batches.

Each batch is one transaction: new subjects are sealed under fresh data keys,
known ones (same email, found by blind index and confirmed by decryption) are
updated, the key's encryption tally and one audit event are written with them.
A crash between batches leaves whole batches; importing again converges to
one subject per distinct email.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, delete, update

from trustkeep.crypto import normalise
from trustkeep.errors import CsvInputError
from trustkeep.store.bulk import bulk_insert
from trustkeep.store.tables import blind_indexes, subjects
from trustkeep.vault.codec import new_subject_id
from trustkeep.vault.columns import parse_overrides
from trustkeep.vault.context import codec_for, count_encryptions, find_by_index, usage
from trustkeep.vault.keys import rotate_keys
from trustkeep.vault.source import BadRow, Plan, Row, plan, rows
from trustkeep.workspace import Workspace

DEFAULT_BATCH = 1000
Progress = Callable[[int], None]


@dataclass
class ImportSummary:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    duplicates: int = 0
    bad: list[BadRow] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "inserted": self.inserted,
            "updated": self.updated,
            "duplicates_in_file": self.duplicates,
            "bad_rows": [{"line": b.line, "reason": b.reason} for b in self.bad],
            "ignored_columns": self.ignored_columns,
            "columns": self.columns,
        }


def start_import(
    workspace: Workspace, path: Path, overrides: list[str], strict: bool = False
) -> tuple[Plan, ImportSummary]:
    """The checking pass; raises before anything is written if the file is unusable."""
    the_plan = plan(
        path, list(workspace.model.standard.categories), parse_overrides(overrides), strict
    )
    if the_plan.bad:
        first = the_plan.bad[0]
        raise CsvInputError(
            f"{path}: line {first.line}: {first.reason}"
            + (f" (and {len(the_plan.bad) - 1} more bad rows)" if len(the_plan.bad) > 1 else ""),
            hint="--strict refuses the whole file; nothing was imported",
        )
    summary = ImportSummary(
        ignored_columns=the_plan.ignored,
        columns={the_plan.header[i].strip(): c for i, c in the_plan.mapping.items()},
    )
    return the_plan, summary


def run_import(
    workspace: Workspace,
    the_plan: Plan,
    summary: ImportSummary,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ImportSummary:
    for batch in _batches(rows(the_plan), batch_size):
        good = [r for r in batch if isinstance(r, Row)]
        summary.bad.extend(r for r in batch if isinstance(r, BadRow))
        summary.rows += len(batch)
        if good:
            _write_batch(workspace, good, summary)
        if progress:
            progress(len(batch))
    return summary


def import_csv(
    workspace: Workspace,
    path: Path,
    overrides: list[str] | None = None,
    strict: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> ImportSummary:
    """Check then import `path`; bad rows are reported by line, never by value."""
    the_plan, summary = start_import(workspace, path, overrides or [], strict)
    return run_import(workspace, the_plan, summary, batch_size, progress)


def _write_batch(workspace: Workspace, batch: list[Row], summary: ImportSummary) -> None:
    merged: dict[str, dict[str, str]] = {}
    for row in batch:
        key = normalise("email", row.values["email"])
        if key in merged:
            summary.duplicates += 1
        merged.setdefault(key, {}).update(row.values)
    with workspace.store.write() as conn:
        _rotate_if_worn(workspace, conn, len(merged))
        codec = codec_for(workspace, conn)
        existing = find_by_index(conn, codec, "email", [v["email"] for v in merged.values()])
        now = workspace.clock()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        index_rows: list[dict[str, Any]] = []
        for key, values in merged.items():
            found = existing.get(key)
            if found is None:
                sealed = codec.seal(new_subject_id(), values)
                inserts.append({**sealed.row, "created_at": now, "updated_at": now})
            else:
                dek = codec.data_key(found)
                sealed = codec.seal(found.id, values, dek=dek, previous=codec.open(found, dek=dek))
                updates.append({**{f"v_{k}": v for k, v in sealed.row.items()}, "v_now": now})
            index_rows.extend(sealed.indexes)
        bulk_insert(conn, subjects, inserts)
        if updates:
            _apply_updates(conn, updates)
        bulk_insert(conn, blind_indexes, index_rows)
        count_encryptions(conn, workspace.keyring.primary.id, len(merged))
        summary.inserted += len(inserts)
        summary.updated += len(merged) - len(inserts)
        workspace.audit.record(
            conn,
            workspace.actor,
            "subjects.import",
            details={"inserted": len(inserts), "updated": len(merged) - len(inserts)},
        )


def _apply_updates(conn: Connection, updates: list[dict[str, Any]]) -> None:
    """Re-sealed rows of known subjects, in one executemany; their indexes are redone."""
    ids = [u["v_id"] for u in updates]
    for start in range(0, len(ids), 500):
        conn.execute(
            delete(blind_indexes).where(blind_indexes.c.subject_id.in_(ids[start : start + 500]))
        )
    columns = ("dek_id", "kek_id", "index_key_id", "wrapped_dek", "sealed", "plain")
    statement = (
        update(subjects)
        .where(subjects.c.id == bindparam("v_id"))
        .values({**{c: bindparam(f"v_{c}") for c in columns}, "updated_at": bindparam("v_now")})
    )
    conn.execute(statement, updates)


def _rotate_if_worn(workspace: Workspace, conn: Connection, upcoming: int) -> None:
    """Rotate before the primary key passes its encryption budget."""
    primary = workspace.keyring.primary
    if usage(conn, primary.id) + upcoming > workspace.settings.key_rotate_after:
        rotate_keys(workspace, conn, reason="encryption budget reached")


def _batches(items: Iterator[Row | BadRow], size: int) -> Iterator[list[Row | BadRow]]:
    batch: list[Row | BadRow] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
