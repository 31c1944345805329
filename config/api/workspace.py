"""Workspace scoping and roles for every view under ``workspaces/<ws>/``.

The workspace comes from the URL and is looked up through the user's
memberships, so a non-member gets 404 before any object of that workspace is
read; querysets then start from ``Model.objects.for_workspace(...)``.
"""
from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated

from contacts.models import Membership, Workspace


class WorkspaceRole(BasePermission):
    """Members read; only admins change anything (writes, sends, cancels, retries)."""

    message = "Only admins of this workspace may do this; members have read-only access."

    def has_permission(self, request: Any, view: Any) -> bool:
        role = view.workspace_role  # 404 for non-members
        return request.method in SAFE_METHODS or role == Membership.Role.ADMIN


class WorkspaceScopedMixin:
    """Gives a view ``self.workspace`` from the ``workspace_pk`` URL argument and a scoped queryset."""

    permission_classes = [IsAuthenticated, WorkspaceRole]
    lookup_value_converter = "int"
    # Name of the setting bounding request bodies (see config.api.limits).
    max_body_setting = "API_MAX_BODY_BYTES"
    # The model whose rows the view serves; querysets start from its scoped manager.
    model: Any = None

    @cached_property
    def _membership(self) -> tuple[Workspace, str]:
        user = self.request.user
        pk = self.kwargs["workspace_pk"]
        if user.is_superuser:
            workspace = Workspace.objects.filter(pk=pk).first()
            if workspace is None:
                raise Http404("No such workspace.")
            return workspace, Membership.Role.ADMIN
        membership = (
            Membership.objects.for_workspace(pk).filter(user=user).select_related("workspace").only(
                "role", "workspace__id", "workspace__name", "workspace__slug", "workspace__timezone",
                "workspace__created_at",
            ).first()
        )
        if membership is None:
            raise Http404("No such workspace.")
        return membership.workspace, membership.role

    @property
    def workspace(self) -> Workspace:
        return self._membership[0]

    @property
    def workspace_role(self) -> str:
        return self._membership[1]

    def scoped(self, model: Any = None) -> QuerySet:
        """Rows of ``model`` (default: the view's) in this workspace."""
        return (model or self.model).objects.for_workspace(self.workspace)

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request, no workspace
            return self.model.objects.none()
        return self.scoped()

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()  # type: ignore[misc]
        if "workspace_pk" in getattr(self, "kwargs", {}):
            context["workspace"] = self.workspace
        return context
