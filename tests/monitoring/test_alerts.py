"""Alert rules with a fixed clock: fire once past the threshold, keep quiet during the cooldown, really notify."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone as dt_timezone

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from werkzeug import Response

from automation.models import Execution
from monitoring.alerts import evaluate_alerts
from monitoring.models import AlertEvent, AlertRule
from tests.builders import make_contact, make_dead_letter, make_execution, make_flow

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=dt_timezone.utc)


@pytest.fixture
def flow(workspace):
    return make_flow(workspace, "Welcome")


@pytest.fixture
def contact(workspace):
    return make_contact(workspace, "Ann")


def fail(flow, contact, count: int, at: datetime) -> list[Execution]:
    return [make_execution(flow, contact, status="failed", created_at=at) for _ in range(count)]


def rule(workspace, **extra) -> AlertRule:
    defaults = dict(name="Too many failures", metric="failed_count", threshold=2, window=timedelta(minutes=15),
                    cooldown=timedelta(hours=1), channel="email", recipients="ops@acme.example")
    return AlertRule.objects.create(workspace=workspace, **{**defaults, **extra})


@pytest.fixture
def anymail_test_backend(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox = []


def test_fires_once_when_crossed_then_respects_cooldown(workspace, flow, contact, anymail_test_backend):
    alert = rule(workspace)
    fail(flow, contact, 2, NOW - timedelta(minutes=5))
    assert evaluate_alerts(now=NOW) == []  # 2 is not above 2
    alert.refresh_from_db()
    assert alert.last_value == 2 and alert.last_fired_at is None

    fail(flow, contact, 1, NOW - timedelta(minutes=1))
    events = evaluate_alerts(now=NOW)
    assert [(e.value, e.threshold, e.notified) for e in events] == [(3, 2, True)]
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ops@acme.example"]
    assert "Too many failures" in mail.outbox[0].subject and "is 3" in mail.outbox[0].body

    assert evaluate_alerts(now=NOW + timedelta(minutes=1)) == []  # still above, but in cooldown
    fail(flow, contact, 3, NOW + timedelta(minutes=50))
    assert evaluate_alerts(now=NOW + timedelta(minutes=55)) == []
    assert AlertEvent.objects.count() == 1 and len(mail.outbox) == 1

    later = evaluate_alerts(now=NOW + timedelta(minutes=61))
    assert [e.value for e in later] == [3]  # cooldown over, the last 15 minutes hold 3 failures
    assert AlertEvent.objects.count() == 2 and len(mail.outbox) == 2


def test_old_failures_and_other_workspaces_do_not_count(workspace, other_workspace, flow, contact,
                                                         anymail_test_backend):
    rule(workspace, threshold=0)
    fail(flow, contact, 4, NOW - timedelta(hours=2))
    theirs = make_flow(other_workspace, "Theirs")
    fail(theirs, make_contact(other_workspace, "Bo"), 4, NOW - timedelta(minutes=2))
    assert evaluate_alerts(now=NOW) == []
    assert mail.outbox == []


@pytest.mark.usefixtures("outbound_to_localhost")
def test_webhook_receives_the_alert(workspace, flow, contact, httpserver):
    httpserver.expect_oneshot_request("/hooks/alerts", method="POST").respond_with_data("ok")
    rule(workspace, metric="error_rate", threshold=50, channel="webhook",
         url=httpserver.url_for("/hooks/alerts"), recipients="")
    make_execution(flow, contact, status="completed", created_at=NOW - timedelta(minutes=3))
    fail(flow, contact, 3, NOW - timedelta(minutes=2))
    [event] = evaluate_alerts(now=NOW)
    httpserver.check_assertions()
    [(request, _)] = httpserver.log
    body = json.loads(request.get_data())
    assert body["metric"] == "error_rate" and body["value"] == 75.0 and body["threshold"] == 50
    assert body["workspace"] == "acme" and body["fired_at"] == NOW.isoformat()
    assert event.notified


@pytest.mark.usefixtures("outbound_to_localhost")
def test_slack_message_and_a_failing_endpoint_is_recorded(workspace, flow, contact, httpserver):
    httpserver.expect_request("/services/T0/B0/x", method="POST").respond_with_response(Response("no", status=500))
    rule(workspace, metric="dead_letter_count", threshold=0, channel="slack",
         url=httpserver.url_for("/services/T0/B0/x"), recipients="")
    [execution] = fail(flow, contact, 1, NOW - timedelta(minutes=1))
    make_dead_letter(execution, created_at=NOW - timedelta(minutes=1))
    [event] = evaluate_alerts(now=NOW)
    [(request, _)] = httpserver.log
    text = json.loads(request.get_data())["text"]
    assert "New dead letters" in text and "is 1" in text
    event.refresh_from_db()
    assert not event.notified and "500" in event.notify_error
    assert evaluate_alerts(now=NOW + timedelta(minutes=1)) == []  # the failed send still starts the cooldown


@pytest.mark.parametrize("channel", ["webhook", "slack"])
def test_an_alert_to_an_internal_address_is_refused_and_recorded(workspace, flow, contact, httpserver, channel):
    httpserver.expect_request("/hook").respond_with_data("ok")
    rule(workspace, metric="error_rate", threshold=50, channel=channel, url=httpserver.url_for("/hook"), recipients="")
    fail(flow, contact, 3, NOW - timedelta(minutes=1))
    [event] = evaluate_alerts(now=NOW)
    event.refresh_from_db()
    assert not event.notified
    assert event.notify_error.startswith("OutboundRefused: Refused to call localhost") and "loopback" in event.notify_error
    assert httpserver.log == []


def test_rule_urls_naming_internal_addresses_are_refused_on_save(workspace):
    for url in ["http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/", "http://localhost/x"]:
        with pytest.raises(ValidationError) as refused:
            AlertRule(workspace=workspace, name="r", metric="failed_count", threshold=1, channel="webhook",
                      url=url).clean()
        assert "This URL cannot be called" in refused.value.message_dict["url"][0]


@pytest.mark.usefixtures("outbound_to_localhost")
def test_average_duration_and_stalled_executions(workspace, flow, contact, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    url = httpserver.url_for("/hook")
    slow = rule(workspace, name="Slow", metric="avg_duration", threshold=10, channel="webhook", url=url,
                recipients="")
    stuck = rule(workspace, name="Stuck", metric="stalled_executions", threshold=0, channel="webhook", url=url,
                 recipients="", window=timedelta(minutes=30))
    make_execution(flow, contact, status="completed", duration_ms=30_000, created_at=NOW - timedelta(minutes=5))
    make_execution(flow, contact, status="running", duration_ms=None, created_at=NOW - timedelta(hours=1))
    make_execution(flow, contact, status="running", duration_ms=None, created_at=NOW - timedelta(minutes=5))
    events = {e.rule_id: e.value for e in evaluate_alerts(now=NOW)}
    assert events == {slow.pk: 30.0, stuck.pk: 1}
    assert len(httpserver.log) == 2


def test_rule_validation(workspace):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        AlertRule(workspace=workspace, name="x", metric="failed_count", threshold=1, channel="slack").full_clean()
    assert "url" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        AlertRule(workspace=workspace, name="x", metric="failed_count", threshold=1, channel="email",
                  recipients="ops@acme.example, nope").full_clean()
    assert "recipients" in error.value.message_dict
