"""The start node: nothing to do, the execution goes on by its edges."""
from automation.executors.base import Executor, NodeContext, NodeResult, executors


@executors.register
class TriggerExecutor(Executor):
    node_type = "trigger"

    def run(self, ctx: NodeContext) -> NodeResult:
        return NodeResult()
