"""Alert rules and their history for the API."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from flows.models import Flow
from monitoring.models import AlertEvent, AlertRule


class AlertRuleSerializer(serializers.ModelSerializer):
    flow = serializers.PrimaryKeyRelatedField(queryset=Flow.objects.none(), required=False, allow_null=True)

    class Meta:
        model = AlertRule
        fields = [
            "id", "name", "flow", "metric", "threshold", "window", "channel", "recipients", "url", "cooldown",
            "enabled", "last_fired_at", "last_value", "last_evaluated_at", "created_at",
        ]
        read_only_fields = ["last_fired_at", "last_value", "last_evaluated_at", "created_at"]

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        workspace = self.context.get("workspace")
        if workspace is not None:
            # Only this workspace's flows can be watched; another's id answers "does not exist".
            fields["flow"].queryset = Flow.objects.for_workspace(workspace)
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """The model's own rules (recipients for email, a URL for webhooks, positive window)."""
        rule = AlertRule(**{**self._current(), **attrs, "workspace": self.context["workspace"]})
        rule.clean()
        return attrs

    def _current(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        return {field: getattr(self.instance, field) for field in self.Meta.fields if field not in
                ("id", *self.Meta.read_only_fields)}


class AlertEventSerializer(serializers.ModelSerializer):
    rule_name = serializers.CharField(source="rule.name", read_only=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "rule", "rule_name", "metric", "value", "threshold", "channel", "fired_at", "notified",
                  "notify_error"]
