"""Workspace scoping shared by every model that belongs to a workspace.

All reads in the API, the admin, WebSockets and jobs go through
``for_workspace`` / ``for_user`` so that no view has to remember to add a
workspace filter by hand: a forgotten filter is how tenants leak into each other.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from contacts.models import Workspace


class WorkspaceScopedQuerySet(models.QuerySet):
    """QuerySet of a model that names its workspace with ``workspace_lookup``."""

    def _lookup(self) -> str:
        return getattr(self.model, "workspace_lookup", "workspace")

    def for_workspace(self, workspace: "Workspace | int") -> "WorkspaceScopedQuerySet":
        return self.filter(**{self._lookup(): workspace})

    def for_user(self, user: Any) -> "WorkspaceScopedQuerySet":
        """Rows of the workspaces ``user`` is a member of (every row for a superuser)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(**{f"{self._lookup()}__memberships__user": user})

    def writable_by(self, user: Any) -> "WorkspaceScopedQuerySet":
        """Rows ``user`` may change: those of workspaces where the user is an admin."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        from contacts.models import Membership

        return self.filter(
            **{
                f"{self._lookup()}__memberships__user": user,
                f"{self._lookup()}__memberships__role": Membership.Role.ADMIN,
            }
        )


class WorkspaceScopedModel(models.Model):
    """Abstract base: a ``workspace`` foreign key and the scoped manager."""

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="+")

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        abstract = True
