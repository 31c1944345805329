"""The one place where execution and step status changes are announced.

The engine calls :func:`publish` whenever it changes an execution's or a
step's status; the announcement goes out after the surrounding transaction
commits (so listeners never see a change that was rolled back). Listeners
(the WebSocket push, metrics) connect to the signals below.
"""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

# Sent with ``execution=<Execution>``.
execution_status_changed = Signal()
# Sent with ``step=<Step>``.
step_status_changed = Signal()


def publish(obj: Any) -> None:
    """Announce ``obj``'s (an Execution's or a Step's) current status once the transaction commits."""
    from automation.models import Execution

    if isinstance(obj, Execution):
        transaction.on_commit(lambda: execution_status_changed.send(sender=Execution, execution=obj))
    else:
        transaction.on_commit(lambda: step_status_changed.send(sender=type(obj), step=obj))
