"""Wait a duration, or until the next business-hours window; scheduled, never slept."""
from datetime import timedelta
from typing import Any

from rest_framework import serializers

from flows.nodes.base import NodeType, registry

UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
MAX_DELAY = timedelta(days=365)


class DelayConfig(serializers.Serializer):
    mode = serializers.ChoiceField(choices=["duration", "business_hours"], default="duration")
    amount = serializers.IntegerField(required=False, min_value=0)
    unit = serializers.ChoiceField(choices=list(UNITS), required=False, default="minutes")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["mode"] == "duration":
            if attrs.get("amount") is None:
                raise serializers.ValidationError({"amount": "A duration delay needs an amount."})
            if timedelta(seconds=attrs["amount"] * UNITS[attrs["unit"]]) > MAX_DELAY:
                raise serializers.ValidationError({"amount": "Delays are limited to 365 days."})
        return attrs


def delay_seconds(config: dict[str, Any]) -> int:
    return int(config.get("amount") or 0) * UNITS[config.get("unit") or "minutes"]


@registry.register
class DelayNode(NodeType):
    type = "delay"
    label = "Delay"
    config_serializer = DelayConfig
    waits = True
