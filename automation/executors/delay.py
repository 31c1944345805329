"""Wait a duration or until business hours open: the step waits and RQ's scheduler resumes it.

Nothing sleeps: the step is recorded ``waiting`` with its ``next_run_at`` and a job
is scheduled for that time. In test mode the wait is reported, not waited.
"""
from datetime import timedelta

from automation.executors.base import Executor, NodeContext, NodeResult, executors
from flows.nodes.delay import delay_seconds


@executors.register
class DelayExecutor(Executor):
    node_type = "delay"
    resumes_by_job = True

    def run(self, ctx: NodeContext) -> NodeResult:
        if ctx.config.get("mode") == "business_hours":
            if ctx.hours is None:
                return NodeResult(output={"note": "The flow has no business hours: nothing to wait for."})
            until = ctx.hours.next_open(ctx.now, ctx.contact_timezone)
        else:
            until = ctx.now + timedelta(seconds=delay_seconds(ctx.config))
        output = {"until": until.isoformat(), "seconds": int((until - ctx.now).total_seconds())}
        if until <= ctx.now or ctx.is_test:
            return NodeResult(output=output)
        return NodeResult(status="waiting", until=until, output=output)

    def resume(self, ctx: NodeContext) -> NodeResult:
        return NodeResult(output={**ctx.previous_output, "resumed_at": ctx.now.isoformat()})
