"""Enrolling contacts in a flow: one execution per contact, in bulk.

Every trigger ends here. The cost is a constant number of queries whatever the
number of contacts (the flow version, the cooldown look-up, one insert of
executions and one of first steps: see bulk_rows); jobs are pushed to Redis
after commit (see job_push). Contacts that must not enter get an execution
too, ``skipped`` with the reason, so enrollment history shows why nothing happened.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from automation import queueing
from automation.bulk_rows import insert_rows
from automation.gc_pause import gc_paused
from automation.models import Execution, Step
from automation.status import publish_all
from contacts.models import CHANNELS, Contact
from flows.graph import Graph
from flows.models import Flow, FlowVersion
from flows.nodes import registry

_CONTACT = Execution._meta.get_field("contact")
_EXECUTION = Step._meta.get_field("execution")


@dataclass(frozen=True)
class Skip:
    contact_id: int
    reason: str


@dataclass
class EnrollmentResult:
    enrolled: list[Execution] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    skipped_executions: list[Execution] = field(default_factory=list)

    @property
    def executions(self) -> list[Execution]:
        return self.enrolled + self.skipped_executions

    def as_dict(self) -> dict[str, Any]:
        return {
            "enrolled": len(self.enrolled),
            "skipped": [{"contact_id": s.contact_id, "reason": s.reason} for s in self.skipped],
            "execution_ids": [e.pk for e in self.enrolled],
        }


def flow_channels(graph: dict[str, Any]) -> set[str]:
    """The channels the flow's send nodes use."""
    channels = set()
    for node in graph.get("nodes", []):
        kind = registry.get(node.get("type"))
        if kind and kind.channel:
            channels.add(kind.channel)
    return channels


# What entry_block reads: callers enrolling thousands load only these (``.only(*ENTRY_FIELDS)``).
ENTRY_FIELDS = ("workspace", "tags", *(f"opted_out_{channel}" for channel in CHANNELS))


def entry_block(contact: Contact, channels: set[str]) -> str | None:
    """Why ``contact`` may not enter a flow sending on ``channels``: DNC, or opted out of all of them."""
    if contact.is_dnc:
        return "dnc"
    if channels and all(contact.is_opted_out(channel) for channel in channels):
        return "opted_out_" + "_".join(sorted(channels))
    return None


def enroll(
    flow: Flow,
    contacts: Iterable[Contact],
    *,
    source: str,
    metadata: dict[str, Any] | None = None,
    created_by: Any = None,
    trigger_key: str = "",
    cooldown: bool = True,
    retry_of: Execution | None = None,
) -> EnrollmentResult:
    """Start ``flow``'s current version for each contact (bulk, O(1) queries).

    Only active flows run. Contacts who are DNC or opted out of every channel the
    flow uses, or who entered this flow within its re-entry cooldown, are skipped
    with the reason (and a ``skipped`` execution).
    """
    if flow.status != Flow.Status.ACTIVE:
        raise ValidationError({"flow": f"Flow '{flow.name}' is {flow.status}; only active flows can run."})
    unique: dict[int, Contact] = {}
    for contact in contacts:
        if contact.workspace_id != flow.workspace_id:
            raise ValidationError({"contacts": f"Contact {contact.pk} belongs to another workspace."})
        unique.setdefault(contact.pk, contact)
    result = EnrollmentResult()
    if not unique:
        return result
    now = timezone.now()
    with gc_paused(), transaction.atomic():
        version = FlowVersion.objects.get(pk=flow.current_version_id)
        recent = _recent_entries(flow, unique, now) if cooldown and flow.reentry_cooldown else set()
        channels = flow_channels(version.graph)
        trigger = Graph(version.graph).trigger
        reasons = [entry_block(contact, channels) or ("cooldown" if pk in recent else None)
                   for pk, contact in unique.items()]
        template = Execution(
            workspace_id=flow.workspace_id, flow=flow, flow_version=version, source=source, metadata=metadata or {},
            created_by=created_by, trigger_key=trigger_key, retry_of=retry_of,
        )
        executions = insert_rows(template, {
            "contact_id": list(unique),
            "status": [Execution.Status.SKIPPED if reason else Execution.Status.PENDING for reason in reasons],
            "skip_reason": [reason or "" for reason in reasons],
            "completed_at": [now if reason else None for reason in reasons],
        })
        for execution, contact, reason in zip(executions, unique.values(), reasons):
            _CONTACT.set_cached_value(execution, contact)
            if reason:
                result.skipped.append(Skip(contact.pk, reason))
                result.skipped_executions.append(execution)
            else:
                result.enrolled.append(execution)
        steps = start_steps(result.enrolled, trigger["id"])
        publish_all([*steps, *executions])  # one announcement: first steps, then executions
    return result


def start_steps(executions: list[Execution], trigger_id: str) -> list[Step]:
    """Create the first (trigger) step of each execution; their jobs are enqueued once the transaction commits."""
    if not executions:
        return []
    template = Step(workspace_id=executions[0].workspace_id, node_id=trigger_id, node_type="trigger")
    steps = insert_rows(template, {
        "execution_id": [execution.pk for execution in executions],
        "job_id": queueing.new_job_ids(len(executions)),
        "idempotency_key": _uuids(len(executions)),
    })
    for step, execution in zip(steps, executions):
        _EXECUTION.set_cached_value(step, execution)
    queueing.enqueue_steps((step.pk, step.job_id) for step in steps)
    return steps


def _uuids(count: int) -> list[uuid.UUID]:
    """``count`` random (version 4) UUIDs from one read of the system's randomness (``uuid4()`` reads once each)."""
    raw = os.urandom(16 * count)
    return [uuid.UUID(bytes=raw[start:start + 16], version=4) for start in range(0, 16 * count, 16)]


def _recent_entries(flow: Flow, contacts: dict[int, Contact], now: Any) -> set[int]:
    return set(
        Execution.objects.filter(
            flow=flow, contact_id__in=list(contacts), created_at__gte=now - flow.reentry_cooldown, is_test=False
        )
        .exclude(status=Execution.Status.SKIPPED)
        .values_list("contact_id", flat=True)
    )
