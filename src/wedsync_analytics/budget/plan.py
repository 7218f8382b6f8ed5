"""A measured plan (EXPLAIN ANALYZE BUFFERS, JSON): its shape, its requirements, its trim.

The shape is the plan with every number removed: node types, relations, indexes, join
and aggregate strategies, keys and conditions, each digit run replaced by `N` (so
generated partition, temp and InitPlan names compare equal). Two runs on the same data
and statistics give the same shape; a different shape means the planner chose otherwise.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# Plan properties that belong to the shape (no counts or times).
_SHAPE_KEYS = (
    "Strategy",
    "Partial Mode",
    "Join Type",
    "Parent Relationship",
    "Subplan Name",
    "Scan Direction",
    "Sort Key",
    "Group Key",
    "Hash Cond",
    "Merge Cond",
    "Join Filter",
    "Index Cond",
    "Recheck Cond",
    "Filter",
    "One-Time Filter",
    "Function Name",
    "CTE Name",
)
TRIM_SHARE = 0.05  # a node that reads at least this share of the buffers is kept in a trim


@dataclass(frozen=True)
class Node:
    """One plan node, flattened: its depth, label, shape line and own figures."""

    depth: int
    label: str
    relation: str | None
    index: str | None
    node_type: str
    shape: str
    buffers: int  # hit + read of the node and its children
    self_buffers: int
    rows: int
    loops: int
    disk_sort: bool
    text: str


def _mask(text: str) -> str:
    return _DIGITS.sub("N", text)


def _label(node: dict[str, Any]) -> str:
    label = str(node["Node Type"])
    if "Index Name" in node:
        label += f" using {node['Index Name']}"
    if "Relation Name" in node:
        label += f" on {node['Relation Name']}"
    return label


def flatten(plan: dict[str, Any]) -> list[Node]:
    """Every node of a JSON plan (`doc["Plan"]`), depth first."""
    out: list[Node] = []
    _walk(plan, 0, out)
    return out


def _buffers(node: dict[str, Any]) -> int:
    return int(node.get("Shared Hit Blocks", 0)) + int(node.get("Shared Read Blocks", 0))


def _walk(node: dict[str, Any], depth: int, out: list[Node]) -> None:
    label = _label(node)
    props = [f"{k}: {node[k]}" for k in _SHAPE_KEYS if k in node]
    shape = _mask(f"{'  ' * depth}-> {label}" + (f" [{'; '.join(props)}]" if props else ""))
    children = node.get("Plans", [])
    total = _buffers(node)
    own = max(0, total - sum(_buffers(c) for c in children))
    loops = int(node.get("Actual Loops", 1)) or 1
    rows = int(node.get("Actual Rows", 0)) * loops
    disk = node.get("Sort Space Type") == "Disk" or "external" in str(node.get("Sort Method", ""))
    extra = [
        f"{k}: {node[k]}"
        for k in ("Index Cond", "Filter", "Rows Removed by Filter", "Sort Method", "Heap Fetches")
        if k in node
    ]
    text = f"{'  ' * depth}-> {label} (rows={rows} loops={loops} buffers={total})" + (
        f" [{'; '.join(extra)}]" if extra else ""
    )
    out.append(
        Node(
            depth,
            label,
            node.get("Relation Name"),
            node.get("Index Name"),
            str(node["Node Type"]),
            shape,
            total,
            own,
            rows,
            loops,
            disk,
            text,
        )
    )
    for child in children:
        _walk(child, depth + 1, out)


def shape_text(nodes: list[Node]) -> str:
    return "\n".join(n.shape for n in nodes) + "\n"


def shape_diff(old: str, new: str, name: str) -> str:
    """A unified diff of two shapes (empty when equal)."""
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            f"{name} (snapshot)",
            f"{name} (now)",
        )
    )


def requirement_breaches(
    nodes: list[Node],
    no_seq_scan_on: tuple[str, ...],
    uses_any_of: tuple[str, ...],
    no_disk_sort: bool,
) -> tuple[list[str], set[int]]:
    """Each plan requirement that does not hold, and the positions of the offending nodes."""
    breaches: list[str] = []
    offending: set[int] = set()
    for i, node in enumerate(nodes):
        if node.node_type == "Seq Scan" and node.relation in no_seq_scan_on:
            breaches.append(f"Seq Scan on {node.relation}")
            offending.add(i)
        if no_disk_sort and node.disk_sort:
            breaches.append(f"{node.label} spills to disk")
            offending.add(i)
    if uses_any_of:
        names = {n.index for n in nodes} | {n.relation for n in nodes}
        if not names & set(uses_any_of):
            breaches.append(f"uses none of {', '.join(uses_any_of)}")
    return breaches, offending


def trimmed(nodes: list[Node], offending: set[int]) -> str:
    """The plan cut to the nodes that matter: offending ones, those that read at least
    TRIM_SHARE of the buffers, and their ancestors; `...` marks what was left out."""
    total = nodes[0].buffers if nodes else 0
    keep = {0} | set(offending)
    keep |= {i for i, n in enumerate(nodes) if total and n.self_buffers >= TRIM_SHARE * total}
    for i in sorted(keep):
        depth = nodes[i].depth
        for j in range(i - 1, -1, -1):  # ancestors: the nearest shallower node, repeatedly
            if nodes[j].depth < depth:
                keep.add(j)
                depth = nodes[j].depth
    lines: list[str] = []
    for i, node in enumerate(nodes):
        if i in keep:
            lines.append(node.text + ("   <-- breach" if i in offending else ""))
        elif not lines or lines[-1].strip() != "...":
            lines.append(f"{'  ' * node.depth}...")
    return "\n".join(lines)
