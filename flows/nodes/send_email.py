"""Email through anymail (any ESP); a text alternative is derived from HTML when missing."""
from typing import Any

from rest_framework import serializers

from flows.nodes.base import DEFAULT_HANDLE, FAILURE_HANDLE, NodeType, registry
from flows.nodes.fields import TemplateField


class EmailConfig(serializers.Serializer):
    subject = TemplateField(max_length=998)
    html = TemplateField(required=False, allow_blank=True, max_length=500_000)
    text = TemplateField(required=False, allow_blank=True, max_length=500_000)
    from_email = serializers.EmailField(required=False, allow_blank=True)
    reply_to = serializers.EmailField(required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("html") and not attrs.get("text"):
            raise serializers.ValidationError({"html": "An email needs an HTML or a text body."})
        return attrs


@registry.register
class SendEmailNode(NodeType):
    type = "send_email"
    label = "Send email"
    config_serializer = EmailConfig
    channel = "email"
    handles = frozenset({DEFAULT_HANDLE, FAILURE_HANDLE})
