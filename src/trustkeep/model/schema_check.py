"""Validate trustkeep.yaml against the published JSON Schema (Draft 2020-12), with lines.

The schema is the one `python -m trustkeep.model.schema` publishes under docs/
(a test keeps the two identical), so a model that passes here passes any other
JSON Schema validator a user points at the published file.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "nothing (null)",
}


@dataclass(frozen=True)
class Problem:
    """One schema violation: where (a path of keys and indexes) and what is wrong."""

    path: tuple[str | int, ...]
    message: str
    unknown_key: bool = False


@functools.cache
def _validator() -> Draft202012Validator:
    # Imported here: `python -m trustkeep.model.schema` must not find itself pre-imported.
    from trustkeep.model.schema import json_schema

    schema = json_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(_equivalent(schema, schema.get("$defs", {})))


_NOT_MERGEABLE = {"enum", "const", "anyOf", "allOf", "oneOf", "not", "$ref", "if", "default"}


def _equivalent(node: Any, defs: dict[str, Any]) -> Any:
    """The same schema, faster to evaluate: `$ref`s inlined, `X | None` as one type list.

    Collapsing `anyOf: [{type: T, ...}, {type: null}]` into `{type: [T, null], ...}` keeps
    the meaning: every other keyword used here (properties, pattern, minimum, ...) only
    constrains values of its own type. Large maps validate about twice as fast.
    """
    if isinstance(node, list):
        return [_equivalent(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node and str(node["$ref"]).startswith("#/$defs/"):
        target = _equivalent(defs[node["$ref"].removeprefix("#/$defs/")], defs)
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    out = {k: _equivalent(v, defs) for k, v in node.items() if k != "$defs"}
    branches = out.get("anyOf")
    if isinstance(branches, list) and len(branches) == 2 and {"type": "null"} in branches:
        other = next(b for b in branches if b != {"type": "null"})
        simple = isinstance(other, dict) and isinstance(other.get("type"), str)
        if simple and not _NOT_MERGEABLE & set(other):
            del out["anyOf"]
            out.update(other)
            out["type"] = [other["type"], "null"]
    return out


def as_json(value: Any) -> Any:
    """The YAML data as JSON would carry it: dates as ISO text, keys as text, no NaN."""
    if isinstance(value, dict):
        return {str(k) if not isinstance(k, str) else k: as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [as_json(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def problems(data: dict[str, Any]) -> list[Problem]:
    """Every schema violation, unknown keys first, in document order otherwise."""
    found: list[Problem] = []
    for error in _validator().iter_errors(as_json(data)):
        found.extend(_explain(error))
    found.sort(key=lambda p: not p.unknown_key)
    return found


def _explain(error: SchemaError) -> Iterator[Problem]:
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and error.validator_value is False:
        schema = error.schema if isinstance(error.schema, dict) else {}
        allowed = sorted(schema.get("properties", {}))
        instance = error.instance if isinstance(error.instance, dict) else {}
        for key in instance:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else ""
                yield Problem((*path, key), f"unknown key{suffix}", unknown_key=True)
        return
    if error.validator in ("anyOf", "oneOf") and error.context:
        # An optional value (`X | None`): explain the branch that came closest.
        deeper = [e for e in error.context if len(e.absolute_path) > len(error.absolute_path)]
        if deeper:
            for sub in deeper:
                yield from _explain(sub)
            return
        wanted = sorted(
            {
                _TYPE_NAMES.get(str(e.validator_value), str(e.validator_value))
                for e in error.context
                if e.validator == "type"
            }
        )
        if wanted:
            yield Problem(path, f"expected {' or '.join(wanted)}")
            return
        inner = [e for e in error.context if e.validator != "type"]
        if inner:
            yield from _explain(inner[0])
            return
    yield Problem(path, _message(error))


def _message(error: SchemaError) -> str:
    """A reason that names what is expected, never the offending value."""
    kind, expected = error.validator, cast(Any, error.validator_value)
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        return "expected " + " or ".join(_TYPE_NAMES.get(str(n), str(n)) for n in names)
    if kind == "required":
        missing = [
            k for k in expected if isinstance(error.instance, dict) and k not in error.instance
        ]
        return f"missing key {missing[0]!r}" if missing else "a required key is missing"
    if kind == "enum":
        return "must be one of " + ", ".join(str(v) for v in expected)
    if kind == "const":
        return f"must be {expected!r}"
    if kind == "pattern":
        return (
            "not an id (lowercase words joined by - or _)"
            if "a-z0-9" in str(expected)
            else (f"does not match the pattern {expected}")
        )
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "exclusiveMinimum": "more than",
            "maximum": "at most",
            "exclusiveMaximum": "less than",
        }
        return f"must be {words[str(kind)]} {expected}"
    if kind in ("minItems", "minProperties"):
        return f"needs at least {expected} item{'s' if expected != 1 else ''}"
    if kind in ("minLength",):
        return "must not be empty"
    return f"fails the schema's {kind!r} check"


def line_of(node: Any, loc: Sequence[int | str]) -> int:
    """The 1-based line of the YAML node at a location, or of its nearest parent."""
    line = (node.start_mark.line + 1) if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == str(part)), None)
            if pair is None:
                return line
            line = pair[0].start_mark.line + 1
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
