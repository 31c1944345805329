"""Branch by ``true`` / ``false`` on contact fields, tags, custom fields, event data and earlier steps."""
from automation.executors.base import Executor, NodeContext, NodeResult, executors
from flows.conditions import evaluate, reads_steps


@executors.register
class ConditionExecutor(Executor):
    node_type = "condition"

    def run(self, ctx: NodeContext) -> NodeResult:
        condition = {"match": ctx.config.get("match", "all"), "rules": ctx.config.get("rules", [])}
        holds = evaluate(condition, ctx.condition_context(with_steps=reads_steps(condition)))
        handle = "true" if holds else "false"
        return NodeResult(handle=handle, outcome=handle, output={"result": holds})
