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


def load_model(path: Path) -> Model:
    """Parse and validate a model file; every error names `file:line` and what is wrong."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model ({exc.strerror})") from None
    if len(raw) > MAX_BYTES:
        raise ModelError(f"{path}: model is larger than {MAX_BYTES // 1024 // 1024} MiB")
    try:
        text = raw.decode("utf-8")
        _refuse_duplicate_keys(path, yaml.compose(text, Loader=_LOADER))
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader (C if built)
    except UnicodeDecodeError:
        raise ModelError(f"{path}: the model is not UTF-8 text") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        reason = getattr(exc, "problem", None) or "invalid YAML"
        raise ModelError(f"{where}: {reason}") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path}:1: the model must be a mapping with `version: 1` at the top")
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
