"""``analytics/overview/`` and ``analytics/flows/<id>/`` (see :mod:`automation.analytics`)."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from automation import analytics
from automation.api.serializers import FlowReportSerializer, OverviewSerializer
from automation.api.views import FlowScopedMixin
from config.api.workspace import WorkspaceScopedMixin
from flows.models import Flow
from monitoring import metrics

RANGE_PARAMETER = OpenApiParameter(
    "range", str, enum=list(analytics.RANGES), default="24h", description="Period covered; trend compares with the one before."
)


class RangeQuery(serializers.Serializer):
    range = serializers.ChoiceField(choices=list(analytics.RANGES), default="24h")


class AnalyticsView(WorkspaceScopedMixin, generics.GenericAPIView):
    filter_backends: list = []
    pagination_class = None

    def period(self, request: Request) -> metrics.Window:
        query = RangeQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        return metrics.window(query.validated_data["range"])


class AnalyticsOverviewView(AnalyticsView):
    model = Flow
    serializer_class = OverviewSerializer

    @extend_schema(parameters=[RANGE_PARAMETER])
    def get(self, request: Request, workspace_pk: int) -> Response:
        return Response(OverviewSerializer(analytics.overview(self.workspace, self.period(request))).data)


class FlowAnalyticsView(FlowScopedMixin, AnalyticsView):
    model = Flow
    serializer_class = FlowReportSerializer

    @extend_schema(parameters=[RANGE_PARAMETER])
    def get(self, request: Request, workspace_pk: int, pk: int) -> Response:
        return Response(FlowReportSerializer(analytics.flow_report(self.flow, self.period(request))).data)
