"""Messages contacts send us (Twilio inbound webhook), kept whether or not the sender is a known contact."""
from __future__ import annotations

from django.db import models

from contacts.tenancy import WorkspaceScopedModel, WorkspaceScopedQuerySet


class InboundMessage(WorkspaceScopedModel):
    class Keyword(models.TextChoices):
        OPT_OUT = "opt_out", "Opt-out (STOP)"
        OPT_IN = "opt_in", "Opt-in (START)"
        HELP = "help", "Help"

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="inbound_messages")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_messages",
        help_text="Empty when the sender is not a contact of the workspace.",
    )
    channel = models.CharField(max_length=10)
    provider = models.CharField(max_length=20)
    provider_message_id = models.CharField(max_length=100)
    from_address = models.CharField(max_length=320)
    to_address = models.CharField(max_length=320)
    body = models.TextField(blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    keyword = models.CharField(max_length=10, choices=Keyword.choices, blank=True)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_message_id"], name="inbound_unique_provider_id")
        ]

    def __str__(self) -> str:
        return f"{self.channel} from {self.from_address}"
