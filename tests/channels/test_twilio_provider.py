"""The Twilio provider through the real SDK against a fake Twilio API."""
import pytest

from automation.models import Delivery, OutboxMessage, ProviderAccount
from automation.providers import PermanentProviderError, RecipientOptedOut, TransientProviderError, get_provider
from automation.providers.email import EmailProvider
from automation.providers.outbox import OutboxProvider
from automation.providers.twilio import TwilioProvider
from tests.fakes import TWILIO_ACCOUNT_SID, TWILIO_FROM


def send(message):
    return get_provider(message.channel, message.workspace_id).send(message)


def test_sms_reaches_twilio_with_status_callback_and_records_delivery(fake_twilio, message, workspace):
    sms = message("sms", body="Hi Ada")
    result = send(sms)

    [request] = fake_twilio.messages
    assert request.path == f"/2010-04-01/Accounts/{TWILIO_ACCOUNT_SID}/Messages.json"
    assert request.form["To"] == "+15551230001"
    assert request.form["From"] == TWILIO_FROM
    assert request.form["Body"] == "Hi Ada"
    assert request.form["StatusCallback"] == (
        f"https://flows.example.com/webhooks/twilio/{workspace.pk}/messages/status/?key={sms.idempotency_key}"
    )
    assert "MediaUrl" not in request.form
    assert result.provider == "twilio"
    assert result.provider_message_id == request.response["sid"]
    delivery = Delivery.objects.get(idempotency_key=sms.idempotency_key)
    assert (delivery.provider_message_id, delivery.status, delivery.channel) == (result.provider_message_id,
                                                                                   "queued", "sms")


def test_mms_media_urls_reach_the_request(fake_twilio, message):
    urls = [f"https://cdn.example.com/{i}.png" for i in range(10)]
    send(message("sms", body="Pictures", media_urls=urls))
    assert fake_twilio.messages[0].form.getlist("MediaUrl") == urls


def test_more_than_ten_media_urls_are_refused_without_calling_twilio(fake_twilio, message):
    with pytest.raises(PermanentProviderError):
        send(message("sms", body="Too many", media_urls=[f"https://cdn.example.com/{i}.png" for i in range(11)]))
    assert fake_twilio.requests == []
    assert not Delivery.objects.exists()


def test_whatsapp_uses_whatsapp_addresses(fake_twilio, message):
    send(message("whatsapp", body="Hola", media_urls=["https://cdn.example.com/a.jpg"]))
    [request] = fake_twilio.messages
    assert request.form["To"] == "whatsapp:+15551230001"
    assert request.form["From"] == "whatsapp:+14155238886"
    assert request.form.getlist("MediaUrl") == ["https://cdn.example.com/a.jpg"]


def test_voice_call_sends_twiml_and_waits_for_the_outcome(fake_twilio, message, workspace):
    twiml = '<?xml version="1.0" encoding="UTF-8"?><Response><Say voice="alice">Hello</Say></Response>'
    call = message("voice", twiml=twiml, metadata={"timeout": 25, "machine_detection": True})
    result = send(call)

    [request] = fake_twilio.calls
    assert request.form["Twiml"] == twiml
    assert request.form["Timeout"] == "25"
    assert request.form["MachineDetection"] == "Enable"
    assert request.form.getlist("StatusCallbackEvent") == ["initiated", "ringing", "answered", "completed"]
    assert request.form["StatusCallback"].startswith(f"https://flows.example.com/webhooks/twilio/{workspace.pk}/calls/")
    assert result.provider_message_id.startswith("CA")
    assert result.outcome is None  # the call's outcome comes with its final status callback


def test_the_same_idempotency_key_is_sent_once(fake_twilio, message):
    sms = message("sms", body="Once")
    first = send(sms)
    second = send(sms)
    assert len(fake_twilio.messages) == 1
    assert second.provider_message_id == first.provider_message_id


@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (400, 21211, PermanentProviderError),  # invalid 'To' number
        (400, 21614, PermanentProviderError),  # not a mobile number
        (401, 20003, PermanentProviderError),  # authentication
        (400, 21610, RecipientOptedOut),  # the recipient replied STOP to our sender
        (400, 63033, RecipientOptedOut),  # the WhatsApp user opted out of our messages
        (400, 63016, PermanentProviderError),  # outside the WhatsApp 24-hour window: no opt-out
        (429, 20429, TransientProviderError),
        (500, 20500, TransientProviderError),
        (503, 20503, TransientProviderError),
    ],
)
def test_twilio_errors_are_classified_keeping_code_and_message(fake_twilio, message, status, code, error_class):
    fake_twilio.fail_with_code(status, code, f"Twilio says {code}")
    sms = message("sms", body="Hi")
    with pytest.raises(error_class) as raised:
        send(sms)
    assert type(raised.value) is error_class
    output = raised.value.as_output()
    assert output["error_code"] == code
    assert output["http_status"] == status
    assert f"Twilio says {code}" in output["error_message"]
    assert output["provider"] == "twilio"
    # Twilio answered with an error: nothing was sent, so a retry sends.
    assert not Delivery.objects.filter(idempotency_key=sms.idempotency_key).exists()
    if error_class is TransientProviderError:
        assert send(sms).provider_message_id
        assert len(fake_twilio.messages) == 2


def test_unreachable_twilio_is_transient_and_retry_sends(fake_twilio, message, settings):
    base_url = settings.TWILIO_API_BASE_URL
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    sms = message("sms", body="Hi")
    with pytest.raises(TransientProviderError) as raised:
        send(sms)
    assert raised.value.outcome_unknown is False
    assert not Delivery.objects.exists()
    settings.TWILIO_API_BASE_URL = base_url
    assert send(sms).provider_message_id == fake_twilio.messages[0].response["sid"]


def test_no_answer_in_time_is_transient_and_never_sent_twice(fake_twilio, message, settings):
    settings.TWILIO_TIMEOUT = 0.2
    fake_twilio.stall_next(0.6)
    sms = message("sms", body="Hi")
    with pytest.raises(TransientProviderError) as first:
        send(sms)
    assert first.value.outcome_unknown is True
    # Twilio may have created the message: a retry does not call Twilio again.
    with pytest.raises(TransientProviderError) as second:
        send(sms)
    assert second.value.outcome_unknown is True
    assert len(fake_twilio.messages) == 1
    assert Delivery.objects.get(idempotency_key=sms.idempotency_key).status == "pending"


def test_provider_choice_workspace_account_then_settings_then_outbox(fake_twilio, workspace, other_workspace,
                                                                      message, settings):
    ProviderAccount.objects.create(workspace=workspace, kind="twilio", account_sid="AC" + "2" * 32,
                                   secret="workspace-token", from_number="+15005550001")
    provider = get_provider("sms", workspace.pk)
    assert isinstance(provider, TwilioProvider)
    assert provider.credentials.auth_token == "workspace-token"
    send(message("sms", body="Own account"))
    assert fake_twilio.messages[0].path == f"/2010-04-01/Accounts/AC{'2' * 32}/Messages.json"
    assert fake_twilio.messages[0].form["From"] == "+15005550001"

    assert get_provider("sms", other_workspace.pk).credentials.account_sid == TWILIO_ACCOUNT_SID
    assert isinstance(get_provider("email", workspace.pk), OutboxProvider)

    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    assert isinstance(get_provider("voice", other_workspace.pk), OutboxProvider)
    with pytest.raises(ValueError):
        get_provider("fax", workspace.pk)


def test_without_credentials_messages_go_to_the_outbox(message, settings, db):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = settings.EMAIL_ESP = ""
    sms = message("sms", body="Offline")
    result = send(sms)
    assert result.provider == "outbox"
    assert OutboxMessage.objects.get(idempotency_key=sms.idempotency_key).body == "Offline"
    assert not isinstance(get_provider("email", sms.workspace_id), EmailProvider)
