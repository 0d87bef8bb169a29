"""Pagination and the request bodies the API shares."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel, Field

Limit = Annotated[int, Query(ge=1, le=200, description="Items per page.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip.")]


class Page(BaseModel):
    items: list[dict[str, Any]]
    limit: int
    offset: int
    next_offset: int | None = Field(description="Offset of the next page; null on the last.")


def page(items: list[dict[str, Any]], limit: int, offset: int, *, sliced: bool) -> Page:
    """A page from items already limited by the query (`sliced`) or to be sliced here."""
    window = items if sliced else items[offset : offset + limit + 1]
    more = len(window) > limit
    return Page(
        items=window[:limit],
        limit=limit,
        offset=offset,
        next_offset=offset + limit if more else None,
    )


class Purpose(BaseModel):
    purpose: str = Field(min_length=1, max_length=500, description="Why (audited).")


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="How it was resolved.")


class EmailQuery(BaseModel):
    email: str = Field(min_length=3, max_length=320, description="Sent in the body, never a URL.")
