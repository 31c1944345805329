"""Tenant isolation matrix: every endpoint and method, across workspaces and roles.

- an admin of A using B's workspace (and B's ids) gets 404;
- an admin of A using A's workspace with B's object ids gets 404;
- a read-only member of A writing in A gets 403;
and in every case nothing changes anywhere.
"""
from __future__ import annotations

import pytest

from automation.models import DeadLetter, Execution, Step
from contacts.models import Contact, Workspace
from flows.models import Flow
from monitoring.models import AlertRule
from tests.api.conftest import make_contact, make_dead_letter, make_execution, make_flow

ENDPOINTS = [
    ("get", "workspaces/{ws}/", None),
    ("patch", "workspaces/{ws}/", {"name": "Renamed"}),
    ("put", "workspaces/{ws}/", {"name": "Renamed", "slug": "renamed"}),
    ("get", "workspaces/{ws}/contacts/", None),
    ("post", "workspaces/{ws}/contacts/", {"phone": "+14155559999"}),
    ("post", "workspaces/{ws}/contacts/import/", {}),
    ("get", "workspaces/{ws}/contacts/{contact}/", None),
    ("patch", "workspaces/{ws}/contacts/{contact}/", {"first_name": "X"}),
    ("put", "workspaces/{ws}/contacts/{contact}/", {"first_name": "X", "phone": "+14155559998"}),
    ("delete", "workspaces/{ws}/contacts/{contact}/", None),
    ("get", "workspaces/{ws}/flows/", None),
    ("post", "workspaces/{ws}/flows/", {"name": "New"}),
    ("put", "workspaces/{ws}/flows/priorities/", {"order": ["{flow}"]}),
    ("get", "workspaces/{ws}/flows/{flow}/", None),
    ("patch", "workspaces/{ws}/flows/{flow}/", {"name": "X"}),
    ("put", "workspaces/{ws}/flows/{flow}/", {"name": "X"}),
    ("delete", "workspaces/{ws}/flows/{flow}/", None),
    ("post", "workspaces/{ws}/flows/{flow}/activate/", None),
    ("post", "workspaces/{ws}/flows/{flow}/pause/", None),
    ("post", "workspaces/{ws}/flows/{flow}/duplicate/", {}),
    ("post", "workspaces/{ws}/flows/{flow}/test/", {"contact_id": "{contact}"}),
    ("post", "workspaces/{ws}/flows/{flow}/send/", {"contact_ids": ["{contact}"]}),
    ("get", "workspaces/{ws}/flows/{flow}/enrollments/", None),
    ("get", "workspaces/{ws}/flows/{flow}/logs/", None),
    ("get", "workspaces/{ws}/flows/{flow}/stats/", None),
    ("get", "workspaces/{ws}/executions/", None),
    ("get", "workspaces/{ws}/executions/export.csv", None),
    ("get", "workspaces/{ws}/executions/{execution}/", None),
    ("post", "workspaces/{ws}/executions/{execution}/cancel/", None),
    ("post", "workspaces/{ws}/executions/{execution}/retry/", None),
    ("post", "workspaces/{ws}/events/", {"type": "chat.message_received", "contact_id": "{contact}"}),
    ("get", "workspaces/{ws}/dead-letters/", None),
    ("get", "workspaces/{ws}/dead-letters/{dead_letter}/", None),
    ("post", "workspaces/{ws}/dead-letters/{dead_letter}/retry/", None),
    ("delete", "workspaces/{ws}/dead-letters/{dead_letter}/", None),
    ("get", "workspaces/{ws}/analytics/overview/", None),
    ("get", "workspaces/{ws}/analytics/flows/{flow}/", None),
    ("get", "workspaces/{ws}/alerts/", None),
    ("post", "workspaces/{ws}/alerts/", {"name": "N", "metric": "failed_count", "threshold": 1, "channel": "webhook",
                                         "url": "https://hooks.example.com/x", "flow": "{flow}"}),
    ("get", "workspaces/{ws}/alerts/{alert}/", None),
    ("patch", "workspaces/{ws}/alerts/{alert}/", {"threshold": 5}),
    ("delete", "workspaces/{ws}/alerts/{alert}/", None),
    ("get", "workspaces/{ws}/alerts/events/", None),
]
WRITES = [row for row in ENDPOINTS if row[0] != "get"]
WITH_OBJECT_IDS = [row for row in ENDPOINTS if "{" in row[1].replace("{ws}", "") or "'{" in str(row[2])]


def seed(workspace: Workspace, offset: int) -> dict[str, int]:
    flow = make_flow(workspace, f"Flow {offset}", trigger_type="event",
                     trigger_config={"event_type": "chat.message_received"})
    Flow.objects.filter(pk=flow.pk).update(status=Flow.Status.ACTIVE)  # valid already; skip re-validating
    contact = make_contact(workspace, offset)
    execution = make_execution(flow, contact, status=Execution.Status.FAILED, steps=[("start", "trigger", "success")])
    dead_letter = make_dead_letter(execution)
    alert = AlertRule.objects.create(workspace=workspace, name=f"Alert {offset}", metric="failed_count",
                                     threshold=3, channel="webhook", url="https://hooks.example.com/a")
    return {"ws": workspace.pk, "contact": contact.pk, "flow": flow.pk, "execution": execution.pk,
            "dead_letter": dead_letter.pk, "alert": alert.pk}


def snapshot() -> dict[str, list]:
    """Everything the endpoints could change, in every workspace."""
    return {
        "workspaces": list(Workspace.objects.order_by("pk").values_list("pk", "name", "slug")),
        "contacts": list(Contact.objects.order_by("pk").values_list("pk", "first_name", "phone", "updated_at")),
        "flows": list(Flow.objects.order_by("pk").values_list("pk", "name", "status", "priority", "version")),
        "executions": list(Execution.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "steps": list(Step.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "dead_letters": list(DeadLetter.objects.order_by("pk").values_list("pk", "status")),
        "alerts": list(AlertRule.objects.order_by("pk").values_list("pk", "name", "threshold", "flow_id")),
    }


@pytest.fixture
def tenants(workspace, other_workspace, admin_user, member_user, outsider):
    return {"a": seed(workspace, 1), "b": seed(other_workspace, 2)}


def resolve(value, ids: dict[str, int]):
    """``"{contact}"`` (alone or in a list) stands for that id of the tenant used."""
    if isinstance(value, list):
        return [resolve(item, ids) for item in value]
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value


def call(client, method: str, template: str, ids: dict[str, int], body):
    path = "/api/v1/" + template.format(**ids)
    if body is not None:
        body = {key: resolve(value, ids) for key, value in body.items()}
    return getattr(client, method)(path, body, format="json") if body is not None else getattr(client, method)(path)


@pytest.mark.parametrize("method,template,body", ENDPOINTS, ids=[f"{m} {t}" for m, t, _ in ENDPOINTS])
def test_other_workspace_is_404(admin_api, tenants, method, template, body):
    before = snapshot()
    response = call(admin_api, method, template, tenants["b"], body)
    assert response.status_code == 404, response.content
    assert snapshot() == before


@pytest.mark.parametrize("method,template,body", WITH_OBJECT_IDS, ids=[f"{m} {t}" for m, t, _ in WITH_OBJECT_IDS])
def test_other_workspace_ids_in_own_workspace_are_404(admin_api, tenants, method, template, body):
    before = snapshot()
    ids = {**tenants["b"], "ws": tenants["a"]["ws"]}
    response = call(admin_api, method, template, ids, body)
    # Ids in a body (not in the path) are refused as unknown with a 400.
    expected = 404 if "{" in template.replace("{ws}", "") else 400
    assert response.status_code == expected, response.content
    assert snapshot() == before


@pytest.mark.parametrize("method,template,body", WRITES, ids=[f"{m} {t}" for m, t, _ in WRITES])
def test_read_only_member_cannot_write(member_api, tenants, method, template, body):
    before = snapshot()
    response = call(member_api, method, template, tenants["a"], body)
    assert response.status_code == 403, response.content
    assert response.json() == {"detail": "Only admins of this workspace may do this; members have read-only access."} \
        or template == "workspaces/{ws}/"
    assert snapshot() == before


@pytest.mark.parametrize("method,template,body", ENDPOINTS, ids=[f"{m} {t}" for m, t, _ in ENDPOINTS])
def test_anonymous_is_401(client, db, method, template, body):
    ids = {"ws": 1, "contact": 1, "flow": 1, "execution": 1, "dead_letter": 1, "alert": 1}
    response = getattr(client, method)("/api/v1/" + template.format(**ids))
    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
