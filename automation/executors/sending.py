"""What every send node does: check the contact may be reached, wait for business hours,
render the message, and hand it to the channel's provider exactly once.

Exactly once: the engine locks the step row and claims it (``pending`` ->
``running``) before a send, a step whose ``sent_at`` is set is never sent again,
and the provider gets the step's idempotency key, so even a send whose result
was lost (crash between the provider's answer and our commit) is deduplicated.

A provider that refuses because the recipient opted out at the carrier (replied
STOP to our sender) teaches us the contact's choice: the contact is opted out of
the channel and the step ends skipped, as if we had known before sending.
"""
from __future__ import annotations

from typing import Any, ClassVar

from automation.executors.base import Executor, NodeContext, NodeResult
from automation.opt_out import set_opted_out
from automation.providers import (
    OutboundMessage,
    PermanentProviderError,
    RecipientOptedOut,
    SendResult,
    SendUnconfirmed,
    get_provider,
)
from automation.rendering import render_message
from automation.segments import estimate_cost
from flows.templating import TemplateError


class SendExecutor(Executor):
    channel: ClassVar[str]
    instant = False

    def run(self, ctx: NodeContext) -> NodeResult:
        reason = ctx.contact.blocked_reason(self.channel) if ctx.contact else "no_contact"
        if reason:
            return NodeResult(status="skipped", skip_reason=reason)
        deferred = self._business_hours(ctx)
        if deferred and not ctx.is_test:
            return deferred
        try:
            message = render_message(ctx.node_type, ctx.config, ctx.template_context())
        except TemplateError as exc:
            raise PermanentProviderError(str(exc), provider="templating") from exc
        if ctx.is_test:
            return NodeResult(output={"message": message, **self.estimate(message),
                                      **(deferred.output if deferred else {})})
        if ctx.sent_at:
            return self.accepted(ctx, SendResult(**{k: v for k, v in ctx.previous_output.items()
                                                   if k in ("provider", "provider_message_id", "status")}))
        try:
            result = get_provider(self.channel, ctx.workspace_id).send(self.outbound(ctx, message))
        except SendUnconfirmed as unconfirmed:
            return NodeResult(status="deferred", until=unconfirmed.retry_at, output=unconfirmed.as_output())
        except RecipientOptedOut as refused:
            set_opted_out(ctx.contact, self.channel)
            return NodeResult(status="skipped", skip_reason=ctx.contact.blocked_reason(self.channel),
                              output=refused.as_output())
        return self.accepted(ctx, result)

    def _business_hours(self, ctx: NodeContext) -> NodeResult | None:
        if ctx.hours is None:
            return None
        opens = ctx.hours.next_open(ctx.now, ctx.contact_timezone)
        if opens <= ctx.now:
            return None
        return NodeResult(status="deferred", until=opens, output={"deferred_until": opens.isoformat()})

    def outbound(self, ctx: NodeContext, message: dict[str, Any]) -> OutboundMessage:
        return OutboundMessage(
            channel=self.channel,
            to=self.address(ctx),
            idempotency_key=ctx.idempotency_key,
            workspace_id=ctx.workspace_id,
            body=message.get("body", ""),
            media_urls=message.get("media_urls", []),
            from_address=ctx.config.get("from_number", ""),
            step_id=ctx.step_id,
            metadata={"execution_id": ctx.execution_id, "node_id": ctx.node_id},
        )

    def address(self, ctx: NodeContext) -> str:
        return str(ctx.contact.phone)

    def estimate(self, message: dict[str, Any]) -> dict[str, Any]:
        """Test mode's cost figures for ``message``."""
        return {"estimated_cost": str(estimate_cost(self.channel))}

    def accepted(self, ctx: NodeContext, result: SendResult) -> NodeResult:
        return NodeResult(output=result.as_output(), sent=True)
