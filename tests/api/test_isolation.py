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
    ("get", "workspaces/{ws}/flows/{flow}/enrollments/", None),
    ("get", "workspaces/{ws}/flows/{flow}/logs/", None),
    ("get", "workspaces/{ws}/flows/{flow}/stats/", None),
    ("get", "workspaces/{ws}/executions/", None),
    ("get", "workspaces/{ws}/executions/export.csv", None),
    ("get", "workspaces/{ws}/executions/{execution}/", None),
    ("get", "workspaces/{ws}/dead-letters/", None),
    ("get", "workspaces/{ws}/dead-letters/{dead_letter}/", None),
    ("get", "workspaces/{ws}/analytics/overview/", None),
    ("get", "workspaces/{ws}/analytics/flows/{flow}/", None),
]
WRITES = [row for row in ENDPOINTS if row[0] != "get"]
WITH_OBJECT_IDS = [row for row in ENDPOINTS if "{" in row[1].replace("{ws}", "")]


def seed(workspace: Workspace, offset: int) -> dict[str, int]:
    flow = make_flow(workspace, f"Flow {offset}")
    contact = make_contact(workspace, offset)
    execution = make_execution(flow, contact, status=Execution.Status.FAILED, steps=[("start", "trigger", "success")])
    dead_letter = make_dead_letter(execution)
    return {"ws": workspace.pk, "contact": contact.pk, "flow": flow.pk, "execution": execution.pk,
            "dead_letter": dead_letter.pk}


def snapshot() -> dict[str, list]:
    """Everything the endpoints could change, in every workspace."""
    return {
        "workspaces": list(Workspace.objects.order_by("pk").values_list("pk", "name", "slug")),
        "contacts": list(Contact.objects.order_by("pk").values_list("pk", "first_name", "phone", "updated_at")),
        "flows": list(Flow.objects.order_by("pk").values_list("pk", "name", "status", "priority", "version")),
        "executions": list(Execution.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "steps": list(Step.objects.order_by("pk").values_list("pk", "status", "updated_at")),
        "dead_letters": list(DeadLetter.objects.order_by("pk").values_list("pk", "status")),
    }


@pytest.fixture
def tenants(workspace, other_workspace, admin_user, member_user, outsider):
    return {"a": seed(workspace, 1), "b": seed(other_workspace, 2)}


def call(client, method: str, template: str, ids: dict[str, int], body):
    path = "/api/v1/" + template.format(**ids)
    if body is not None:
        body = {key: ([ids[v[0][1:-1]]] if isinstance(v, list) and v and str(v[0]).startswith("{") else v)
                for key, v in body.items()}
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
    expected = 400 if template.endswith("priorities/") else 404  # ids in a body are refused as unknown
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
def test_anonymous_is_401(client, tenants, method, template, body):
    before = snapshot()
    response = getattr(client, method)("/api/v1/" + template.format(**tenants["a"]))
    assert response.status_code == 401
    assert snapshot() == before
