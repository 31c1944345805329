"""Flows in the admin: list with recent activity, lifecycle actions, diagram and JSON editor."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from automation import services
from automation.models import Execution
from contacts.admin_html import badge, changelist_link
from contacts.admin_scoping import ReadOnlyInline, SameWorkspaceForm, WorkspaceScopedAdmin
from flows.diagram import build_diagram
from flows.graph import validate_graph
from flows.models import Flow, FlowInvalid, FlowVersion
from monitoring.metrics import flow_activity, success_rate


# Reachable on every channel, so that every send node of the flow renders its message.
SAMPLE_CONTACT = {"first_name": "Test", "last_name": "Contact", "phone": "+15005550006", "email": "test@example.com"}


class PrettyJSONField(forms.JSONField):
    """A JSON field shown indented, so a graph can be read and edited by hand."""

    def prepare_value(self, value: Any) -> str:
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        if value is None:  # a field left empty: show it empty again, not "null"
            return ""
        return json.dumps(value, indent=2, ensure_ascii=False)


def json_widget(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "json-editor", "spellcheck": "false"})


class FlowAdminForm(SameWorkspaceForm):
    """Saves the flow; with "Save and activate" it must also be valid, or nothing is saved."""

    activate_requested = False

    graph = PrettyJSONField(widget=json_widget(24), help_text="ReactFlow JSON: {\"nodes\": [...], \"edges\": [...]}.")
    trigger_config = PrettyJSONField(widget=json_widget(4), required=False)
    business_hours = PrettyJSONField(widget=json_widget(4), required=False)

    class Meta:
        model = Flow
        fields = "__all__"

    def clean_trigger_config(self) -> Any:
        return self.cleaned_data.get("trigger_config") or {}

    def clean_business_hours(self) -> Any:
        return self.cleaned_data.get("business_hours") or {}

    def _post_clean(self) -> None:
        initial_status = self.instance.status
        if self.activate_requested:
            self.instance.status = Flow.Status.ACTIVE
        super()._post_clean()
        if self.errors:
            self.instance.status = initial_status


class FlowVersionInline(ReadOnlyInline):
    model = FlowVersion
    fields = ["number", "created_at", "created_by", "size", "execution_count"]
    readonly_fields = fields
    verbose_name_plural = "version history"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("created_by").annotate(runs=Count("executions"))

    @admin.display(description="nodes / edges")
    def size(self, obj: FlowVersion) -> str:
        graph = obj.graph if isinstance(obj.graph, dict) else {}
        return f"{len(graph.get('nodes', []))} / {len(graph.get('edges', []))}"

    @admin.display(description="executions")
    def execution_count(self, obj: FlowVersion) -> int:
        return obj.runs


@admin.register(Flow)
class FlowAdmin(WorkspaceScopedAdmin):
    form = FlowAdminForm
    change_form_template = "admin/flows/flow/change_form.html"
    list_display = [
        "name", "status_badge", "priority", "trigger_type", "version",
        "executions_24h", "success_rate_24h", "workspace", "updated_at",
    ]
    list_filter = ["status", "trigger_type", "workspace"]
    search_fields = ["name", "description"]
    list_select_related = ["workspace"]
    readonly_fields = ["status", "version", "executions", "webhook_token", "created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["workspace", "name", "description", "status", "priority", "version", "executions"]}),
        ("Trigger", {"fields": ["trigger_type", "trigger_config", "webhook_token"]}),
        ("Timing", {"fields": ["business_hours", "reentry_cooldown"]}),
        ("Graph", {"fields": ["graph"]}),
        ("History", {"fields": ["created_by", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [FlowVersionInline]
    actions = ["activate_flows", "pause_flows", "duplicate_flows", "test_flow"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        since = timezone.now() - timedelta(hours=24)
        return super().get_queryset(request).annotate(**flow_activity(since)).order_by("priority", "id")

    # --- list columns -------------------------------------------------------
    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Flow) -> str:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description="runs (24h)", ordering="recent_total")
    def executions_24h(self, obj: Flow) -> int:
        return obj.recent_total

    @admin.display(description="success (24h)")
    def success_rate_24h(self, obj: Flow) -> str:
        rate = success_rate(obj.recent_completed, obj.recent_failed)
        return "-" if rate is None else f"{rate:.1f}%"

    @admin.display(description="executions")
    def executions(self, obj: Flow) -> str:
        if obj.pk is None:
            return "-"
        return changelist_link(Execution, "All executions of this flow", flow__id__exact=obj.pk)

    # --- change page -------------------------------------------------------------
    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.activate_requested = request.method == "POST" and "_activate" in request.POST
        return form

    def save_model(self, request: HttpRequest, obj: Flow, form: Any, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        if form.activate_requested:
            obj.activate()
            messages.success(request, f"“{obj}” is active (priority {obj.priority}).")
        else:
            super().save_model(request, obj, form, change)

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], add: bool = False,
                           change: bool = False, form_url: str = "", obj: Any = None) -> Any:
        graph = self._shown_graph(context["adminform"].form, obj)
        context["diagram"] = build_diagram(graph, validate_graph(graph))
        context["can_activate"] = self.has_change_permission(request, obj) and (
            obj is None or obj.status != Flow.Status.ACTIVE
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @staticmethod
    def _shown_graph(form: Any, obj: Flow | None) -> Any:
        """The graph being edited: the submitted one after a POST, else the saved one."""
        if form.is_bound:
            try:
                return json.loads(form.data.get("graph", ""))
            except ValueError:
                pass  # unreadable JSON: the field shows its own error, the diagram the saved graph
        if obj is not None:
            return obj.graph
        return form.initial.get("graph") or {"nodes": [], "edges": []}

    # --- actions ---------------------------------------------------------------
    @admin.action(description="Activate selected flows", permissions=["change"])
    def activate_flows(self, request: HttpRequest, queryset: QuerySet) -> None:
        for flow in self.writable(request, queryset):
            try:
                flow.activate()
            except FlowInvalid as exc:
                problems = "; ".join(message for messages_ in exc.message_dict.values() for message in messages_)
                self.message_user(request, f"“{flow}” was not activated: {problems}", messages.ERROR)
            else:
                self.message_user(request, f"“{flow}” is active.", messages.SUCCESS)

    @admin.action(description="Pause selected flows", permissions=["change"])
    def pause_flows(self, request: HttpRequest, queryset: QuerySet) -> None:
        paused = 0
        for flow in self.writable(request, queryset).filter(status=Flow.Status.ACTIVE):
            flow.pause()
            paused += 1
        self.message_user(request, f"{paused} flow(s) paused.", messages.SUCCESS)

    @admin.action(description="Duplicate selected flows (as drafts)", permissions=["change"])
    def duplicate_flows(self, request: HttpRequest, queryset: QuerySet) -> None:
        copies = [flow.duplicate(created_by=request.user) for flow in self.writable(request, queryset)]
        self.message_user(request, f"{len(copies)} draft cop{'y' if len(copies) == 1 else 'ies'} created.")

    @admin.action(description="Test flow (dry run with a sample contact)", permissions=["change"])
    def test_flow(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Dry-run one flow: nothing is sent; the stored test execution shows the path and the messages."""
        flows = list(self.writable(request, queryset)[:2])
        if len(flows) != 1:
            self.message_user(request, "Select exactly one flow to test.", messages.ERROR)
            return None
        try:
            plan = services.test_flow(flows[0], contact_data=SAMPLE_CONTACT)
        except ValidationError as exc:
            self.message_user(request, f"The test could not run: {'; '.join(exc.messages)}", messages.ERROR)
            return None
        self.message_user(
            request,
            f"Test of “{flows[0]}”: {len(plan['path'])} step(s), {len(plan['messages'])} message(s), "
            f"estimated cost {plan['total_cost']}. Nothing was sent.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:automation_execution_change", args=[plan["execution_id"]]))
