"""A staff user of workspace A sees and touches none of workspace B's objects, anywhere in the admin."""
from __future__ import annotations

import pytest
from django.urls import reverse

from contacts.models import Membership, Workspace
from flows.models import Flow
from monitoring.models import AlertRule
from tests.builders import make_flow

CHANGELISTS = [
    "contacts_contact", "contacts_workspace", "flows_flow", "automation_execution",
    "automation_deadletter", "automation_outboxmessage", "monitoring_alertrule", "monitoring_alertevent",
    "automation_delivery",
]


def objects_of(tenant):
    return {
        "contacts_contact": tenant.contact, "flows_flow": tenant.flow, "automation_execution": tenant.execution,
        "automation_deadletter": tenant.dead_letter, "automation_outboxmessage": tenant.outbox,
        "monitoring_alertrule": tenant.alert_rule, "monitoring_alertevent": tenant.alert_event,
        "automation_delivery": tenant.delivery,
    }


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelists_show_only_own_workspace(client, admin_user, ours, theirs, name):
    client.force_login(admin_user)
    response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert theirs.marker not in page and "Globex" not in page
    if name != "contacts_workspace":
        assert ours.marker in page


def test_change_pages_of_other_workspace_are_not_found(client, admin_user, ours, theirs):
    client.force_login(admin_user)
    for name, obj in objects_of(theirs).items():
        response = client.get(reverse(f"admin:{name}_change", args=[obj.pk]))
        assert response.status_code == 302, name
        assert response.url == reverse("admin:index")
        assert theirs.marker not in client.get(response.url).content.decode()
    for name, obj in objects_of(ours).items():
        assert client.get(reverse(f"admin:{name}_change", args=[obj.pk])).status_code == 200, name
    theirs_ws = theirs.flow.workspace
    assert client.get(reverse("admin:contacts_workspace_change", args=[theirs_ws.pk])).status_code == 302


def test_list_filters_name_only_own_workspaces_flows_and_tags(client, admin_user, ours, theirs):
    initech = Workspace.objects.create(name="Initech", slug="initech")
    Membership.objects.create(workspace=initech, user=admin_user, role=Membership.Role.MEMBER)
    make_flow(ours.flow.workspace, "Second flow")
    client.force_login(admin_user)
    executions = client.get(reverse("admin:automation_execution_changelist")).content.decode()
    assert "Initech" in executions and "Second flow" in executions
    assert "Globex" not in executions and theirs.marker not in executions
    contacts = client.get(reverse("admin:contacts_contact_changelist")).content.decode()
    assert "alphaville-tag" in contacts and "bravotown-tag" not in contacts
    assert "Alphaville-source" in contacts and "Bravotown-source" not in contacts


def test_filtering_by_another_workspace_shows_nothing(client, admin_user, ours, theirs):
    client.force_login(admin_user)
    url = reverse("admin:automation_execution_changelist") + f"?flow__id__exact={theirs.flow.pk}"
    assert theirs.marker not in client.get(url).content.decode()


def test_autocomplete_is_scoped(client, admin_user, ours, theirs):
    client.force_login(admin_user)
    for app_label, model_name, field_name in (
        ("automation", "execution", "contact"), ("automation", "execution", "flow"), ("monitoring", "alertrule", "flow"),
    ):
        response = client.get(
            reverse("admin:autocomplete"),
            {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": ""},
        )
        assert response.status_code == 200
        texts = [item["text"] for item in response.json()["results"]]
        assert texts and all(theirs.marker not in text for text in texts)
        assert any(ours.marker in text for text in texts)


def test_actions_ignore_other_workspaces_rows(client, admin_user, ours, theirs):
    theirs.flow.activate()
    client.force_login(admin_user)
    client.post(
        reverse("admin:flows_flow_changelist"),
        {"action": "pause_flows", "_selected_action": [theirs.flow.pk]},
    )
    theirs.flow.refresh_from_db()
    assert theirs.flow.status == Flow.Status.ACTIVE
    response = client.post(
        reverse("admin:flows_flow_changelist"),
        {"action": "duplicate_flows", "_selected_action": [theirs.flow.pk]},
    )
    assert response.status_code == 302
    assert Flow.objects.for_workspace(theirs.flow.workspace).count() == 1
    assert Flow.objects.for_workspace(ours.flow.workspace).count() == 1


def test_add_form_offers_only_administered_workspaces(client, admin_user, ours, theirs):
    client.force_login(admin_user)
    page = client.get(reverse("admin:flows_flow_add")).content.decode()
    assert "Acme" in page and "Globex" not in page
    response = client.post(reverse("admin:flows_flow_add"), {
        "workspace": theirs.flow.workspace_id, "name": "Sneaky", "graph": '{"nodes": [], "edges": []}',
        "trigger_type": "manual", "trigger_config": "{}", "business_hours": "{}", "reentry_cooldown": "01:00:00",
        "priority": "0", "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert not Flow.objects.filter(name="Sneaky").exists()


def test_alert_rule_cannot_watch_another_workspaces_flow(client, admin_user, ours, theirs):
    client.force_login(admin_user)
    response = client.post(reverse("admin:monitoring_alertrule_add"), {
        "workspace": ours.flow.workspace_id, "name": "Cross", "enabled": "on", "flow": theirs.flow.pk,
        "metric": "failed_count", "threshold": "1", "window": "00:15:00", "cooldown": "01:00:00",
        "channel": "email", "recipients": "ops@acme.example", "url": "",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200 and "flow" in response.context["adminform"].form.errors
    assert not AlertRule.objects.filter(name="Cross").exists()


def test_member_gets_a_view_only_admin(client, member_user, ours):
    client.force_login(member_user)
    url = reverse("admin:flows_flow_change", args=[ours.flow.pk])
    page = client.get(url).content.decode()
    assert ours.marker in page and 'name="_save"' not in page and 'name="_activate"' not in page
    assert client.get(reverse("admin:flows_flow_add")).status_code == 403
    response = client.post(url, {"name": "Renamed"})
    assert response.status_code == 403
    ours.flow.refresh_from_db()
    assert ours.flow.name == "Alphaville flow"
    client.post(
        reverse("admin:flows_flow_changelist"), {"action": "duplicate_flows", "_selected_action": [ours.flow.pk]}
    )
    assert Flow.objects.count() == 1
