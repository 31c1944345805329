"""WhatsApp message through Twilio (``whatsapp:`` addresses), with at most one media file."""
from rest_framework import serializers

from flows.nodes.base import DEFAULT_HANDLE, FAILURE_HANDLE, NodeType, registry
from flows.nodes.fields import MediaUrlsField, TemplateField


class WhatsAppConfig(serializers.Serializer):
    body = TemplateField(max_length=1600, allow_blank=False)
    media_urls = MediaUrlsField(max_length=1)
    from_number = serializers.CharField(required=False, allow_blank=True, max_length=60)


@registry.register
class SendWhatsAppNode(NodeType):
    type = "send_whatsapp"
    label = "Send WhatsApp"
    config_serializer = WhatsAppConfig
    channel = "whatsapp"
    handles = frozenset({DEFAULT_HANDLE, FAILURE_HANDLE})
