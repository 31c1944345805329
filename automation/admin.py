from django.contrib import admin

from automation import admin_channels  # noqa: F401  (registers the channel models' admins)
from automation.models import DeadLetter, Execution, Step
from contacts.admin_scoping import WorkspaceScopedAdmin


class StepInline(admin.TabularInline):
    model = Step
    fields = ["node_id", "node_type", "status", "attempt", "started_at", "duration_ms", "outcome", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Execution)
class ExecutionAdmin(WorkspaceScopedAdmin):
    list_display = ["id", "flow", "contact", "status", "source", "is_test", "created_at", "duration_ms"]
    list_filter = ["status", "source", "is_test", "workspace"]
    list_select_related = ["flow", "contact"]
    date_hierarchy = "created_at"
    raw_id_fields = ["contact", "flow", "flow_version"]
    inlines = [StepInline]


@admin.register(DeadLetter)
class DeadLetterAdmin(WorkspaceScopedAdmin):
    list_display = ["id", "execution", "node_type", "status", "attempts", "created_at"]
    list_filter = ["status", "node_type", "workspace"]
    raw_id_fields = ["execution", "step"]
