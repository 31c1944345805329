"""Workspaces the user belongs to, and the contacts of a workspace."""
from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.workspace import WorkspaceScopedMixin
from contacts.api.filters import ContactFilter
from contacts.api.serializers import (
    ContactImportErrorSerializer,
    ContactImportResultSerializer,
    ContactImportSerializer,
    ContactSerializer,
    WorkspaceSerializer,
)
from contacts.importing import ImportFileError, import_contacts_csv
from contacts.models import Contact, Membership, Workspace


class CanAdministerWorkspace(BasePermission):
    message = "Only admins of this workspace may change it."

    def has_object_permission(self, request: Request, view: Any, obj: Workspace) -> bool:
        return request.method in SAFE_METHODS or Workspace.objects.administered_by(request.user).filter(pk=obj.pk).exists()


class WorkspaceViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                       mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Workspaces the user belongs to; whoever creates one becomes its admin."""

    serializer_class = WorkspaceSerializer
    permission_classes = [IsAuthenticated, CanAdministerWorkspace]
    lookup_value_converter = "int"
    search_fields = ["name", "slug"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet:
        return Workspace.objects.for_user(self.request.user).distinct()

    def perform_create(self, serializer: WorkspaceSerializer) -> None:
        with transaction.atomic():
            workspace = serializer.save()
            Membership.objects.create(workspace=workspace, user=self.request.user, role=Membership.Role.ADMIN)


class ContactViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    model = Contact
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "phone", "lead_source"]
    ordering_fields = ["created_at", "updated_at", "last_name", "first_name", "email"]

    def perform_create(self, serializer: ContactSerializer) -> None:
        serializer.save(workspace=self.workspace)

    @extend_schema(
        request={"multipart/form-data": ContactImportSerializer},
        responses={201: ContactImportResultSerializer, 400: ContactImportErrorSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import",
            parser_classes=[parsers.MultiPartParser], max_body_setting="CONTACT_IMPORT_MAX_BYTES")
    def import_csv(self, request: Request, workspace_pk: int) -> Response:
        """Import a CSV file: either every valid row is created, or (any row invalid) nothing is."""
        upload = request.data.get("file")
        if upload is None or isinstance(upload, str):
            raise ValidationError({"file": ["Upload a CSV file in the 'file' field."]})
        try:
            with transaction.atomic():
                result = import_contacts_csv(self.workspace, upload)
                if result.errors:
                    transaction.set_rollback(True)
                    result.created = 0
        except ImportFileError as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        code = status.HTTP_400_BAD_REQUEST if result.errors else status.HTTP_201_CREATED
        return Response(result.as_dict(), status=code)

