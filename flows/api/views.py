"""Flow definitions: CRUD (validated on save), activate / pause / duplicate, priorities."""
from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.workspace import WorkspaceScopedMixin
from flows.api.filters import FlowFilter
from flows.api.serializers import (
    DuplicateSerializer,
    FlowErrorSerializer,
    FlowPrioritySerializer,
    FlowSerializer,
    PrioritiesSerializer,
)
from flows.models import Flow


class FlowViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    """Flows of the workspace. DELETE archives (executions keep their history)."""

    model = Flow
    serializer_class = FlowSerializer
    filterset_class = FlowFilter
    search_fields = ["name", "description"]
    ordering_fields = ["priority", "name", "created_at", "updated_at"]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "role": self.workspace_role}

    @extend_schema(responses={201: FlowSerializer, 400: FlowErrorSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @extend_schema(responses={200: FlowSerializer, 400: FlowErrorSerializer})
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    @extend_schema(responses={200: FlowSerializer, 400: FlowErrorSerializer})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def perform_create(self, serializer: FlowSerializer) -> None:
        serializer.save(workspace=self.workspace, created_by=self.request.user)

    def perform_destroy(self, instance: Flow) -> None:
        instance.archive()

    def _flow_response(self, flow: Flow, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(flow).data, status=code)

    @extend_schema(request=None, responses={200: FlowSerializer, 400: FlowErrorSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, workspace_pk: int, pk: int) -> Response:
        """Make the flow live; an invalid flow is refused with its structured errors and stays as it was."""
        flow = self.get_object()
        flow.activate()
        return self._flow_response(flow)

    @extend_schema(request=None, responses={200: FlowSerializer})
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, workspace_pk: int, pk: int) -> Response:
        flow = self.get_object()
        flow.pause()
        return self._flow_response(flow)

    @extend_schema(request=DuplicateSerializer, responses={201: FlowSerializer})
    @action(detail=True, methods=["post"])
    def duplicate(self, request: Request, workspace_pk: int, pk: int) -> Response:
        flow = self.get_object()
        options = DuplicateSerializer(data=request.data)
        options.is_valid(raise_exception=True)
        copy = flow.duplicate(name=options.validated_data.get("name"), created_by=request.user)
        return self._flow_response(copy, status.HTTP_201_CREATED)


class FlowPrioritiesView(WorkspaceScopedMixin, generics.GenericAPIView):
    """``PUT flows/priorities/``: priorities 1, 2, 3... in the given order (lower runs first).

    Unknown or repeated ids are refused and change nothing.
    """

    model = Flow
    serializer_class = PrioritiesSerializer
    filter_backends: list = []
    pagination_class = None

    @extend_schema(responses={200: FlowPrioritySerializer(many=True)})
    def put(self, request: Request, workspace_pk: int) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        flows = Flow.objects.reorder(self.workspace, body.validated_data["order"])
        return Response(FlowPrioritySerializer(flows, many=True).data)
