"""POST a JSON document about the contact and execution to an outside URL."""
from typing import Any

from rest_framework import serializers

from flows.nodes.base import DEFAULT_HANDLE, FAILURE_HANDLE, NodeType, registry
from outbound.policy import literal_refusal


class WebhookConfig(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    headers = serializers.DictField(child=serializers.CharField(max_length=2000), required=False, default=dict)
    payload = serializers.JSONField(required=False, default=dict)
    timeout = serializers.IntegerField(required=False, min_value=1, max_value=30, default=10)

    def validate_url(self, value: str) -> str:
        """A non-http(s) URL or an internal IP literal is refused here; host names are checked when called."""
        reason = literal_refusal(value)
        if reason:
            raise serializers.ValidationError(f"This URL cannot be called: {reason}.")
        return value

    def validate_payload(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError("The payload must be a JSON object.")
        return value


@registry.register
class WebhookNode(NodeType):
    type = "webhook"
    label = "Webhook"
    config_serializer = WebhookConfig
    handles = frozenset({DEFAULT_HANDLE, FAILURE_HANDLE})
