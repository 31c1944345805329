"""Which flows a trigger starts, and for whom.

- ``contact_created``: after the contact's transaction commits, the highest
  priority (lowest number) active flow whose conditions match runs, and only it.
- ``event``: every active flow listening to the event type whose conditions
  hold for the contact and the event data.
- ``schedule``: a periodic job finds the flows whose cron expression had a tick
  since they last ran, claims the tick (``Flow.last_scheduled_at``, so two
  runners never both run it) and enrolls the contacts matching the conditions.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterator
from zoneinfo import ZoneInfo

from croniter import croniter
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone

from automation.enrollment import EnrollmentResult, enroll
from automation.models import Execution
from contacts.models import Contact
from flows.conditions import evaluate
from flows.models import Flow
from flows.triggers import TriggerType

ENROLL_CHUNK = 1000


def condition_context(contact: Contact, event: dict[str, Any] | None = None) -> dict[str, Any]:
    data = contact.as_template_context()
    data.update({f"opted_out_{c}": contact.is_opted_out(c) for c in ("sms", "whatsapp", "email", "voice")})
    return {"contact": data, "event": event or {}, "steps": {}}


def matches(flow: Flow, contact: Contact, event: dict[str, Any] | None = None) -> bool:
    return evaluate((flow.trigger_config or {}).get("conditions"), condition_context(contact, event))


def active_flows(workspace: Any, trigger_type: str) -> Any:
    return Flow.objects.for_workspace(workspace).active().filter(trigger_type=trigger_type).by_priority()


# --- contact created -----------------------------------------------------------------
def flow_for_new_contact(contact: Contact) -> Flow | None:
    """The one flow a new contact enters: the first by priority whose conditions match."""
    return next((f for f in active_flows(contact.workspace_id, TriggerType.CONTACT_CREATED) if matches(f, contact)),
                None)


def on_contact_created(contact: Contact) -> EnrollmentResult | None:
    flow = flow_for_new_contact(contact)
    if flow is None:
        return None
    return enroll(flow, [contact], source=Execution.Source.CONTACT_CREATED)


@receiver(post_save, sender=Contact, dispatch_uid="automation.contact_created")
def _contact_saved(sender: type, instance: Contact, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        transaction.on_commit(lambda: on_contact_created(instance))


# --- events --------------------------------------------------------------------------
def flows_for_event(workspace: Any, event_type: str, contact: Contact, data: dict[str, Any]) -> list[Flow]:
    return [
        flow
        for flow in active_flows(workspace, TriggerType.EVENT)
        if (flow.trigger_config or {}).get("event_type") == event_type and matches(flow, contact, data)
    ]


# --- schedules -----------------------------------------------------------------------
def due_tick(flow: Flow, now: datetime) -> datetime | None:
    """The latest cron tick at or before ``now`` that the flow has not run yet (None if there is none)."""
    config = flow.trigger_config or {}
    zone = ZoneInfo(config.get("timezone") or "UTC")
    # From one second later, so that a tick falling exactly on ``now`` counts as due.
    tick = croniter(config["cron"], now.astimezone(zone) + timedelta(seconds=1)).get_prev(datetime)
    baseline = flow.last_scheduled_at or flow.updated_at
    return tick if tick > baseline else None


def run_schedules(now: datetime | None = None) -> dict[int, int]:
    """Run every schedule-triggered flow that has a due tick; returns {flow id: contacts enrolled}."""
    now = now or timezone.now()
    ran: dict[int, int] = {}
    for flow in Flow.objects.active().filter(trigger_type=TriggerType.SCHEDULE).order_by("id"):
        tick = due_tick(flow, now)
        if tick is None:
            continue
        claimed = Flow.objects.filter(pk=flow.pk).filter(
            Q(last_scheduled_at__isnull=True) | Q(last_scheduled_at__lt=tick)
        ).update(last_scheduled_at=tick)
        if not claimed:
            continue  # another runner took this tick
        ran[flow.pk] = sum(
            len(enroll(flow, chunk, source=Execution.Source.SCHEDULE, metadata={"tick": tick.isoformat()}).enrolled)
            for chunk in _matching_contacts(flow)
        )
    return ran


def _matching_contacts(flow: Flow) -> Iterator[list[Contact]]:
    chunk: list[Contact] = []
    for contact in Contact.objects.for_workspace(flow.workspace_id).order_by("pk").iterator(chunk_size=ENROLL_CHUNK):
        if matches(flow, contact):
            chunk.append(contact)
            if len(chunk) == ENROLL_CHUNK:
                yield chunk
                chunk = []
    if chunk:
        yield chunk
