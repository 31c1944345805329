from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from automation.models import Execution
from contacts.admin_filters import DoNotContactFilter, TagFilter
from contacts.admin_html import changelist_link
from contacts.admin_scoping import ScopedInlineMixin, WorkspaceScopedAdmin
from contacts.importing import ImportFileError, import_contacts_csv
from contacts.models import CHANNELS, Contact, Membership, Workspace
from contacts.send_flow_admin import SendFlowMixin


class MembershipInline(ScopedInlineMixin, admin.TabularInline):
    """Shown to the workspace's staff; only superusers change memberships (users are global)."""

    model = Membership
    extra = 0
    autocomplete_fields = ["user"]

    def _parent_writable(self, request: HttpRequest, obj: Any) -> bool:
        return request.user.is_superuser


@admin.register(Workspace)
class WorkspaceAdmin(WorkspaceScopedAdmin):
    list_display = ["name", "slug", "timezone", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return Workspace.objects.for_user(request.user)

    def has_add_permission(self, request):
        return request.user.is_superuser


class ContactImportForm(forms.Form):
    workspace = forms.ModelChoiceField(queryset=Workspace.objects.none())
    file = forms.FileField(help_text="UTF-8 CSV with a header row.")

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["workspace"].queryset = Workspace.objects.administered_by(user)


@admin.register(Contact)
class ContactAdmin(SendFlowMixin, WorkspaceScopedAdmin):
    list_display = ["__str__", "phone", "email", "lead_source", "tag_list", "opted_out", "workspace", "created_at"]
    list_filter = [
        "workspace",
        TagFilter,
        "lead_source",
        DoNotContactFilter,
        "opted_out_sms",
        "opted_out_whatsapp",
        "opted_out_email",
        "opted_out_voice",
        "entry_type",
    ]
    search_fields = ["first_name", "last_name", "email", "phone", "lead_source"]
    list_select_related = ["workspace"]
    date_hierarchy = "created_at"
    change_list_template = "admin/contacts/contact/change_list.html"
    readonly_fields = ["executions", "created_at", "updated_at"]
    actions = ["send_flow"]

    @admin.display(description="executions")
    def executions(self, obj: Contact) -> str:
        if obj.pk is None:
            return "-"
        return changelist_link(Execution, "Executions of this contact", contact__id__exact=obj.pk)

    @admin.display(description="Tags")
    def tag_list(self, obj: Contact) -> str:
        return ", ".join(obj.tags or [])

    @admin.display(description="Opted out of")
    def opted_out(self, obj: Contact) -> str:
        return ", ".join(channel for channel in CHANNELS if obj.is_opted_out(channel)) or "-"

    def get_urls(self) -> list[Any]:
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="contacts_contact_import"),
            path("send-flow/", self.admin_site.admin_view(self.send_flow_view), name="contacts_contact_send_flow"),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a CSV; valid rows are created, each invalid row is reported with its line and field."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        result, file_error = None, None
        form = ContactImportForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                result = import_contacts_csv(form.cleaned_data["workspace"], form.cleaned_data["file"])
            except ImportFileError as exc:
                file_error = str(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import contacts from CSV",
            "form": form,
            "result": result,
            "file_error": file_error,
        }
        return TemplateResponse(request, "admin/contacts/contact/import.html", context)
