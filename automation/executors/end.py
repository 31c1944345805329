"""An explicit end of a path: succeeds and leads nowhere (end nodes have no outgoing edges)."""
from automation.executors.base import Executor, NodeContext, NodeResult, executors


@executors.register
class EndExecutor(Executor):
    node_type = "end"

    def run(self, ctx: NodeContext) -> NodeResult:
        return NodeResult()
