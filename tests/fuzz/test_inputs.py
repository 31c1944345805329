"""Fuzzed webhook payloads and event bodies: never a 5xx or an unexpected exception, never a partial write."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings, strategies as st

from automation import services
from automation.models import Delivery, Execution, InboundMessage, Step
from contacts.models import Contact
from flows.demo import edge, node
from flows.models import Flow
from tests.fakes import fake_twilio, signed_twilio_post  # noqa: F401  (fixture)

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ENDPOINTS = ("messages/status", "calls/status", "inbound")
TWILIO_KEYS = ("MessageSid", "MessageStatus", "CallSid", "CallStatus", "CallDuration", "From", "To", "Body",
               "ErrorCode", "MediaUrl0", "AccountSid")
forms = st.dictionaries(st.sampled_from(TWILIO_KEYS) | st.text(min_size=1, max_size=10),
                        st.sampled_from(["delivered", "STOP", "start", "completed", "+15551234567", "-1", ""])
                        | st.text(max_size=30), max_size=6)
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                                        max_size=3), max_leaves=10)


def snapshot() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Delivery, InboundMessage, Contact, Execution, Step))


@pytest.fixture
def contact(workspace):
    return Contact.objects.create(workspace=workspace, first_name="Ada", phone="+15551234567")


@pytest.mark.django_db
@FUZZ
@given(endpoint=st.sampled_from(ENDPOINTS), form=forms, signed=st.booleans())
def test_twilio_webhooks_never_fail_and_refuse_bad_signatures(client, fake_twilio, workspace, contact, endpoint, form,
                                                              signed):
    path = f"/webhooks/twilio/{workspace.pk}/{endpoint}/"
    before = snapshot()
    response = signed_twilio_post(client, path, form, signature=None if signed else "forged")
    assert response.status_code < 500
    if not signed:
        assert response.status_code == 403
        assert snapshot() == before


@pytest.fixture
def event_flow(workspace):
    flow = Flow.objects.create(
        workspace=workspace, name="On event", trigger_type="event", reentry_cooldown=timedelta(0),
        trigger_config={"event_type": "chat.message_received",
                        "conditions": {"all": [{"field": "event.score", "operator": "equals", "value": 3}]}},
        graph={"nodes": [node("start", "trigger", 0, 0), node("tag", "update_contact", 0, 100,
                                                              actions=[{"op": "add_tag", "tag": "chatted"}])],
               "edges": [edge("start", "tag")]},
    )
    flow.activate()
    return flow


@pytest.mark.django_db
@FUZZ
@given(event_type=st.sampled_from(["chat.message_received", "sentiment.negative"]) | st.text(max_size=40),
       data=st.dictionaries(st.sampled_from(["score", "text"]) | st.text(max_size=8), json_values, max_size=4)
       | json_values, key=st.none() | st.text(max_size=250))
def test_events_start_flows_or_are_refused_whole(redis_conn, workspace, contact, event_flow, event_type, data, key):
    before = snapshot()
    try:
        executions = services.emit_event(workspace, event_type, contact=contact, data=data, idempotency_key=key)
    except ValidationError:
        assert snapshot() == before
        return
    assert all(e.flow_id == event_flow.pk and e.contact_id == contact.pk for e in executions)
    created = Execution.objects.count() - before[3]
    assert created <= min(1, len(executions))


@pytest.mark.django_db
@pytest.mark.parametrize("data, key", [({"text": "a\x00b"}, None), ({"score": float("inf")}, None),
                                       ({"score": 3}, "key-\x00")])
def test_events_postgresql_cannot_store_are_refused(redis_conn, workspace, contact, event_flow, data, key):
    """Found by the fuzzer: NUL characters and non-finite numbers used to crash the insert (a 500)."""
    before = snapshot()
    with pytest.raises(ValidationError):
        services.emit_event(workspace, "chat.message_received", contact=contact, data=data, idempotency_key=key)
    assert snapshot() == before
