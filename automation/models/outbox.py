"""The dev outbox: every message the embedded provider "sends" is recorded here instead."""
from __future__ import annotations

from django.db import models

from contacts.tenancy import WorkspaceScopedModel, WorkspaceScopedQuerySet


class OutboxMessage(WorkspaceScopedModel):
    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="outbox_messages")
    channel = models.CharField(max_length=10)
    to = models.CharField(max_length=320)
    from_address = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    media_urls = models.JSONField(default=list, blank=True)
    twiml = models.TextField(blank=True)
    idempotency_key = models.CharField(max_length=100, unique=True)
    provider_message_id = models.CharField(max_length=64, unique=True)
    step = models.ForeignKey("automation.Step", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "outbox message"

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}"
