"""Message providers by channel. :func:`get_provider` picks the workspace's provider for a channel."""
from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

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
    """The provider that sends ``channel`` messages for the workspace (the dev outbox when none is configured).

    ``settings.MESSAGE_PROVIDERS`` may name a Provider class per channel (a plug-in
    provider, or a stand-in of an outside service).
    """
    override = settings.MESSAGE_PROVIDERS.get(channel)
    if override:
        return import_string(override)()
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
