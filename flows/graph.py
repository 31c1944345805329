"""The flow graph (ReactFlow's ``nodes`` / ``edges``) and its validation.

A node is ``{"id", "type", "position": {"x", "y"}, "data": {...config}}``; an edge
is ``{"id", "source", "target", "sourceHandle"?}``. Keys the builder adds for its
own use (``selected``, ``style``...) are kept untouched. Errors are structured as
``{"node_id", "field", "message"}`` so a builder can show each next to its node.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from flows.nodes import registry

MAX_NODES = 500
MAX_EDGES = 2000


@dataclass(frozen=True)
class GraphError:
    node_id: str | None
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Graph:
    """Read-only view of a validated graph, used by the engine to walk it."""

    def __init__(self, graph: dict[str, Any]) -> None:
        self.nodes: dict[str, dict[str, Any]] = {node["id"]: node for node in graph.get("nodes", [])}
        self.edges: list[dict[str, Any]] = list(graph.get("edges", []))
        self._outgoing: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for edge in self.edges:
            self._outgoing[edge["source"]].append(edge)

    @property
    def trigger(self) -> dict[str, Any]:
        return next(node for node in self.nodes.values() if node.get("type") == "trigger")

    def node(self, node_id: str) -> dict[str, Any]:
        return self.nodes[node_id]

    def outgoing(self, node_id: str) -> list[dict[str, Any]]:
        return self._outgoing.get(node_id, [])

    def next_nodes(self, node_id: str, handle: str | None = None, *, fallback_default: bool = True) -> list[str]:
        """Targets of the edges leaving ``node_id`` by ``handle``.

        With ``fallback_default`` a handle that has no edge of its own falls back
        to the plain output (so a voice call without a ``busy`` edge goes on by
        its default edge). The failure handle never falls back: a failure with no
        failure edge fails the execution.
        """
        edges = self.outgoing(node_id)
        chosen = [edge["target"] for edge in edges if _handle(edge) == handle]
        if not chosen and handle not in (None, "failure") and fallback_default:
            chosen = [edge["target"] for edge in edges if _handle(edge) is None]
        return chosen

    def has_handle(self, node_id: str, handle: str) -> bool:
        return any(_handle(edge) == handle for edge in self.outgoing(node_id))


def _handle(edge: dict[str, Any]) -> str | None:
    handle = edge.get("sourceHandle")
    return handle if handle not in ("", "default") else None


def validate_graph(graph: Any) -> list[GraphError]:
    """Every problem of ``graph``; an empty list means it can be activated."""
    if not isinstance(graph, dict):
        return [GraphError(None, "graph", "The graph must be an object with 'nodes' and 'edges'.")]
    nodes, edges = graph.get("nodes"), graph.get("edges", [])
    if not isinstance(nodes, list):
        return [GraphError(None, "nodes", "'nodes' must be a list.")]
    if not isinstance(edges, list):
        return [GraphError(None, "edges", "'edges' must be a list.")]
    if len(nodes) > MAX_NODES:
        return [GraphError(None, "nodes", f"A flow has at most {MAX_NODES} nodes.")]
    if len(edges) > MAX_EDGES:
        return [GraphError(None, "edges", f"A flow has at most {MAX_EDGES} edges.")]

    errors: list[GraphError] = []
    known: dict[str, str] = {}
    for index, node in enumerate(nodes):
        errors += _check_node(node, index, known)

    triggers = [node_id for node_id, node_type in known.items() if node_type == "trigger"]
    if not triggers:
        errors.append(GraphError(None, "nodes", "The flow needs exactly one trigger node; it has none."))
    elif len(triggers) > 1:
        for node_id in triggers[1:]:
            errors.append(GraphError(node_id, "type", "The flow needs exactly one trigger node; this is an extra one."))

    adjacency: dict[str, list[str]] = defaultdict(list)
    edge_ids: set[str] = set()
    outgoing_count: dict[str, int] = defaultdict(int)
    for index, edge in enumerate(edges):
        errors += _check_edge(edge, index, known, edge_ids)
        if isinstance(edge, dict) and edge.get("source") in known and edge.get("target") in known:
            adjacency[edge["source"]].append(edge["target"])
            outgoing_count[edge["source"]] += 1

    if len(triggers) == 1 and not errors:
        errors += _check_reachability(triggers[0], known, adjacency)
        errors += _check_cycles(known, adjacency)
    return errors


def _check_node(node: Any, index: int, known: dict[str, str]) -> list[GraphError]:
    where = f"nodes[{index}]"
    if not isinstance(node, dict):
        return [GraphError(None, where, "Each node must be an object.")]
    node_id = node.get("id")
    if not isinstance(node_id, str) or not node_id.strip():
        return [GraphError(None, f"{where}.id", "Each node needs a non-empty string id.")]
    if node_id in known:
        return [GraphError(node_id, "id", f"Duplicate node id '{node_id}'.")]
    node_type = node.get("type")
    kind = registry.get(node_type) if isinstance(node_type, str) else None
    if kind is None:
        known[node_id] = "?"
        return [GraphError(node_id, "type", f"Unknown node type {node_type!r}; known: {', '.join(registry.names())}.")]
    known[node_id] = node_type
    errors = []
    position = node.get("position", {"x": 0, "y": 0})
    if not isinstance(position, dict) or not all(isinstance(position.get(a), (int, float)) for a in ("x", "y")):
        errors.append(GraphError(node_id, "position", "Position must be an object with numeric x and y."))
    data = node.get("data", {})
    if not isinstance(data, dict):
        errors.append(GraphError(node_id, "data", "Node data must be an object."))
    else:
        errors += [GraphError(node_id, f"data.{field}" if field != "data" else "data", msg)
                   for field, msg in kind.validate_config(data)]
    return errors


def _check_edge(edge: Any, index: int, known: dict[str, str], edge_ids: set[str]) -> list[GraphError]:
    where = f"edges[{index}]"
    if not isinstance(edge, dict):
        return [GraphError(None, where, "Each edge must be an object.")]
    edge_id = edge.get("id", where)
    if not isinstance(edge_id, str):
        return [GraphError(None, f"{where}.id", "Edge ids must be strings.")]
    errors = []
    if edge_id in edge_ids:
        errors.append(GraphError(None, f"{where}.id", f"Duplicate edge id '{edge_id}'."))
    edge_ids.add(edge_id)
    source, target = edge.get("source"), edge.get("target")
    for end, value in (("source", source), ("target", target)):
        if value not in known:
            errors.append(GraphError(None, f"{where}.{end}", f"Edge '{edge_id}' points at unknown node {value!r}."))
    if errors:
        return errors
    if known[target] == "trigger":
        errors.append(GraphError(target, "edges", f"Edge '{edge_id}' leads into the trigger; nothing may."))
    kind = registry.get(known[source])
    if kind is None:
        return errors
    handle = _handle(edge)
    if not kind.handles:
        errors.append(GraphError(source, "edges", f"A {kind.type} node has no outputs, but edge '{edge_id}' leaves it."))
    elif handle not in kind.handles:
        allowed = ", ".join(sorted(str(h) for h in kind.handles if h is not None)) or "none"
        errors.append(
            GraphError(
                source,
                "sourceHandle",
                f"Edge '{edge_id}' leaves by handle {handle!r}; a {kind.type} node allows: {allowed}"
                + (" (or no handle)" if None in kind.handles else "")
                + ".",
            )
        )
    return errors


def _check_reachability(trigger: str, known: dict[str, str], adjacency: dict[str, list[str]]) -> list[GraphError]:
    seen = {trigger}
    stack = [trigger]
    while stack:
        for target in adjacency.get(stack.pop(), []):
            if target not in seen:
                seen.add(target)
                stack.append(target)
    return [
        GraphError(node_id, "edges", "This node cannot be reached from the trigger.")
        for node_id in known
        if node_id not in seen
    ]


def _check_cycles(known: dict[str, str], adjacency: dict[str, list[str]]) -> list[GraphError]:
    """A cycle is allowed only through a waiting node (a delay); otherwise it would spin forever."""
    errors = []
    for component in _strongly_connected(known, adjacency):
        looping = len(component) > 1 or component[0] in adjacency.get(component[0], [])
        if not looping:
            continue
        if not any((kind := registry.get(known[node_id])) and kind.waits for node_id in component):
            errors.append(
                GraphError(
                    sorted(component)[0],
                    "edges",
                    f"Nodes {', '.join(sorted(component))} form a cycle with no delay in it.",
                )
            )
    return errors


def _strongly_connected(known: dict[str, str], adjacency: dict[str, list[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative so that deep graphs cannot hit the recursion limit."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[list[str]] = []
    counter = 0
    for root in known:
        if root in index:
            continue
        work = [(root, iter(adjacency.get(root, [])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(adjacency.get(child, []))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(component)
    return components
