"""Row writers for export files (CSV, JSON Lines) and the subject stream they read."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import select

from trustkeep.store import Store
from trustkeep.store.tables import subjects

FORMATS = ("csv", "jsonl")


class RowWriter(Protocol):
    def header(self) -> None: ...
    def row(self, values: Sequence[str]) -> None: ...
    def close(self) -> None: ...


class CsvRows:
    def __init__(self, stream: io.BufferedWriter, columns: Sequence[str]) -> None:
        self.text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=False)
        self.writer = csv.writer(self.text, lineterminator="\n")
        self.columns = list(columns)

    def header(self) -> None:
        self.writer.writerow(self.columns)

    def row(self, values: Sequence[str]) -> None:
        self.writer.writerow(values)

    def close(self) -> None:
        self.text.flush()
        self.text.detach()


class JsonlRows:
    def __init__(self, stream: io.BufferedWriter, columns: Sequence[str]) -> None:
        self.stream = stream
        self.columns = list(columns)

    def header(self) -> None:
        """JSON Lines has no header: each line names its fields."""

    def row(self, values: Sequence[str]) -> None:
        line = json.dumps(dict(zip(self.columns, values, strict=True)), ensure_ascii=False)
        self.stream.write(line.encode() + b"\n")

    def close(self) -> None:
        self.stream.flush()


def writer_for(fmt: str, stream: io.BufferedWriter, columns: Sequence[str]) -> RowWriter:
    return CsvRows(stream, columns) if fmt == "csv" else JsonlRows(stream, columns)


def live_subjects(store: Store, batch_size: int = 1000) -> Iterator[list[Any]]:
    """Live subject rows in id order (ids are random, so this order is random too).

    Keyset pagination, one short read transaction per batch: memory stays flat
    and no long transaction holds back writers.
    """
    last = ""
    while True:
        with store.read() as conn:
            batch = list(
                conn.execute(
                    select(subjects)
                    .where(subjects.c.erased_at.is_(None), subjects.c.id > last)
                    .order_by(subjects.c.id)
                    .limit(batch_size)
                )
            )
        if not batch:
            return
        yield batch
        last = batch[-1].id


def ordered(values: Mapping[str, str], columns: Sequence[str]) -> list[str]:
    return [values.get(column, "") for column in columns]
