"""Where each id of a model is written (file and line), for SARIF and human output."""

from __future__ import annotations

from pathlib import Path

import yaml

from trustkeep.model.load import MERGED_LISTS

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _ids_in(path: Path, found: dict[str, tuple[Path, int]], tier_lines: bool) -> list[str]:
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    includes: list[str] = []
    if not isinstance(node, yaml.MappingNode):
        return includes
    for key, value in node.value:
        if key.value in MERGED_LISTS and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if isinstance(item, yaml.MappingNode):
                    for k, v in item.value:
                        if k.value == "id" and isinstance(v, yaml.ScalarNode):
                            found.setdefault(v.value, (path, v.start_mark.line + 1))
        elif key.value == "include" and isinstance(value, yaml.SequenceNode):
            includes.extend(str(i.value) for i in value.value if isinstance(i, yaml.ScalarNode))
        elif key.value == "standard" and tier_lines and isinstance(value, yaml.MappingNode):
            for k, v in value.value:
                if k.value == "tiers" and isinstance(v, yaml.MappingNode):
                    for tier, _ in v.value:
                        found.setdefault(tier.value, (path, tier.start_mark.line + 1))
    return includes


def locate_ids(model_path: Path) -> dict[str, tuple[Path, int]]:
    """Id -> (file, line) for systems, partners, flows and tiers; best effort, never raises."""
    found: dict[str, tuple[Path, int]] = {}
    root = model_path.parent.resolve()
    pending = [(model_path, True)]
    seen: set[Path] = set()
    while pending and len(seen) < 64:
        path, top = pending.pop(0)
        resolved = path.resolve()
        if resolved in seen or (not top and root not in resolved.parents):
            continue
        seen.add(resolved)
        for item in _ids_in(path, found, tier_lines=top):
            pending.append((path.parent / item, False))
    return found
