"""Sending flows, test runs, cancel / retry, dead letters, events (idempotent) and webhook trigger URLs."""
from __future__ import annotations

from django.db import connection

from automation.models import DeadLetter, Execution, IdempotencyKey
from contacts.models import Contact
from flows.models import Flow
from tests.api.conftest import make_contact, make_dead_letter, make_execution, make_flow


def url(ws, rest):
    return f"/api/v1/workspaces/{ws.pk}/{rest}"


def active_flow(workspace, **extra):
    flow = make_flow(workspace, **extra)
    flow.activate()
    return flow


def test_send_enrolls_and_reports_skips(admin_api, workspace, django_capture_on_commit_callbacks):
    flow = active_flow(workspace)
    ok = [make_contact(workspace, n) for n in range(2)]
    dnc = make_contact(workspace, 7, tags=["DNC"])
    with django_capture_on_commit_callbacks():
        response = admin_api.post(url(workspace, f"flows/{flow.pk}/send/"), {"contact_ids": [c.pk for c in ok] + [dnc.pk]})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["enrolled"] == 2
    assert body["skipped"] == [{"contact_id": dnc.pk, "reason": "dnc"}]
    started = Execution.objects.for_workspace(workspace).filter(status=Execution.Status.PENDING)
    assert sorted(body["execution_ids"]) == sorted(started.values_list("pk", flat=True))
    assert sorted(started.values_list("contact_id", flat=True)) == sorted(c.pk for c in ok)


def test_send_with_unknown_ids_enrolls_nobody(admin_api, workspace, other_workspace):
    flow = active_flow(workspace)
    mine = make_contact(workspace, 1)
    theirs = make_contact(other_workspace, 2)
    response = admin_api.post(url(workspace, f"flows/{flow.pk}/send/"), {"contact_ids": [mine.pk, theirs.pk, 999999]})
    assert response.status_code == 400
    assert response.json() == {"contact_ids": [f"Unknown contact id(s) in this workspace: {sorted([theirs.pk, 999999])}."]}
    assert not Execution.objects.exists()


def test_send_bad_input(admin_api, workspace):
    flow = active_flow(workspace)
    send = url(workspace, f"flows/{flow.pk}/send/")
    assert admin_api.post(send, {"contact_ids": "all"}).json() == {"contact_ids": ['Expected a list of items but got type "str".']}
    assert admin_api.post(send, {"contact_ids": []}).json() == {"contact_ids": ["This list may not be empty."]}
    assert admin_api.post(send, {"contact_ids": ["x"]}).json() == {"contact_ids": {"0": ["A valid integer is required."]}}
    draft = make_flow(workspace, "Draft")
    contact = make_contact(workspace)
    response = admin_api.post(url(workspace, f"flows/{draft.pk}/send/"), {"contact_ids": [contact.pk]})
    assert response.status_code == 400
    assert response.json() == {"flow": ["Flow 'Draft' is draft; only active flows can run."]}
    assert not Execution.objects.exists()


def test_send_to_a_thousand_contacts_in_constant_queries(admin_api, workspace, django_assert_max_num_queries,
                                                         django_capture_on_commit_callbacks):
    flow = active_flow(workspace)
    Contact.objects.bulk_create([Contact(workspace=workspace, first_name=f"C{n}", phone=f"+1415556{n:04d}")
                                 for n in range(1000)])
    ids = list(Contact.objects.for_workspace(workspace).values_list("pk", flat=True))
    # SQLite caps the parameters of one statement, so its bulk inserts go in batches.
    budget = 10 if connection.vendor == "postgresql" else 60
    with django_assert_max_num_queries(budget), django_capture_on_commit_callbacks():
        response = admin_api.post(url(workspace, f"flows/{flow.pk}/send/"), {"contact_ids": ids})
    assert response.status_code == 201
    assert response.json()["enrolled"] == 1000
    assert Execution.objects.for_workspace(workspace).count() == 1000


def test_test_run_returns_the_plan(admin_api, workspace):
    flow = make_flow(workspace)
    contact = make_contact(workspace, 1)
    response = admin_api.post(url(workspace, f"flows/{flow.pk}/test/"), {"contact_id": contact.pk})
    assert response.status_code == 200, response.json()
    plan = response.json()
    assert [step["node_id"] for step in plan["path"]][:2] == ["start", "sms"]
    assert plan["messages"][0]["node_id"] == "sms"
    assert Execution.objects.get(pk=plan["execution_id"]).is_test
    inline = admin_api.post(url(workspace, f"flows/{flow.pk}/test/"), {"contact": {"first_name": "Zoe", "phone": "+14155550199"}})
    assert inline.status_code == 200, inline.json()
    assert inline.json()["contact"]["first_name"] == "Zoe"
    assert not Contact.objects.filter(first_name="Zoe").exists()


def test_test_run_bad_input(admin_api, workspace, other_workspace):
    flow = make_flow(workspace)
    theirs = make_contact(other_workspace, 3)
    test = url(workspace, f"flows/{flow.pk}/test/")
    assert admin_api.post(test, {}).json() == {"non_field_errors": ["Give either contact_id or contact."]}
    response = admin_api.post(test, {"contact_id": theirs.pk})
    assert response.status_code == 400
    assert response.json() == {"contact_id": ["Unknown contact in this workspace."]}
    assert not Execution.objects.exists()


def test_cancel_and_retry(admin_api, workspace, flow):
    contact = make_contact(workspace)
    live = make_execution(flow, contact, status=Execution.Status.WAITING)
    response = admin_api.post(url(workspace, f"executions/{live.pk}/cancel/"))
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = admin_api.post(url(workspace, f"executions/{live.pk}/cancel/"))
    assert again.status_code == 400
    assert again.json() == {"status": ["The execution is already cancelled."]}
    flow.activate()
    retried = admin_api.post(url(workspace, f"executions/{live.pk}/retry/"))
    assert retried.status_code == 201, retried.json()
    assert retried.json()["source"] == "retry" and retried.json()["id"] != live.pk
    done = make_execution(flow, contact)
    refused = admin_api.post(url(workspace, f"executions/{done.pk}/retry/"))
    assert refused.status_code == 400
    assert refused.json() == {"status": ["Only failed or cancelled executions can be retried; this one is completed."]}


def test_dead_letter_retry_and_discard(admin_api, workspace, flow):
    flow.activate()
    failed = make_execution(flow, make_contact(workspace), status=Execution.Status.FAILED)
    first, second = make_dead_letter(failed), None
    response = admin_api.post(url(workspace, f"dead-letters/{first.pk}/retry/"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "retried"
    failed.refresh_from_db()
    assert failed.status == Execution.Status.RUNNING
    other = make_execution(flow, make_contact(workspace, 5), status=Execution.Status.FAILED)
    second = make_dead_letter(other)
    assert admin_api.delete(url(workspace, f"dead-letters/{second.pk}/")).status_code == 204
    assert DeadLetter.objects.get(pk=second.pk).status == DeadLetter.Status.DISCARDED
    again = admin_api.delete(url(workspace, f"dead-letters/{second.pk}/"))
    assert again.status_code == 400
    assert again.json() == {"status": ["The dead letter was already discarded."]}


def event_flow(workspace):
    return active_flow(workspace, name="Chat", trigger_type="event",
                       trigger_config={"event_type": "chat.message_received"})


def test_event_starts_flows_and_is_idempotent(admin_api, workspace):
    event_flow(workspace)
    contact = make_contact(workspace)
    body = {"type": "chat.message_received", "contact_id": contact.pk, "data": {"text": "hi"}}
    first = admin_api.post(url(workspace, "events/"), body, HTTP_IDEMPOTENCY_KEY="evt-1")
    assert first.status_code == 202, first.json()
    [execution] = first.json()["executions"]
    assert execution["contact"]["id"] == contact.pk and execution["source"] == "event"
    second = admin_api.post(url(workspace, "events/"), body, HTTP_IDEMPOTENCY_KEY="evt-1")
    assert second.status_code == 202
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Execution.objects.for_workspace(workspace).count() == 1
    reused = admin_api.post(url(workspace, "events/"), {**body, "data": {"text": "other"}}, HTTP_IDEMPOTENCY_KEY="evt-1")
    assert reused.status_code == 409
    assert reused.json() == {"detail": "This Idempotency-Key was already used with a different request."}
    assert Execution.objects.for_workspace(workspace).count() == 1
    assert IdempotencyKey.objects.for_workspace(workspace).count() == 1


def test_event_for_a_new_contact_by_phone(admin_api, workspace):
    event_flow(workspace)
    response = admin_api.post(url(workspace, "events/"), {
        "type": "chat.message_received", "contact": {"phone": "+14155550123", "first_name": "New"}})
    assert response.status_code == 202, response.json()
    contact = Contact.objects.for_workspace(workspace).get(phone="+14155550123")
    assert response.json()["executions"][0]["contact"]["id"] == contact.pk


def test_event_bad_input_changes_nothing(admin_api, workspace, other_workspace):
    event_flow(workspace)
    theirs = make_contact(other_workspace, 4)
    events = url(workspace, "events/")
    assert admin_api.post(events, {"type": "Not An Event", "contact_id": theirs.pk}).json() == {
        "type": ["An event type looks like 'chat.message_received'."]}
    assert admin_api.post(events, {"type": "a.b", "contact_id": theirs.pk}).json() == {
        "contact_id": ["Unknown contact in this workspace."]}
    assert admin_api.post(events, {"type": "a.b", "contact": {"first_name": "X"}}).json() == {
        "contact": ["Give the contact's phone or email."]}
    assert admin_api.post(events, {"type": "a.b", "contact_id": 1, "data": [1]}).json() == {
        "data": ['Expected a dictionary of items but got type "list".']}
    assert not Execution.objects.exists() and not IdempotencyKey.objects.exists()


def test_webhook_trigger_url(client, workspace):
    flow = active_flow(workspace, name="Hook", trigger_type="webhook")
    response = client.post(f"/webhooks/flows/{flow.webhook_token}/", {"contact": {"phone": "+14155550142"}},
                           content_type="application/json")
    assert response.status_code == 202, response.json()
    assert response.json()["enrolled"] == 1
    assert client.post("/webhooks/flows/not-a-token/", {}, content_type="application/json").status_code == 404
    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.PAUSED)
    assert client.post(f"/webhooks/flows/{flow.webhook_token}/", {"contact_id": 1},
                       content_type="application/json").status_code == 404
