"""An explicit end of a path (a node with no outgoing edge ends its path too)."""
from flows.nodes.base import NodeType, registry


@registry.register
class EndNode(NodeType):
    type = "end"
    label = "End"
    handles = frozenset()
