"""Live status over WebSockets: the engine's status signals pushed to each workspace's group.

The push is best effort: the database stays the source of truth, so a channel
layer that is down must never fail the engine's transaction hooks; a dashboard
that missed messages reloads from the API.
"""
from __future__ import annotations

import atexit
import functools
import logging
from typing import Any, Callable, ParamSpec, TypeVar

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.dispatch import receiver

from automation.publisher import Publisher
from automation.status import execution_status_changed, statuses_changed, step_status_changed

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
BATCH_TYPE = "status.batch"  # handled by ExecutionStatusConsumer.status_batch
BATCH_SIZE = 500


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
    push_many(workspace_id, [message])


def push_many(workspace_id: int, messages: list[dict[str, Any]]) -> None:
    """Send ``messages`` to the workspace's group, a batch of up to :data:`BATCH_SIZE` per group send.

    With a channel layer shared through a server (Redis) the messages go to the
    process' :class:`~automation.publisher.Publisher` and this returns at once.
    An in-process layer (the embedded :class:`InMemoryChannelLayer`) keeps its
    queues in its consumers' event loop, which ``async_to_sync`` reaches from a
    ``sync_to_async`` thread and a background loop must not touch: it is sent to
    here, as it comes.
    """
    layer = get_channel_layer()
    if layer is None or not messages:
        return
    if not isinstance(layer, InMemoryChannelLayer):
        _publisher.submit(workspace_id, messages)
        return
    try:
        async_to_sync(_deliver)(workspace_id, messages)
    except Exception:  # a broken channel layer must not break the engine (see module docstring)
        logger.exception("Could not push status messages to workspace %s", workspace_id)


def flush(timeout: float = 5.0) -> bool:
    """Wait (up to ``timeout`` seconds) until the messages pushed so far were sent; False if they were not.

    A forked RQ work horse calls it before it returns (see :func:`flushing`), and
    every process at exit.
    """
    return _publisher.flush(timeout)


def flushing(job: Callable[P, R]) -> Callable[P, R]:
    """Decorate an RQ job that changes statuses, so that its live messages outlive a forked work horse.

    In a forked process (RQ's forking worker runs each job in one and ends it with
    ``os._exit``) the job waits for its messages (see :func:`flush`). A process that
    lives on (``SimpleWorker``, the default) lets them go out while it runs the next
    job, and flushes at exit.
    """

    @functools.wraps(job)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return job(*args, **kwargs)
        finally:
            if _publisher.forked and not flush():
                logger.warning("Live status messages of %s still unsent after the job", job.__name__)

    return run


async def _deliver(workspace_id: int, messages: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    for start in range(0, len(messages), BATCH_SIZE):
        await layer.group_send(group_name(workspace_id), {"type": BATCH_TYPE, "messages": messages[start:start + BATCH_SIZE]})


_publisher = Publisher(_deliver)
atexit.register(flush)


@receiver(execution_status_changed, dispatch_uid="automation.live.execution")
def push_execution_status(sender: Any, execution: Any, **kwargs: Any) -> None:
    push(execution.workspace_id, execution_message(execution))


@receiver(step_status_changed, dispatch_uid="automation.live.step")
def push_step_status(sender: Any, step: Any, **kwargs: Any) -> None:
    push(step.workspace_id, step_message(step))


@receiver(statuses_changed, dispatch_uid="automation.live.bulk")
def push_bulk_statuses(sender: Any, objects: list[Any], **kwargs: Any) -> None:
    from automation.models import Execution

    by_workspace: dict[int, list[dict[str, Any]]] = {}
    for obj in objects:
        message = execution_message(obj) if isinstance(obj, Execution) else step_message(obj)
        by_workspace.setdefault(obj.workspace_id, []).append(message)
    for workspace_id, messages in by_workspace.items():
        push_many(workspace_id, messages)
