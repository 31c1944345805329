"""Workspace scoping for the admin: staff who are not superusers see only their workspaces.

Every ModelAdmin of a workspace-owned model uses :class:`WorkspaceScopedAdmin`,
which scopes the changelist, the change pages, foreign-key choices, list
filters and autocomplete, and makes the admin read-only for ``member`` roles.
Scoping lives here once so that no admin class has to remember a filter.
"""
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from contacts.models import Membership
from contacts.tenancy import WorkspaceScopedQuerySet


def scope_for(request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` narrowed to the workspaces of the request's user (models without a workspace pass through)."""
    if isinstance(queryset, WorkspaceScopedQuerySet) or hasattr(queryset, "for_user"):
        return queryset.for_user(request.user)
    return queryset


def writable_for(request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
    """``queryset`` narrowed to the rows the user may change (workspaces where they are an admin)."""
    if hasattr(queryset, "writable_by"):
        return queryset.writable_by(request.user)
    if hasattr(queryset, "administered_by"):
        return queryset.administered_by(request.user)
    return queryset


def workspace_roles(request: HttpRequest) -> dict[int, str]:
    """{workspace id: role} of the request's user, read once per request (permission checks run often)."""
    roles = getattr(request, "_workspace_roles", None)
    if roles is None:
        roles = dict(Membership.objects.filter(user=request.user).values_list("workspace_id", "role"))
        request._workspace_roles = roles
    return roles


def can_write(request: HttpRequest, obj: Any = None) -> bool:
    """May the user change ``obj`` (admin of its workspace), or, without ``obj``, anything at all?"""
    if request.user.is_superuser:
        return True
    roles = workspace_roles(request)
    if obj is not None:
        return roles.get(_workspace_id(obj)) == Membership.Role.ADMIN
    return Membership.Role.ADMIN in roles.values()


def _workspace_id(obj: Any) -> int | None:
    return obj.pk if obj._meta.label == "contacts.Workspace" else getattr(obj, "workspace_id", None)


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A foreign-key list filter offering only the user's workspaces' objects.

    Django's default lists every row of the related table, which would name
    other tenants' flows and workspaces in the sidebar.
    """

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[tuple[Any, str]]:
        ordering = self.field_admin_ordering(field, request, model_admin)
        queryset = scope_for(request, field.related_model._default_manager.all())
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


class SameWorkspaceForm(forms.ModelForm):
    """Refuses foreign keys that point into another workspace than the object's own."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        workspace = data.get("workspace") or getattr(self.instance, "workspace", None)
        if workspace is None:
            return data
        for field in self._meta.model._meta.get_fields():
            value = data.get(field.name)
            if field.name == "workspace" or not field.many_to_one or value is None:
                continue
            related_ws = getattr(value, "workspace_id", None)
            if related_ws is not None and related_ws != workspace.pk:
                self.add_error(field.name, f"This {field.verbose_name} belongs to another workspace.")
        return data


class WorkspaceScopedAdmin(admin.ModelAdmin):
    form = SameWorkspaceForm

    class Media:
        css = {"all": ["admin_extra/backoffice.css"]}

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return scope_for(request, super().get_queryset(request))

    def get_list_filter(self, request: HttpRequest) -> list[Any]:
        """Plain foreign-key names in ``list_filter`` become scoped filters."""
        scoped = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and "__" not in entry and self._is_foreign_key(entry):
                entry = (entry, ScopedRelatedFieldListFilter)
            scoped.append(entry)
        return scoped

    def _is_foreign_key(self, name: str) -> bool:
        try:
            field = self.model._meta.get_field(name)
        except Exception:  # a callable or a custom filter name, not a model field
            return False
        return bool(field.is_relation and field.many_to_one)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            if db_field.related_model._meta.label == "contacts.Workspace":
                field.queryset = db_field.related_model.objects.administered_by(request.user)
            else:
                field.queryset = scope_for(request, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_for(request, field.queryset)
        return field

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """New objects go to the user's workspace when they administer just one."""
        initial = super().get_changeform_initial_data(request)
        administered = [ws for ws, role in workspace_roles(request).items() if role == Membership.Role.ADMIN]
        if "workspace" not in initial and len(administered) == 1:
            initial["workspace"] = administered[0]
        return initial

    def writable(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        """The part of ``queryset`` the user may change; actions that write act on this only."""
        return writable_for(request, queryset)

    def _can_write(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_write(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        user = request.user
        return user.is_active and user.is_staff and (user.is_superuser or bool(workspace_roles(request)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._can_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can_write(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._can_write(request, obj)


class ScopedInlineMixin:
    """Inline permissions follow the parent object's workspace role, like the scoped admins' own.

    Django's default would ask for model permissions, which workspace staff do
    not hold, and silently hide the inline.
    """

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_staff and (request.user.is_superuser or bool(workspace_roles(request)))

    def _parent_writable(self, request: HttpRequest, obj: Any) -> bool:
        return can_write(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_writable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_writable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._parent_writable(request, obj)


class ReadOnlyInline(ScopedInlineMixin, admin.TabularInline):
    """History rows shown under their parent (versions, alert events): never edited there."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyScopedAdmin(WorkspaceScopedAdmin):
    """Records written by the system (outbox, deliveries, alert events): looked at, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def apply_to_each(
    admin_: admin.ModelAdmin, request: HttpRequest, objects: Any, operation: Any, done: str
) -> None:
    """Run ``operation(obj, user=...)`` on each object; refusals (ValidationError) are reported, not raised.

    Bulk actions of the admin (cancel, retry, discard...) share this so that one
    bad row neither stops the others nor hides why it was refused.
    """
    from django.contrib import messages
    from django.core.exceptions import ValidationError

    succeeded, refused = 0, []
    for obj in objects:
        try:
            operation(obj, user=request.user)
        except ValidationError as exc:
            reasons = "; ".join(m for ms in getattr(exc, "message_dict", {"": exc.messages}).values() for m in ms)
            refused.append(f"{obj}: {reasons}")
        else:
            succeeded += 1
    if succeeded:
        admin_.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)
    for line in refused:
        admin_.message_user(request, f"Refused: {line}", messages.WARNING)
