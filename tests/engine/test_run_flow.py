"""Flows run end to end on a real RQ worker: steps, delays on RQ's scheduler, conditions, branches."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rq.registry import ScheduledJobRegistry

from automation import services
from automation.models import Execution, OutboxMessage, Step
from automation.queueing import get_queue
from flows.demo import edge, node

pytestmark = pytest.mark.django_db(transaction=True)


def sms_delay_condition_email() -> dict:
    return {
        "nodes": [
            node("start", "trigger", 0, 0),
            node("sms", "send_sms", 0, 100, body="Hi {{ contact.first_name }}, welcome!"),
            node("wait", "delay", 0, 200, mode="duration", amount=2, unit="minutes"),
            node("vip", "condition", 0, 300, rules=[{"field": "tags", "operator": "contains", "value": "vip"}]),
            node("email", "send_email", -100, 400, subject="For you, {{ contact.first_name }}", html="<p>VIP</p>"),
            node("done", "end", 100, 400),
        ],
        "edges": [
            edge("start", "sms"), edge("sms", "wait"), edge("wait", "vip"),
            edge("vip", "email", "true"), edge("vip", "done", "false"),
        ],
    }


def test_sms_delay_condition_email_completes_with_the_right_steps(make_flow, make_contact, run_jobs,
                                                                  release_scheduled_jobs):
    flow = make_flow(sms_delay_condition_email())
    contact = make_contact(first_name="Vera", tags=["vip"])

    result = services.send_flow(flow, [contact.pk])
    run_jobs()

    execution = Execution.objects.get(pk=result.enrolled[0].pk)
    assert execution.status == Execution.Status.WAITING
    wait = Step.objects.get(execution=execution, node_id="wait")
    assert wait.status == Step.Status.WAITING
    assert timedelta(seconds=110) < wait.next_run_at - wait.started_at <= timedelta(minutes=2)
    registry = ScheduledJobRegistry(queue=get_queue())
    assert registry.get_job_ids() == [wait.job_id]
    assert abs(registry.get_scheduled_time(wait.job_id) - wait.next_run_at) < timedelta(seconds=1)
    sms = OutboxMessage.objects.get(step__execution=execution)
    assert (sms.channel, sms.to, sms.body) == ("sms", str(contact.phone), "Hi Vera, welcome!")

    release_scheduled_jobs()
    run_jobs()

    execution.refresh_from_db()
    assert execution.status == Execution.Status.COMPLETED
    assert execution.completed_at and execution.duration_ms is not None
    steps = list(execution.steps.order_by("created_at", "id").values_list("node_id", "status", "outcome"))
    assert steps == [
        ("start", "success", ""), ("sms", "success", ""), ("wait", "success", ""),
        ("vip", "success", "true"), ("email", "success", ""),
    ]
    email = OutboxMessage.objects.get(step__execution=execution, channel="email")
    assert (email.to, email.subject, email.html) == (contact.email, "For you, Vera", "<p>VIP</p>")
    sms_step = execution.steps.get(node_id="sms")
    assert sms_step.sent_at and sms_step.attempt == 1 and sms_step.output["provider"] == "outbox"
    assert sms_step.duration_ms is not None


def test_condition_false_branch_and_parallel_branches_complete(make_flow, make_contact, run_jobs):
    graph = {
        "nodes": [
            node("start", "trigger", 0, 0),
            node("vip", "condition", 0, 100, rules=[{"field": "tags", "operator": "contains", "value": "vip"}]),
            node("email", "send_email", -100, 200, subject="VIP", text="VIP"),
            node("sms", "send_sms", 100, 200, body="Hello"),
            node("wa", "send_whatsapp", 200, 200, body="Hello on WhatsApp"),
        ],
        "edges": [edge("start", "vip"), edge("vip", "email", "true"), edge("vip", "sms", "false"),
                  edge("vip", "wa", "false")],
    }
    flow = make_flow(graph)
    contact = make_contact(tags=["regular"])

    execution = services.send_flow(flow, [contact.pk]).enrolled[0]
    run_jobs()

    execution.refresh_from_db()
    assert execution.status == Execution.Status.COMPLETED
    assert sorted(execution.steps.values_list("node_id", flat=True)) == ["sms", "start", "vip", "wa"]
    assert execution.steps.get(node_id="vip").output == {"result": False}
    assert sorted(OutboxMessage.objects.values_list("channel", flat=True)) == ["sms", "whatsapp"]


def test_a_contact_opted_out_of_one_channel_enters_and_only_that_send_is_skipped(make_flow, make_contact, run_jobs):
    graph = {
        "nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 100, body="Hi"),
                  node("email", "send_email", 0, 200, subject="Hi", text="Hi")],
        "edges": [edge("start", "sms"), edge("sms", "email")],
    }
    flow = make_flow(graph)
    result = services.send_flow(flow, [make_contact(opted_out_sms=True).pk])
    assert result.skipped == []
    run_jobs()

    execution = Execution.objects.get(pk=result.enrolled[0].pk)
    assert execution.status == Execution.Status.COMPLETED
    sms = execution.steps.get(node_id="sms")
    assert (sms.status, sms.skip_reason, sms.sent_at) == (Step.Status.SKIPPED, "opted_out_sms", None)
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == ["email"]
