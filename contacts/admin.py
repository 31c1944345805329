from django.contrib import admin

from contacts.admin_scoping import WorkspaceScopedAdmin
from contacts.models import Contact, Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


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


@admin.register(Contact)
class ContactAdmin(WorkspaceScopedAdmin):
    list_display = ["__str__", "phone", "email", "lead_source", "tag_list", "workspace", "created_at"]
    list_filter = ["workspace", "lead_source", "entry_type", "opted_out_sms", "opted_out_email"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    list_select_related = ["workspace"]
    date_hierarchy = "created_at"

    @admin.display(description="Tags")
    def tag_list(self, obj: Contact) -> str:
        return ", ".join(obj.tags or [])
