"""Channels and the engine together: call outcomes branch flows, inbound messages start them, STOP blocks them."""
import django_rq
import pytest

from automation import services
from automation.models import Delivery, Execution, Step
from automation.worker import ThreadWorker
from contacts.models import Contact
from flows.demo import edge, node
from flows.models import Flow
from tests.fakes import signed_twilio_post


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
