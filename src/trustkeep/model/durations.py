"""Durations as written in trustkeep.yaml: `30d`, `12w`, `6m`, `1y`."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

_PATTERN = re.compile(r"^\s*(\d{1,5})\s*([dwmy])\s*$")
_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}


def parse_days(text: object) -> int:
    """Days in a duration; months count 30 days and years 365."""
    if isinstance(text, int) and not isinstance(text, bool):
        raise ValueError("write durations with a unit: 30d, 12w, 6m or 1y")
    match = _PATTERN.match(str(text))
    if not match:
        raise ValueError("a duration is a number and a unit: 30d, 12w, 6m or 1y")
    return int(match.group(1)) * _DAYS[match.group(2)]


def _as_duration(value: object) -> str:
    parse_days(value)
    return str(value).strip()


Duration = Annotated[str, BeforeValidator(_as_duration)]
