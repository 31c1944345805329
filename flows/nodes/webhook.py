"""POST a JSON document about the contact and execution to an outside URL."""
from typing import Any

from rest_framework import serializers

from flows.nodes.base import DEFAULT_HANDLE, FAILURE_HANDLE, NodeType, registry
from outbound.policy import literal_refusal, scheme_refusal


class WebhookConfig(serializers.Serializer):
    url = serializers.URLField(max_length=2000)
    headers = serializers.DictField(child=serializers.CharField(max_length=2000), required=False, default=dict)
    payload = serializers.JSONField(required=False, default=dict)
    timeout = serializers.IntegerField(required=False, min_value=1, max_value=30, default=10)

    def validate_url(self, value: str) -> str:
        reason = scheme_refusal(value)
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

    @classmethod
    def validate_config(cls, data: Any) -> list[tuple[str, str]]:
        """Also refuses an internal IP literal or ``localhost`` when the flow is saved.

        Only here, not in the config the engine cleans before running: the address
        policy may change after a flow is saved, and a stored URL it refuses must
        fail its step like any refused call (the connect-time guard of
        :mod:`outbound.http`), not break the step's set-up.
        """
        errors = super().validate_config(data)
        url = data.get("url") if isinstance(data, dict) else None
        already = any(field == "url" for field, _ in errors)
        reason = literal_refusal(url) if isinstance(url, str) and not already else None
        return [*errors, ("url", f"This URL cannot be called: {reason}.")] if reason else errors
