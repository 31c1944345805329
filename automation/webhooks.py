"""Provider webhooks: Twilio status callbacks and inbound messages (anymail's live in :mod:`automation.tracking`).

Every Twilio request is checked with Twilio's ``RequestValidator`` against the
workspace's auth token (its own account's, else the settings default) and the
public URL Twilio called (``PUBLIC_BASE_URL`` + path, since behind a proxy the
request's own host and scheme are not what Twilio signed). A request that fails
the check gets 403 and changes nothing; a signed report about a message we do
not know is acknowledged and ignored.

A message status report whose error code says the recipient opted out of our
sender (Twilio 21610, WhatsApp 63033) opts the contacts with that number out of
the message's channel, as an inbound STOP would.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from automation import inbound
from automation.models import Delivery
from automation.opt_out import opt_out_number
from automation.providers.errors import is_opt_out
from automation.providers.twilio import CALL_STATUSES, MESSAGE_STATUSES, WHATSAPP_PREFIX, TwilioCredentials
from contacts.models import Workspace

TwilioView = Callable[[HttpRequest, Workspace], HttpResponse]


def twilio_webhook(view: TwilioView) -> Callable[[HttpRequest, int], HttpResponse]:
    """Only requests signed by Twilio for this workspace reach ``view``."""

    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def checked(request: HttpRequest, workspace_id: int) -> HttpResponse:
        workspace = get_object_or_404(Workspace, pk=workspace_id)
        credentials = TwilioCredentials.for_workspace(workspace.pk)
        url = settings.PUBLIC_BASE_URL.rstrip("/") + request.get_full_path()
        signature = request.headers.get("X-Twilio-Signature", "")
        if credentials is None or not RequestValidator(credentials.auth_token).validate(url, request.POST, signature):
            return HttpResponseForbidden("Invalid Twilio signature.")
        return view(request, workspace)

    return checked


@twilio_webhook
def twilio_message_status(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    params = request.POST
    raw_status = params.get("MessageStatus", "")
    sid = params.get("MessageSid", "")
    if not sid or raw_status not in MESSAGE_STATUSES:
        return HttpResponseBadRequest("MessageSid and a known MessageStatus are required.")
    with transaction.atomic():
        delivery = Delivery.objects.for_workspace(workspace).locate("twilio", sid, request.GET.get("key", ""))
        if delivery is not None:
            delivery.record(
                MESSAGE_STATUSES[raw_status],
                raw_status=raw_status,
                error_code=params.get("ErrorCode", ""),
                error_message=params.get("ErrorMessage", ""),
            )
            if is_opt_out("twilio", params.get("ErrorCode")):
                opt_out_number(workspace.pk, delivery.to.removeprefix(WHATSAPP_PREFIX), delivery.channel)
    return HttpResponse(status=204)


@twilio_webhook
def twilio_call_status(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    params = request.POST
    raw_status = params.get("CallStatus", "")
    sid = params.get("CallSid", "")
    duration = params.get("CallDuration", "")
    if not sid or raw_status not in CALL_STATUSES or not (duration == "" or duration.isdigit()):
        return HttpResponseBadRequest("CallSid, a known CallStatus and a numeric CallDuration are required.")
    with transaction.atomic():
        delivery = Delivery.objects.for_workspace(workspace).locate("twilio", sid, request.GET.get("key", ""))
        if delivery is not None:
            finished = delivery.record(
                CALL_STATUSES[raw_status],
                raw_status=raw_status,
                error_code=params.get("ErrorCode", ""),
                duration_seconds=int(duration) if duration else None,
            ) and delivery.is_final
            if finished and delivery.step_id:
                output = {"call_sid": sid, "call_status": raw_status, "duration_seconds": delivery.duration_seconds,
                          "answered_by": params.get("AnsweredBy", "")}
                transaction.on_commit(functools.partial(_complete_call_step, delivery, output))
    return HttpResponse(status=204)


def _complete_call_step(delivery: Delivery, output: dict) -> None:
    """Hand the call's outcome to the engine, which resumes the flow on the edge named by it."""
    from automation import services  # the engine's services import the providers, which import us

    services.complete_waiting_step(delivery.step_id, outcome=delivery.status, output=output)


@twilio_webhook
def twilio_inbound(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    params = request.POST
    sid = params.get("MessageSid", "")
    sender = params.get("From", "")
    if not sid or not sender:
        return HttpResponseBadRequest("MessageSid and From are required.")
    channel = "whatsapp" if sender.startswith(WHATSAPP_PREFIX) else "sms"
    received = inbound.receive(
        workspace,
        inbound.IncomingMessage(
            provider="twilio",
            provider_message_id=sid,
            channel=channel,
            from_address=sender,
            to_address=params.get("To", ""),
            phone=sender.removeprefix(WHATSAPP_PREFIX),
            body=params.get("Body", ""),
            media_urls=[params[key] for key in sorted(params) if key.startswith("MediaUrl")],
        ),
    )
    response = MessagingResponse()
    reply = inbound.reply_to(received)
    if reply:
        response.message(reply)
    return HttpResponse(str(response), content_type="text/xml")
