from django.contrib import admin

from contacts.admin_scoping import WorkspaceScopedAdmin
from flows.models import Flow, FlowVersion


class FlowVersionInline(admin.TabularInline):
    model = FlowVersion
    fields = ["number", "created_at", "created_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Flow)
class FlowAdmin(WorkspaceScopedAdmin):
    list_display = ["name", "status", "priority", "trigger_type", "version", "workspace", "updated_at"]
    list_filter = ["status", "trigger_type", "workspace"]
    search_fields = ["name", "description"]
    list_select_related = ["workspace"]
    readonly_fields = ["version", "webhook_token", "created_at", "updated_at"]
    inlines = [FlowVersionInline]
