"""Flow definitions and their immutable versions."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, Q

from contacts.tenancy import WorkspaceScopedModel, WorkspaceScopedQuerySet
from flows.business_hours import BusinessHours, validate_business_hours
from flows.graph import GraphError, validate_graph
from flows.triggers import TriggerType, validate_trigger


def empty_graph() -> dict[str, list]:
    return {"nodes": [], "edges": []}


def new_webhook_token() -> str:
    return secrets.token_urlsafe(24)


class FlowInvalid(ValidationError):
    """Raised when a flow that must be valid (to become active) is not; carries the structured errors."""

    def __init__(self, graph_errors: list[GraphError], field_errors: dict[str, str]) -> None:
        self.graph_errors = graph_errors
        self.field_errors = field_errors
        # Keys are model field names (``trigger_config``, not ``trigger_config.cron``) so that
        # model forms, the admin's among them, can put each message on its field.
        messages: dict[str, list[str]] = {}
        for key, value in field_errors.items():
            root, _, rest = key.partition(".")
            messages.setdefault(root, []).append(f"{rest}: {value}" if rest else value)
        if graph_errors:
            messages["graph"] = [
                f"{e.node_id + ': ' if e.node_id else ''}{e.field}: {e.message}" for e in graph_errors
            ]
        super().__init__(messages)


class FlowQuerySet(WorkspaceScopedQuerySet):
    def active(self) -> "FlowQuerySet":
        return self.filter(status=Flow.Status.ACTIVE)

    def by_priority(self) -> "FlowQuerySet":
        return self.order_by("priority", "id")

    def reorder(self, workspace: Any, ordered_ids: Iterable[int]) -> list["Flow"]:
        """Give the listed flows priorities 1, 2, 3... in that order.

        Active flows that are not listed keep their relative order after the
        listed ones, so the uniqueness of priorities among active flows holds.
        Raises ``ValidationError`` (and changes nothing) for unknown or repeated ids.
        """
        ordered_ids = list(ordered_ids)
        if len(set(ordered_ids)) != len(ordered_ids):
            raise ValidationError({"order": "Each flow may appear only once."})
        with transaction.atomic():
            flows = {
                flow.pk: flow
                for flow in self.for_workspace(workspace).select_for_update().filter(pk__in=ordered_ids)
            }
            missing = [pk for pk in ordered_ids if pk not in flows]
            if missing:
                raise ValidationError({"order": f"Unknown flow id(s) in this workspace: {missing}."})
            rest = list(
                self.for_workspace(workspace).active().exclude(pk__in=ordered_ids).order_by("priority", "id")
            )
            sequence = [flows[pk] for pk in ordered_ids] + rest
            # Two passes: first out of the way (negative), then into place, so the
            # unique constraint never sees two active flows with one priority.
            for position, flow in enumerate(sequence, start=1):
                flow.priority = -position
            self.model.objects.bulk_update(sequence, ["priority"])
            for position, flow in enumerate(sequence, start=1):
                flow.priority = position
            self.model.objects.bulk_update(sequence, ["priority"])
        return sequence


class Flow(WorkspaceScopedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ARCHIVED = "archived", "Archived"

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="flows")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    graph = models.JSONField(default=empty_graph, help_text="ReactFlow nodes and edges.")
    priority = models.IntegerField(default=0, help_text="Lower runs first; unique among active flows.")
    trigger_type = models.CharField(max_length=20, choices=TriggerType.choices, default=TriggerType.MANUAL)
    trigger_config = models.JSONField(default=dict, blank=True)
    business_hours = models.JSONField(
        default=dict, blank=True, help_text='{"start": "09:00", "end": "17:00", "timezone": "UTC", "days": [0,1,2,3,4]}'
    )
    reentry_cooldown = models.DurationField(
        default=timedelta(hours=1),
        help_text="A contact cannot enter this flow again within this time of its last entry.",
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    current_version = models.ForeignKey(
        "flows.FlowVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    webhook_token = models.CharField(max_length=64, unique=True, default=new_webhook_token, editable=False)
    last_scheduled_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FlowQuerySet.as_manager()

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "priority"],
                condition=Q(status="active"),
                name="flow_unique_active_priority",
                violation_error_message="Another active flow of this workspace has this priority.",
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "status", "trigger_type", "priority"], name="flow_ws_trigger"),
        ]

    def __str__(self) -> str:
        return self.name

    # --- validation -------------------------------------------------------
    def graph_errors(self) -> list[GraphError]:
        return validate_graph(self.graph)

    def settings_errors(self) -> dict[str, str]:
        errors = validate_trigger(self.trigger_type, self.trigger_config)
        errors.update({f"business_hours.{k}" if k != "business_hours" else k: v
                       for k, v in validate_business_hours(self.business_hours).items()})
        if self.reentry_cooldown is not None and self.reentry_cooldown < timedelta(0):
            errors["reentry_cooldown"] = "Must not be negative."
        return errors

    def check_activatable(self) -> None:
        """Raise :class:`FlowInvalid` unless the graph and settings are valid."""
        graph_errors, field_errors = self.graph_errors(), self.settings_errors()
        if graph_errors or field_errors:
            raise FlowInvalid(graph_errors, field_errors)

    def clean(self) -> None:
        field_errors = self.settings_errors()
        if self.status == self.Status.ACTIVE:
            self.check_activatable()
        elif field_errors:
            raise FlowInvalid([], field_errors)

    @property
    def hours(self) -> BusinessHours | None:
        return BusinessHours.from_config(self.business_hours)

    # --- persistence and versions --------------------------------------------
    def _snapshot(self) -> dict[str, Any]:
        return {
            "graph": self.graph,
            "business_hours": self.business_hours or {},
            "trigger_type": self.trigger_type,
            "trigger_config": self.trigger_config or {},
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; an active flow must be valid, and a changed definition becomes a new version."""
        if self.status == self.Status.ACTIVE:
            self.check_activatable()
        if not self.priority and self.status != self.Status.ARCHIVED:
            self.priority = self._next_priority()
        with transaction.atomic():
            super().save(*args, **kwargs)
            current = self.current_version
            if current is None or current.snapshot() != self._snapshot():
                self._create_version()

    def _next_priority(self) -> int:
        highest = Flow.objects.for_workspace(self.workspace_id).aggregate(top=Max("priority"))["top"]
        return (highest or 0) + 1

    def _create_version(self) -> "FlowVersion":
        number = self.version + 1
        version = FlowVersion.objects.create(flow=self, number=number, created_by=self.created_by, **self._snapshot())
        Flow.objects.filter(pk=self.pk).update(version=number, current_version=version)
        self.version, self.current_version = number, version
        return version

    # --- lifecycle ---------------------------------------------------------
    def activate(self) -> None:
        """Make the flow live. Refused (nothing changes) while it is invalid."""
        self.check_activatable()
        with transaction.atomic():
            clash = (
                Flow.objects.for_workspace(self.workspace_id)
                .active()
                .filter(priority=self.priority)
                .exclude(pk=self.pk)
                .exists()
            )
            if clash:
                top = Flow.objects.for_workspace(self.workspace_id).active().aggregate(top=Max("priority"))["top"]
                self.priority = (top or 0) + 1
            self.status = self.Status.ACTIVE
            self.save()

    def pause(self) -> None:
        self.status = self.Status.PAUSED
        self.save(update_fields=["status", "updated_at"])

    def archive(self) -> None:
        self.status = self.Status.ARCHIVED
        self.save(update_fields=["status", "updated_at"])

    def duplicate(self, *, name: str | None = None, created_by: Any = None) -> "Flow":
        """A draft copy with the same definition (and a new webhook URL)."""
        return Flow.objects.create(
            workspace_id=self.workspace_id,
            name=name or f"{self.name} (copy)",
            description=self.description,
            graph=self.graph,
            trigger_type=self.trigger_type,
            trigger_config=self.trigger_config,
            business_hours=self.business_hours,
            reentry_cooldown=self.reentry_cooldown,
            created_by=created_by or self.created_by,
        )


class FlowVersion(models.Model):
    """An immutable snapshot of a flow's definition; executions run the version they started on."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    graph = models.JSONField()
    business_hours = models.JSONField(default=dict, blank=True)
    trigger_type = models.CharField(max_length=20, choices=TriggerType.choices)
    trigger_config = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceScopedQuerySet.as_manager()
    workspace_lookup = "flow__workspace"

    class Meta:
        ordering = ["flow", "-number"]
        constraints = [models.UniqueConstraint(fields=["flow", "number"], name="flowversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.flow} v{self.number}"

    def snapshot(self) -> dict[str, Any]:
        return {
            "graph": self.graph,
            "business_hours": self.business_hours or {},
            "trigger_type": self.trigger_type,
            "trigger_config": self.trigger_config or {},
        }

    @property
    def hours(self) -> BusinessHours | None:
        return BusinessHours.from_config(self.business_hours)

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError("Flow versions are immutable; save the flow to create a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValidationError("Flow versions are immutable and cannot be deleted on their own.")
