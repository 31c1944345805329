"""Lays a flow graph out for the server-rendered SVG diagram of the admin.

Nodes sit where the ReactFlow builder put them (``position``), shifted so the
drawing starts at the margin; nodes without a usable position are stacked in
layers by their distance from the trigger. Edges are curves from the bottom of
the source to the top of the target, labelled with their ``sourceHandle``.
Errors from :func:`flows.graph.validate_graph` are attached to their node so the
template can highlight it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from flows.graph import GraphError
from flows.nodes import registry

NODE_WIDTH = 190
NODE_HEIGHT = 58
MARGIN = 30
LAYER_GAP = 120
SUMMARY_LENGTH = 28
SUMMARY_KEYS = ("label", "body", "subject", "event_type", "url", "amount", "mode")

CATEGORY_BY_TYPE = {
    "trigger": "start",
    "end": "end",
    "condition": "logic",
    "delay": "logic",
    "update_contact": "data",
    "webhook": "data",
}


@dataclass
class DiagramNode:
    id: str
    type: str
    title: str
    summary: str
    x: float
    y: float
    errors: list[str] = field(default_factory=list)
    width: int = NODE_WIDTH
    height: int = NODE_HEIGHT

    @property
    def category(self) -> str:
        return CATEGORY_BY_TYPE.get(self.type, "send" if registry.get(self.type) else "unknown")

    @property
    def center_x(self) -> float:
        return self.x + self.width / 2


@dataclass
class DiagramEdge:
    id: str
    path: str
    label: str
    label_x: float
    label_y: float


@dataclass
class Diagram:
    nodes: list[DiagramNode]
    edges: list[DiagramEdge]
    width: float
    height: float
    general_errors: list[GraphError]

    @property
    def node_errors(self) -> list[DiagramNode]:
        return [node for node in self.nodes if node.errors]


def build_diagram(graph: Any, errors: list[GraphError]) -> Diagram:
    """A drawable layout of ``graph`` with ``errors`` attached to their nodes."""
    raw_nodes = [n for n in (graph or {}).get("nodes", []) if isinstance(n, dict)] if isinstance(graph, dict) else []
    raw_edges = [e for e in (graph or {}).get("edges", []) if isinstance(e, dict)] if isinstance(graph, dict) else []
    by_node: dict[str, list[str]] = defaultdict(list)
    general: list[GraphError] = []
    ids = {n.get("id") for n in raw_nodes}
    for error in errors:
        if error.node_id is not None and error.node_id in ids:
            by_node[error.node_id].append(f"{error.field}: {error.message}")
        else:
            general.append(error)

    positions = _positions(raw_nodes, raw_edges)
    nodes: list[DiagramNode] = []
    seen: set[str] = set()
    for raw in raw_nodes:
        node_id = raw.get("id")
        if not isinstance(node_id, str) or node_id in seen:
            continue
        seen.add(node_id)
        node_type = str(raw.get("type"))
        kind = registry.get(node_type)
        x, y = positions[node_id]
        nodes.append(
            DiagramNode(
                id=node_id,
                type=node_type,
                title=kind.label if kind else f"Unknown: {node_type}",
                summary=_summary(raw.get("data")),
                x=x,
                y=y,
                errors=by_node.get(node_id, []),
            )
        )
    placed = {node.id: node for node in nodes}
    edges = [_edge(raw, placed) for raw in raw_edges if raw.get("source") in placed and raw.get("target") in placed]
    width = max((node.x + node.width for node in nodes), default=0) + MARGIN
    height = max((node.y + node.height for node in nodes), default=0) + MARGIN
    return Diagram(nodes, edges, max(width, 300), max(height, 120), general)


def _positions(raw_nodes: list[dict[str, Any]], raw_edges: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    given: dict[str, tuple[float, float]] = {}
    for raw in raw_nodes:
        position = raw.get("position")
        if isinstance(position, dict) and all(isinstance(position.get(a), (int, float)) for a in ("x", "y")):
            given[str(raw.get("id"))] = (float(position["x"]), float(position["y"]))
    missing = [str(raw.get("id")) for raw in raw_nodes if str(raw.get("id")) not in given]
    if missing:
        given.update(_layered(raw_nodes, raw_edges, missing, given))
    min_x = min((x for x, _ in given.values()), default=0)
    min_y = min((y for _, y in given.values()), default=0)
    return {node_id: (x - min_x + MARGIN, y - min_y + MARGIN) for node_id, (x, y) in given.items()}


def _layered(
    raw_nodes: list[dict[str, Any]], raw_edges: list[dict[str, Any]], missing: list[str], given: dict[str, Any]
) -> dict[str, tuple[float, float]]:
    """Positions for nodes the builder did not place: one row per distance from the trigger."""
    depth: dict[str, int] = {str(n.get("id")): 0 for n in raw_nodes if n.get("type") == "trigger"}
    frontier = list(depth)
    while frontier:
        current = frontier.pop(0)
        for edge in raw_edges:
            target = edge.get("target")
            if edge.get("source") == current and isinstance(target, str) and target not in depth:
                depth[target] = depth[current] + 1
                frontier.append(target)
    bottom = max((y for _, y in given.values()), default=-LAYER_GAP) + LAYER_GAP if given else 0
    per_row: dict[int, int] = defaultdict(int)
    placed = {}
    unreachable_row = max(depth.values(), default=0) + 1
    for node_id in missing:
        row = depth.get(node_id, unreachable_row)
        placed[node_id] = (per_row[row] * (NODE_WIDTH + 40.0), bottom + row * LAYER_GAP)
        per_row[row] += 1
    return placed


def _summary(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    for key in SUMMARY_KEYS:
        value = data.get(key)
        if value not in (None, ""):
            text = str(value)
            return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "\u2026"
    return ""


def _edge(raw: dict[str, Any], placed: dict[str, DiagramNode]) -> DiagramEdge:
    source, target = placed[raw["source"]], placed[raw["target"]]
    x1, y1 = source.center_x, source.y + source.height
    x2, y2 = target.center_x, target.y
    bend = max(abs(y2 - y1) / 2, 40)
    path = f"M {x1:.0f} {y1:.0f} C {x1:.0f} {y1 + bend:.0f}, {x2:.0f} {y2 - bend:.0f}, {x2:.0f} {y2:.0f}"
    handle = raw.get("sourceHandle")
    label = handle if isinstance(handle, str) and handle not in ("", "default") else ""
    return DiagramEdge(str(raw.get("id", "")), path, label, (x1 + x2) / 2, (y1 + y2) / 2)
