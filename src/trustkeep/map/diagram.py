"""The map as a picture: Mermaid text, or Graphviz DOT rendered to SVG by `dot`.

Edges are coloured by the highest tier they carry (strictest in red); places and
flows with findings are marked with a warning sign and a red outline.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from trustkeep.errors import EnvironmentProblem
from trustkeep.map.findings import Finding
from trustkeep.map.graph import MapIndex
from trustkeep.model.parties import VAULT

_PALETTE = ["#2e7d32", "#f9a825", "#ef6c00", "#c62828", "#6a1b9a", "#283593"]
MAX_DOT_SECONDS = 120


@dataclass(frozen=True)
class Picture:
    """What both renderings draw: nodes grouped by boundary, edges with tier colours."""

    nodes: list[tuple[str, str, str, str | None, bool]]  # id, label, kind, boundary, flagged
    edges: list[tuple[str, str, str, str | None, bool, bool]]  # from, to, label, tier, flagged, sub
    colours: dict[str, str]


def picture(index: MapIndex, findings: list[Finding]) -> Picture:
    flagged = {f.target for f in findings}
    ranks = sorted(index.tier_rank, key=lambda t: index.tier_rank[t])
    colours = {t: _PALETTE[min(i, len(_PALETTE) - 1)] for i, t in enumerate(ranks)}
    if ranks:
        colours[ranks[-1]] = "#c62828"
    nodes: list[tuple[str, str, str, str | None, bool]] = []
    if index.flows_out.get(VAULT) or index.flows_in.get(VAULT):
        nodes.append((VAULT, "Trustkeep vault", "vault", None, False))
    for s in index.model.systems:
        nodes.append((s.id, s.name or s.id, "system", s.boundary, s.id in flagged))
    for p in index.model.partners:
        nodes.append(
            (
                p.id,
                f"{p.name or p.id} ({p.role}, {p.country or '?'})",
                "partner",
                p.boundary,
                p.id in flagged,
            )
        )
    edges: list[tuple[str, str, str, str | None, bool, bool]] = []
    for flow in index.model.flows:
        label = f"{flow.id}: {', '.join(f'{c} {f}' for c, f in flow.categories.items())}"
        edges.append(
            (
                flow.from_,
                flow.to,
                label,
                index.highest_tier(flow.categories),
                flow.id in flagged,
                False,
            )
        )
    for p in index.model.partners:
        for sub in p.sub_processors:
            tier = index.highest_tier(index.holds.get(sub, {}))
            edges.append((p.id, sub, "sub-processor", tier, False, True))
    return Picture(nodes, edges, colours)


def _q(text: str) -> str:
    """Text safe inside a double-quoted label of Mermaid or DOT."""
    return text.replace("\\", "/").replace('"', "'").replace("\n", " ").replace("|", "/")


def mermaid(pic: Picture) -> str:
    """A Mermaid flowchart (GitHub renders it inline in Markdown)."""
    # Numbered node ids: Mermaid misreads some hyphenated ids as arrows.
    ids = {node[0]: f"n{i}" for i, node in enumerate(pic.nodes)}
    lines = ["flowchart LR"]
    groups: dict[str | None, list[str]] = {}
    for node_id, label, kind, boundary, flagged in pic.nodes:
        text = _q(("⚠ " if flagged else "") + label)
        shape = {"vault": f'[("{text}")]', "partner": f'(["{text}"])'}.get(kind, f'["{text}"]')
        groups.setdefault(boundary, []).append(f"{ids[node_id]}{shape}")
    for number, (boundary, members) in enumerate(groups.items()):
        if boundary is None:
            lines.extend(f"  {m}" for m in members)
        else:
            lines.append(f'  subgraph b{number}["{_q(boundary)}"]')
            lines.extend(f"    {m}" for m in members)
            lines.append("  end")
    for number, (src, dst, label, tier, flagged, sub) in enumerate(pic.edges):
        arrow = "-.->" if sub else "-->"
        mark = "⚠ " if flagged else ""
        lines.append(f'  {ids[src]} {arrow}|"{_q(mark + label)}"| {ids[dst]}')
        colour = pic.colours.get(tier or "", "#757575")
        width = 4 if flagged else 2
        lines.append(f"  linkStyle {number} stroke:{colour},stroke-width:{width}px")
    flagged_nodes = [ids[n[0]] for n in pic.nodes if n[4]]
    if flagged_nodes:
        lines.append("  classDef finding stroke:#c62828,stroke-width:3px")
        lines.append(f"  class {','.join(flagged_nodes)} finding")
    legend = ", ".join(f"{t}={c}" for t, c in pic.colours.items())
    lines.append(f"  %% edge colours by highest tier: {legend}")
    return "\n".join(lines) + "\n"


def dot(pic: Picture) -> str:
    """Graphviz DOT source of the same picture."""
    lines = [
        "digraph trustkeep {",
        '  rankdir=LR; node [fontname="Helvetica"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    groups: dict[str | None, list[str]] = {}
    for node_id, label, kind, boundary, flagged in pic.nodes:
        shape = {"vault": "cylinder", "system": "box", "partner": "ellipse"}[kind]
        style = ', color="#c62828", penwidth=3' if flagged else ""
        mark = "⚠ " if flagged else ""
        groups.setdefault(boundary, []).append(
            f'"{node_id}" [label="{_q(mark + label)}", shape={shape}{style}];'
        )
    for number, (boundary, members) in enumerate(groups.items()):
        if boundary is None:
            lines.extend(f"  {m}" for m in members)
        else:
            lines.append(f'  subgraph cluster_{number} {{ label="{_q(boundary)}"; style=dashed;')
            lines.extend(f"    {m}" for m in members)
            lines.append("  }")
    for src, dst, label, tier, flagged, sub in pic.edges:
        colour = pic.colours.get(tier or "", "#757575")
        style = "dashed" if sub else "solid"
        mark = "⚠ " if flagged else ""
        width = 3 if flagged else 1.5
        lines.append(
            f'  "{src}" -> "{dst}" [label="{_q(mark + label)}", color="{colour}", '
            f'fontcolor="{colour}", style={style}, penwidth={width}];'
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(source: str, out: Path) -> None:
    """Run Graphviz's `dot` (Debian package `graphviz`) to write an SVG file."""
    binary = shutil.which("dot")
    if binary is None:
        raise EnvironmentProblem(
            "Graphviz's `dot` is not installed", hint="apt-get install graphviz, or use --mermaid"
        )
    try:
        done = subprocess.run(
            [binary, "-Tsvg", "-o", str(out)],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=MAX_DOT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise EnvironmentProblem(f"dot took longer than {MAX_DOT_SECONDS}s") from None
    if done.returncode != 0:
        raise EnvironmentProblem(
            f"dot failed (exit {done.returncode})",
            hint=done.stderr.decode("utf-8", "replace")[:200],
        )
