"""Test mode: run a flow's graph for one contact with no provider calls and no contact changes.

The very executors of the engine run with ``is_test`` set: sends render their
message and report SMS segments and an estimated cost instead of sending, delays
report how long they would wait, calls take the ``answered`` branch, webhooks
report what they would post, contact updates report their changes (applied to
an in-memory copy only, so later conditions see them). The plan is returned and
stored as an execution with ``is_test=True``.
"""
from __future__ import annotations

from collections import deque
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from automation.engine import execute
from automation.executors import NodeContext, executors
from automation.models import Execution, Step
from automation.status import publish
from contacts.models import Contact
from flows.graph import Graph
from flows.models import Flow, FlowVersion
from flows.nodes import registry

MAX_PLAN_STEPS = 200
CONTACT_DATA_FIELDS = (
    "first_name", "last_name", "phone", "email", "tags", "lead_source", "entry_type", "custom_fields", "timezone",
    "opted_out_sms", "opted_out_whatsapp", "opted_out_email", "opted_out_voice",
)
STEP_STATUS = {"success": Step.Status.SUCCESS, "skipped": Step.Status.SKIPPED, "failed": Step.Status.FAILED}


def test_flow(flow: Flow, *, contact: Contact | None = None, contact_data: dict[str, Any] | None = None,
              event: dict[str, Any] | None = None) -> dict[str, Any]:
    """Dry-run ``flow``'s current version for ``contact`` (or an unsaved contact made of ``contact_data``).

    Returns ``{execution_id, path, messages, total_cost, contact}``; each path entry is
    ``{node_id, type, status, outcome, skip_reason, output, error}``.
    """
    if contact is not None and contact.workspace_id != flow.workspace_id:
        raise ValidationError({"contact_id": "The contact belongs to another workspace."})
    subject = _copy(contact) if contact is not None else _contact_from_data(flow, contact_data)
    version = FlowVersion.objects.get(pk=flow.current_version_id)
    graph = Graph(version.graph)
    if not any(node.get("type") == "trigger" for node in graph.nodes.values()):
        raise ValidationError({"graph": "The flow has no trigger node to start from."})
    now = timezone.now()
    path = _walk(flow, version, graph, subject, event or {}, now)
    messages = [
        {"node_id": entry["node_id"], "type": entry["type"], **entry["output"]}
        for entry in path
        if "message" in entry["output"]
    ]
    total = sum((Decimal(m.get("estimated_cost", "0")) for m in messages), Decimal("0"))
    execution = _store(flow, version, contact, path, now)
    return {
        "execution_id": execution.pk,
        "flow_version": version.number,
        "path": path,
        "messages": messages,
        "total_cost": str(total),
        "contact": subject.as_template_context(),
    }


def _walk(flow: Flow, version: FlowVersion, graph: Graph, contact: Contact, event: dict[str, Any],
          now: Any) -> list[dict[str, Any]]:
    path: list[dict[str, Any]] = []
    outcomes: dict[str, dict[str, Any]] = {}
    pending = deque([graph.trigger["id"]])
    while pending and len(path) < MAX_PLAN_STEPS:
        node = graph.node(pending.popleft())
        kind = registry.get(node["type"])
        ctx = NodeContext(
            workspace_id=flow.workspace_id, graph=graph, node=node,
            config=kind.clean_config(node.get("data") or {}) if kind else dict(node.get("data") or {}),
            contact=contact, event=event, now=now, hours=version.hours, is_test=True,
            load_steps=lambda: dict(outcomes),
        )
        result = execute(executors.get(node["type"]), ctx)
        entry = {
            "node_id": node["id"], "type": node["type"], "status": result.status, "outcome": result.outcome,
            "skip_reason": result.skip_reason, "output": result.output, "error": result.error,
        }
        path.append(entry)
        outcomes[node["id"]] = {"status": STEP_STATUS.get(result.status, result.status), "outcome": result.outcome}
        if result.status != "failed":
            pending.extend(graph.next_nodes(node["id"], result.handle))
        elif graph.has_handle(node["id"], "failure"):
            pending.extend(graph.next_nodes(node["id"], "failure"))
    return path


def _store(flow: Flow, version: FlowVersion, contact: Contact | None, path: list[dict[str, Any]], now: Any) -> Execution:
    failed = next((entry for entry in path if entry["status"] == "failed"), None)
    with transaction.atomic():
        execution = Execution.objects.create(
            workspace_id=flow.workspace_id, flow=flow, flow_version=version, contact=contact,
            source=Execution.Source.TEST, is_test=True,
            status=Execution.Status.FAILED if failed else Execution.Status.COMPLETED,
            error=failed["error"] if failed else "", started_at=now, completed_at=now, duration_ms=0,
        )
        Step.objects.bulk_create(
            Step(workspace_id=flow.workspace_id, execution=execution, node_id=entry["node_id"], node_type=entry["type"],
                 status=STEP_STATUS.get(entry["status"], Step.Status.SUCCESS), attempt=1, started_at=now,
                 completed_at=now, duration_ms=0, output=entry["output"], outcome=entry["outcome"],
                 skip_reason=entry["skip_reason"], error=entry["error"])
            for entry in path
        )
        publish(execution)
    return execution


def _copy(contact: Contact) -> Contact:
    """An in-memory copy that test mode may change freely (it is never saved)."""
    copy = Contact(**{f.attname: getattr(contact, f.attname) for f in Contact._meta.concrete_fields})
    copy.tags, copy.custom_fields = list(contact.tags or []), dict(contact.custom_fields or {})
    return copy


def _contact_from_data(flow: Flow, data: dict[str, Any] | None) -> Contact:
    if data is None:
        return Contact(workspace_id=flow.workspace_id, first_name="Test", last_name="Contact")
    if not isinstance(data, dict):
        raise ValidationError({"contact": "Must be an object of contact fields."})
    unknown = set(data) - set(CONTACT_DATA_FIELDS)
    if unknown:
        raise ValidationError({"contact": f"Unknown field(s): {', '.join(sorted(unknown))}."})
    contact = Contact(workspace_id=flow.workspace_id, **data)
    try:
        contact.clean()
        contact.clean_fields(exclude=["workspace"])
    except ValidationError as exc:
        problems = [f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items()]
        raise ValidationError({"contact": problems}) from exc
    return contact
