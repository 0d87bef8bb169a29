"""Read trustkeep.yaml safely and report errors with file, line and reason.

Three gates, in order: safe YAML (size-limited, duplicate keys refused), the
published JSON Schema (jsonschema, Draft 2020-12: shapes, types, unknown keys
with "did you mean"), then the pydantic models (cross-references, durations).
Every error names the file and line it comes from, fragments included.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from trustkeep.errors import ModelError
from trustkeep.model.document import Model
from trustkeep.model.schema_check import line_of, problems

MAX_BYTES = 4 * 1024 * 1024
MAX_INCLUDES = 64
# Aliases let a small file expand into a huge (or endless) tree: cap the nodes walked.
MAX_NODES = 2_000_000
MERGED_LISTS = ("boundaries", "systems", "partners", "flows", "accepted_risks")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class _Sources:
    """Where each part of the merged document came from, to name file:line in errors."""

    path: Path
    root: Any
    items: dict[str, list[tuple[Path, Any]]] = field(default_factory=dict)

    def add(self, path: Path, node: Any) -> None:
        if not isinstance(node, yaml.MappingNode):
            return
        for key, value in node.value:
            if key.value in MERGED_LISTS and isinstance(value, yaml.SequenceNode):
                self.items.setdefault(key.value, []).extend((path, n) for n in value.value)

    def scalar(self, value: str) -> str | None:
        """file:line of the first scalar equal to `value` (for a reference to an unknown id)."""
        roots = [(self.path, self.root)]
        roots += [(p, n) for entries in self.items.values() for p, n in entries if p != self.path]
        for path, node in roots:
            todo = deque([node])
            while todo:
                current = todo.popleft()
                if isinstance(current, yaml.ScalarNode) and current.value == value:
                    return f"{path}:{current.start_mark.line + 1}"
                if isinstance(current, yaml.MappingNode):
                    todo.extend(v for pair in current.value for v in pair)
                elif isinstance(current, yaml.SequenceNode):
                    todo.extend(current.value)
        return None

    def repeated_id(self, value: str) -> str | None:
        """file:line of the `id: value` that repeats an earlier one (ids are checked in
        systems, partners, flows order), or of the only one (an id that takes `vault`)."""
        found = [
            f"{path}:{v.start_mark.line + 1}"
            for kind in ("systems", "partners", "flows")
            for path, node in self.items.get(kind, ())
            if isinstance(node, yaml.MappingNode)
            for k, v in node.value
            if k.value == "id" and isinstance(v, yaml.ScalarNode) and v.value == value
        ]
        return found[1] if len(found) > 1 else (found[0] if found else None)

    def where(self, loc: tuple[int | str, ...]) -> str:
        if len(loc) >= 2 and isinstance(loc[1], int) and str(loc[0]) in self.items:
            entries = self.items[str(loc[0])]
            if loc[1] < len(entries):
                path, node = entries[loc[1]]
                return f"{path}:{line_of(node, loc[2:])}"
        return f"{self.path}:{line_of(self.root, loc)}"


def _read_mapping(path: Path) -> tuple[Any, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise ModelError(f"{path}: larger than {MAX_BYTES // 1024 // 1024} MiB")
    try:
        text = raw.decode("utf-8")
        node = yaml.compose(text, Loader=_LOADER)
        _refuse_duplicate_keys(path, node)
        data = _construct(node)
    except UnicodeDecodeError:
        raise ModelError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ModelError(f"{where}: {getattr(exc, 'problem', None) or 'invalid YAML'}") from None
    except RecursionError:
        raise ModelError(f"{path}: nested too deeply") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path}:1: expected a mapping of keys at the top")
    return node, data


_STR = "tag:yaml.org,2002:str"


def _construct(node: Any, safe: yaml.SafeLoader | None = None) -> Any:
    """Python data from composed nodes, parsing the text once (a second parse doubles load
    time on large maps); unusual nodes (merge keys, sets, binary) go to the safe constructor.
    """
    if node is None:
        return None
    # One loader per document: the safe constructor caches objects and is not thread-safe.
    safe = safe if safe is not None else yaml.SafeLoader("")
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR:
            return node.value
        return safe.construct_object(node, deep=True)
    if isinstance(node, yaml.SequenceNode) and node.tag == "tag:yaml.org,2002:seq":
        return [_construct(item, safe) for item in node.value]
    plain_map = isinstance(node, yaml.MappingNode) and node.tag == "tag:yaml.org,2002:map"
    if plain_map and not any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value):
        result: dict[Any, Any] = {}
        for key, value in node.value:
            name = _construct(key, safe)
            try:
                result[name] = _construct(value, safe)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "found an unhashable key", key.start_mark
                ) from None
        return result
    return safe.construct_document(node)


def _resolve_includes(path: Path, data: dict[str, Any], sources: _Sources) -> None:
    """Merge `include:`d fragments (lists of boundaries, systems, partners, flows, risks).

    Fragments resolve inside the model's folder only, may include others, never in a
    loop, and at most MAX_INCLUDES files in all.
    """
    root = path.parent.resolve()
    seen = {path.resolve()}
    pending = [(path, item) for item in _include_list(path, data.get("include"))]
    while pending:
        parent, item = pending.pop(0)
        target = (parent.parent / item).resolve()
        if root not in target.parents:
            raise ModelError(f"{parent}: include {item!r} is outside the model's folder")
        if target in seen:
            raise ModelError(f"{parent}: include {item!r} is included twice (a loop?)")
        seen.add(target)
        if len(seen) > MAX_INCLUDES:
            raise ModelError(f"{path}: more than {MAX_INCLUDES} included files")
        if not target.is_file():
            raise ModelError(f"{parent}: include {item!r} is not a file in the model's folder")
        node, fragment = _read_mapping(target)
        for key, value in fragment.items():
            if key == "include":
                pending.extend((target, sub) for sub in _include_list(target, value))
            elif key in MERGED_LISTS and isinstance(value, list):
                data.setdefault(key, [])
                if not isinstance(data[key], list):
                    raise ModelError(f"{path}: {key} must be a list")
                data[key].extend(value)
            else:
                raise ModelError(
                    f"{target}: a fragment may only add {', '.join(MERGED_LISTS)}; found {key!r}"
                )
        sources.add(target, node)


def _include_list(where: Path, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ModelError(f"{where}: include must be a list of file names")
    return value


def load_model(path: Path) -> Model:
    """Parse and validate a model file; every error names `file:line` and what is wrong."""
    node, data = _read_mapping(path)
    sources = _Sources(path, node)
    sources.add(path, node)
    _resolve_includes(path, data, sources)
    found = problems(data)
    if found:
        first = found[0]
        location = ".".join(str(part) for part in first.path) or "(top)"
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ModelError(f"{sources.where(first.path)}: {location}: {first.message}{more}")
    try:
        return Model.model_validate(data)
    except ValidationError as exc:
        # An unknown key usually explains the "missing" errors around it: report it first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first_error = errors[0]
        loc = tuple(first_error["loc"])
        location = ".".join(str(part) for part in loc) or "(top)"
        message = first_error["msg"]
        if first_error["type"] == "extra_forbidden":
            message = "unknown key" + _did_you_mean(str(loc[-1]))
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        where = sources.where(loc)
        names = re.findall(r"'([a-z0-9_-]+)'", message)
        if not loc and names:
            # A cross-reference error: point at the name it is about, not the top.
            name = names[-1]
            spot = sources.repeated_id(name) if "twice" in message else sources.scalar(name)
            where = spot or where
        raise ModelError(f"{where}: {location}: {message}{more}") from None


def _refuse_duplicate_keys(path: Path, node: Any) -> None:
    """YAML lets a repeated key silently win; in a policy file that hides mistakes."""
    todo = [node]
    walked = 0
    while todo:
        current = todo.pop()
        walked += 1
        if walked > MAX_NODES:
            raise ModelError(f"{path}: more than {MAX_NODES} values (aliases expanding?)")
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        raise ModelError(
                            f"{path}:{key.start_mark.line + 1}: key {key.value!r} appears twice"
                        )
                    seen.add(key.value)
                todo.append(value)
        elif isinstance(current, yaml.SequenceNode):
            todo.extend(current.value)


def _known_keys(model: type[BaseModel], seen: set[str] | None = None) -> set[str]:
    """Every key name the model accepts, at any depth (for "did you mean")."""
    seen = set() if seen is None else seen
    for name, info in model.model_fields.items():
        seen.add(info.alias or name)
        for candidate in (info.annotation, *getattr(info.annotation, "__args__", ())):
            for inner in (candidate, *getattr(candidate, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner is not model:
                    _known_keys(inner, seen)
    return seen


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key, sorted(_known_keys(Model)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
