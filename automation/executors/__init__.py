"""Executors by node type. Importing this package registers every executor in :data:`executors`."""
from automation.executors import (  # noqa: F401  (each module registers its executor)
    condition,
    delay,
    end,
    send_email,
    send_sms,
    send_whatsapp,
    trigger,
    update_contact,
    voice_call,
    webhook,
)
from automation.executors.base import Executor, NodeContext, NodeResult, executors

__all__ = ["Executor", "NodeContext", "NodeResult", "executors"]
