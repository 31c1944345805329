"""Email through the workspace's provider (anymail behind it)."""
from typing import Any

from automation.executors.base import NodeContext, executors
from automation.executors.sending import SendExecutor
from automation.providers import OutboundMessage


@executors.register
class SendEmailExecutor(SendExecutor):
    node_type = "send_email"
    channel = "email"

    def address(self, ctx: NodeContext) -> str:
        return ctx.contact.email

    def outbound(self, ctx: NodeContext, message: dict[str, Any]) -> OutboundMessage:
        outbound = super().outbound(ctx, message)
        outbound.subject = message["subject"]
        outbound.html = message["html"]
        outbound.text = message["text"]
        outbound.from_address = message["from_email"]
        outbound.reply_to = message["reply_to"]
        return outbound
