"""An operator's day in the admin, in a real browser."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from automation.models import Execution
from flows.demo import edge, node, welcome_graph
from flows.models import Flow
from tests.browser.conftest import ARTIFACTS, log_in
from tests.builders import make_contact, make_dead_letter, make_execution

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
    screenshot("flow-change-page-errors")

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
    page.goto(f"{live_server.url}/admin/flows/flow/")
    assert "Welcome from the browser" in page.inner_text("#result_list")
    screenshot("flow-list")


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


def test_send_flow_to_contacts_watch_the_dashboard_and_retry_a_dead_letter(
    chromium, live_server, admin_user, workspace, thread_worker, monkeypatch
):
    monkeypatch.setattr("contacts.send_flow_admin.BATCH_SIZE", 2)  # three contacts: two batches, with progress
    graph = {
        "nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 120, body="Hi {{ contact.first_name }}"),
                  node("done", "end", 0, 240)],
        "edges": [edge("start", "sms"), edge("sms", "done")],
    }
    flow = Flow.objects.create(workspace=workspace, name="Follow-up", graph=graph, reentry_cooldown=timedelta(0))
    flow.activate()
    people = [make_contact(workspace, name, phone=f"+1415555010{i}", tags=["dnc"] if name == "Dan" else [])
              for i, name in enumerate(["Ann", "Ben", "Dan"])]
    broken = make_execution(flow, people[0], status="failed", error="Twilio 503")
    letter = make_dead_letter(broken)

    context = chromium.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(20_000)
    operator, wall = context.new_page(), context.new_page()
    log_in(operator, live_server, "alice", "pw-alice")
    wall.goto(f"{live_server.url}/admin/monitoring/dashboard/?refresh=2")
    wall.evaluate("window.__sameDocument = true")
    assert wall.inner_text("#kpi-total .value") == "1"

    operator.goto(f"{live_server.url}/admin/contacts/contact/")
    for contact in people:
        operator.check(f"input[name=_selected_action][value='{contact.pk}']")
    operator.select_option("select[name=action]", "send_flow")
    operator.click("button[name=index]")
    operator.select_option("#id_flow", str(flow.pk))
    operator.click("input[name=_preview]")
    assert operator.inner_text("#preview-enrolled") == "2"
    assert "dnc" in operator.inner_text("#skip-reasons")
    operator.click("#send-button")
    operator.wait_for_selector("#send-progress-text:has-text('done')")
    assert operator.inner_text("#send-progress-text") == "3 / 3 processed, 2 enrolled, skipped: 1 dnc \u2014 done."
    assert operator.get_attribute("#send-progress-bar", "value") == "3"

    new_ids = list(Execution.objects.filter(source="manual").exclude(pk=broken.pk).values_list("pk", flat=True))
    for pk in new_ids:
        wall.wait_for_selector(f"#recent-executions tr[data-execution-id='{pk}']")
    wall.wait_for_function("document.querySelector('#kpi-total .value').textContent.trim() === '4'")
    assert wall.evaluate("window.__sameDocument") is True

    operator.goto(f"{live_server.url}/admin/automation/deadletter/")
    operator.check(f"input[name=_selected_action][value='{letter.pk}']")
    operator.select_option("select[name=action]", "retry_dead_letters")
    operator.click("button[name=index]")
    assert "1 dead letter(s) retried" in operator.inner_text(".messagelist")
    wall.wait_for_function(
        f"document.querySelector(\"#recent-executions tr[data-execution-id='{broken.pk}'] .badge\")"
        ".textContent.trim() === 'Completed'"
    )
    assert Execution.objects.get(pk=broken.pk).status == "completed"
    assert sorted(Execution.objects.filter(pk__in=new_ids).values_list("status", flat=True)) == [
        "completed", "completed", "skipped"]
    wall.screenshot(path=str(ARTIFACTS / "dashboard-live.png"), full_page=True)
    operator.goto(f"{live_server.url}/admin/automation/execution/{broken.pk}/change/")
    assert operator.locator(".timeline li").count() >= 2
    operator.screenshot(path=str(ARTIFACTS / "execution-timeline.png"), full_page=True)
    context.close()
