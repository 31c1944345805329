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
4. when the outcome is unknown (the request may have gone out but no answer
   came back: a read timeout, or a worker killed before step 2), the claim
   stays without an id. The provider's status callback, whose URL (or
   metadata) carries the key, attaches the message to the claim when it comes.
   A later attempt waits until the claim is ``SEND_OUTCOME_SETTLE`` seconds old
   (no request of it can still be in flight or being processed), then asks the
   provider (:meth:`~automation.providers.base.Provider.find_sent`): the
   message it has is recorded, and only when it has none is the claim taken
   over and the message sent. A provider that cannot be asked (most ESPs) keeps
   failing the attempt as transient, and the step ends in the dead-letter queue
   for a person to decide.

The claim is committed before the API call only when ``send`` runs outside a
transaction, which is how the engine calls providers.
"""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from automation.models import Delivery
from automation.providers.base import (
    LookupUnsupported,
    OutboundMessage,
    Provider,
    ProviderError,
    SendResult,
    SendUnconfirmed,
    TransientProviderError,
)


class GuardedProvider(Provider):
    def send(self, message: OutboundMessage) -> SendResult:
        delivery, claimed = Delivery.objects.claim(message, self.name)
        if not claimed:
            if delivery.provider_message_id:
                return delivery.previous_result()
            found = self._settle(delivery, message)
            if found is not None:
                return found
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

    def _settle(self, delivery: Delivery, message: OutboundMessage) -> SendResult | None:
        """Settle an earlier attempt with no known outcome: its result, or None once the claim is ours to send."""
        settled_at = delivery.claimed_at + timedelta(seconds=settings.SEND_OUTCOME_SETTLE)
        if timezone.now() < settled_at:
            raise SendUnconfirmed(
                "An earlier attempt of this send may still be in flight; looking again at "
                f"{settled_at.isoformat()}.", retry_at=settled_at, provider=self.name)
        try:
            found = self.find_sent(message, since=delivery.claimed_at)
        except LookupUnsupported:
            raise TransientProviderError(
                "An earlier attempt of this send has no confirmed outcome and the provider cannot be asked; "
                "not sending again until the provider reports it.", provider=self.name, outcome_unknown=True,
            ) from None
        if found is not None:
            delivery.accept(found)
            return found
        if not delivery.take_over():
            raise SendUnconfirmed("Another attempt took this send over.", provider=self.name,
                                  retry_at=timezone.now() + timedelta(seconds=settings.SEND_OUTCOME_SETTLE))
        return None

    def call_api(self, message: OutboundMessage) -> SendResult:  # pragma: no cover - interface
        """Send through the provider's API, raising classified :class:`ProviderError`s."""
        raise NotImplementedError
