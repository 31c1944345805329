"""``/api/v1/``: token auth, workspaces, and everything under ``workspaces/<ws>/``; schema and docs."""
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import SimpleRouter

from automation.api.analytics_views import AnalyticsOverviewView, FlowAnalyticsView
from automation.api.runs import EventView, FlowSendView, FlowTestView
from automation.api.views import (
    DeadLetterViewSet,
    ExecutionExportView,
    ExecutionViewSet,
    FlowEnrollmentsView,
    FlowLogsView,
    FlowStatsView,
)
from config.api.auth import TokenView
from contacts.api.views import ContactViewSet, WorkspaceViewSet
from flows.api.views import FlowPrioritiesView, FlowViewSet
from monitoring.api.views import AlertEventListView, AlertRuleViewSet

root = SimpleRouter(use_regex_path=False)
root.register("workspaces", WorkspaceViewSet, basename="workspace")

scoped = SimpleRouter(use_regex_path=False)
scoped.register("contacts", ContactViewSet, basename="contact")
scoped.register("flows", FlowViewSet, basename="flow")
scoped.register("executions", ExecutionViewSet, basename="execution")
scoped.register("dead-letters", DeadLetterViewSet, basename="dead-letter")
scoped.register("alerts", AlertRuleViewSet, basename="alert")

workspace_urls = [
    path("executions/export.csv", ExecutionExportView.as_view(), name="execution-export"),
    path("flows/priorities/", FlowPrioritiesView.as_view(), name="flow-priorities"),
    path("flows/<int:pk>/send/", FlowSendView.as_view(), name="flow-send"),
    path("flows/<int:pk>/test/", FlowTestView.as_view(), name="flow-test"),
    path("events/", EventView.as_view(), name="events"),
    path("flows/<int:pk>/enrollments/", FlowEnrollmentsView.as_view(), name="flow-enrollments"),
    path("flows/<int:pk>/logs/", FlowLogsView.as_view(), name="flow-logs"),
    path("flows/<int:pk>/stats/", FlowStatsView.as_view(), name="flow-stats"),
    path("analytics/overview/", AnalyticsOverviewView.as_view(), name="analytics-overview"),
    path("analytics/flows/<int:pk>/", FlowAnalyticsView.as_view(), name="analytics-flow"),
    path("alerts/events/", AlertEventListView.as_view(), name="alert-events"),
    *scoped.urls,
]

v1 = [
    path("auth/token/", TokenView.as_view(), name="token"),
    *root.urls,
    path("workspaces/<int:workspace_pk>/", include(workspace_urls)),
]

urlpatterns = [
    path("api/v1/", include((v1, "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
