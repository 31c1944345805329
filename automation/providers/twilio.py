"""Twilio: SMS, MMS (up to 10 media URLs), WhatsApp (``whatsapp:`` addresses) and voice calls.

Every send passes a status callback URL (``PUBLIC_BASE_URL`` + our webhook,
with the step's idempotency key in the query string) so delivery reports and
call outcomes come back to :mod:`automation.webhooks`. Sends are guarded to
happen at most once per idempotency key (:mod:`automation.providers.guarded`).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.urls import reverse
from twilio.base import values
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from automation.models import Delivery, ProviderAccount
from automation.providers.base import (
    OutboundMessage,
    PermanentProviderError,
    SendResult,
    TransientProviderError,
)
from automation.providers.errors import from_http_answer, from_network_failure
from automation.providers.guarded import GuardedProvider

MAX_MEDIA_URLS = 10
# How many of Twilio's latest messages to an address are searched for a send with a lost outcome,
# and how far Twilio's clock may be behind ours.
LOOKUP_LIMIT = 50
CLOCK_SKEW = timedelta(minutes=1)
WHATSAPP_PREFIX = "whatsapp:"
CALL_EVENTS = ["initiated", "ringing", "answered", "completed"]

# Twilio's message and call statuses, in our Delivery vocabulary.
MESSAGE_STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "read",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
CALL_STATUSES = {
    "queued": "queued",
    "initiated": "queued",
    "ringing": "ringing",
    "in-progress": "in_progress",
    "completed": "answered",
    "busy": "busy",
    "no-answer": "no_answer",
    "failed": "failed",
    "canceled": "failed",
}


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str
    from_number: str = ""
    whatsapp_from: str = ""

    @classmethod
    def for_workspace(cls, workspace_id: int) -> "TwilioCredentials | None":
        """The workspace's own account, else the settings-level one, else None (dev outbox)."""
        account = (
            ProviderAccount.objects.for_workspace(workspace_id).active().filter(kind=ProviderAccount.Kind.TWILIO).first()
        )
        if account is not None:
            return cls(account.account_sid, account.secret, account.from_number, account.whatsapp_from)
        if settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN:
            return cls(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                       settings.TWILIO_FROM_NUMBER, settings.TWILIO_WHATSAPP_FROM)
        return None


def whatsapp_address(address: str) -> str:
    return address if address.startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + address


def callback_url(url_name: str, workspace_id: int, idempotency_key: str) -> str:
    path = reverse(url_name, args=[workspace_id])
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}?{urlencode({'key': idempotency_key})}"


@functools.cache
def _http_client(timeout: float) -> TwilioHttpClient:
    """One pooled HTTP client per timeout, shared by all sends of the process."""
    return TwilioHttpClient(timeout=timeout, pool_connections=True)


class TwilioProvider(GuardedProvider):
    name = "twilio"
    channels = ("sms", "whatsapp", "voice")

    def __init__(self, credentials: TwilioCredentials) -> None:
        self.credentials = credentials

    def client(self) -> Client:
        client = Client(self.credentials.account_sid, self.credentials.auth_token,
                        http_client=_http_client(settings.TWILIO_TIMEOUT))
        if settings.TWILIO_API_BASE_URL:
            client.api.base_url = settings.TWILIO_API_BASE_URL
        return client

    def call_api(self, message: OutboundMessage) -> SendResult:
        create, params, statuses = (
            (self.client().calls.create, self._call_params(message), CALL_STATUSES)
            if message.channel == "voice"
            else (self.client().messages.create, self._message_params(message), MESSAGE_STATUSES)
        )
        try:
            resource = create(**params)
        except TwilioRestException as error:
            raise from_http_answer(error.status, error.msg, code=error.code, provider=self.name) from error
        except requests.RequestException as error:
            raise from_network_failure(error, provider=self.name) from error
        return SendResult(
            provider=self.name,
            provider_message_id=resource.sid,
            status=statuses.get(resource.status, "queued"),
            raw={"sid": resource.sid, "status": resource.status, "to": resource.to},
        )

    def find_sent(self, message: OutboundMessage, *, since: datetime) -> SendResult | None:
        """Twilio's outbound message (or call) to the same address from the same sender since ``since``.

        Twilio's lists come newest first and carry neither our key nor our callback
        URL, so the match is: same To / From, created since the claim (less
        ``CLOCK_SKEW``), not already the provider id of another of our deliveries;
        among several, the one with the same body.
        """
        voice = message.channel == "voice"
        params = self._call_params(message) if voice else self._message_params(message)
        resources = self.client().calls if voice else self.client().messages
        try:
            listed = resources.list(to=params["to"], from_=params["from_"], limit=LOOKUP_LIMIT)
        except (TwilioRestException, requests.RequestException) as error:
            raise TransientProviderError(f"Could not ask Twilio whether the message was sent: {error}",
                                         provider=self.name, outcome_unknown=True) from error
        candidates = [r for r in listed if (r.direction or "").startswith("outbound")
                      and r.date_created and r.date_created >= since - CLOCK_SKEW]
        known = set(Delivery.objects.filter(provider=self.name, provider_message_id__in=[r.sid for r in candidates])
                    .values_list("provider_message_id", flat=True))
        candidates = [r for r in candidates if r.sid not in known]
        if not candidates:
            return None
        same_body = [r for r in candidates if not voice and r.body == params["body"]]
        found = (same_body or candidates)[-1]  # the oldest: the first send after the claim
        statuses = CALL_STATUSES if voice else MESSAGE_STATUSES
        return SendResult(provider=self.name, provider_message_id=found.sid,
                          status=statuses.get(found.status, "queued"),
                          raw={"sid": found.sid, "status": found.status, "to": found.to, "found_by_lookup": True})

    def _message_params(self, message: OutboundMessage) -> dict[str, Any]:
        if len(message.media_urls) > MAX_MEDIA_URLS:
            raise self._refuse(f"Twilio accepts at most {MAX_MEDIA_URLS} media URLs per message.")
        to, sender = message.to, message.from_address
        if message.channel == "whatsapp":
            to, sender = whatsapp_address(to), whatsapp_address(sender or self.credentials.whatsapp_from)
        sender = sender or self.credentials.from_number
        if not sender or sender == WHATSAPP_PREFIX:
            raise self._refuse(f"No Twilio sender is configured for {message.channel}.")
        return {
            "to": to,
            "from_": sender,
            "body": message.body,
            "media_url": message.media_urls or values.unset,
            "status_callback": callback_url("webhooks:twilio-message-status", message.workspace_id,
                                            message.idempotency_key),
        }

    def _call_params(self, message: OutboundMessage) -> dict[str, Any]:
        sender = message.from_address or self.credentials.from_number
        if not sender:
            raise self._refuse("No Twilio sender number is configured for calls.")
        if not message.twiml:
            raise self._refuse("A call needs TwiML.")
        return {
            "to": message.to,
            "from_": sender,
            "twiml": message.twiml,
            "timeout": message.metadata.get("timeout", values.unset),
            "machine_detection": "Enable" if message.metadata.get("machine_detection") else values.unset,
            "status_callback": callback_url("webhooks:twilio-call-status", message.workspace_id,
                                            message.idempotency_key),
            "status_callback_event": CALL_EVENTS,
            "status_callback_method": "POST",
        }

    def _refuse(self, reason: str) -> PermanentProviderError:
        return PermanentProviderError(reason, code="invalid_message", provider=self.name)
