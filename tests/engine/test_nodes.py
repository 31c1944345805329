"""Voice calls branching on their outcome, webhooks against a local HTTP server, contact updates."""
from __future__ import annotations

import pytest
from werkzeug import Response

from automation import services
from automation.models import DeadLetter, Execution, OutboxMessage, Step
from flows.demo import edge, node
from tests.engine.conftest import linear_graph

pytestmark = pytest.mark.django_db(transaction=True)


def call_graph() -> dict:
    return {
        "nodes": [
            node("start", "trigger", 0, 0),
            node("call", "voice_call", 0, 100, script=[{"say": "Hello {{ contact.first_name }}"}]),
            node("tag", "update_contact", -100, 200, actions=[{"op": "add_tag", "tag": "engaged"}]),
            node("missed", "send_sms", 100, 200, body="Sorry we missed you"),
            node("other", "send_email", 200, 200, subject="Call", text="We called"),
        ],
        "edges": [edge("start", "call"), edge("call", "tag", "answered"), edge("call", "missed", "no_answer"),
                  edge("call", "other")],
    }


@pytest.mark.parametrize(("outcome", "next_node"), [("no_answer", "missed"), ("busy", "other")])
def test_a_call_waits_for_its_outcome_then_branches(make_flow, make_contact, run_jobs, recording_provider,
                                                   outcome, next_node):
    flow = make_flow(call_graph())
    execution = services.send_flow(flow, [make_contact(first_name="Ann").pk]).enrolled[0]
    run_jobs()
    call = Step.objects.get(execution=execution, node_id="call")
    assert call.status == Step.Status.WAITING and call.sent_at
    assert "<Say voice=\"alice\">Hello Ann</Say>" in recording_provider.calls[0].twiml
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.WAITING

    services.complete_waiting_step(call.pk, outcome=outcome, output={"duration": 0})
    services.complete_waiting_step(call.pk, outcome="answered")  # a repeated callback changes nothing
    run_jobs()

    call.refresh_from_db()
    assert (call.status, call.outcome, call.output["duration"]) == (Step.Status.SUCCESS, outcome, 0)
    assert list(execution.steps.values_list("node_id", flat=True)) == ["start", "call", next_node]
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED
    assert len(recording_provider.calls) == 2


def test_an_outcome_known_at_once_branches_at_once_and_update_contact_tags(make_flow, make_contact, run_jobs):
    contact = make_contact(tags=["lead"])
    execution = services.send_flow(make_flow(call_graph()), [contact.pk]).enrolled[0]
    run_jobs()  # the dev outbox answers every call

    assert list(execution.steps.values_list("node_id", "outcome")) == [("start", ""), ("call", "answered"),
                                                                        ("tag", "")]
    contact.refresh_from_db()
    assert contact.tags == ["lead", "engaged"]
    assert OutboxMessage.objects.get().channel == "voice"


def test_update_contact_sets_fields_and_custom_fields(make_flow, make_contact, run_jobs):
    actions = [{"op": "set_field", "field": "lead_source", "value": "flow"},
               {"op": "set_field", "field": "custom.stage", "value": 3}, {"op": "remove_tag", "tag": "NEW"}]
    contact = make_contact(tags=["new", "x"], custom_fields={"plan": "pro"})
    services.send_flow(make_flow(linear_graph(("up", "update_contact", {"actions": actions}))), [contact.pk])
    run_jobs()
    contact.refresh_from_db()
    assert (contact.lead_source, contact.custom_fields, contact.tags) == ("flow", {"plan": "pro", "stage": 3}, ["x"])


def webhook_graph(url: str) -> dict:
    return {
        "nodes": [node("start", "trigger", 0, 0), node("hook", "webhook", 0, 100, url=url, payload={"a": 1}),
                  node("ok", "end", 0, 200), node("fallback", "send_sms", 100, 200, body="Fallback")],
        "edges": [edge("start", "hook"), edge("hook", "ok"), edge("hook", "fallback", "failure")],
    }


@pytest.mark.usefixtures("outbound_to_localhost")
def test_webhook_posts_json_and_retries_5xx(make_flow, make_contact, run_jobs, release_scheduled_jobs, httpserver):
    answers = iter([Response("busy", status=503), Response('{"ok": true}', status=200)])
    httpserver.expect_request("/hook", method="POST").respond_with_handler(lambda request: next(answers))
    contact = make_contact(first_name="Ann")
    execution = services.send_flow(make_flow(webhook_graph(httpserver.url_for("/hook"))), [contact.pk]).enrolled[0]
    run_jobs()
    hook = Step.objects.get(execution=execution, node_id="hook")
    assert (hook.status, hook.output["http_status"]) == (Step.Status.PENDING, 503)
    release_scheduled_jobs()
    run_jobs()

    hook.refresh_from_db()
    assert (hook.status, hook.attempt, hook.output["status_code"]) == (Step.Status.SUCCESS, 2, 200)
    request = httpserver.log[-1][0]
    assert request.json["payload"] == {"a": 1} and request.json["contact"]["first_name"] == "Ann"
    assert request.headers["Idempotency-Key"] == str(hook.idempotency_key)
    assert list(execution.steps.values_list("node_id", flat=True)) == ["start", "hook", "ok"]


@pytest.mark.usefixtures("outbound_to_localhost")
def test_webhook_4xx_fails_at_once_and_follows_the_failure_edge(make_flow, make_contact, run_jobs, httpserver):
    httpserver.expect_request("/hook").respond_with_data("no", status=400)
    execution = services.send_flow(make_flow(webhook_graph(httpserver.url_for("/hook"))),
                                   [make_contact().pk]).enrolled[0]
    run_jobs()
    hook = Step.objects.get(execution=execution, node_id="hook")
    assert (hook.status, hook.attempt, hook.outcome) == (Step.Status.FAILED, 1, "failure")
    assert list(execution.steps.values_list("node_id", flat=True)) == ["start", "hook", "fallback"]
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED
    assert not DeadLetter.objects.exists()


@pytest.mark.usefixtures("outbound_to_localhost")
def test_a_permanent_failure_without_failure_edge_is_a_dead_letter_at_once(make_flow, make_contact, run_jobs,
                                                                           httpserver):
    httpserver.expect_request("/hook").respond_with_data("gone", status=410)
    graph = {"nodes": [node("start", "trigger", 0, 0), node("hook", "webhook", 0, 100, url=httpserver.url_for("/hook")),
                       node("after", "end", 0, 200)],
             "edges": [edge("start", "hook"), edge("hook", "after")]}
    execution = services.send_flow(make_flow(graph), [make_contact().pk]).enrolled[0]
    run_jobs()
    execution.refresh_from_db()
    assert (execution.status, execution.error) == (Execution.Status.FAILED, "HTTP 410")
    dead = DeadLetter.objects.get(execution=execution)
    assert (dead.node_id, dead.attempts, dead.step.output["http_status"]) == ("hook", 1, 410)
    assert list(execution.steps.values_list("node_id", flat=True)) == ["start", "hook"]


def test_a_webhook_to_an_internal_address_fails_permanently_and_sends_nothing(make_flow, make_contact, run_jobs,
                                                                             httpserver, settings):
    """Saved while private networks were allowed, run after they were turned off (the default)."""
    httpserver.expect_request("/hook").respond_with_data("ok")
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = True
    flow = make_flow(webhook_graph(httpserver.url_for("/hook")))
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = False
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    run_jobs()
    hook = Step.objects.get(execution=execution, node_id="hook")
    assert (hook.status, hook.attempt, hook.outcome) == (Step.Status.FAILED, 1, "failure")
    assert "Refused to call localhost: it resolves to" in hook.error and "loopback" in hook.error
    assert list(execution.steps.values_list("node_id", flat=True)) == ["start", "hook", "fallback"]
    assert httpserver.log == [] and not DeadLetter.objects.exists()


def test_every_status_change_is_published_after_commit(make_flow, make_contact, run_jobs):
    from automation.models import Execution
    from automation.status import execution_status_changed, statuses_changed, step_status_changed

    seen = []

    def on_execution(execution, **kwargs):
        seen.append(("execution", execution.status))

    def on_step(step, **kwargs):
        seen.append((step.node_id, step.status))

    def on_bulk(objects, **kwargs):  # enrollment announces its rows in one go
        for obj in objects:
            on_execution(obj) if isinstance(obj, Execution) else on_step(obj)

    execution_status_changed.connect(on_execution)
    step_status_changed.connect(on_step)
    statuses_changed.connect(on_bulk)
    try:
        services.send_flow(make_flow(linear_graph(("sms", "send_sms", {"body": "Hi"}))), [make_contact().pk])
        run_jobs()
    finally:
        execution_status_changed.disconnect(on_execution)
        step_status_changed.disconnect(on_step)
        statuses_changed.disconnect(on_bulk)
    assert seen == [
        ("start", "pending"), ("execution", "pending"),
        ("start", "success"), ("sms", "pending"), ("execution", "running"),
        ("sms", "running"), ("sms", "success"), ("execution", "completed"),
    ]


@pytest.mark.parametrize(("field", "value", "branch"), [
    ("steps.sms.status", "success", "yes"),  # an earlier step, read from the database
    ("steps.sms.outcome", "never", "no"),
    ("first_name", "Ann1", "yes"),  # no rule reads steps: the condition runs without them
])
def test_a_condition_branches_on_earlier_steps_and_contact_fields(make_flow, make_contact, run_jobs, field, value,
                                                                   branch):
    flow = make_flow({
        "nodes": [
            node("start", "trigger", 0, 0),
            node("sms", "send_sms", 0, 100, body="Hi"),
            node("check", "condition", 0, 200, match="any", rules=[
                {"match": "all", "rules": [{"field": field, "operator": "equals", "value": value}]},
            ]),
            node("yes", "update_contact", -100, 300, actions=[{"op": "add_tag", "tag": "yes"}]),
            node("no", "update_contact", 100, 300, actions=[{"op": "add_tag", "tag": "no"}]),
        ],
        "edges": [edge("start", "sms"), edge("sms", "check"), edge("check", "yes", "true"), edge("check", "no", "false")],
    })
    contact = make_contact()

    services.send_flow(flow, [contact.pk])
    run_jobs()

    contact.refresh_from_db()
    assert contact.tags == [branch]
    assert Execution.objects.get(flow=flow).status == "completed"
