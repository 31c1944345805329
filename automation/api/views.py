"""Executions (list, detail with the step timeline, cancel, retry, streamed CSV export), dead letters
(retry, discard), flow activity (enrollments, logs, stats)."""
from __future__ import annotations

import csv
from functools import cached_property
from typing import Any, Iterator

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from automation import services
from automation.api.filters import DeadLetterFilter, ExecutionFilter, StepFilter
from automation.api.serializers import (
    DeadLetterSerializer,
    EnrollmentSerializer,
    ExecutionDetailSerializer,
    ExecutionSerializer,
    StatsSerializer,
    StepLogSerializer,
)
from automation.models import DeadLetter, Execution, Step
from config.api.workspace import WorkspaceScopedMixin
from flows.models import Flow

EXPORT_COLUMNS = (
    ("id", "id"), ("flow_id", "flow_id"), ("flow", "flow__name"), ("flow_version", "flow_version__number"),
    ("contact_id", "contact_id"), ("contact_first_name", "contact__first_name"),
    ("contact_last_name", "contact__last_name"), ("status", "status"), ("source", "source"),
    ("is_test", "is_test"), ("created_at", "created_at"), ("started_at", "started_at"),
    ("completed_at", "completed_at"), ("duration_ms", "duration_ms"), ("error", "error"),
)
EXPORT_CHUNK = 2000


class ExecutionViewSet(WorkspaceScopedMixin, viewsets.ReadOnlyModelViewSet):
    """Executions of the workspace; the detail carries the steps as a timeline."""

    model = Execution
    filterset_class = ExecutionFilter
    ordering_fields = ["created_at", "started_at", "completed_at", "duration_ms", "status"]

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset().select_related("flow", "flow_version", "contact")
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("steps")
        return queryset

    def get_serializer_class(self) -> type:
        return ExecutionDetailSerializer if self.action == "retrieve" else ExecutionSerializer

    @extend_schema(request=None, responses={200: ExecutionSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, workspace_pk: int, pk: int) -> Response:
        """Stop a live execution before its next step (400 if it has already finished)."""
        execution = services.cancel_execution(self.get_object(), user=request.user)
        return Response(ExecutionSerializer(execution).data)

    @extend_schema(request=None, responses={201: ExecutionSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, workspace_pk: int, pk: int) -> Response:
        """Run a failed or cancelled execution's flow again for its contact, as a new execution."""
        execution = services.retry_execution(self.get_object(), user=request.user)
        return Response(ExecutionSerializer(execution).data, status=status.HTTP_201_CREATED)


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


class _Echo:
    """A file-like whose write returns the line, so csv.writer can feed a streaming response."""

    def write(self, value: str) -> str:
        return value


class ExecutionExportView(WorkspaceScopedMixin, generics.GenericAPIView):
    """``executions/export.csv``: the filtered executions as CSV, streamed in constant memory."""

    model = Execution
    filterset_class = ExecutionFilter
    ordering_fields = ExecutionViewSet.ordering_fields
    renderer_classes = [CSVRenderer, renderers.JSONRenderer]
    pagination_class = None
    serializer_class = ExecutionSerializer

    @extend_schema(responses={(200, "text/csv"): OpenApiTypes.STR}, operation_id="workspaces_executions_export_csv")
    def get(self, request: Request, workspace_pk: int) -> StreamingHttpResponse:
        queryset = self.filter_queryset(self.get_queryset())
        rows = queryset.values_list(*(lookup for _, lookup in EXPORT_COLUMNS)).iterator(chunk_size=EXPORT_CHUNK)
        response = StreamingHttpResponse(self._lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="executions-{self.workspace.slug}.csv"'
        return response

    def handle_exception(self, exc: Exception) -> Response:
        """Errors are JSON even when the client asked for CSV."""
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    @staticmethod
    def _lines(rows: Iterator[tuple]) -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow([name for name, _ in EXPORT_COLUMNS])
        for row in rows:
            yield writer.writerow(row)


class DeadLetterViewSet(WorkspaceScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.DestroyModelMixin, viewsets.GenericViewSet):
    model = DeadLetter
    serializer_class = DeadLetterSerializer
    filterset_class = DeadLetterFilter
    ordering_fields = ["created_at", "attempts"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("execution")

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, workspace_pk: int, pk: int) -> Response:
        """Discard: mark the dead letter handled without running anything (the record is kept)."""
        services.discard_dead_letter(self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: DeadLetterSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, workspace_pk: int, pk: int) -> Response:
        """Resume the execution at the failed node, as a new step."""
        dead_letter = self.get_object()
        services.retry_dead_letter(dead_letter, user=request.user)
        dead_letter.refresh_from_db()
        return Response(self.get_serializer(dead_letter).data)


class FlowScopedMixin(WorkspaceScopedMixin):
    """Views under ``flows/<pk>/``: the flow is looked up in the workspace first (404 otherwise)."""

    @cached_property
    def flow(self) -> Flow:
        return get_object_or_404(Flow.objects.for_workspace(self.workspace), pk=self.kwargs["pk"])


class FlowEnrollmentsView(FlowScopedMixin, generics.ListAPIView):
    """Who entered the flow, why (source), when, the step they are at, its status and when it runs next."""

    model = Execution
    serializer_class = EnrollmentSerializer
    filterset_class = ExecutionFilter
    ordering_fields = ExecutionViewSet.ordering_fields

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        last_step = self.scoped(Step).filter(execution=OuterRef("pk")).order_by("-created_at", "-id")
        return queryset.filter(flow=self.flow).select_related("contact").annotate(
            current_node_id=Subquery(last_step.values("node_id")[:1]),
            current_node_type=Subquery(last_step.values("node_type")[:1]),
            next_run_at=Subquery(last_step.filter(status__in=Step.OPEN_STATUSES).values("next_run_at")[:1]),
        )


class FlowLogsView(FlowScopedMixin, generics.ListAPIView):
    """Every step run of the flow, newest first, with the contact it ran for."""

    model = Step
    serializer_class = StepLogSerializer
    filterset_class = StepFilter
    ordering_fields = ["created_at", "duration_ms"]

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(execution__flow=self.flow).select_related("execution__contact").order_by("-created_at", "-id")


class FlowStatsView(FlowScopedMixin, generics.GenericAPIView):
    """Counts of the flow's executions and steps by status, test runs and open dead letters."""

    model = Flow
    serializer_class = StatsSerializer
    filter_backends: list = []
    pagination_class = None

    def get(self, request: Request, workspace_pk: int, pk: int) -> Response:
        executions = self.scoped(Execution).filter(flow=self.flow)
        steps = self.scoped(Step).filter(execution__flow=self.flow, execution__is_test=False)
        open_dead_letters = self.scoped(DeadLetter).filter(execution__flow=self.flow, status=DeadLetter.Status.OPEN)
        return Response({
            "executions": _count_by_status(executions.filter(is_test=False)),
            "test_executions": executions.filter(is_test=True).count(),
            "steps": _count_by_status(steps),
            "open_dead_letters": open_dead_letters.count(),
        })


def _count_by_status(queryset: QuerySet) -> dict[str, int]:
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("id")))
    return {**counts, "total": sum(counts.values())}
