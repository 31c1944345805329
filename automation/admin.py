"""Executions, their steps, dead letters and the dev outbox in the admin."""
from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import format_html

from automation import admin_channels  # noqa: F401  (registers the channel models' admins)
from automation import services
from automation.models import DeadLetter, Execution
from contacts.admin_html import admin_link, badge, format_duration, pretty_json
from contacts.admin_scoping import WorkspaceScopedAdmin, apply_to_each


# Output keys naming the provider's record of a send, shown up front in the timeline.
PROVIDER_KEYS = ("provider", "provider_message_id", "status", "error_code")


class SystemRecordAdmin(WorkspaceScopedAdmin):
    """Rows the engine writes: every field read-only, no add, no save button; actions may still write."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        declared = [name for fieldset in self.get_fieldsets(request, obj) for name in fieldset[1]["fields"]]
        return list(dict.fromkeys([*declared, *self.readonly_fields]))

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False)
        return super().render_change_form(request, context, *args, **kwargs)


@admin.register(Execution)
class ExecutionAdmin(SystemRecordAdmin):
    list_display = ["id", "flow_link", "contact_link", "status_badge", "source", "is_test", "created_at", "duration"]
    list_display_links = ["id"]
    list_filter = ["flow", "status", "source", "is_test", "workspace"]
    list_select_related = ["flow", "contact"]
    search_fields = ["=id", "contact__first_name", "contact__last_name", "contact__email", "contact__phone"]
    date_hierarchy = "created_at"
    actions = ["cancel_executions", "retry_executions"]
    fieldsets = [
        (None, {"fields": ["flow_link", "version_number", "contact_link", "status_badge", "source", "is_test",
                           "workspace"]}),
        ("Timing", {"fields": ["created_at", "started_at", "completed_at", "duration", "cancel_requested"]}),
        ("Outcome", {"fields": ["error", "skip_reason", "metadata_json", "dead_letter_links"]}),
        ("Steps", {"fields": ["timeline"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("flow_version", "workspace")

    @admin.action(description="Cancel selected executions", permissions=["change"])
    def cancel_executions(self, request: HttpRequest, queryset: QuerySet) -> None:
        apply_to_each(self, request, self.writable(request, queryset), services.cancel_execution,
                      "execution(s) cancelled")

    @admin.action(description="Retry selected executions (as new executions)", permissions=["change"])
    def retry_executions(self, request: HttpRequest, queryset: QuerySet) -> None:
        apply_to_each(self, request, self.writable(request, queryset).select_related("flow", "contact"),
                      services.retry_execution, "execution(s) started again")

    @admin.display(description="flow", ordering="flow__name")
    def flow_link(self, obj: Execution) -> str:
        return admin_link(obj.flow)

    @admin.display(description="contact")
    def contact_link(self, obj: Execution) -> str:
        return admin_link(obj.contact)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Execution) -> str:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description="duration", ordering="duration_ms")
    def duration(self, obj: Execution) -> str:
        return format_duration(obj.duration_ms)

    @admin.display(description="flow version")
    def version_number(self, obj: Execution) -> str:
        return f"v{obj.flow_version.number}"

    @admin.display(description="metadata")
    def metadata_json(self, obj: Execution) -> str:
        return pretty_json(obj.metadata)

    @admin.display(description="dead letters")
    def dead_letter_links(self, obj: Execution) -> str:
        letters = list(obj.dead_letters.all())
        if not letters:
            return "-"
        return format_html(", ".join(["{}"] * len(letters)), *[admin_link(letter) for letter in letters])

    @admin.display(description="timeline")
    def timeline(self, obj: Execution) -> str:
        entries = [
            {
                "step": step,
                "provider": {key: step.output[key] for key in PROVIDER_KEYS if key in (step.output or {})},
                "output": json.dumps(step.output, indent=2, ensure_ascii=False, default=str) if step.output else "",
            }
            for step in obj.steps.all().order_by("created_at", "id")
        ]
        return render_to_string("admin/automation/execution/timeline.html", {"entries": entries})


@admin.register(DeadLetter)
class DeadLetterAdmin(SystemRecordAdmin):
    list_display = ["id", "execution_link", "node_id", "node_type", "short_error", "attempts", "status_badge",
                    "created_at"]
    list_filter = ["status", "node_type", "workspace"]
    list_select_related = ["execution"]
    search_fields = ["=id", "=execution__id", "node_id", "error"]
    date_hierarchy = "created_at"
    actions = ["retry_dead_letters", "discard_dead_letters"]
    fieldsets = [
        (None, {"fields": ["execution_link", "step_id", "node_id", "node_type", "status_badge", "attempts",
                           "workspace"]}),
        ("Failure", {"fields": ["error", "payload_json", "created_at", "resolved_at", "resolved_by"]}),
    ]

    @admin.action(description="Retry selected dead letters (resume at their node)", permissions=["change"])
    def retry_dead_letters(self, request: HttpRequest, queryset: QuerySet) -> None:
        apply_to_each(self, request, self.writable(request, queryset), services.retry_dead_letter,
                      "dead letter(s) retried")

    @admin.action(description="Discard selected dead letters", permissions=["change"])
    def discard_dead_letters(self, request: HttpRequest, queryset: QuerySet) -> None:
        apply_to_each(self, request, self.writable(request, queryset), services.discard_dead_letter,
                      "dead letter(s) discarded")

    @admin.display(description="execution")
    def execution_link(self, obj: DeadLetter) -> str:
        return admin_link(obj.execution, f"Execution {obj.execution_id}")

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: DeadLetter) -> str:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description="error")
    def short_error(self, obj: DeadLetter) -> str:
        return obj.error if len(obj.error) <= 80 else obj.error[:79] + "\u2026"

    @admin.display(description="payload")
    def payload_json(self, obj: DeadLetter) -> str:
        return pretty_json(obj.payload)
