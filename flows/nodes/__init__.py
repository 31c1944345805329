"""Node types. Importing this package registers every type in :data:`registry`."""
from flows.nodes import (  # noqa: F401  (each module registers its type)
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
from flows.nodes.base import DEFAULT_HANDLE, FAILURE_HANDLE, NodeType, registry

__all__ = ["DEFAULT_HANDLE", "FAILURE_HANDLE", "NodeType", "registry"]
