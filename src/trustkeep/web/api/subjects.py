"""Subjects: count, look up, describe; reveal only with the reveal scope and a purpose."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, Request

from trustkeep import vault
from trustkeep.web.api.paging import EmailQuery, Purpose
from trustkeep.web.deps import Caller, acting, guarded, workspace_of

router = APIRouter(prefix="/subjects", tags=["subjects"])
SubjectId = Path(min_length=1, max_length=40)


@router.get("/count", **guarded("subjects:read"))
def count(request: Request) -> dict[str, int]:
    """Live and erased subjects."""
    return vault.count(workspace_of(request))


@router.post("/lookup", **guarded("subjects:read"))
def lookup(body: EmailQuery, request: Request, who: Caller) -> dict[str, list[str]]:
    """Ids of subjects with this email (the address goes in the body, never a URL)."""
    ws = acting(workspace_of(request), who)
    return {"subject_ids": vault.lookup_email(ws, body.email)}


@router.get("/{subject_id}", **guarded("subjects:read"))
def describe(request: Request, subject_id: str = SubjectId) -> dict[str, Any]:
    """What is held about a subject: categories and dates, never values."""
    return vault.describe(workspace_of(request), subject_id)


@router.post("/{subject_id}/reveal", **guarded("subjects:reveal"))
def reveal(
    body: Purpose, request: Request, who: Caller, subject_id: str = SubjectId
) -> dict[str, Any]:
    """A subject's plaintext; audited with the caller and the purpose before it is returned."""
    ws = acting(workspace_of(request), who)
    return {"subject_id": subject_id, "values": vault.reveal(ws, subject_id, body.purpose)}
