"""ESP tracking through anymail's real Postmark webhook and its tracking signal."""
import base64
import json

import pytest

from automation.models import Delivery
from automation.providers import get_provider
from contacts.models import Contact
from tests.fakes import ANYMAIL_WEBHOOK_SECRET

TRACKING_URL = "/webhooks/anymail/postmark/tracking/"


@pytest.fixture
def email_delivery(fake_postmark, message):
    email = message("email", subject="Hi", text="Hi", to="ada@example.com")
    get_provider("email", email.workspace_id).send(email)
    return Delivery.objects.get(idempotency_key=email.idempotency_key)


def post_event(client, delivery, record_type, *, secret=ANYMAIL_WEBHOOK_SECRET, **fields):
    event = {"RecordType": record_type, "MessageID": delivery.provider_message_id, "Recipient": delivery.to,
             "Metadata": {"idempotency_key": delivery.idempotency_key}, "ReceivedAt": "2026-01-05T16:33:54Z",
             **fields}
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(TRACKING_URL, data=json.dumps(event), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Basic {auth}")


def test_delivery_open_and_click_move_the_delivery_forward(client, email_delivery):
    assert post_event(client, email_delivery, "Delivery", DeliveredAt="2026-01-05T16:33:54Z").status_code == 200
    assert Delivery.objects.get(pk=email_delivery.pk).status == "delivered"
    post_event(client, email_delivery, "Click", OriginalLink="https://example.com")
    post_event(client, email_delivery, "Open")  # arrives late
    post_event(client, email_delivery, "Delivery")  # duplicate
    email_delivery.refresh_from_db()
    assert email_delivery.status == "clicked"
    assert [e["status"] for e in email_delivery.events] == ["sent", "delivered", "clicked", "opened"]


def test_bounce_is_final_and_keeps_the_reason(client, email_delivery):
    post_event(client, email_delivery, "Bounce", Type="HardBounce", ID=42, Email="ada@example.com",
               BouncedAt="2026-01-05T16:33:54Z", Description="The server was unable to deliver your message")
    post_event(client, email_delivery, "Open")
    email_delivery.refresh_from_db()
    assert email_delivery.status == "bounced"
    assert email_delivery.error_code == "bounced"
    assert "unable to deliver" in email_delivery.error_message


def test_complaint_opts_the_recipient_out_of_email(client, email_delivery, workspace):
    contact = Contact.objects.create(workspace=workspace, email="Ada@example.com")
    post_event(client, email_delivery, "SpamComplaint", Type="SpamComplaint", ID=7, Email="ada@example.com",
               BouncedAt="2026-01-05T16:33:54Z")
    assert Delivery.objects.get(pk=email_delivery.pk).status == "complained"
    contact.refresh_from_db()
    assert (contact.opted_out_email, contact.opted_out_sms) == (True, False)


def test_webhook_without_the_secret_is_refused_and_changes_nothing(client, email_delivery):
    response = post_event(client, email_delivery, "Delivery", secret="anymail:wrong")
    assert response.status_code == 400
    assert Delivery.objects.get(pk=email_delivery.pk).status == "sent"


def test_event_about_an_unknown_message_is_ignored(client, email_delivery):
    email_delivery.provider_message_id = "not-ours"
    email_delivery.idempotency_key = "not-ours-either"
    assert post_event(client, email_delivery, "Delivery").status_code == 200
    assert Delivery.objects.get().status == "sent"
