"""Email through anymail's real Postmark backend against a fake Postmark API."""
import pytest

from automation.models import Delivery, ProviderAccount
from automation.providers import PermanentProviderError, TransientProviderError, get_provider
from tests.fakes import POSTMARK_TOKEN


def send(message):
    return get_provider(message.channel, message.workspace_id).send(message)


def test_email_goes_out_with_text_and_html_alternative(fake_postmark, message):
    email = message("email", subject="Welcome Ada", html="<p>Hello <b>Ada</b></p>", text="Hello Ada",
                    reply_to="team@example.com")
    result = send(email)

    [request] = fake_postmark.requests
    assert request.headers["X-Postmark-Server-Token"] == POSTMARK_TOKEN
    body = request.json
    assert body["To"] == "user@example.com"
    assert body["From"] == "flows@example.com"
    assert body["Subject"] == "Welcome Ada"
    assert body["TextBody"] == "Hello Ada"
    assert body["HtmlBody"] == "<p>Hello <b>Ada</b></p>"
    assert body["ReplyTo"] == "team@example.com"
    assert body["Metadata"] == {"idempotency_key": email.idempotency_key}
    assert result.provider == "postmark"
    assert result.provider_message_id == request.response["MessageID"]
    delivery = Delivery.objects.get(idempotency_key=email.idempotency_key)
    assert (delivery.provider, delivery.provider_message_id, delivery.status) == (
        "postmark", result.provider_message_id, "sent")


def test_html_only_email_gets_a_text_alternative(fake_postmark, message):
    send(message("email", subject="Hi", html="<p>Only <i>HTML</i></p>"))
    body = fake_postmark.requests[0].json
    assert body["TextBody"] == "Only HTML"
    assert body["HtmlBody"] == "<p>Only <i>HTML</i></p>"


def test_the_same_key_sends_one_email(fake_postmark, message):
    email = message("email", subject="Once", text="Once")
    assert send(email).provider_message_id == send(email).provider_message_id
    assert len(fake_postmark.requests) == 1


@pytest.mark.parametrize(
    ("status", "body", "error_class", "code"),
    [
        (422, {"ErrorCode": 400, "Message": "The 'From' address you supplied is not a Sender Signature."},
         PermanentProviderError, 400),
        (401, {"ErrorCode": 10, "Message": "Bad or missing Server API token."}, PermanentProviderError, 10),
        (429, {"ErrorCode": 429, "Message": "Rate limit exceeded."}, TransientProviderError, 429),
        (500, {"ErrorCode": 0, "Message": "Internal server error."}, TransientProviderError, 500),
    ],
)
def test_esp_errors_are_classified_keeping_code_and_message(fake_postmark, message, status, body, error_class, code):
    fake_postmark.fail_next(status, body)
    email = message("email", subject="Hi", text="Hi")
    with pytest.raises(error_class) as raised:
        send(email)
    output = raised.value.as_output()
    assert (output["provider"], output["http_status"], output["error_code"]) == ("postmark", status, code)
    assert output["error_message"] == body["Message"]
    assert not Delivery.objects.exists()


def test_workspace_esp_account_uses_its_own_key(fake_postmark, message, workspace):
    ProviderAccount.objects.create(workspace=workspace, kind="email", esp="postmark", from_email="hi@acme.test",
                                   secret="acme-postmark-token")
    send(message("email", subject="Hi", text="Hi"))
    request = fake_postmark.requests[0]
    assert request.headers["X-Postmark-Server-Token"] == "acme-postmark-token"
    assert request.json["From"] == "hi@acme.test"
