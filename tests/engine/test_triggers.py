"""Triggers: contact created (priority, DNC / opt-out, cooldown), events, schedules, webhooks, manual sends."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from automation import services
from automation.models import Execution
from automation.triggers import run_schedules
from contacts.models import Contact
from flows.models import Flow
from tests.engine.conftest import SMS, linear_graph

EMAIL = ("email", "send_email", {"subject": "Hi", "text": "Hi"})


def lead_source_is(value):
    return {"conditions": {"match": "all", "rules": [{"field": "lead_source", "operator": "equals", "value": value}]}}


@pytest.fixture
def created(make_contact, django_capture_on_commit_callbacks, redis_conn):
    """Create a contact the way the app does, running the after-commit trigger."""

    def create(**fields):
        with django_capture_on_commit_callbacks(execute=True):
            return make_contact(**fields)

    return create


def test_contact_created_runs_only_the_highest_priority_matching_flow(make_flow, created):
    ads = make_flow(linear_graph(SMS), name="ads", trigger_type="contact_created", trigger_config=lead_source_is("ads"))
    everyone = make_flow(linear_graph(SMS), name="everyone", trigger_type="contact_created")
    also = make_flow(linear_graph(SMS), name="also", trigger_type="contact_created")
    assert ads.priority < everyone.priority < also.priority

    from_ads = created(lead_source="ads")
    walk_in = created(lead_source="walk-in")

    assert list(Execution.objects.filter(contact=from_ads).values_list("flow__name", flat=True)) == ["ads"]
    assert list(Execution.objects.filter(contact=walk_in).values_list("flow__name", flat=True)) == ["everyone"]
    Flow.objects.reorder(ads.workspace, [also.pk, ads.pk, everyone.pk])
    assert list(Execution.objects.filter(contact=created(lead_source="ads")).values_list("flow__name", flat=True)) == [
        "also"]


def test_contact_created_ignores_paused_flows_and_updates(make_flow, created):
    flow = make_flow(linear_graph(SMS), trigger_type="contact_created")
    flow.pause()
    contact = created()
    assert not Execution.objects.exists()
    flow.activate()
    contact.first_name = "Changed"
    contact.save()
    assert not Execution.objects.exists()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"tags": ["DNC"]}, "dnc"),
        ({"opted_out_sms": True}, "opted_out_sms"),
    ],
)
def test_dnc_and_opted_out_contacts_are_skipped_with_the_reason(make_flow, created, fields, reason):
    make_flow(linear_graph(SMS), trigger_type="contact_created")
    contact = created(**fields)
    execution = Execution.objects.get(contact=contact)
    assert (execution.status, execution.skip_reason) == (Execution.Status.SKIPPED, reason)
    assert not execution.steps.exists()


def test_cooldown_prevents_reentry(make_flow, make_contact):
    flow = make_flow(linear_graph(SMS), reentry_cooldown=timedelta(hours=1))
    contact = make_contact()
    first = services.send_flow(flow, [contact.pk])
    second = services.send_flow(flow, [contact.pk])
    assert len(first.enrolled) == 1
    assert second.enrolled == [] and [(s.contact_id, s.reason) for s in second.skipped] == [(contact.pk, "cooldown")]
    Execution.objects.filter(pk=first.enrolled[0].pk).update(created_at=first.enrolled[0].created_at - timedelta(hours=2))
    assert len(services.send_flow(flow, [contact.pk]).enrolled) == 1


def test_manual_send_reports_skips_and_refuses_unknown_ids(make_flow, make_contact, other_workspace):
    flow = make_flow(linear_graph(SMS))
    ok, dnc = make_contact(), make_contact(tags=["dnc"])
    stranger = Contact.objects.create(workspace=other_workspace, first_name="X", phone="+14155550999")

    result = services.send_flow(flow, [ok.pk, dnc.pk, ok.pk])
    assert [e.contact_id for e in result.enrolled] == [ok.pk]
    assert result.as_dict()["skipped"] == [{"contact_id": dnc.pk, "reason": "dnc"}]

    before = Execution.objects.count()
    with pytest.raises(ValidationError, match="Unknown contact"):
        services.send_flow(flow, [ok.pk, stranger.pk])
    with pytest.raises(ValidationError):
        services.send_flow(flow, [])
    draft = make_flow(linear_graph(SMS), active=False, name="draft")
    with pytest.raises(ValidationError, match="only active flows"):
        services.send_flow(draft, [ok.pk])
    assert Execution.objects.count() == before


def test_events_start_the_flows_whose_type_and_conditions_match(make_flow, make_contact, workspace):
    config = {"event_type": "sentiment.negative",
              "conditions": {"rules": [{"field": "event.score", "operator": "lt", "value": -0.5}]}}
    negative = make_flow(linear_graph(SMS), trigger_type="event", trigger_config=config)
    make_flow(linear_graph(SMS), trigger_type="event", trigger_config={"event_type": "chat.message_received"})
    contact = make_contact()

    assert services.emit_event(workspace, "sentiment.negative", contact=contact, data={"score": -0.2}) == []
    started = services.emit_event(workspace, "sentiment.negative", contact=contact, data={"score": -0.9},
                                  idempotency_key="evt-1")
    assert [(e.flow_id, e.source, e.metadata) for e in started] == [(negative.pk, "event", {"score": -0.9})]
    again = services.emit_event(workspace, "sentiment.negative", contact=contact, data={"score": -0.9},
                                idempotency_key="evt-1")
    assert [e.pk for e in again] == [started[0].pk]
    with pytest.raises(ValidationError):
        services.emit_event(workspace, "Not An Event", contact=contact, data={})


def test_schedule_runs_each_cron_tick_once_for_matching_contacts(make_flow, make_contact):
    config = {"cron": "0 9 * * *", "timezone": "America/New_York", **lead_source_is("ads")}
    flow = make_flow(linear_graph(SMS), trigger_type="schedule", trigger_config=config)
    from_ads = [make_contact(lead_source="ads") for _ in range(3)]
    make_contact(lead_source="walk-in")
    zone = ZoneInfo("America/New_York")
    day = (flow.updated_at.astimezone(zone) + timedelta(days=2)).date()
    nine = datetime(day.year, day.month, day.day, 9, 0, tzinfo=zone)

    assert run_schedules(now=nine - timedelta(minutes=1)) == {flow.pk: 3}  # the previous day's 09:00 tick
    assert run_schedules(now=nine - timedelta(seconds=30)) == {}
    assert run_schedules(now=nine) == {flow.pk: 3}
    assert run_schedules(now=nine + timedelta(minutes=59)) == {}
    flow.refresh_from_db()
    assert flow.last_scheduled_at == nine
    assert Execution.objects.filter(source="schedule").count() == 6
    assert set(Execution.objects.values_list("contact_id", flat=True)) == {c.pk for c in from_ads}


def test_webhook_trigger_finds_or_creates_the_contact(make_flow, make_contact):
    flow = make_flow(linear_graph(SMS), trigger_type="webhook",
                     trigger_config={"conditions": {"rules": [{"field": "event.plan", "operator": "equals",
                                                               "value": "pro"}]}})
    known = make_contact()

    result = services.trigger_webhook_flow(flow, {"contact_id": known.pk, "data": {"plan": "pro"}})
    assert [e.contact_id for e in result.enrolled] == [known.pk]
    result = services.trigger_webhook_flow(flow, {"contact": {"phone": "+14155550123", "first_name": "Neo"},
                                                  "data": {"plan": "pro"}})
    assert Contact.objects.get(pk=result.enrolled[0].contact_id).first_name == "Neo"
    skipped = services.trigger_webhook_flow(flow, {"contact_id": known.pk, "data": {"plan": "free"}})
    assert skipped.enrolled == [] and skipped.skipped[0].reason == "conditions_not_met"
    with pytest.raises(ValidationError):
        services.trigger_webhook_flow(flow, {"contact": {"password": "x", "phone": "+14155550124"}})
