"""Inbound messages: opt-out / opt-in keywords, HELP, unknown senders, redelivered webhooks."""
import pytest

from automation.models import InboundMessage
from contacts.models import Contact
from tests.fakes import signed_twilio_post

SENDER = "+15551239999"


@pytest.fixture
def contact(workspace):
    return Contact.objects.create(workspace=workspace, first_name="Ada", phone=SENDER)


def inbound(client, workspace, body, *, sender=SENDER, sid="SM" + "a" * 32, **extra):
    params = {"MessageSid": sid, "From": sender, "To": "+15005550006", "Body": body, "NumMedia": "0", **extra}
    return signed_twilio_post(client, f"/webhooks/twilio/{workspace.pk}/inbound/", params)


def replies(response):
    from xml.etree import ElementTree

    return [m.text for m in ElementTree.fromstring(response.content).iter("Message")]


def test_stop_opts_out_and_start_opts_back_in(client, fake_twilio, workspace, contact):
    response = inbound(client, workspace, "  stop ", sid="SM1")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert "unsubscribed" in replies(response)[0]
    contact.refresh_from_db()
    assert contact.opted_out_sms is True
    assert contact.blocked_reason("sms") == "opted_out_sms"
    assert contact.opted_out_whatsapp is False

    inbound(client, workspace, "START", sid="SM2")
    contact.refresh_from_db()
    assert contact.opted_out_sms is False
    assert contact.blocked_reason("sms") is None


@pytest.mark.parametrize("word", ["STOPALL", "Unsubscribe", "CANCEL", "end", "QUIT"])
def test_every_opt_out_keyword_opts_out(client, fake_twilio, workspace, contact, word):
    inbound(client, workspace, word)
    contact.refresh_from_db()
    assert contact.opted_out_sms is True


def test_a_sentence_with_stop_in_it_is_no_keyword(client, fake_twilio, workspace, contact):
    response = inbound(client, workspace, "Please don't stop the music")
    assert replies(response) == []
    contact.refresh_from_db()
    assert contact.opted_out_sms is False
    assert InboundMessage.objects.get().keyword == ""


def test_whatsapp_stop_opts_out_of_whatsapp_only(client, fake_twilio, workspace, contact):
    inbound(client, workspace, "STOP", sender=f"whatsapp:{SENDER}")
    contact.refresh_from_db()
    assert (contact.opted_out_whatsapp, contact.opted_out_sms) == (True, False)
    assert InboundMessage.objects.get().channel == "whatsapp"


def test_help_is_answered(client, fake_twilio, workspace, contact, settings):
    settings.MESSAGING_HELP_REPLY = "Acme support: reply STOP to opt out."
    response = inbound(client, workspace, "help")
    assert replies(response) == ["Acme support: reply STOP to opt out."]


def test_message_is_recorded_once_with_media(client, fake_twilio, workspace, contact):
    media = {"NumMedia": "2", "MediaUrl0": "https://api.twilio.com/m/0", "MediaUrl1": "https://api.twilio.com/m/1"}
    inbound(client, workspace, "Here you go", **media)
    inbound(client, workspace, "Here you go", **media)  # Twilio redelivers
    record = InboundMessage.objects.get()
    assert (record.contact, record.body, record.media_urls) == (contact, "Here you go", list(media.values())[1:])


def test_unknown_sender_is_recorded_without_creating_a_contact(client, fake_twilio, workspace, contact):
    response = inbound(client, workspace, "STOP", sender="+15550000000")
    assert response.status_code == 200
    assert Contact.objects.count() == 1
    record = InboundMessage.objects.get()
    assert (record.contact, record.keyword, record.from_address) == (None, "opt_out", "+15550000000")


def test_contact_of_another_workspace_is_not_touched(client, fake_twilio, other_workspace, contact):
    inbound(client, other_workspace, "STOP")
    contact.refresh_from_db()
    assert contact.opted_out_sms is False
    assert InboundMessage.objects.get().contact is None


def test_unsigned_inbound_is_refused_and_changes_nothing(client, fake_twilio, workspace, contact):
    response = signed_twilio_post(client, f"/webhooks/twilio/{workspace.pk}/inbound/",
                                  {"MessageSid": "SM1", "From": SENDER, "Body": "STOP"}, token="wrong")
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.opted_out_sms is False
    assert not InboundMessage.objects.exists()


def test_inbound_without_any_twilio_credentials_is_refused(client, workspace, contact, settings):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    response = signed_twilio_post(client, f"/webhooks/twilio/{workspace.pk}/inbound/",
                                  {"MessageSid": "SM1", "From": SENDER, "Body": "STOP"}, token="")
    assert response.status_code == 403
