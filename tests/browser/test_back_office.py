"""An operator's day in the admin, in a real browser."""
from __future__ import annotations

import json

import pytest

from flows.demo import welcome_graph
from flows.models import Flow
from tests.builders import make_contact, make_execution

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_create_invalid_flow_see_error_fix_and_activate(page, live_server, login, admin_user, workspace, screenshot):
    login("alice", "pw-alice")
    page.goto(f"{live_server.url}/admin/flows/flow/add/")
    page.fill("#id_name", "Welcome from the browser")
    broken = welcome_graph()
    broken["nodes"][1]["data"]["body"] = ""
    page.fill("#id_graph", json.dumps(broken, indent=2))
    page.click("input[name=_activate]")

    page.wait_for_selector("#graph-errors")
    assert "sms: data.body" in page.inner_text(".errorlist")
    assert page.get_attribute("#node-sms", "class").split()[-1] == "node-error"
    assert "sms" in page.inner_text("#graph-errors")
    assert not Flow.objects.filter(name="Welcome from the browser").exists()

    page.fill("#id_graph", json.dumps(welcome_graph(), indent=2))
    page.click("input[name=_activate]")
    page.wait_for_selector(".messagelist .success")
    flow = Flow.objects.get(name="Welcome from the browser")
    assert flow.status == Flow.Status.ACTIVE
    page.goto(f"{live_server.url}/admin/flows/flow/{flow.pk}/change/")
    page.wait_for_selector("#flow-diagram")
    assert page.locator("#flow-diagram .node").count() == 5
    assert page.locator(".graph-ok").is_visible()
    screenshot("flow-change-page")


def test_dashboard_shows_a_new_execution_without_reloading(page, live_server, login, admin_user, workspace,
                                                           screenshot):
    flow = Flow.objects.create(workspace=workspace, name="Dashboard flow", graph=welcome_graph())
    contact = make_contact(workspace, "Dora")
    for status in ("completed", "completed", "failed"):
        make_execution(flow, contact, status=status)
    login("alice", "pw-alice")
    page.goto(f"{live_server.url}/admin/monitoring/dashboard/?refresh=2")
    page.wait_for_selector("#kpi-total")
    assert page.inner_text("#kpi-total .value") == "3"
    page.evaluate("window.__sameDocument = true")

    new = make_execution(flow, contact, status="running", duration_ms=None)
    page.wait_for_selector(f"#recent-executions tr[data-execution-id='{new.pk}']")
    assert page.evaluate("window.__sameDocument") is True  # the page was not reloaded
    assert page.inner_text("#kpi-total .value") == "4"
    screenshot("dashboard")
