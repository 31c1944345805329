"""Sends whose outcome was lost (a worker killed after the claim, a timeout) are settled by asking the provider.

The guard must neither send twice (the message exists at Twilio) nor hold a
message forever (the worker died before the request left): after
``SEND_OUTCOME_SETTLE`` seconds it asks Twilio and sends only if Twilio has nothing.
"""
from datetime import timedelta

import django_rq
import pytest
from django.utils import timezone

from automation import engine, services
from automation.models import Delivery, Step
from automation.providers import SendUnconfirmed, TransientProviderError, get_provider
from contacts.models import Contact
from flows.demo import edge, node
from flows.models import Flow


def send(message):
    return get_provider(message.channel, message.workspace_id).send(message)


def age(delivery: Delivery, seconds: float) -> None:
    """Make ``delivery``'s claim ``seconds`` old (the time a crashed attempt's claim has been lying there)."""
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - timedelta(seconds=seconds))


def crashed_before_request(message) -> Delivery:
    """What a worker killed between committing the claim and calling Twilio leaves behind."""
    delivery, claimed = Delivery.objects.claim(message, "twilio")
    assert claimed
    return delivery


def test_a_claim_younger_than_the_settle_time_is_not_sent_and_says_when_to_look_again(fake_twilio, message,
                                                                                   settings):
    settings.SEND_OUTCOME_SETTLE = 60
    sms = message("sms", body="Hi")
    delivery = crashed_before_request(sms)
    with pytest.raises(SendUnconfirmed) as raised:
        send(sms)
    assert raised.value.retry_at == delivery.claimed_at + timedelta(seconds=60)
    assert raised.value.outcome_unknown is True
    assert fake_twilio.requests == []


def test_a_settled_claim_twilio_never_received_is_sent_once(fake_twilio, message, settings):
    settings.SEND_OUTCOME_SETTLE = 60
    sms = message("sms", body="Hi")
    age(crashed_before_request(sms), 61)

    result = send(sms)
    assert [m.form["Body"] for m in fake_twilio.messages] == ["Hi"]
    assert result.provider_message_id == fake_twilio.messages[0].response["sid"]
    assert send(sms).provider_message_id == result.provider_message_id  # and never again
    assert len(fake_twilio.messages) == 1
    delivery = Delivery.objects.get(idempotency_key=sms.idempotency_key)
    assert (delivery.provider_message_id, delivery.status) == (result.provider_message_id, "queued")


def test_a_settled_claim_whose_answer_was_lost_is_found_at_twilio_not_sent_again(fake_twilio, message, settings):
    settings.TWILIO_TIMEOUT = 0.2
    settings.SEND_OUTCOME_SETTLE = 60
    fake_twilio.stall_next(0.6)  # Twilio creates the message; its answer comes too late
    sms = message("sms", body="Hi")
    with pytest.raises(TransientProviderError):
        send(sms)
    settings.TWILIO_TIMEOUT = 5  # Twilio answers again (the fake finishes the stalled request first)
    age(Delivery.objects.get(idempotency_key=sms.idempotency_key), 61)

    result = send(sms)
    assert len(fake_twilio.messages) == 1
    assert result.provider_message_id == fake_twilio.messages[0].response["sid"]
    assert result.raw["found_by_lookup"] is True
    assert Delivery.objects.get(idempotency_key=sms.idempotency_key).provider_message_id == result.provider_message_id


def test_messages_of_other_sends_to_the_same_number_are_not_taken_for_the_lost_one(fake_twilio, message, settings):
    settings.SEND_OUTCOME_SETTLE = 60
    earlier = send(message("sms", body="Another flow's message"))  # known: its Delivery has the sid
    sms = message("sms", body="Hi")
    age(crashed_before_request(sms), 61)

    result = send(sms)
    assert result.provider_message_id != earlier.provider_message_id
    assert [m.form["Body"] for m in fake_twilio.messages] == ["Another flow's message", "Hi"]


def test_a_lost_call_is_found_at_twilio(fake_twilio, message, settings):
    settings.TWILIO_TIMEOUT = 0.2
    settings.SEND_OUTCOME_SETTLE = 60
    fake_twilio.stall_next(0.6)
    call = message("voice", twiml="<Response><Say>Hi</Say></Response>")
    with pytest.raises(TransientProviderError):
        send(call)
    settings.TWILIO_TIMEOUT = 5
    age(Delivery.objects.get(idempotency_key=call.idempotency_key), 61)

    assert send(call).provider_message_id == fake_twilio.calls[0].response["sid"]
    assert len(fake_twilio.calls) == 1


def test_when_twilio_cannot_be_asked_nothing_is_sent(fake_twilio, message, settings):
    settings.SEND_OUTCOME_SETTLE = 60
    sms = message("sms", body="Hi")
    age(crashed_before_request(sms), 61)
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # Twilio cannot be reached (nothing listens there)

    with pytest.raises(TransientProviderError) as raised:
        send(sms)
    assert not isinstance(raised.value, SendUnconfirmed)
    assert raised.value.outcome_unknown is True
    assert fake_twilio.messages == []


def test_an_esp_without_a_lookup_keeps_the_message_for_a_person(fake_postmark, message, settings):
    settings.SEND_OUTCOME_SETTLE = 60
    email = message("email", subject="Hi", text="Hello", html="<p>Hello</p>")
    delivery, _ = Delivery.objects.claim(email, "postmark")
    age(delivery, 61)

    with pytest.raises(TransientProviderError) as raised:
        send(email)
    assert not isinstance(raised.value, SendUnconfirmed)
    assert "cannot be asked" in raised.value.message
    assert fake_postmark.requests == []


def test_only_one_of_two_attempts_takes_an_unconfirmed_claim_over(fake_twilio, message):
    delivery = crashed_before_request(message("sms", body="Hi"))
    stale = Delivery.objects.get(pk=delivery.pk)
    assert delivery.take_over() is True
    assert stale.take_over() is False


@pytest.fixture
def sms_step(workspace, fake_twilio, redis_conn, django_capture_on_commit_callbacks):
    contact = Contact.objects.create(workspace=workspace, first_name="Ada", phone="+15551234567")
    flow = Flow.objects.create(workspace=workspace, name="Welcome", trigger_type="manual", graph={
        "nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 100, body="Hi {{ contact.first_name }}")],
        "edges": [edge("start", "sms")],
    })
    flow.activate()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_flow(flow, [contact.pk])
    engine.run_step(Step.objects.get(node_id="start").pk)
    return Step.objects.get(node_id="sms")


def test_the_engine_defers_a_step_with_an_unconfirmed_send_without_spending_an_attempt(
    sms_step, message, settings, django_capture_on_commit_callbacks
):
    settings.SEND_OUTCOME_SETTLE = 60
    delivery = crashed_before_request(message("sms", to="+15551234567", body="Hi Ada",
                                              idempotency_key=str(sms_step.idempotency_key), step_id=sms_step.pk))

    with django_capture_on_commit_callbacks(execute=True):
        assert engine.run_step(sms_step.pk) == "pending"
    sms_step.refresh_from_db()
    assert sms_step.attempt == 0
    assert sms_step.next_run_at == delivery.claimed_at + timedelta(seconds=60)
    assert sms_step.output["outcome_unknown"] is True
    assert django_rq.get_queue("default").scheduled_job_registry.count == 1

    age(delivery, 61)
    assert engine.run_step(sms_step.pk) == "success"
    sms_step.refresh_from_db()
    assert sms_step.sent_at is not None and sms_step.attempt == 1
    assert sms_step.output["provider_message_id"] == Delivery.objects.get(pk=delivery.pk).provider_message_id
    assert engine.run_step(sms_step.pk) == "step already success"
