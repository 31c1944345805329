"""``alerts/`` (rules, admins write) and ``alerts/events/`` (what fired, read-only)."""
from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import generics, viewsets

from config.api.workspace import WorkspaceScopedMixin
from monitoring.api.serializers import AlertEventSerializer, AlertRuleSerializer
from monitoring.models import AlertEvent, AlertRule


class AlertRuleViewSet(WorkspaceScopedMixin, viewsets.ModelViewSet):
    model = AlertRule
    serializer_class = AlertRuleSerializer
    filterset_fields = ["metric", "channel", "enabled", "flow"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at", "last_fired_at"]

    def perform_create(self, serializer: AlertRuleSerializer) -> None:
        serializer.save(workspace=self.workspace)


class AlertEventListView(WorkspaceScopedMixin, generics.ListAPIView):
    model = AlertEvent
    serializer_class = AlertEventSerializer
    filterset_fields = ["rule", "metric", "notified"]
    ordering_fields = ["fired_at"]

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().select_related("rule").order_by("-fired_at", "-id")
