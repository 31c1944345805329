"""SMS, or MMS when media URLs are given (Twilio accepts up to 10 per message)."""
from rest_framework import serializers

from flows.nodes.base import DEFAULT_HANDLE, FAILURE_HANDLE, NodeType, registry
from flows.nodes.fields import MediaUrlsField, TemplateField


class SmsConfig(serializers.Serializer):
    body = TemplateField(max_length=1600, allow_blank=False)
    media_urls = MediaUrlsField(max_length=10)
    from_number = serializers.CharField(required=False, allow_blank=True, max_length=40)


@registry.register
class SendSmsNode(NodeType):
    type = "send_sms"
    label = "Send SMS / MMS"
    config_serializer = SmsConfig
    channel = "sms"
    handles = frozenset({DEFAULT_HANDLE, FAILURE_HANDLE})
