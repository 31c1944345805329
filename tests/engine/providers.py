"""Stand-ins of outside messaging services, plugged in through ``settings.MESSAGE_PROVIDERS``.

They play the provider's side of the network boundary: they count what they
were asked to send and fail on demand, like a provider having an outage.
"""
from __future__ import annotations

from typing import ClassVar

from automation.providers import OutboundMessage, Provider, SendResult, TransientProviderError
from automation.providers.outbox import OutboxProvider


class RecordingProvider(Provider):
    """Accepts everything and remembers every call, with no deduplication of its own."""

    name = "recording"
    channels = ("sms", "whatsapp", "email", "voice")
    calls: ClassVar[list[OutboundMessage]] = []
    outcome: ClassVar[str | None] = None

    def send(self, message: OutboundMessage) -> SendResult:
        type(self).calls.append(message)
        return SendResult(provider=self.name, provider_message_id=f"RC{len(self.calls)}", outcome=self.outcome)


class FlakyProvider(Provider):
    """Answers 503 ``failures`` times, then sends through the dev outbox."""

    name = "flaky"
    channels = ("sms", "whatsapp", "email", "voice")
    failures: ClassVar[int] = 0
    attempts: ClassVar[int] = 0

    def send(self, message: OutboundMessage) -> SendResult:
        type(self).attempts += 1
        if type(self).attempts <= type(self).failures:
            raise TransientProviderError("Service unavailable", status=503, code=503, provider=self.name)
        return OutboxProvider().send(message)
