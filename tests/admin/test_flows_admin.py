"""Flows in the admin: the list's figures, the diagram with errors next to their node, guarded activation."""
from __future__ import annotations

import json

from django.urls import reverse

from automation.models import Execution
from flows.demo import welcome_graph
from flows.models import Flow
from tests.builders import ago, make_contact, make_execution, make_flow


def form_data(flow: Flow, graph: dict, **extra) -> dict:
    return {
        "workspace": flow.workspace_id, "name": flow.name, "description": "", "priority": flow.priority,
        "trigger_type": flow.trigger_type, "trigger_config": "{}", "business_hours": "{}",
        "reentry_cooldown": "01:00:00", "graph": json.dumps(graph),
        "versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0", **extra,
    }


def broken_graph() -> dict:
    graph = welcome_graph()
    graph["nodes"][1]["data"]["body"] = ""  # the SMS node "sms" has no body
    return graph


def test_list_shows_last_24h_runs_and_success_rate(client, admin_user, workspace, django_assert_max_num_queries):
    flow = make_flow(workspace, "Welcome")
    contact = make_contact(workspace, "Ann")
    for status in ("completed", "completed", "completed", "failed"):
        make_execution(flow, contact, status=status)
    make_execution(flow, contact, status="failed", created_at=ago(days=2))
    for index in range(5):
        make_flow(workspace, f"Other {index}")
    client.force_login(admin_user)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("admin:flows_flow_changelist"))
    row = next(r for r in response.context["cl"].result_list if r.pk == flow.pk)
    assert (row.recent_total, row.recent_completed, row.recent_failed) == (4, 3, 1)
    assert "75.0%" in response.content.decode()


def test_change_page_draws_the_graph_and_marks_the_broken_node(client, admin_user, workspace):
    flow = make_flow(workspace, "Broken", graph=broken_graph())
    client.force_login(admin_user)
    response = client.get(reverse("admin:flows_flow_change", args=[flow.pk]))
    page = response.content.decode()
    assert '<svg id="flow-diagram"' in page
    assert page.count('class="node ') == 5 and page.count('class="edge"') == 4
    assert 'id="node-sms" class="node node-send node-error"' in page
    assert 'class="node node-start"' in page
    errors = [n for n in response.context["diagram"].node_errors]
    assert [n.id for n in errors] == ["sms"] and "data.body" in errors[0].errors[0]


def test_activation_is_refused_with_the_errors_and_saves_nothing(client, admin_user, workspace):
    flow = make_flow(workspace, "Broken", graph=broken_graph())
    client.force_login(admin_user)
    url = reverse("admin:flows_flow_change", args=[flow.pk])
    response = client.post(url, form_data(flow, broken_graph(), name="Renamed", _activate="1"))
    assert response.status_code == 200
    assert "sms: data.body" in response.context["adminform"].form.errors["graph"][0]
    assert 'id="node-sms" class="node node-send node-error"' in response.content.decode()
    flow.refresh_from_db()
    assert (flow.status, flow.name) == (Flow.Status.DRAFT, "Broken")

    response = client.post(url, form_data(flow, welcome_graph(), _activate="1"))
    assert response.status_code == 302
    flow.refresh_from_db()
    assert flow.status == Flow.Status.ACTIVE and flow.version == 2
    assert [v.number for v in flow.versions.all()] == [2, 1]
    history = client.get(url).content.decode()
    assert "Version history" in history and history.count('class="field-number"') == 2


def test_saving_a_draft_with_errors_keeps_it_and_shows_them(client, admin_user, workspace):
    flow = make_flow(workspace, "Draft")
    client.force_login(admin_user)
    url = reverse("admin:flows_flow_change", args=[flow.pk])
    assert client.post(url, form_data(flow, broken_graph())).status_code == 302
    flow.refresh_from_db()
    assert flow.graph == broken_graph() and flow.status == Flow.Status.DRAFT
    assert 'id="graph-errors"' in client.get(url).content.decode()


def test_bad_trigger_config_is_a_field_error_not_a_crash(client, admin_user, workspace):
    flow = make_flow(workspace, "Scheduled")
    client.force_login(admin_user)
    data = form_data(flow, welcome_graph(), trigger_type="schedule", trigger_config='{"cron": "every day"}')
    response = client.post(reverse("admin:flows_flow_change", args=[flow.pk]), data)
    assert response.status_code == 200
    assert "cron" in str(response.context["adminform"].form.errors["trigger_config"])


def test_activate_action_reports_invalid_flows(client, admin_user, workspace):
    good = make_flow(workspace, "Good")
    bad = make_flow(workspace, "Bad", graph=broken_graph())
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:flows_flow_changelist"),
        {"action": "activate_flows", "_selected_action": [good.pk, bad.pk]}, follow=True,
    )
    notes = [str(m) for m in response.context["messages"]]
    assert any("“Bad” was not activated" in note and "sms: data.body" in note for note in notes)
    assert Flow.objects.get(pk=good.pk).status == "active" and Flow.objects.get(pk=bad.pk).status == "draft"


def test_execution_links_to_contact_and_flow_and_back(client, admin_user, workspace):
    flow = make_flow(workspace, "Linked")
    contact = make_contact(workspace, "Zed")
    execution = make_execution(flow, contact, status=Execution.Status.FAILED, steps=2)
    client.force_login(admin_user)
    page = client.get(reverse("admin:automation_execution_change", args=[execution.pk])).content.decode()
    assert reverse("admin:flows_flow_change", args=[flow.pk]) in page
    assert reverse("admin:contacts_contact_change", args=[contact.pk]) in page
    assert 'class="timeline"' in page and "Twilio said no" in page and f"provider_message_id: SM{execution.pk}1" in page
    for url in (reverse("admin:flows_flow_change", args=[flow.pk]),
                reverse("admin:contacts_contact_change", args=[contact.pk])):
        assert reverse("admin:automation_execution_changelist") in client.get(url).content.decode()
