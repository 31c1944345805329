"""Builders of realistic rows for admin and monitoring tests (through the models' own save paths)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from automation.models import DeadLetter, Execution, OutboxMessage, Step
from contacts.models import Contact, Workspace
from flows.demo import welcome_graph
from flows.models import Flow


def make_flow(workspace: Workspace, name: str, **extra: Any) -> Flow:
    return Flow.objects.create(workspace=workspace, name=name, graph=extra.pop("graph", welcome_graph()), **extra)


def make_contact(workspace: Workspace, first_name: str, **extra: Any) -> Contact:
    extra.setdefault("email", f"{first_name.lower()}@{workspace.slug}.example")
    return Contact.objects.create(workspace=workspace, first_name=first_name, **extra)


def make_execution(
    flow: Flow,
    contact: Contact | None,
    *,
    status: str = Execution.Status.COMPLETED,
    created_at: datetime | None = None,
    duration_ms: int | None = 1200,
    steps: int = 1,
    **extra: Any,
) -> Execution:
    """An execution with ``steps`` steps; timestamps are forced with update() since they are auto fields."""
    execution = Execution.objects.create(
        workspace_id=flow.workspace_id, flow=flow, flow_version=flow.current_version, contact=contact,
        status=status, source=extra.pop("source", Execution.Source.MANUAL), duration_ms=duration_ms, **extra,
    )
    created_at = created_at or timezone.now()
    step_status = Step.Status.FAILED if status == Execution.Status.FAILED else Step.Status.SUCCESS
    nodes = [n for n in flow.graph["nodes"] if n["type"] != "trigger"]
    for index in range(steps):
        graph_node = nodes[index % len(nodes)]
        step = Step.objects.create(
            workspace_id=flow.workspace_id, execution=execution, node_id=graph_node["id"],
            node_type=graph_node["type"],
            status=step_status, attempt=1, duration_ms=duration_ms, output={"provider": "twilio", "provider_message_id": f"SM{execution.pk}{index}"},
            error="Twilio said no" if step_status == Step.Status.FAILED else "",
        )
        Step.objects.filter(pk=step.pk).update(created_at=created_at, updated_at=created_at)
    Execution.objects.filter(pk=execution.pk).update(created_at=created_at, updated_at=created_at)
    execution.refresh_from_db()
    return execution


def make_dead_letter(execution: Execution, *, error: str = "Twilio 500", created_at: datetime | None = None) -> DeadLetter:
    step = execution.steps.first()
    letter = DeadLetter.objects.create(
        workspace_id=execution.workspace_id, execution=execution, step=step, node_id=step.node_id,
        node_type=step.node_type, payload={"to": "+15550001111"}, error=error, attempts=5,
    )
    if created_at:
        DeadLetter.objects.filter(pk=letter.pk).update(created_at=created_at)
    return letter


def make_outbox(workspace: Workspace, body: str) -> OutboxMessage:
    return OutboxMessage.objects.create(
        workspace=workspace, channel="sms", to="+15550001111", body=body,
        idempotency_key=f"key-{body}", provider_message_id=f"OB-{body}",
    )


def ago(**delta: float) -> datetime:
    return timezone.now() - timedelta(**delta)
