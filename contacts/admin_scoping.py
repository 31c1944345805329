"""Workspace scoping for the admin: staff who are not superusers see only their workspaces.

Every ModelAdmin of a workspace-owned model uses :class:`WorkspaceScopedAdmin`,
which scopes the changelist, the change pages, foreign-key choices and
autocomplete, and makes the admin read-only for ``member`` roles.
"""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from contacts.tenancy import WorkspaceScopedQuerySet


def scope_for(request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
    if isinstance(queryset, WorkspaceScopedQuerySet) or hasattr(queryset, "for_user"):
        return queryset.for_user(request.user)
    return queryset


def workspace_roles(request: HttpRequest) -> dict[int, str]:
    """{workspace id: role} of the requesting user, read once per request (the admin asks often)."""
    roles = getattr(request, "_workspace_roles", None)
    if roles is None:
        from contacts.models import Membership

        roles = dict(Membership.objects.filter(user=request.user).values_list("workspace_id", "role"))
        request._workspace_roles = roles
    return roles


class WorkspaceScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return scope_for(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            related = db_field.related_model
            if related._meta.label == "contacts.Workspace":
                field.queryset = related.objects.administered_by(request.user)
            else:
                field.queryset = scope_for(request, field.queryset)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_for(request, field.queryset)
        return field

    def _can_write(self, request: HttpRequest, obj: Any = None) -> bool:
        if request.user.is_superuser:
            return True
        roles = workspace_roles(request)
        if obj is None:
            return "admin" in roles.values()
        workspace_id = obj.pk if obj._meta.label == "contacts.Workspace" else getattr(obj, "workspace_id", None)
        return roles.get(workspace_id) == "admin"

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
