"""Message providers by channel. :func:`get_provider` picks the workspace's provider for a channel."""
from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from automation.providers.base import (
    OutboundMessage,
    PermanentProviderError,
    Provider,
    ProviderError,
    RecipientOptedOut,
    SendResult,
    SendUnconfirmed,
    TransientProviderError,
)


def get_provider(channel: str, workspace_id: int) -> Provider:
    """The provider that sends ``channel`` messages for the workspace.

    ``settings.MESSAGE_PROVIDERS`` may name a Provider class per channel (a plug-in
    provider, or a stand-in of an outside service); otherwise the workspace's own
    credentials first, then the settings-level Twilio / ESP credentials, then the
    dev outbox (so a machine without credentials sends nothing).
    """
    override = settings.MESSAGE_PROVIDERS.get(channel)
    if override:
        return import_string(override)()
    # Imported here: automation.models imports providers.base, so this package
    # cannot import the model-backed providers when it is first loaded.
    from automation.providers.email import EmailAccount, EmailProvider
    from automation.providers.outbox import OutboxProvider
    from automation.providers.twilio import TwilioCredentials, TwilioProvider

    if channel == "email":
        account = EmailAccount.for_workspace(workspace_id)
        return EmailProvider(account) if account else OutboxProvider()
    if channel in TwilioProvider.channels:
        credentials = TwilioCredentials.for_workspace(workspace_id)
        return TwilioProvider(credentials) if credentials else OutboxProvider()
    raise ValueError(f"Unknown channel {channel!r}.")


__all__ = [
    "OutboundMessage",
    "PermanentProviderError",
    "RecipientOptedOut",
    "Provider",
    "ProviderError",
    "SendResult",
    "SendUnconfirmed",
    "TransientProviderError",
    "get_provider",
]
