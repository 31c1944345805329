"""Enrolling contacts in a flow: one execution per contact, in bulk.

Every trigger ends here. The cost is a constant number of queries whatever the
number of contacts (the flow version, the cooldown look-up, one bulk insert of
executions and one of first steps); jobs are pushed to Redis in one round trip
after commit. Contacts that must not enter get an execution too, ``skipped``
with the reason, so enrollment history shows why nothing happened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from automation import queueing
from automation.models import Execution, Step
from automation.status import publish_all
from contacts.models import Contact
from flows.graph import Graph
from flows.models import Flow, FlowVersion
from flows.nodes import registry


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
    with transaction.atomic():
        version = FlowVersion.objects.get(pk=flow.current_version_id)
        recent = _recent_entries(flow, unique, now) if cooldown and flow.reentry_cooldown else set()
        channels = flow_channels(version.graph)
        trigger = Graph(version.graph).trigger
        executions = []
        for contact in unique.values():
            reason = entry_block(contact, channels) or ("cooldown" if contact.pk in recent else None)
            execution = Execution(
                workspace_id=flow.workspace_id, flow=flow, flow_version=version, contact=contact, source=source,
                metadata=metadata or {}, created_by=created_by, trigger_key=trigger_key, retry_of=retry_of,
            )
            if reason:
                execution.status, execution.skip_reason, execution.completed_at = Execution.Status.SKIPPED, reason, now
                result.skipped.append(Skip(contact.pk, reason))
                result.skipped_executions.append(execution)
            else:
                result.enrolled.append(execution)
            executions.append(execution)
        Execution.objects.bulk_create(executions)
        start_steps(result.enrolled, trigger["id"])
        publish_all(executions)
    return result


def start_steps(executions: list[Execution], trigger_id: str) -> list[Step]:
    """Create and enqueue the first (trigger) step of each execution."""
    steps = [
        Step(workspace_id=e.workspace_id, execution=e, node_id=trigger_id, node_type="trigger",
             job_id=queueing.new_job_id())
        for e in executions
    ]
    Step.objects.bulk_create(steps)
    publish_all(steps)
    queueing.enqueue_steps((step.pk, step.job_id) for step in steps)
    return steps


def _recent_entries(flow: Flow, contacts: dict[int, Contact], now: Any) -> set[int]:
    return set(
        Execution.objects.filter(
            flow=flow, contact_id__in=list(contacts), created_at__gte=now - flow.reentry_cooldown, is_test=False
        )
        .exclude(status=Execution.Status.SKIPPED)
        .values_list("contact_id", flat=True)
    )
