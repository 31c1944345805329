"""The dev outbox provider: records messages in :class:`OutboxMessage` instead of sending them.

It is what every channel uses when no provider credentials are configured, so
`make run` works offline and staff can see in the admin what would have gone out.
Sending twice with one idempotency key records one message.
"""
from __future__ import annotations

import uuid

from automation.models import OutboxMessage
from automation.providers.base import OutboundMessage, Provider, SendResult


class OutboxProvider(Provider):
    name = "outbox"
    channels = ("sms", "whatsapp", "email", "voice")

    def send(self, message: OutboundMessage) -> SendResult:
        # The message id derives from the idempotency key, so a second send with the
        # same key is one INSERT that the unique key turns into a no-op, answering
        # exactly like the first.
        provider_message_id = f"OB{uuid.uuid5(uuid.NAMESPACE_OID, message.idempotency_key).hex}"
        OutboxMessage.objects.bulk_create(
            [
                OutboxMessage(
                    workspace_id=message.workspace_id,
                    channel=message.channel,
                    to=message.to,
                    from_address=message.from_address,
                    subject=message.subject,
                    body=message.body or message.text,
                    html=message.html,
                    media_urls=message.media_urls,
                    twiml=message.twiml,
                    idempotency_key=message.idempotency_key,
                    provider_message_id=provider_message_id,
                    step_id=message.step_id,
                )
            ],
            ignore_conflicts=True,
        )
        return SendResult(
            provider=self.name,
            provider_message_id=provider_message_id,
            status="delivered",
            outcome="answered" if message.channel == "voice" else None,
        )
