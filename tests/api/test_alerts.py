"""alerts/ and alerts/events/: admins manage rules, members read, every refusal changes nothing."""
from datetime import timedelta

from django.utils import timezone

from monitoring.models import AlertEvent, AlertRule
from tests.api.conftest import make_flow

WEBHOOK_RULE = {"name": "Too many failures", "metric": "failed_count", "threshold": 5, "window": "01:00:00",
                "channel": "webhook", "url": "https://hooks.example.com/alerts", "cooldown": "00:30:00"}


def test_admin_creates_lists_updates_and_deletes_a_rule(admin_api, workspace):
    flow = make_flow(workspace, "Watched")
    response = admin_api.post(f"/api/v1/workspaces/{workspace.pk}/alerts/", {**WEBHOOK_RULE, "flow": flow.pk},
                              format="json")
    assert response.status_code == 201, response.content
    rule = AlertRule.objects.get()
    assert (rule.workspace, rule.flow, rule.window, rule.cooldown) == (
        workspace, flow, timedelta(hours=1), timedelta(minutes=30))
    listed = admin_api.get(f"/api/v1/workspaces/{workspace.pk}/alerts/").json()
    assert [item["name"] for item in listed["results"]] == ["Too many failures"]

    response = admin_api.patch(f"/api/v1/workspaces/{workspace.pk}/alerts/{rule.pk}/", {"threshold": 9}, format="json")
    assert response.status_code == 200 and response.json()["threshold"] == 9
    assert admin_api.delete(f"/api/v1/workspaces/{workspace.pk}/alerts/{rule.pk}/").status_code == 204
    assert not AlertRule.objects.exists()


def test_invalid_rules_are_refused_with_field_errors(admin_api, workspace, other_workspace):
    url = f"/api/v1/workspaces/{workspace.pk}/alerts/"
    email_without_recipients = {**WEBHOOK_RULE, "channel": "email", "url": ""}
    response = admin_api.post(url, email_without_recipients, format="json")
    assert response.status_code == 400
    assert "recipients" in response.json()

    response = admin_api.post(url, {**WEBHOOK_RULE, "metric": "happiness"}, format="json")
    assert response.status_code == 400 and "metric" in response.json()

    response = admin_api.post(url, {**WEBHOOK_RULE, "url": "http://169.254.169.254/latest/meta-data/"}, format="json")
    assert response.status_code == 400 and "link-local" in response.json()["url"][0]

    foreign_flow = make_flow(other_workspace, "Theirs")
    response = admin_api.post(url, {**WEBHOOK_RULE, "flow": foreign_flow.pk}, format="json")
    assert response.status_code == 400 and "flow" in response.json()
    assert not AlertRule.objects.exists()


def test_events_are_listed_newest_first_for_members(member_api, workspace, other_workspace):
    now = timezone.now()
    rule = AlertRule.objects.create(workspace=workspace, **{**WEBHOOK_RULE, "window": timedelta(hours=1),
                                                            "cooldown": timedelta(0)})
    other = AlertRule.objects.create(workspace=other_workspace, **{**WEBHOOK_RULE, "window": timedelta(hours=1),
                                                                   "cooldown": timedelta(0)})
    for minutes, target in ((10, rule), (5, rule), (1, other)):
        AlertEvent.objects.create(workspace=target.workspace, rule=target, metric="failed_count", value=7,
                                  threshold=5, channel="webhook", fired_at=now - timedelta(minutes=minutes),
                                  notified=True)
    body = member_api.get(f"/api/v1/workspaces/{workspace.pk}/alerts/events/").json()
    assert [(e["rule_name"], e["value"]) for e in body["results"]] == [("Too many failures", 7.0)] * 2
    assert body["results"][0]["fired_at"] > body["results"][1]["fired_at"]
