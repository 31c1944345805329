"""Executions (one contact through one flow version), their steps, and dead letters.

PostgreSQL is the source of truth for every run: RQ jobs only carry ids, so a
lost job, a crashed worker or a flushed Redis loses nothing that the
reconciler cannot find again from these rows.
"""
from __future__ import annotations

import uuid
from django.conf import settings
from django.db import models

from contacts.tenancy import WorkspaceScopedModel, WorkspaceScopedQuerySet


class ExecutionQuerySet(WorkspaceScopedQuerySet):
    def live(self) -> "ExecutionQuerySet":
        return self.filter(status__in=Execution.LIVE_STATUSES)


class Execution(WorkspaceScopedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting"
        COMPLETED = "completed", "Completed"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        SKIPPED = "skipped", "Skipped"

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual send"
        CONTACT_CREATED = "contact_created", "Contact created"
        EVENT = "event", "Event"
        SCHEDULE = "schedule", "Schedule"
        WEBHOOK = "webhook", "Webhook"
        RETRY = "retry", "Retry"
        TEST = "test", "Test"

    LIVE_STATUSES = (Status.PENDING, Status.RUNNING, Status.WAITING)
    FINAL_STATUSES = (Status.COMPLETED, Status.FAILED, Status.CANCELLED, Status.SKIPPED)

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="executions")
    flow = models.ForeignKey("flows.Flow", on_delete=models.CASCADE, related_name="executions")
    flow_version = models.ForeignKey("flows.FlowVersion", on_delete=models.PROTECT, related_name="executions")
    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="executions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    source = models.CharField(max_length=20, choices=Source.choices)
    is_test = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="Trigger data (event, schedule tick, request).")
    cancel_requested = models.BooleanField(default=False)
    trigger_key = models.CharField(
        max_length=200, blank=True, help_text="Idempotency key of the event or request that started it."
    )
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries",
        help_text="The failed execution this one retries.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExecutionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "status", "created_at"], name="exec_ws_status_created"),
            models.Index(fields=["workspace", "created_at"], name="exec_ws_created"),
            models.Index(fields=["flow", "created_at"], name="exec_flow_created"),
            models.Index(fields=["contact", "created_at"], name="exec_contact_created"),
            models.Index(fields=["flow", "contact", "created_at"], name="exec_flow_contact_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["flow", "contact", "trigger_key"], condition=~models.Q(trigger_key=""),
                name="exec_unique_trigger_key",
            ),
        ]

    def __str__(self) -> str:
        return f"Execution {self.pk} of {self.flow_id} ({self.status})"

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES


class StepQuerySet(WorkspaceScopedQuerySet):
    pass


class Step(WorkspaceScopedModel):
    """One run of one node for one execution (a node in a loop runs as several steps)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        WAITING = "waiting", "Waiting"
        SUCCESS = "success", "Success"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.PENDING, Status.RUNNING, Status.WAITING)

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="steps")
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="steps")
    node_id = models.CharField(max_length=100)
    node_type = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveBigIntegerField(null=True, blank=True)
    input = models.JSONField(default=dict, blank=True)
    output = models.JSONField(default=dict, blank=True, help_text="Provider ids (Twilio SID...), outcomes.")
    outcome = models.CharField(max_length=40, blank=True, help_text="Branch taken: true/false, call outcome, failure.")
    error = models.TextField(blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True, help_text="When a delayed or retried step is due.")
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="Set once the provider accepted the send.")
    job_id = models.CharField(max_length=100, blank=True)
    previous_step = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StepQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["execution", "created_at"], name="step_exec_created"),
            models.Index(fields=["status", "next_run_at"], name="step_status_due"),
            models.Index(fields=["status", "updated_at"], name="step_status_updated"),
            models.Index(fields=["workspace", "node_type", "created_at"], name="step_ws_type_created"),
        ]

    def __str__(self) -> str:
        return f"Step {self.node_id} ({self.node_type}) of execution {self.execution_id}: {self.status}"


class DeadLetter(WorkspaceScopedModel):
    """A step that failed after its last attempt, kept until staff retry or discard it."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RETRIED = "retried", "Retried"
        DISCARDED = "discarded", "Discarded"

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="dead_letters")
    execution = models.ForeignKey(Execution, on_delete=models.CASCADE, related_name="dead_letters")
    step = models.OneToOneField(Step, on_delete=models.CASCADE, related_name="dead_letter")
    node_id = models.CharField(max_length=100)
    node_type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict, blank=True)
    error = models.TextField()
    attempts = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status", "created_at"], name="deadletter_ws_status")]

    def __str__(self) -> str:
        return f"Dead letter {self.pk}: {self.node_type} of execution {self.execution_id}"

