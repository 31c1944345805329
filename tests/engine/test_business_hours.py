"""Delays and sends wait for business hours in the contact's time zone (fallback: the flow's), across DST."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rq.registry import ScheduledJobRegistry

from automation import services
from automation.executors import NodeContext, executors
from automation.models import OutboxMessage, Step
from automation.queueing import get_queue
from contacts.models import Contact
from flows.business_hours import BusinessHours
from flows.graph import Graph
from tests.engine.conftest import SMS, linear_graph

UTC = dt_timezone.utc
HOURS = BusinessHours.from_config({"start": "09:00", "end": "17:00", "timezone": "Europe/Paris", "days": [0, 1, 2, 3, 4]})
DELAY = linear_graph(("wait", "delay", {"mode": "business_hours"}))


def wait_until(now: datetime, contact_timezone: str) -> datetime | None:
    """What the delay executor decides at the fixed time ``now``."""
    graph = Graph(DELAY)
    ctx = NodeContext(workspace_id=1, graph=graph, node=graph.node("wait"), config={"mode": "business_hours"},
                      contact=Contact(timezone=contact_timezone), event={}, now=now, hours=HOURS)
    result = executors.get("delay").run(ctx)
    return result.until if result.status == "waiting" else None


@pytest.mark.parametrize(
    ("now", "contact_timezone", "expected"),
    [
        # Friday 18:00 UTC: 19:00 in Paris (closed until Monday 09:00 CET), 13:00 in New York (open).
        (datetime(2026, 3, 6, 18, 0, tzinfo=UTC), "Europe/Paris", datetime(2026, 3, 9, 8, 0, tzinfo=UTC)),
        (datetime(2026, 3, 6, 18, 0, tzinfo=UTC), "America/New_York", None),
        # No contact zone: the flow's (Paris).
        (datetime(2026, 3, 6, 18, 0, tzinfo=UTC), "", datetime(2026, 3, 9, 8, 0, tzinfo=UTC)),
        # US clocks go forward on Sunday 8 March 2026: Monday 09:00 EDT is 13:00 UTC, not 14:00.
        (datetime(2026, 3, 7, 12, 0, tzinfo=UTC), "America/New_York", datetime(2026, 3, 9, 13, 0, tzinfo=UTC)),
        # Europe goes forward on Sunday 29 March 2026: Monday 09:00 CEST is 07:00 UTC.
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), "Europe/Paris", datetime(2026, 3, 30, 7, 0, tzinfo=UTC)),
        # Tokyo, Tuesday 02:00 local: later the same day.
        (datetime(2026, 3, 9, 17, 0, tzinfo=UTC), "Asia/Tokyo", datetime(2026, 3, 10, 0, 0, tzinfo=UTC)),
    ],
)
def test_business_hours_delay_waits_for_the_next_window(now, contact_timezone, expected):
    assert wait_until(now, contact_timezone) == expected


@pytest.mark.django_db(transaction=True)
def test_sends_are_deferred_outside_business_hours_and_the_delay_is_scheduled(make_flow, make_contact, run_jobs):
    contact = make_contact(timezone="Asia/Tokyo")
    local_today = timezone.now().astimezone(ZoneInfo("Asia/Tokyo")).weekday()
    closed_today = {"start": "09:00", "end": "17:00", "timezone": "UTC", "days": [(local_today + 2) % 7]}
    flow = make_flow(linear_graph(SMS), business_hours=closed_today)

    execution = services.send_flow(flow, [contact.pk]).enrolled[0]
    run_jobs()

    sms = Step.objects.get(execution=execution, node_id="sms")
    expected = flow.hours.next_open(sms.started_at, "Asia/Tokyo")
    assert (sms.status, sms.attempt, sms.sent_at) == (Step.Status.PENDING, 0, None)
    assert sms.next_run_at == expected and expected - sms.started_at > timedelta(days=1)
    assert ScheduledJobRegistry(queue=get_queue()).get_job_ids() == [sms.job_id]
    assert not OutboxMessage.objects.exists()
    execution.refresh_from_db()
    assert execution.status == "waiting"
