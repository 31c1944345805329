"""Message providers by channel. :func:`get_provider` picks the workspace's provider for a channel."""
from __future__ import annotations

from automation.providers.base import (
    OutboundMessage,
    PermanentProviderError,
    Provider,
    ProviderError,
    SendResult,
    TransientProviderError,
)
from automation.providers.outbox import OutboxProvider


def get_provider(channel: str, workspace_id: int) -> Provider:
    """The provider that sends ``channel`` messages for the workspace (the dev outbox when none is configured)."""
    return OutboxProvider()


__all__ = [
    "OutboundMessage",
    "PermanentProviderError",
    "Provider",
    "ProviderError",
    "SendResult",
    "TransientProviderError",
    "get_provider",
]
