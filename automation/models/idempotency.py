"""Answers already given to requests that carried an ``Idempotency-Key`` header."""
from __future__ import annotations

from django.db import models

from contacts.tenancy import WorkspaceScopedModel


class IdempotencyKey(WorkspaceScopedModel):
    """A client retrying a request with the same key gets this answer again, and nothing runs twice."""

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="idempotency_keys")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body the key was first used with.")
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return f"Idempotency key {self.key} of workspace {self.workspace_id}"
