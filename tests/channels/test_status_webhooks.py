"""Twilio status callbacks: signature checked, deliveries move forward only, call outcomes reported."""
import pytest

from automation.models import Delivery, ProviderAccount
from automation.providers import TransientProviderError, get_provider
from tests.fakes import signed_twilio_post


def send(message):
    return get_provider(message.channel, message.workspace_id).send(message)


def status_path(delivery, kind="messages"):
    return f"/webhooks/twilio/{delivery.workspace_id}/{kind}/status/?key={delivery.idempotency_key}"


def message_report(delivery, status, **extra):
    return {"MessageSid": delivery.provider_message_id, "MessageStatus": status, "AccountSid": "AC1",
            "To": delivery.to, **extra}


@pytest.fixture
def sms_delivery(fake_twilio, message):
    sms = message("sms", body="Hi")
    send(sms)
    return Delivery.objects.get(idempotency_key=sms.idempotency_key)


def test_signed_status_callback_updates_the_delivery(client, sms_delivery):
    response = signed_twilio_post(client, status_path(sms_delivery), message_report(sms_delivery, "delivered"))
    assert response.status_code == 204
    sms_delivery.refresh_from_db()
    assert sms_delivery.status == "delivered"
    assert [e["status"] for e in sms_delivery.events] == ["queued", "delivered"]


@pytest.mark.parametrize("signature", ["", "bm90IHRoZSBzaWduYXR1cmU="])
def test_bad_signature_is_refused_and_changes_nothing(client, sms_delivery, signature):
    response = signed_twilio_post(client, status_path(sms_delivery), message_report(sms_delivery, "delivered"),
                                  signature=signature)
    assert response.status_code == 403
    assert Delivery.objects.get(pk=sms_delivery.pk).status == "queued"


def test_signature_with_another_token_is_refused(client, sms_delivery):
    response = signed_twilio_post(client, status_path(sms_delivery), message_report(sms_delivery, "failed"),
                                  token="someone-elses-token")
    assert response.status_code == 403
    assert Delivery.objects.get(pk=sms_delivery.pk).status == "queued"


def test_workspace_token_signs_its_callbacks(client, sms_delivery, workspace):
    ProviderAccount.objects.create(workspace=workspace, kind="twilio", account_sid="AC" + "3" * 32,
                                   secret="workspace-token", from_number="+15005550001")
    report = message_report(sms_delivery, "sent")
    assert signed_twilio_post(client, status_path(sms_delivery), report).status_code == 403
    assert signed_twilio_post(client, status_path(sms_delivery), report, token="workspace-token").status_code == 204


def test_duplicate_and_out_of_order_callbacks_end_in_one_final_state(client, sms_delivery):
    for status in ["sent", "delivered", "sent", "delivered", "queued", "undelivered"]:
        assert signed_twilio_post(client, status_path(sms_delivery),
                                  message_report(sms_delivery, status)).status_code == 204
    sms_delivery.refresh_from_db()
    assert sms_delivery.status == "delivered"
    assert [e["status"] for e in sms_delivery.events] == ["queued", "sent", "delivered", "undelivered"]


def test_failure_keeps_twilio_error_code(client, sms_delivery):
    signed_twilio_post(client, status_path(sms_delivery), message_report(sms_delivery, "undelivered",
                                                                         ErrorCode="30003"))
    signed_twilio_post(client, status_path(sms_delivery), message_report(sms_delivery, "delivered"))
    sms_delivery.refresh_from_db()
    assert (sms_delivery.status, sms_delivery.error_code) == ("undelivered", "30003")


def test_malformed_report_is_refused(client, sms_delivery):
    response = signed_twilio_post(client, status_path(sms_delivery), message_report(sms_delivery, "exploded"))
    assert response.status_code == 400
    assert Delivery.objects.get(pk=sms_delivery.pk).status == "queued"


def test_report_for_another_workspace_changes_nothing(client, sms_delivery, other_workspace):
    path = f"/webhooks/twilio/{other_workspace.pk}/messages/status/"
    assert signed_twilio_post(client, path, message_report(sms_delivery, "failed")).status_code == 204
    assert Delivery.objects.get(pk=sms_delivery.pk).status == "queued"


def test_callback_resolves_a_send_whose_answer_was_lost(client, fake_twilio, message, settings):
    settings.TWILIO_TIMEOUT = 0.2
    fake_twilio.stall_next(0.6)
    sms = message("sms", body="Hi")
    with pytest.raises(TransientProviderError):
        send(sms)
    delivery = Delivery.objects.get(idempotency_key=sms.idempotency_key)
    delivery.provider_message_id = "SM" + "f" * 32  # what Twilio created, known only from its callback
    signed_twilio_post(client, status_path(delivery), message_report(delivery, "sent"))

    result = send(sms)  # the retry returns the message Twilio created instead of sending again
    assert result.provider_message_id == "SM" + "f" * 32
    assert len(fake_twilio.messages) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == "sent"


@pytest.fixture
def call_delivery(fake_twilio, message):
    call = message("voice", twiml="<Response><Say>Hi</Say></Response>")
    send(call)
    return Delivery.objects.get(idempotency_key=call.idempotency_key)


def call_report(delivery, status, **extra):
    return {"CallSid": delivery.provider_message_id, "CallStatus": status, "To": delivery.to, **extra}


@pytest.mark.parametrize(
    ("twilio_status", "outcome"),
    [("completed", "answered"), ("no-answer", "no_answer"), ("busy", "busy"), ("failed", "failed"),
     ("canceled", "failed")],
)
def test_call_final_status_sets_the_outcome(client, call_delivery, twilio_status, outcome):
    path = status_path(call_delivery, "calls")
    for status in ["initiated", "ringing"]:
        signed_twilio_post(client, path, call_report(call_delivery, status))
    duration = "42" if twilio_status == "completed" else "0"
    response = signed_twilio_post(client, path, call_report(call_delivery, twilio_status, CallDuration=duration))
    assert response.status_code == 204
    signed_twilio_post(client, path, call_report(call_delivery, "in-progress"))
    call_delivery.refresh_from_db()
    assert call_delivery.status == outcome
    assert call_delivery.duration_seconds == int(duration)


def test_call_report_with_bad_duration_is_refused(client, call_delivery):
    response = signed_twilio_post(client, status_path(call_delivery, "calls"),
                                  call_report(call_delivery, "completed", CallDuration="long"))
    assert response.status_code == 400
    assert Delivery.objects.get(pk=call_delivery.pk).status == "queued"


def test_whatsapp_read_receipt_follows_delivered(client, fake_twilio, message):
    send(message("whatsapp", body="Hola"))
    delivery = Delivery.objects.get()
    for status in ["delivered", "read", "sent", "failed"]:
        signed_twilio_post(client, status_path(delivery), message_report(delivery, status))
    delivery.refresh_from_db()
    assert delivery.status == "read"
