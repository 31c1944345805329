"""The live status WebSocket: who may connect, and what they receive when the engine publishes."""
from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from rest_framework.authtoken.models import Token

from automation.models import Execution, Step
from automation.status import publish
from config.asgi import application
from tests.api.conftest import make_contact, make_execution, make_flow

pytestmark = pytest.mark.django_db(transaction=True)


def path(workspace, query=""):
    return f"/ws/workspaces/{workspace.pk}/executions/{query}"


def connect(url, headers=()):
    async def attempt():
        communicator = WebsocketCommunicator(application, url, headers=list(headers))
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    return async_to_sync(attempt)()


def token(user):
    return Token.objects.create(user=user).key


def session_cookie(user):
    client = Client()
    client.force_login(user)
    return (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode())


def test_who_is_refused(workspace, member_user, outsider):
    """One test (each transactional test flushes the database): every refusal, before the handshake."""
    assert connect(path(workspace, f"?token={token(outsider)}")) == (False, 4403)  # not a member
    assert connect(path(workspace, "?token=nope")) == (False, 4401)
    assert connect(path(workspace)) == (False, 1000)  # no token and no Origin: denied before any consumer
    assert connect(path(workspace), [session_cookie(member_user), (b"origin", b"https://evil.example")]) == (False, 1000)


def test_members_connect_by_token_header_or_session(workspace, member_user):
    assert connect(path(workspace), [(b"authorization", f"Token {token(member_user)}".encode())]) == (True, None)
    assert connect(path(workspace), [session_cookie(member_user), (b"origin", b"http://testserver")]) == (True, None)


def test_status_changes_reach_members_of_that_workspace_only(workspace, other_workspace, member_user, outsider):
    flow = make_flow(workspace)
    execution = make_execution(flow, make_contact(workspace), status=Execution.Status.PENDING)
    theirs = make_execution(make_flow(other_workspace, "Theirs"), make_contact(other_workspace, 9),
                            status=Execution.Status.PENDING)

    def change():
        # The other workspace's change is published first: had it leaked, it would be the first message.
        with transaction.atomic():
            Execution.objects.filter(pk=theirs.pk).update(status=Execution.Status.RUNNING)
            theirs.status = Execution.Status.RUNNING
            publish(theirs)
            step = Step.objects.create(workspace=workspace, execution=execution, node_id="sms",
                                       node_type="send_sms", status=Step.Status.SUCCESS, outcome="sent")
            execution.status = Execution.Status.RUNNING
            execution.save(update_fields=["status"])
            publish(execution)
            publish(step)
        return step

    async def scenario():
        communicator = WebsocketCommunicator(application, path(workspace, f"?token={member_key}"))
        assert (await communicator.connect())[0]
        step = await database_sync_to_async(change)()
        first = await communicator.receive_json_from(timeout=5)
        second = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return step, first, second

    member_key = token(member_user)
    step, first, second = async_to_sync(scenario)()
    assert first == {"type": "execution", "id": execution.pk, "execution_id": execution.pk, "flow_id": flow.pk,
                     "contact_id": execution.contact_id, "status": "running", "is_test": False, "error": ""}
    assert second == {"type": "step", "id": step.pk, "execution_id": execution.pk, "node_id": "sms",
                      "node_type": "send_sms", "status": "success", "outcome": "sent", "error": "",
                      "next_run_at": None}


def test_a_member_watches_an_execution_run_by_a_real_worker(workspace, admin_user, member_user, run_jobs):
    """Sent through the API, run by an RQ worker (burst), watched live by a read-only member."""
    from tests.api.conftest import client_for

    flow = make_flow(workspace, graph={
        "nodes": [
            {"id": "start", "type": "trigger", "position": {"x": 0, "y": 0}, "data": {}},
            {"id": "sms", "type": "send_sms", "position": {"x": 0, "y": 100}, "data": {"body": "Hi {{ contact.first_name }}"}},
            {"id": "done", "type": "end", "position": {"x": 0, "y": 200}, "data": {}},
        ],
        "edges": [{"id": "e1", "source": "start", "target": "sms"}, {"id": "e2", "source": "sms", "target": "done"}],
    })
    flow.activate()
    contact = make_contact(workspace)

    def send_and_run():
        response = client_for(admin_user).post(f"/api/v1/workspaces/{workspace.pk}/flows/{flow.pk}/send/",
                                               {"contact_ids": [contact.pk]}, format="json")
        assert response.status_code == 201, response.json()
        run_jobs()
        return response.json()["execution_ids"][0]

    async def scenario():
        communicator = WebsocketCommunicator(application, path(workspace, f"?token={member_key}"))
        assert (await communicator.connect())[0]
        execution_id = await database_sync_to_async(send_and_run)()
        messages = [await communicator.receive_json_from(timeout=10)]
        while not (messages[-1]["type"] == "execution" and messages[-1]["status"] in Execution.FINAL_STATUSES):
            messages.append(await communicator.receive_json_from(timeout=10))
        await communicator.disconnect()
        return execution_id, messages

    member_key = token(member_user)
    execution_id, messages = async_to_sync(scenario)()
    assert {m["execution_id"] for m in messages} == {execution_id}
    executions = [m["status"] for m in messages if m["type"] == "execution"]
    assert executions[0] == "pending" and executions[-1] == "completed" and "running" in executions
    steps = [(m["node_id"], m["status"]) for m in messages if m["type"] == "step"]
    assert [node for node, status in steps if status == "success"] == ["start", "sms", "done"]
    sms = Step.objects.get(execution_id=execution_id, node_id="sms")
    assert sms.output  # the outbox provider's id, recorded by the worker


def test_a_bulk_change_arrives_as_one_message_per_object_of_that_workspace(workspace, other_workspace, member_user):
    from automation import live
    from automation.status import publish_all

    flow = make_flow(workspace)
    mine = [make_execution(flow, make_contact(workspace, n), status=Execution.Status.PENDING) for n in range(3)]
    theirs = make_execution(make_flow(other_workspace, "Theirs"), make_contact(other_workspace, 9),
                            status=Execution.Status.PENDING)

    def change():
        with transaction.atomic():
            publish_all([theirs, *mine])

    async def scenario():
        communicator = WebsocketCommunicator(application, path(workspace, f"?token={member_key}"))
        assert (await communicator.connect())[0]
        await database_sync_to_async(change)()
        received = [await communicator.receive_json_from(timeout=5) for _ in mine]
        nothing_more = await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return received, nothing_more

    member_key = token(member_user)
    original, live.BATCH_SIZE = live.BATCH_SIZE, 2  # two group sends for three messages
    try:
        received, nothing_more = async_to_sync(scenario)()
    finally:
        live.BATCH_SIZE = original
    assert [(m["type"], m["id"]) for m in received] == [("execution", e.pk) for e in mine]
    assert nothing_more
