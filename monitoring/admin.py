"""Alert rules and alert history in the admin."""
from __future__ import annotations

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from contacts.admin_html import badge
from contacts.admin_scoping import ReadOnlyInline, ReadOnlyScopedAdmin, WorkspaceScopedAdmin
from monitoring.alerts import evaluate_rule
from monitoring.models import AlertEvent, AlertRule


class AlertEventInline(ReadOnlyInline):
    model = AlertEvent
    fields = ["fired_at", "value", "threshold", "channel", "notified", "notify_error"]
    readonly_fields = fields
    ordering = ["-fired_at"]


@admin.register(AlertRule)
class AlertRuleAdmin(WorkspaceScopedAdmin):
    list_display = ["name", "metric", "threshold", "window", "channel", "flow", "enabled", "last_value",
                    "last_fired_at", "workspace"]
    list_filter = ["enabled", "metric", "channel", "workspace"]
    list_select_related = ["workspace", "flow"]
    search_fields = ["name"]
    autocomplete_fields = ["flow"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    readonly_fields = ["last_value", "last_evaluated_at", "last_fired_at", "created_at"]
    fieldsets = [
        (None, {"fields": ["workspace", "name", "enabled", "flow"]}),
        ("Condition", {"fields": ["metric", "threshold", "window", "cooldown"]}),
        ("Notification", {"fields": ["channel", "recipients", "url"]}),
        ("State", {"fields": readonly_fields}),
    ]
    inlines = [AlertEventInline]
    actions = ["evaluate_now"]

    @admin.action(description="Evaluate selected rules now", permissions=["change"])
    def evaluate_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        now = timezone.now()
        for rule in self.writable(request, queryset).select_related("workspace", "flow"):
            event = evaluate_rule(rule, now)
            rule.refresh_from_db()
            if event is None:
                self.message_user(request, f"“{rule}”: value {rule.last_value}, not fired.")
            else:
                level = messages.SUCCESS if event.notified else messages.WARNING
                self.message_user(request, f"“{rule}” fired ({event.value:g}); notified: {event.notified}.", level)


@admin.register(AlertEvent)
class AlertEventAdmin(ReadOnlyScopedAdmin):
    list_display = ["fired_at", "rule", "metric", "value", "threshold", "channel", "notified_badge", "workspace"]
    list_filter = ["metric", "channel", "notified", "workspace"]
    list_select_related = ["rule", "workspace"]
    date_hierarchy = "fired_at"
    readonly_fields = ["rule", "metric", "value", "threshold", "channel", "fired_at", "notified", "notify_error",
                       "workspace"]

    @admin.display(description="notified", ordering="notified")
    def notified_badge(self, obj: AlertEvent) -> str:
        return badge("success", "sent") if obj.notified else badge("failed", "failed")
