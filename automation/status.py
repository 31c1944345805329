"""The one place where execution and step status changes are announced.

The engine calls :func:`publish` whenever it changes an execution's or a
step's status; the announcement goes out after the surrounding transaction
commits (so listeners never see a change that was rolled back). Listeners
(the WebSocket push, metrics) connect to the signals below.
"""
from __future__ import annotations

from typing import Any, Iterable

from django.db import transaction
from django.dispatch import Signal

# Sent with ``execution=<Execution>``.
execution_status_changed = Signal()
# Sent with ``step=<Step>``.
step_status_changed = Signal()
# Sent with ``objects=[Execution or Step, ...]`` for a bulk change (an enrollment of
# thousands), so that listeners can handle it in one go instead of per row.
statuses_changed = Signal()


def publish(obj: Any) -> None:
    """Announce ``obj``'s (an Execution's or a Step's) current status once the transaction commits."""
    transaction.on_commit(lambda: _announce(obj))


def publish_all(objs: Iterable[Any]) -> None:
    """Announce the statuses of ``objs`` (in order) as one :data:`statuses_changed` once the transaction commits."""
    pending = list(objs)
    if pending:
        transaction.on_commit(lambda: statuses_changed.send(sender=type(pending[0]), objects=pending))


def _announce(obj: Any) -> None:
    from automation.models import Execution

    if isinstance(obj, Execution):
        execution_status_changed.send(sender=Execution, execution=obj)
    else:
        step_status_changed.send(sender=type(obj), step=obj)
