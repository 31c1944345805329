"""A voice call: placed once, then branched by its outcome (answered, no_answer, busy, failed).

When the provider knows the outcome at once the branch is taken immediately;
otherwise the step waits until the provider's final call status arrives through
:func:`automation.services.complete_waiting_step`. Test mode assumes ``answered``.
"""
from typing import Any

from automation.executors.base import NodeContext, NodeResult, executors
from automation.executors.sending import SendExecutor
from automation.providers import OutboundMessage, SendResult

TEST_OUTCOME = "answered"


@executors.register
class VoiceCallExecutor(SendExecutor):
    node_type = "voice_call"
    channel = "voice"

    def run(self, ctx: NodeContext) -> NodeResult:
        result = super().run(ctx)
        if ctx.is_test and result.status == "success":
            result.handle = result.outcome = TEST_OUTCOME
        return result

    def outbound(self, ctx: NodeContext, message: dict[str, Any]) -> OutboundMessage:
        outbound = super().outbound(ctx, message)
        outbound.twiml = message["twiml"]
        outbound.metadata.update(timeout=ctx.config.get("timeout"), machine_detection=ctx.config.get("machine_detection"))
        return outbound

    def accepted(self, ctx: NodeContext, result: SendResult) -> NodeResult:
        if result.outcome:
            return NodeResult(output=result.as_output(), sent=True, handle=result.outcome, outcome=result.outcome)
        return NodeResult(status="waiting", output=result.as_output(), sent=True)
