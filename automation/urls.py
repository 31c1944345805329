"""Provider webhooks, mounted under ``/webhooks/``."""
from django.urls import include, path

from automation import webhooks
from automation.api.runs import WebhookTriggerView

app_name = "webhooks"

urlpatterns = [
    path("twilio/<int:workspace_id>/messages/status/", webhooks.twilio_message_status,
         name="twilio-message-status"),
    path("twilio/<int:workspace_id>/calls/status/", webhooks.twilio_call_status, name="twilio-call-status"),
    path("twilio/<int:workspace_id>/inbound/", webhooks.twilio_inbound, name="twilio-inbound"),
    path("anymail/", include("anymail.urls")),
    path("flows/<str:token>/", WebhookTriggerView.as_view(), name="flow-trigger"),
]
