"""`trustkeep export`: carry out one flow from the vault, with canaries mixed in.

1. Check the flow against the standard; refuse before anything is written.
2. Learn the list's distribution in one streaming pass (trustkeep.canaries).
3. Plan how many canaries (hypergeometric planner); reuse the partner's stable
   canaries, generate the rest (at least one fresh per export).
4. Record the export as pending, with its canaries, before the first byte.
5. Stream the subjects again: minimise to the flow's categories, apply forms,
   put canaries at random positions, write a file that appears only when
   complete; record sha256, row count and completion.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update

from trustkeep.canaries import Observer, hit_probability
from trustkeep.clock import isoformat
from trustkeep.errors import InvalidInput
from trustkeep.exports import canary_select, canary_store
from trustkeep.exports.forms import apply
from trustkeep.exports.output import SafeOutput
from trustkeep.exports.policy import ExportRefused, check_flow
from trustkeep.exports.rows import FORMATS, live_subjects, ordered, writer_for
from trustkeep.model.parties import Flow, Partner
from trustkeep.store.tables import exports, subjects
from trustkeep.vault.codec import Codec
from trustkeep.vault.context import codec_for
from trustkeep.workspace import Workspace

Progress = Callable[[int], None]
# Decrypted for every subject while learning; whole rows only for the reservoir sample.
PROFILE_CORE = frozenset({"email", "first_name", "last_name"})


def new_export_id() -> str:
    return f"exp_{secrets.token_hex(8)}"


def build_export(
    ws: Workspace,
    flow_id: str,
    out: Path,
    fmt: str = "csv",
    progress: Progress | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Carry out `flow_id` into `out`; returns the manifest."""
    if fmt not in FORMATS:
        raise InvalidInput(f"--as must be one of {', '.join(FORMATS)}")
    flow, partner = check_flow(ws.model, flow_id, ws.clock().date())
    domains = ws.model.canaries.domains
    if not domains:
        raise ExportRefused(
            "no canary domains configured", hint="set canaries.domains in trustkeep.yaml"
        )
    if out.exists():
        raise InvalidInput(f"{out} exists; refusing to overwrite it")
    rng = rng or random.SystemRandom()
    with ws.store.write() as conn:
        codec = codec_for(ws, conn)
    observer, real_rows = _learn(ws, codec, rng)
    if real_rows == 0:
        raise ExportRefused("the vault holds no subjects to export")
    manifest, records = _prepare(ws, codec, flow, partner, observer, real_rows, out, fmt, rng)
    try:
        _write(ws, codec, flow, partner, manifest, records, real_rows, out, fmt, rng, progress)
    except BaseException:
        _set_status(ws, manifest, "failed")
        raise
    return manifest


def _learn(ws: Workspace, codec: Codec, rng: random.Random) -> tuple[Observer, int]:
    columns = list(ws.model.standard.categories)
    with ws.store.read() as conn:
        expected = conn.execute(
            select(func.count()).select_from(subjects).where(subjects.c.erased_at.is_(None))
        ).scalar()
    observer = Observer(columns, max(1, int(expected or 0)), rng)
    count = 0
    rest = frozenset(columns) - PROFILE_CORE
    for batch in live_subjects(ws.store):
        for row in batch:
            dek = codec.data_key(row)
            core = codec.open(row, dek=dek, categories=PROFILE_CORE)

            def whole(
                row: Any = row, dek: Any = dek, core: dict[str, str] = core
            ) -> dict[str, str]:
                return {**core, **codec.open(row, dek=dek, categories=rest)}

            observer.observe_lazy(core, whole)
        count += len(batch)
    return observer, count


def _settings(ws: Workspace, flow: Flow) -> tuple[float, float, float]:
    defaults = ws.model.canaries
    own = flow.canaries
    return (
        (own.probability if own and own.probability else None) or defaults.probability,
        (own.leak_fraction if own and own.leak_fraction else None) or defaults.leak_fraction,
        (own.max_share if own and own.max_share else None) or defaults.max_share,
    )


def _prepare(
    ws: Workspace,
    codec: Codec,
    flow: Flow,
    partner: Partner,
    observer: Observer,
    real_rows: int,
    out: Path,
    fmt: str,
    rng: random.Random,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    probability, leak_fraction, max_share = _settings(ws, flow)
    export_id = new_export_id()
    now = ws.clock()
    with ws.store.write() as conn:
        chosen = canary_select.select(
            conn,
            codec,
            partner.id,
            observer.profile(),
            ws.model.canaries,
            (real_rows, probability, leak_fraction, max_share),
            rng,
            now,
        )
        reused_ids = [cid for cid, _ in chosen.reused]
        manifest = _manifest(
            export_id, flow, partner, chosen, (probability, leak_fraction), out, fmt, now
        )
        conn.execute(
            insert(exports).values(
                id=export_id,
                flow_id=flow.id,
                partner_id=partner.id,
                status="pending",
                created_at=now,
                manifest=json.dumps(manifest, sort_keys=True),
            )
        )
        canary_store.link(conn, export_id, reused_ids, chosen.fresh_ids)
        ws.audit.record(
            conn,
            ws.actor,
            "exports.start",
            target_kind="export",
            target_id=export_id,
            purpose=flow.purpose,
            details={
                "flow": flow.id,
                "partner": partner.id,
                "canaries": manifest["canaries"]["count"],
                "controls": len(chosen.control_ids),
            },
        )
    reused, fresh = chosen.reused, chosen.fresh
    records = [values for _, values in reused] + fresh
    rng.shuffle(records)
    return manifest, records


def _manifest(
    export_id: str,
    flow: Flow,
    partner: Partner,
    chosen: canary_select.Selection,
    target: tuple[float, float],
    out: Path,
    fmt: str,
    now: datetime,
) -> dict[str, Any]:
    probability, leak_fraction = target
    coverage = flow.categories.get("email") == "plain"
    reused = [cid for cid, _ in chosen.reused]
    count = len(reused) + len(chosen.fresh_ids)
    touch = hit_probability_for(chosen, count, leak_fraction)
    warnings = []
    if not coverage:
        warnings.append(
            "email does not travel plain in this flow: canaries cannot be mailed, "
            "so this export has no mail-canary coverage"
        )
    if chosen.leak_alert_probability < probability:
        warnings.append(
            f"canaries capped at max_share: a leak of {leak_fraction:g} of the rows raises a "
            f"`leak` alert with probability {chosen.leak_alert_probability:.4f} instead of "
            f"{probability} ({chosen.unguessable} of {count} canaries are unguessable)"
        )
    return {
        "export_id": export_id,
        "flow": flow.id,
        "partner": partner.id,
        "purpose": flow.purpose,
        "status": "pending",
        "created_at": isoformat(now),
        "format": fmt,
        "path": str(out.absolute()),
        "fields": dict(flow.categories),
        "canaries": {
            "count": count,
            "ids": sorted(reused + chosen.fresh_ids),
            "fresh_ids": sorted(chosen.fresh_ids),
            "unguessable": chosen.unguessable,
            "leak_fraction": leak_fraction,
            "target_probability": probability,
            # A leak of `leak_fraction` holds a canary (touch) / an unguessable one (leak alert).
            "achieved_probability": touch,
            "leak_alert_probability": chosen.leak_alert_probability,
            "capped": chosen.leak_alert_probability < probability,
        },
        "mail_canary_coverage": coverage,
        "warnings": warnings,
    }


def hit_probability_for(chosen: canary_select.Selection, count: int, fraction: float) -> float:
    real = chosen.real_rows
    return hit_probability(real + count, count, fraction) if count else 0.0


def _write(
    ws: Workspace,
    codec: Codec,
    flow: Flow,
    partner: Partner,
    manifest: dict[str, Any],
    records: list[dict[str, str]],
    planned_rows: int,
    out: Path,
    fmt: str,
    rng: random.Random,
    progress: Progress | None,
) -> None:
    columns = list(flow.categories)
    needed = set(columns)
    token_key = ws.keyring.token_key(partner.id) if "token" in flow.categories.values() else b""

    def transform(values: dict[str, str]) -> list[str]:
        cells = ordered(values, columns)
        return [
            apply(flow.categories[c], c, v, token_key) for c, v in zip(columns, cells, strict=True)
        ]

    # Canary slots: uniformly random among all rows, decided before writing.
    slots = sorted(rng.sample(range(planned_rows + len(records)), len(records)))
    slots.reverse()
    pending = list(records)
    index = real = 0
    with SafeOutput(out, manifest["export_id"]) as output:
        assert output.stream is not None
        writer = writer_for(fmt, output.stream, columns)
        writer.header()
        for batch in live_subjects(ws.store):
            for row in batch:
                while slots and slots[-1] == index:
                    slots.pop()
                    writer.row(transform(pending.pop()))
                    index += 1
                writer.row(transform(codec.open(row, categories=needed)))
                real += 1
                index += 1
            if progress:
                progress(len(batch))
        for record in reversed(pending):  # the list shrank since pass 1: canaries go last
            writer.row(transform(record))
            index += 1
        writer.close()
        digest, size = output.commit()
    written = index
    manifest.update(
        status="complete",
        completed_at=isoformat(ws.clock()),
        rows=written,
        real_rows=real,
        sha256=digest,
        bytes=size,
    )
    with ws.store.write() as conn:
        conn.execute(
            update(exports)
            .where(exports.c.id == manifest["export_id"])
            .values(
                status="complete",
                completed_at=ws.clock(),
                manifest=json.dumps(manifest, sort_keys=True),
            )
        )
        ws.audit.record(
            conn,
            ws.actor,
            "exports.complete",
            target_kind="export",
            target_id=manifest["export_id"],
            details={"rows": written, "sha256": digest},
        )


def _set_status(ws: Workspace, manifest: dict[str, Any], status: str) -> None:
    manifest["status"] = status
    with ws.store.write() as conn:
        conn.execute(
            update(exports)
            .where(exports.c.id == manifest["export_id"])
            .values(status=status, manifest=json.dumps(manifest, sort_keys=True))
        )
