"""Inbound messages: record them, apply opt-out keywords, and hand them to event-triggered flows.

Keywords follow the carriers' (and Twilio's) rules: the whole message, trimmed
and case-insensitive, is the keyword. Opt-out and opt-in apply to the channel
the message came in on (SMS or WhatsApp).

A message from a number that is no contact of the workspace is recorded (with
no contact) and answered like any other, but creates no contact and starts no
flow: an unknown sender (spam, a wrong number) should not become a lead by
texting us, and staff can still see the message.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from automation.models import InboundMessage
from automation.opt_out import set_opted_out
from contacts.models import Contact, Workspace

EVENT_TYPE = "message.received"
Keyword = InboundMessage.Keyword
KEYWORDS = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), Keyword.OPT_OUT),
    **dict.fromkeys(("START", "UNSTOP", "YES"), Keyword.OPT_IN),
    **dict.fromkeys(("HELP", "INFO"), Keyword.HELP),
}
OPT_OUT_REPLY = "You are unsubscribed and will receive no more messages. Reply START to subscribe again."
OPT_IN_REPLY = "You are subscribed again. Reply STOP to unsubscribe."


@dataclass
class IncomingMessage:
    """One message as the provider reported it."""

    provider: str
    provider_message_id: str
    channel: str
    from_address: str
    to_address: str
    phone: str  # the sender's number in E.164, without any channel prefix
    body: str = ""
    media_urls: list[str] = field(default_factory=list)


def keyword_of(body: str) -> str:
    return KEYWORDS.get(body.strip().upper(), "")


def reply_to(inbound: InboundMessage) -> str:
    """What we answer (empty: no answer)."""
    return {
        Keyword.OPT_OUT: OPT_OUT_REPLY,
        Keyword.OPT_IN: OPT_IN_REPLY,
        Keyword.HELP: settings.MESSAGING_HELP_REPLY,
    }.get(inbound.keyword, "")


def receive(workspace: Workspace, message: IncomingMessage) -> InboundMessage:
    """Record ``message`` once (providers redeliver webhooks) and apply its keyword to the sender."""
    with transaction.atomic():
        contact = Contact.objects.for_workspace(workspace).filter(phone=message.phone).first()
        inbound, created = InboundMessage.objects.get_or_create(
            provider=message.provider,
            provider_message_id=message.provider_message_id,
            defaults={
                "workspace": workspace,
                "contact": contact,
                "channel": message.channel,
                "from_address": message.from_address,
                "to_address": message.to_address,
                "body": message.body,
                "media_urls": message.media_urls,
                "keyword": keyword_of(message.body),
            },
        )
        if created and contact is not None:
            if inbound.keyword in (Keyword.OPT_OUT, Keyword.OPT_IN):
                set_opted_out(contact, inbound.channel, inbound.keyword == Keyword.OPT_OUT)
            transaction.on_commit(lambda: emit_received(inbound))
    return inbound


def emit_received(inbound: InboundMessage) -> None:
    """Start the event-triggered flows listening to ``message.received`` (after the message is committed)."""
    from automation import services  # the engine's services import the providers, which import us

    services.emit_event(
        inbound.workspace,
        EVENT_TYPE,
        contact=inbound.contact,
        data=event_data(inbound),
        idempotency_key=f"{inbound.provider}:{inbound.provider_message_id}",
    )


def event_data(inbound: InboundMessage) -> dict[str, Any]:
    return {
        "channel": inbound.channel,
        "from": inbound.from_address,
        "to": inbound.to_address,
        "body": inbound.body,
        "media_urls": inbound.media_urls,
        "keyword": inbound.keyword,
        "message_id": inbound.provider_message_id,
    }
