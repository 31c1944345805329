"""ESP tracking events (through anymail's webhooks and its ``tracking`` signal) update email deliveries.

anymail normalizes every ESP's webhook into an ``AnymailTrackingEvent``; the
event names the ESP, the ESP's message id, and the metadata we sent with the
message (our idempotency key). A spam complaint or an unsubscribe also opts
the recipient out of email.
"""
from __future__ import annotations

from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType
from django.db import transaction

from automation.models import Delivery
from contacts.models import Contact

EMAIL_STATUSES = {
    EventType.QUEUED: Delivery.Status.QUEUED,
    EventType.DEFERRED: Delivery.Status.QUEUED,
    EventType.SENT: Delivery.Status.SENT,
    EventType.DELIVERED: Delivery.Status.DELIVERED,
    EventType.OPENED: Delivery.Status.OPENED,
    EventType.CLICKED: Delivery.Status.CLICKED,
    EventType.BOUNCED: Delivery.Status.BOUNCED,
    EventType.REJECTED: Delivery.Status.FAILED,
    EventType.FAILED: Delivery.Status.FAILED,
    EventType.COMPLAINED: Delivery.Status.COMPLAINED,
}
OPT_OUT_EVENTS = (EventType.COMPLAINED, EventType.UNSUBSCRIBED)


def on_tracking(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    if not event.message_id:
        return
    with transaction.atomic():
        delivery = Delivery.objects.locate(
            esp_name.lower(), str(event.message_id), (event.metadata or {}).get("idempotency_key", "")
        )
        if delivery is None:
            return
        if event.event_type in EMAIL_STATUSES:
            delivery.record(
                EMAIL_STATUSES[event.event_type],
                raw_status=event.event_type,
                at=event.timestamp,
                event_id=event.event_id or "",
                error_code=event.reject_reason or "",
                error_message=event.description or event.mta_response or "",
            )
        if event.event_type in OPT_OUT_EVENTS:
            Contact.objects.for_workspace(delivery.workspace_id).filter(email=delivery.to.lower()).update(
                opted_out_email=True
            )
