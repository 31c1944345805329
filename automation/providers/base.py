"""The provider interface: what the engine hands a channel, and what it gets back.

One small interface per channel kind. The engine never talks to Twilio or an
ESP directly: it builds an :class:`OutboundMessage`, asks :func:`get_provider`
for the workspace's provider of that channel, and calls ``send``. Providers
classify their failures as :class:`TransientProviderError` (retry with backoff)
or :class:`PermanentProviderError` (fail at once; :class:`RecipientOptedOut`
when the recipient unsubscribed at the carrier), keeping the provider's own
code and message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


class ProviderError(Exception):
    transient: ClassVar[bool] = False

    def __init__(self, message: str, *, code: str | int | None = None, status: int | None = None,
                 provider: str = "", outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.provider = provider
        # True when the request may have reached the provider (a read timeout):
        # the message may exist, so the send guard must not send it again.
        self.outcome_unknown = outcome_unknown

    def as_output(self) -> dict[str, Any]:
        return {"provider": self.provider, "error_code": self.code, "http_status": self.status,
                "error_message": self.message, "transient": self.transient,
                "outcome_unknown": self.outcome_unknown}


class TransientProviderError(ProviderError):
    """Timeouts, 429, 5xx: the same request may succeed later."""

    transient = True


class PermanentProviderError(ProviderError):
    """Invalid number, unverified sender, bad credentials: retrying cannot help."""


class RecipientOptedOut(PermanentProviderError):
    """The provider refused because the recipient opted out of our sender (replied STOP to the carrier).

    Not a fault of the flow: the send node opts the contact out of the channel
    and ends skipped, as it does for a contact we already knew had opted out.
    """


class SendUnconfirmed(TransientProviderError):
    """An earlier attempt of this send may still be in flight: look again at ``retry_at``.

    Not a failed attempt (nothing was tried), so the engine defers the step
    instead of spending one of its retries.
    """

    def __init__(self, message: str, *, retry_at: datetime, provider: str = "") -> None:
        super().__init__(message, provider=provider, outcome_unknown=True)
        self.retry_at = retry_at


@dataclass
class OutboundMessage:
    channel: str  # "sms", "whatsapp", "email" or "voice"
    to: str
    idempotency_key: str
    workspace_id: int
    body: str = ""
    subject: str = ""
    html: str = ""
    text: str = ""
    media_urls: list[str] = field(default_factory=list)
    from_address: str = ""
    reply_to: str = ""
    twiml: str = ""
    step_id: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class SendResult:
    provider: str
    provider_message_id: str
    status: str = "queued"
    # Set by providers that know a call's outcome at once (the dev outbox);
    # otherwise the voice step waits for the provider's status callback.
    outcome: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    def as_output(self) -> dict[str, Any]:
        output = {"provider": self.provider, "provider_message_id": self.provider_message_id, "status": self.status}
        if self.outcome:
            output["outcome"] = self.outcome
        return output


class Provider:
    """Sends messages of one channel. Implementations must be safe to call twice with one idempotency key."""

    name: ClassVar[str]
    channels: ClassVar[tuple[str, ...]]

    def send(self, message: OutboundMessage) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError

    def find_sent(self, message: OutboundMessage, *, since: datetime) -> SendResult | None:
        """The provider's record of ``message`` sent since ``since``, or None when it has none.

        How a send whose outcome was lost (a crash or a timeout between our claim and
        the provider's answer) is settled without sending twice. Raises
        :class:`LookupUnsupported` when the provider has no way to tell.
        """
        raise LookupUnsupported(f"{self.name} cannot look up what it sent.")


class LookupUnsupported(Exception):
    """The provider cannot tell whether it sent a message (most ESPs' send APIs)."""
