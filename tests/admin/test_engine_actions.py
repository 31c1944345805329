"""Admin actions that drive the engine: send flow, cancel / retry, dead letters, test mode."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from automation.models import DeadLetter, Execution
from contacts.models import Contact
from flows.demo import edge, node
from tests.builders import make_contact, make_dead_letter, make_execution, make_flow
from tests.engine.conftest import run_jobs  # noqa: F401  (a real RQ worker in burst mode)

pytestmark = pytest.mark.usefixtures("redis_conn")


def sms_flow(workspace, name="SMS flow"):
    graph = {
        "nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 120, body="Hi {{ contact.first_name }}"),
                  node("done", "end", 0, 240)],
        "edges": [edge("start", "sms"), edge("sms", "done")],
    }
    flow = make_flow(workspace, name, graph=graph, reentry_cooldown=timedelta(hours=1))
    flow.activate()
    return flow


def contacts_for(workspace) -> list[Contact]:
    return [
        make_contact(workspace, "Ann", phone="+14155550101"),
        make_contact(workspace, "Ben", phone="+14155550102"),
        make_contact(workspace, "Dan", phone="+14155550103", tags=["DNC"]),
    ]


@pytest.mark.django_db(transaction=True)  # jobs are enqueued on commit
def test_send_flow_asks_for_a_flow_previews_then_enrolls(client, admin_user, workspace, run_jobs):
    flow = sms_flow(workspace)
    make_flow(workspace, "Draft, not offered")
    people = contacts_for(workspace)
    client.force_login(admin_user)
    changelist = reverse("admin:contacts_contact_changelist")
    page = client.post(changelist, {"action": "send_flow", "_selected_action": [c.pk for c in people]})
    html = page.content.decode()
    assert "Send a flow to 3 contacts" in html and "SMS flow" in html and "Draft, not offered" not in html
    ids = page.context["form"].initial["contact_ids"]

    url = reverse("admin:contacts_contact_send_flow")
    preview = client.post(url, {"flow": flow.pk, "contact_ids": ids, "_preview": "1"})
    assert (preview.context["enrolled"], preview.context["skipped"]) == (2, 1)
    assert dict(preview.context["reasons"]) == {"dnc": 1}
    assert Execution.objects.count() == 0

    sent = client.post(url, {"flow": flow.pk, "contact_ids": ids, "_send": "1"}, follow=True)
    assert "2 contact(s) enrolled, skipped: 1 dnc" in [str(m) for m in sent.context["messages"]][0]
    run_jobs()
    statuses = dict(Execution.objects.values_list("contact__first_name", "status"))
    assert statuses == {"Ann": "completed", "Ben": "completed", "Dan": "skipped"}

    again = client.post(url, {"flow": flow.pk, "contact_ids": ids, "_preview": "1"})
    assert dict(again.context["reasons"]) == {"dnc": 1, "cooldown": 2}


def test_send_flow_batches_answer_json(client, admin_user, workspace):
    flow = sms_flow(workspace)
    people = contacts_for(workspace)
    client.force_login(admin_user)
    response = client.post(reverse("admin:contacts_contact_send_flow"), {
        "flow": flow.pk, "contact_ids": f"{people[0].pk},{people[2].pk}", "_send": "1", "batch": "1",
    })
    body = response.json()
    assert body["enrolled"] == 1 and body["skipped"] == [{"contact_id": people[2].pk, "reason": "dnc"}]


def test_send_flow_refuses_other_workspaces_and_members(client, admin_user, member_user, workspace,
                                                        other_workspace):
    flow = sms_flow(workspace)
    mine = contacts_for(workspace)[0]
    theirs = make_contact(other_workspace, "Eve", phone="+14155550199")
    theirs_flow = sms_flow(other_workspace, "Their flow")
    url = reverse("admin:contacts_contact_send_flow")
    client.force_login(admin_user)
    assert client.post(url, {"flow": flow.pk, "contact_ids": f"{theirs.pk}", "_send": "1"}).status_code == 403
    response = client.post(url, {"flow": theirs_flow.pk, "contact_ids": f"{mine.pk}", "_send": "1"})
    assert response.status_code == 200 and "flow" in response.context["form"].errors
    client.force_login(member_user)
    assert client.post(url, {"flow": flow.pk, "contact_ids": f"{mine.pk}", "_send": "1"}).status_code == 403
    assert Execution.objects.count() == 0


@pytest.mark.django_db(transaction=True)  # jobs are enqueued on commit
def test_cancel_and_retry_executions(client, admin_user, workspace, run_jobs):
    flow = sms_flow(workspace)
    contact = make_contact(workspace, "Ann", phone="+14155550101")
    live = make_execution(flow, contact, status="running", duration_ms=None)
    failed = make_execution(flow, contact, status="failed")
    done = make_execution(flow, contact, status="completed")
    client.force_login(admin_user)
    changelist = reverse("admin:automation_execution_changelist")
    response = client.post(changelist, {"action": "cancel_executions", "_selected_action": [live.pk, done.pk]},
                           follow=True)
    notes = [str(m) for m in response.context["messages"]]
    assert "1 execution(s) cancelled." in notes and any("already completed" in n for n in notes)
    live.refresh_from_db()
    assert live.status == "cancelled"

    client.post(changelist, {"action": "retry_executions", "_selected_action": [failed.pk]})
    retry = Execution.objects.get(source="retry")
    run_jobs()
    retry.refresh_from_db()
    assert retry.status == "completed" and retry.contact_id == contact.pk


@pytest.mark.django_db(transaction=True)  # jobs are enqueued on commit
def test_retry_and_discard_dead_letters_in_bulk(client, admin_user, workspace, other_workspace, run_jobs):
    flow = sms_flow(workspace)
    contact = make_contact(workspace, "Ann", phone="+14155550101")
    letters = [make_dead_letter(make_execution(flow, contact, status="failed")) for _ in range(3)]
    theirs = make_dead_letter(make_execution(sms_flow(other_workspace, "Theirs"),
                                             make_contact(other_workspace, "Eve"), status="failed"))
    client.force_login(admin_user)
    changelist = reverse("admin:automation_deadletter_changelist")
    client.post(changelist, {"action": "retry_dead_letters", "_selected_action": [letters[0].pk, letters[1].pk]})
    client.post(changelist, {"action": "discard_dead_letters", "_selected_action": [letters[2].pk, theirs.pk]})
    statuses = dict(DeadLetter.objects.values_list("pk", "status"))
    assert [statuses[letter.pk] for letter in letters] == ["retried", "retried", "discarded"]
    assert statuses[theirs.pk] == "open"
    run_jobs()
    assert set(Execution.objects.filter(flow=flow).values_list("status", flat=True)) == {"completed", "failed"}
    assert Execution.objects.get(pk=letters[0].execution_id).status == "completed"


def test_test_action_dry_runs_and_shows_the_plan(client, admin_user, workspace):
    flow = sms_flow(workspace)
    client.force_login(admin_user)
    response = client.post(reverse("admin:flows_flow_changelist"),
                           {"action": "test_flow", "_selected_action": [flow.pk]}, follow=True)
    test_run = Execution.objects.get(is_test=True)
    assert response.redirect_chain[-1][0] == reverse("admin:automation_execution_change", args=[test_run.pk])
    page = response.content.decode()
    assert "Nothing was sent" in page and 'class="timeline"' in page and "Hi Test" in page
