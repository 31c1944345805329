"""The start node: where every execution begins. Its trigger lives on the flow."""
from flows.nodes.base import NodeType, registry


@registry.register
class TriggerNode(NodeType):
    type = "trigger"
    label = "Trigger"
    max_outgoing = None
