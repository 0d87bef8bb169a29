"""Data-map findings and diagram (filled in when the map capability lands)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/map", tags=["map"])
