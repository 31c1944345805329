"""Live status over WebSockets: the engine's status signals pushed to each workspace's group.

The push is best effort: the database stays the source of truth, so a channel
layer that is down must never fail the engine's transaction hooks; a dashboard
that missed messages reloads from the API.
"""
from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.dispatch import receiver

from automation.status import execution_status_changed, step_status_changed

logger = logging.getLogger(__name__)
MESSAGE_TYPE = "status.message"  # handled by ExecutionStatusConsumer.status_message


def group_name(workspace_id: int) -> str:
    return f"workspace-{workspace_id}-executions"


def execution_message(execution: Any) -> dict[str, Any]:
    return {
        "type": "execution",
        "id": execution.pk,
        "execution_id": execution.pk,
        "flow_id": execution.flow_id,
        "contact_id": execution.contact_id,
        "status": execution.status,
        "is_test": execution.is_test,
        "error": execution.error,
    }


def step_message(step: Any) -> dict[str, Any]:
    return {
        "type": "step",
        "id": step.pk,
        "execution_id": step.execution_id,
        "node_id": step.node_id,
        "node_type": step.node_type,
        "status": step.status,
        "outcome": step.outcome,
        "error": step.error,
        "next_run_at": step.next_run_at.isoformat() if step.next_run_at else None,
    }


def push(workspace_id: int, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(workspace_id), {"type": MESSAGE_TYPE, "message": message})
    except Exception:  # a broken channel layer must not break the engine (see module docstring)
        logger.exception("Could not push a status message to workspace %s", workspace_id)


@receiver(execution_status_changed, dispatch_uid="automation.live.execution")
def push_execution_status(sender: Any, execution: Any, **kwargs: Any) -> None:
    push(execution.workspace_id, execution_message(execution))


@receiver(step_status_changed, dispatch_uid="automation.live.step")
def push_step_status(sender: Any, step: Any, **kwargs: Any) -> None:
    push(step.workspace_id, step_message(step))
