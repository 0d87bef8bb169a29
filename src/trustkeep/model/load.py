"""Read trustkeep.yaml safely and report errors with file, line and reason."""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from trustkeep.errors import ModelError
from trustkeep.model.document import Model

MAX_BYTES = 4 * 1024 * 1024
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_mapping(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise ModelError(f"{path}: larger than {MAX_BYTES // 1024 // 1024} MiB")
    try:
        text = raw.decode("utf-8")
        _refuse_duplicate_keys(path, yaml.compose(text, Loader=_LOADER))
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (C if built)
    except UnicodeDecodeError:
        raise ModelError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ModelError(f"{where}: {getattr(exc, 'problem', None) or 'invalid YAML'}") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path}:1: expected a mapping of keys at the top")
    return text, data


MERGED_LISTS = ("boundaries", "systems", "partners", "flows", "accepted_risks")
MAX_INCLUDES = 64


def _resolve_includes(path: Path, data: dict[str, Any]) -> None:
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
        _, fragment = _read_mapping(target)
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


def _include_list(where: Path, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ModelError(f"{where}: include must be a list of file names")
    return value


def load_model(path: Path) -> Model:
    """Parse and validate a model file; every error names `file:line` and what is wrong."""
    text, data = _read_mapping(path)
    _resolve_includes(path, data)
    try:
        return Model.model_validate(data)
    except ValidationError as exc:
        # An unknown key usually explains the "missing" errors around it: report it first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        location = ".".join(str(part) for part in first["loc"]) or "(top)"
        line = _line_of(yaml.compose(text, Loader=_LOADER), first["loc"])
        message = first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown key" + _did_you_mean(str(first["loc"][-1]))
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ModelError(f"{path}:{line}: {location}: {message}{more}") from None


def _refuse_duplicate_keys(path: Path, node: Any) -> None:
    """YAML lets a repeated key silently win; in a policy file that hides mistakes."""
    todo = [node]
    while todo:
        current = todo.pop()
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
    for name, field in model.model_fields.items():
        seen.add(name)
        for candidate in (field.annotation, *getattr(field.annotation, "__args__", ())):
            for inner in (candidate, *getattr(candidate, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel) and inner is not model:
                    _known_keys(inner, seen)
    return seen


def _did_you_mean(key: str) -> str:
    close = difflib.get_close_matches(key, sorted(_known_keys(Model)), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _line_of(node: Any, loc: tuple[int | str, ...]) -> int:
    """The 1-based line of the YAML node at a pydantic location, or its nearest parent."""
    line = (node.start_mark.line + 1) if node is not None else 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            key = next((k for k, _ in node.value if k.value == part), None)
            if match is None:
                return line
            line = (key.start_mark.line + 1) if key is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line
