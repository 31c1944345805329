"""Channels and the engine together: call outcomes branch flows, inbound messages start them, STOP blocks them
(texted to us, or reported by Twilio refusing a send)."""
from datetime import timedelta

import django_rq
import pytest

from automation import services
from automation.models import Delivery, Execution, Step
from automation.worker import ThreadWorker
from contacts.models import Contact
from flows.demo import edge, node
from flows.models import Flow
from tests.fakes import Failure, signed_twilio_post


PHONE = "+15551234567"


@pytest.fixture
def contact(workspace):
    return Contact.objects.create(workspace=workspace, first_name="Ada", phone=PHONE)


@pytest.fixture
def run_jobs(redis_conn, django_capture_on_commit_callbacks):
    """Run ``action`` and then every job it (transitively) enqueues, in this thread and transaction."""

    def run(action=lambda: None):
        queue = django_rq.get_queue("default")
        with django_capture_on_commit_callbacks(execute=True):
            result = action()
        while queue.count:
            with django_capture_on_commit_callbacks(execute=True):
                ThreadWorker([queue], connection=redis_conn).work(burst=True)
        return result

    return run


def active_flow(workspace, graph, **fields):
    flow = Flow.objects.create(workspace=workspace, name="Channel flow", graph=graph, **fields)
    flow.activate()
    return flow


@pytest.fixture
def call_flow(workspace):
    return active_flow(workspace, {
        "nodes": [
            node("start", "trigger", 0, 0),
            node("call", "voice_call", 0, 100, script=[{"say": "Hello {{ contact.first_name }}"}]),
            node("thanks", "send_sms", 0, 200, body="Thanks for talking, {{ contact.first_name }}"),
            node("missed", "send_sms", 200, 200, body="Sorry we missed you"),
        ],
        "edges": [edge("start", "call"), edge("call", "thanks", "answered"), edge("call", "missed", "no_answer")],
    }, trigger_type="manual")


def test_call_outcome_from_twilio_branches_the_flow(client, fake_twilio, call_flow, contact, run_jobs):
    run_jobs(lambda: services.send_flow(call_flow, [contact.pk]))
    [call] = fake_twilio.calls
    assert "Hello Ada" in call.form["Twiml"]
    step = Step.objects.get(node_id="call")
    assert step.status == "waiting"
    delivery = Delivery.objects.get(step=step)

    path = f"/webhooks/twilio/{delivery.workspace_id}/calls/status/?key={delivery.idempotency_key}"
    report = {"CallSid": delivery.provider_message_id, "CallStatus": "completed", "CallDuration": "31"}
    for _ in range(2):  # Twilio repeats itself: the flow goes on once
        run_jobs(lambda: signed_twilio_post(client, path, report))

    step.refresh_from_db()
    assert (step.status, step.outcome) == ("success", "answered")
    assert step.output["call_sid"] == delivery.provider_message_id
    assert step.output["duration_seconds"] == 31
    assert [m.form["Body"] for m in fake_twilio.messages] == ["Thanks for talking, Ada"]


def test_call_status_arriving_before_the_step_waits_is_resumed_by_the_reconciler(
    client, fake_twilio, call_flow, contact, run_jobs
):
    run_jobs(lambda: services.send_flow(call_flow, [contact.pk]))
    step = Step.objects.get(node_id="call")
    delivery = Delivery.objects.get(step=step)
    # The race: the final status is reported while the worker has not yet marked the step waiting.
    Step.objects.filter(pk=step.pk).update(status="running")
    path = f"/webhooks/twilio/{delivery.workspace_id}/calls/status/?key={delivery.idempotency_key}"
    report = {"CallSid": delivery.provider_message_id, "CallStatus": "busy"}
    run_jobs(lambda: signed_twilio_post(client, path, report))
    Step.objects.filter(pk=step.pk).update(status="waiting")
    assert fake_twilio.messages == []

    assert run_jobs(lambda: services.reconcile())["calls"] == 1
    step.refresh_from_db()
    assert (step.status, step.outcome) == ("success", "busy")
    assert run_jobs(lambda: services.reconcile())["calls"] == 0


def test_stop_then_a_flow_send_is_skipped_and_start_reenables(client, fake_twilio, workspace, contact, run_jobs):
    flow = active_flow(workspace, {
        "nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 100, body="News")],
        "edges": [edge("start", "sms")],
    }, trigger_type="manual")
    inbound = f"/webhooks/twilio/{workspace.pk}/inbound/"
    run_jobs(lambda: signed_twilio_post(client, inbound, {"MessageSid": "SM1", "From": PHONE, "Body": "STOP"}))

    result = run_jobs(lambda: services.send_flow(flow, [contact.pk]))
    assert [(s.contact_id, s.reason) for s in result.skipped] == [(contact.pk, "opted_out_sms")]
    assert fake_twilio.messages == []

    run_jobs(lambda: signed_twilio_post(client, inbound, {"MessageSid": "SM2", "From": PHONE, "Body": "start"}))
    result = run_jobs(lambda: services.send_flow(flow, [contact.pk]))
    assert result.skipped == []
    assert [m.form["Body"] for m in fake_twilio.messages] == ["News"]


def test_inbound_message_starts_event_flows_once(client, fake_twilio, workspace, contact, run_jobs):
    active_flow(workspace, {
        "nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 100, body="Got it: {{ event.body }}")],
        "edges": [edge("start", "sms")],
    }, trigger_type="event", trigger_config={"event_type": "message.received"})
    params = {"MessageSid": "SM9", "From": PHONE, "To": "+15005550006", "Body": "Is the shop open?"}
    for _ in range(2):  # a redelivered webhook starts nothing new
        run_jobs(lambda: signed_twilio_post(client, f"/webhooks/twilio/{workspace.pk}/inbound/", params))

    execution = Execution.objects.get()
    assert execution.metadata["body"] == "Is the shop open?"
    assert [m.form["Body"] for m in fake_twilio.messages] == ["Got it: Is the shop open?"]


@pytest.fixture
def sms_then_whatsapp(workspace):
    return active_flow(workspace, {
        "nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 100, body="News"),
                  node("wa", "send_whatsapp", 0, 200, body="News on WhatsApp")],
        "edges": [edge("start", "sms"), edge("sms", "wa")],
    }, trigger_type="manual", reentry_cooldown=timedelta(0))


@pytest.mark.parametrize(("node_id", "code", "channel"), [
    ("sms", 21610, "sms"),  # the number replied STOP to our SMS sender
    ("wa", 21610, "whatsapp"),
    ("wa", 63033, "whatsapp"),  # the WhatsApp user opted out of our messages
])
def test_a_send_refused_as_unsubscribed_opts_the_contact_out_and_is_skipped(
    fake_twilio, sms_then_whatsapp, contact, run_jobs, node_id, code, channel
):
    if node_id == "wa":
        fake_twilio.fail_for(f"whatsapp:{PHONE}", Failure(400, {"code": code, "message": "Unsubscribed recipient"}))
    else:
        fake_twilio.fail_with_code(400, code, "Attempt to send to unsubscribed recipient")
    run_jobs(lambda: services.send_flow(sms_then_whatsapp, [contact.pk]))

    refused = Step.objects.get(node_id=node_id)
    assert (refused.status, refused.skip_reason, refused.sent_at) == ("skipped", f"opted_out_{channel}", None)
    assert refused.output["error_code"] == code
    contact.refresh_from_db()
    assert [c for c in ("sms", "whatsapp") if contact.is_opted_out(c)] == [channel]
    # Not a failure: the flow goes on past the step like past any opted-out send, and nothing is dead-lettered.
    assert Execution.objects.get().status == "completed"
    assert Step.objects.filter(status="failed").count() == 0
    assert len(fake_twilio.accepted()) == 1

    run_jobs(lambda: services.send_flow(sms_then_whatsapp, [contact.pk]))
    assert len(fake_twilio.requests) == 3  # the next run does not ask Twilio for that channel again


def test_outside_the_whatsapp_window_is_a_failure_not_an_opt_out(fake_twilio, sms_then_whatsapp, contact, run_jobs):
    fake_twilio.fail_for(f"whatsapp:{PHONE}", Failure(400, {"code": 63016, "message": "Outside the allowed window"}))
    run_jobs(lambda: services.send_flow(sms_then_whatsapp, [contact.pk]))

    step = Step.objects.get(node_id="wa")
    assert (step.status, step.output["error_code"]) == ("failed", 63016)
    contact.refresh_from_db()
    assert (contact.opted_out_sms, contact.opted_out_whatsapp) == (False, False)


@pytest.mark.parametrize(("code", "opted_out"), [("21610", True), ("30003", False)])
def test_a_status_callback_reporting_an_unsubscribed_recipient_opts_the_contact_out(
    client, fake_twilio, sms_then_whatsapp, contact, run_jobs, code, opted_out
):
    run_jobs(lambda: services.send_flow(sms_then_whatsapp, [contact.pk]))
    delivery = Delivery.objects.get(channel="whatsapp")
    path = f"/webhooks/twilio/{delivery.workspace_id}/messages/status/?key={delivery.idempotency_key}"
    report = {"MessageSid": delivery.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": code,
              "To": f"whatsapp:{PHONE}"}
    assert signed_twilio_post(client, path, report).status_code == 204

    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == ("undelivered", code)
    contact.refresh_from_db()
    assert (contact.opted_out_whatsapp, contact.opted_out_sms) == (opted_out, False)
