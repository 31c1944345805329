"""At most one provider call per idempotency key, for providers without an idempotency header.

Twilio's Messages and Calls APIs and the ESPs' send APIs accept the same
request twice and send twice. The engine gives every send step one
idempotency key for all its attempts and skips steps already marked
``sent_at``; this guard closes the window in between:

1. before calling the API, the send *claims* the key by inserting its
   :class:`~automation.models.Delivery` (unique key): a concurrent or later
   attempt finds the claim and does not call the API;
2. when the API answers, the provider's id is recorded on the claim at once,
   and a later attempt returns that result instead of sending again;
3. when the API refused the request (an HTTP error answer, or no connection
   could be made) nothing was sent: the claim is released and a retry sends;
4. when the outcome is unknown (the request went out but no answer came back:
   a read timeout, or a crash before step 2), the claim stays without an id.
   Retries then raise a transient error instead of sending, until the
   provider's status callback, whose URL (or metadata) carries the key,
   attaches the message to the claim; if none ever comes the step ends in the
   dead-letter queue for a person to decide.

The claim is committed before the API call only when ``send`` runs outside a
transaction, which is how the engine calls providers.
"""
from __future__ import annotations

from automation.models import Delivery
from automation.providers.base import OutboundMessage, Provider, ProviderError, SendResult


class GuardedProvider(Provider):
    def send(self, message: OutboundMessage) -> SendResult:
        delivery, claimed = Delivery.objects.claim(message, self.name)
        if not claimed:
            return delivery.previous_result()
        try:
            result = self.call_api(message)
        except ProviderError as error:
            if not error.outcome_unknown:
                delivery.delete()
                raise
            delivery.error_code = str(error.code or "")
            delivery.error_message = error.message
            delivery.save(update_fields=["error_code", "error_message", "updated_at"])
            raise
        delivery.accept(result)
        return result

    def call_api(self, message: OutboundMessage) -> SendResult:  # pragma: no cover - interface
        """Send through the provider's API, raising classified :class:`ProviderError`s."""
        raise NotImplementedError
