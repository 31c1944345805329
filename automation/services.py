"""Public service functions of the engine: what the API, the admin and the channel webhooks call.

Permissions are the caller's business (views check the user's role); these
functions keep the data right: bad input raises ``ValidationError`` and
changes nothing.
"""
from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from automation.dry_run import test_flow
from automation.engine import cancel_open_steps, complete_waiting_step, resume_at
from automation.enrollment import ENTRY_FIELDS, EnrollmentResult, Skip, enroll
from automation.gc_pause import gc_paused
from automation.models import DeadLetter, Execution, Step
from automation.reconciler import reconcile
from automation.status import publish
from automation.triggers import flows_for_event, matches
from contacts.models import Contact
from flows.models import Flow
from flows.triggers import EVENT_TYPE_PATTERN, TriggerType

__all__ = [
    "EnrollmentResult", "Skip", "cancel_execution", "complete_waiting_step", "discard_dead_letter", "emit_event",
    "enroll", "reconcile", "retry_dead_letter", "retry_execution", "send_flow", "test_flow", "trigger_webhook_flow",
]

WEBHOOK_CONTACT_FIELDS = ("first_name", "last_name", "phone", "email", "lead_source", "entry_type", "timezone")


def send_flow(flow: Flow, contact_ids: list[int], *, user: Any = None) -> EnrollmentResult:
    """Manual trigger: send ``flow`` to contacts of its workspace (unknown ids are refused, nothing enrolled)."""
    if not isinstance(contact_ids, (list, tuple)) or not contact_ids:
        raise ValidationError({"contact_ids": "Give a non-empty list of contact ids."})
    if not all(isinstance(pk, int) and not isinstance(pk, bool) for pk in contact_ids):
        raise ValidationError({"contact_ids": "Contact ids must be integers."})
    with gc_paused():  # thousands of contacts, then their executions: see gc_pause
        contacts = list(Contact.objects.for_workspace(flow.workspace_id).filter(pk__in=contact_ids)
                        .only(*ENTRY_FIELDS))
        missing = sorted(set(contact_ids) - {contact.pk for contact in contacts})
        if missing:
            raise ValidationError({"contact_ids": f"Unknown contact id(s) in this workspace: {missing}."})
        return enroll(flow, contacts, source=Execution.Source.MANUAL, created_by=user)


def emit_event(
    workspace: Any, event_type: str, *, contact: Contact, data: dict[str, Any], idempotency_key: str | None = None
) -> list[Execution]:
    """Start every active event flow listening to ``event_type`` whose conditions hold.

    Returns the executions created (``skipped`` ones included). An event repeated
    with the same ``idempotency_key`` starts nothing new and returns the first one's executions.
    """
    workspace_id = getattr(workspace, "pk", workspace)
    if not isinstance(event_type, str) or not EVENT_TYPE_PATTERN.match(event_type):
        raise ValidationError({"type": "An event type looks like 'chat.message_received'."})
    if not isinstance(data, dict):
        raise ValidationError({"data": "Event data must be a JSON object."})
    check_storable(data, "data")
    check_storable(idempotency_key or "", "idempotency_key")
    if contact.workspace_id != workspace_id:
        raise ValidationError({"contact": "The contact belongs to another workspace."})
    key = (idempotency_key or "")[:200]
    previous = Execution.objects.for_workspace(workspace_id).filter(
        contact=contact, source=Execution.Source.EVENT, trigger_key=key
    )
    if key and previous.exists():
        return list(previous)
    try:
        with transaction.atomic():
            return [
                execution
                for flow in flows_for_event(workspace_id, event_type, contact, data)
                for execution in enroll(flow, [contact], source=Execution.Source.EVENT, metadata=data,
                                        trigger_key=key).executions
            ]
    except IntegrityError:  # the same event, delivered twice at the same moment
        return list(previous)


def check_storable(value: Any, field: str) -> None:
    """Refuse what PostgreSQL cannot store as JSON or text (NaN / Infinity, NUL characters), before any write."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise ValidationError({field: "Must be JSON with finite numbers only."}) from None
    if "\\u0000" in text:
        raise ValidationError({field: "Must not contain NUL characters."})


def trigger_webhook_flow(flow: Flow, payload: dict[str, Any]) -> EnrollmentResult:
    """Start a webhook-triggered flow for the contact the payload names.

    The payload is ``{"contact_id": 1}`` or ``{"contact": {"phone" | "email", ...}}``
    (an unknown contact is created), plus optional ``data`` (the event context)
    and ``idempotency_key``.
    """
    if flow.trigger_type != TriggerType.WEBHOOK:
        raise ValidationError({"flow": "This flow is not triggered by webhooks."})
    if not isinstance(payload, dict):
        raise ValidationError({"payload": "The payload must be a JSON object."})
    data = payload.get("data", {})
    if not isinstance(data, dict):
        raise ValidationError({"data": "Must be a JSON object."})
    check_storable(payload, "payload")
    with transaction.atomic():
        contact = _webhook_contact(flow, payload)
        if not matches(flow, contact, data):
            return EnrollmentResult(skipped=[Skip(contact.pk, "conditions_not_met")])
        return enroll(flow, [contact], source=Execution.Source.WEBHOOK, metadata=data,
                      trigger_key=str(payload.get("idempotency_key") or "")[:200])


def _webhook_contact(flow: Flow, payload: dict[str, Any]) -> Contact:
    contacts = Contact.objects.for_workspace(flow.workspace_id)
    if "contact_id" in payload:
        contact = contacts.filter(pk=payload["contact_id"]).first() if isinstance(payload["contact_id"], int) else None
        if contact is None:
            raise ValidationError({"contact_id": "Unknown contact in this workspace."})
        return contact
    fields = payload.get("contact")
    if not isinstance(fields, dict) or not (fields.get("phone") or fields.get("email")):
        raise ValidationError({"contact": "Give contact_id, or a contact with a phone or an email."})
    unknown = set(fields) - set(WEBHOOK_CONTACT_FIELDS)
    if unknown:
        raise ValidationError({"contact": f"Unknown field(s): {', '.join(sorted(unknown))}."})
    lookup = {"phone": fields["phone"]} if fields.get("phone") else {"email__iexact": fields["email"]}
    contact = contacts.filter(**lookup).first()
    if contact is None:
        contact = Contact(workspace_id=flow.workspace_id, **{k: v or "" for k, v in fields.items()})
        contact.full_clean(exclude=["workspace"])
        contact.save()
    return contact


def cancel_execution(execution: Execution, *, user: Any = None) -> Execution:
    """Stop a live execution before its next step; its scheduled jobs then do nothing."""
    now = timezone.now()
    with transaction.atomic():
        execution = Execution.objects.select_for_update().get(pk=execution.pk)
        if execution.status in Execution.FINAL_STATUSES:
            raise ValidationError({"status": f"The execution is already {execution.status}."})
        execution.status, execution.cancel_requested, execution.completed_at = Execution.Status.CANCELLED, True, now
        execution.duration_ms = int((now - (execution.started_at or execution.created_at)).total_seconds() * 1000)
        execution.error = f"Cancelled by {user}." if user else "Cancelled."
        execution.save(update_fields=["status", "cancel_requested", "completed_at", "duration_ms", "error",
                                      "updated_at"])
        publish(execution)
        cancel_open_steps(execution, now, "execution cancelled")
    return execution


def retry_execution(execution: Execution, *, user: Any = None) -> Execution:
    """Run a failed (or cancelled) execution's flow again for its contact, as a new execution."""
    if execution.status not in (Execution.Status.FAILED, Execution.Status.CANCELLED):
        raise ValidationError({"status": f"Only failed or cancelled executions can be retried; this one is "
                                         f"{execution.status}."})
    if execution.contact is None:
        raise ValidationError({"contact": "The execution's contact no longer exists."})
    result = enroll(execution.flow, [execution.contact], source=Execution.Source.RETRY, metadata=execution.metadata,
                    created_by=user, cooldown=False, retry_of=execution)
    return result.executions[0]


def retry_dead_letter(dead_letter: DeadLetter, *, user: Any = None) -> Step:
    """Resume the dead letter's execution at its node, as a new step."""
    with transaction.atomic():
        dead_letter = (
            DeadLetter.objects.select_for_update(of=("self",))
            .select_related("step__execution__flow_version", "execution")
            .get(pk=dead_letter.pk)
        )
        _check_open(dead_letter)
        execution = dead_letter.step.execution
        if execution.status not in (Execution.Status.FAILED, *Execution.LIVE_STATUSES):
            raise ValidationError({"execution": f"The execution is {execution.status}; it cannot resume."})
        execution.status, execution.completed_at, execution.duration_ms, execution.error = (
            Execution.Status.RUNNING, None, None, "")
        execution.save(update_fields=["status", "completed_at", "duration_ms", "error", "updated_at"])
        publish(execution)
        step = resume_at(dead_letter.step)
        _resolve(dead_letter, DeadLetter.Status.RETRIED, user)
    return step


def discard_dead_letter(dead_letter: DeadLetter, *, user: Any = None) -> DeadLetter:
    """Mark the dead letter handled without running anything."""
    with transaction.atomic():
        dead_letter = DeadLetter.objects.select_for_update().get(pk=dead_letter.pk)
        _check_open(dead_letter)
        _resolve(dead_letter, DeadLetter.Status.DISCARDED, user)
    return dead_letter


def _check_open(dead_letter: DeadLetter) -> None:
    if dead_letter.status != DeadLetter.Status.OPEN:
        raise ValidationError({"status": f"The dead letter was already {dead_letter.status}."})


def _resolve(dead_letter: DeadLetter, status: str, user: Any) -> None:
    dead_letter.status, dead_letter.resolved_at = status, timezone.now()
    dead_letter.resolved_by = user if getattr(user, "is_authenticated", False) else None
    dead_letter.save(update_fields=["status", "resolved_at", "resolved_by"])
