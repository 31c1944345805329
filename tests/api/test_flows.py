"""Flows: CRUD with field-level graph errors, round-trip of the builder's JSON, lifecycle, priorities."""
from __future__ import annotations

import copy

from flows.demo import welcome_graph
from flows.models import Flow
from tests.api.conftest import make_flow


def url(ws, rest=""):
    return f"/api/v1/workspaces/{ws.pk}/flows/{rest}"


def builder_graph():
    """The welcome graph as ReactFlow sends it, with builder-only keys that must survive untouched."""
    graph = welcome_graph()
    graph["nodes"][0].update({"selected": True, "width": 150, "style": {"border": "1px solid red"}})
    graph["edges"][0].update({"animated": True, "type": "smoothstep", "markerEnd": {"type": "arrow"}})
    graph["viewport"] = {"x": 10, "y": -5, "zoom": 1.25}
    return graph


def test_create_and_read_back_the_graph_unchanged(admin_api, workspace, admin_user):
    graph = builder_graph()
    response = admin_api.post(url(workspace), {"name": "Welcome", "graph": graph, "trigger_type": "contact_created"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["graph"] == graph
    assert body["status"] == "draft" and body["version"] == 1
    assert admin_api.get(url(workspace, f"{body['id']}/")).json()["graph"] == graph
    assert Flow.objects.get(pk=body["id"]).created_by == admin_user


def test_a_flow_created_without_a_graph_starts_with_a_trigger(admin_api, workspace):
    response = admin_api.post(url(workspace), {"name": "Empty"})
    assert response.status_code == 201
    assert [node["type"] for node in response.json()["graph"]["nodes"]] == ["trigger"]


def test_invalid_graph_gives_field_level_errors_and_saves_nothing(admin_api, workspace):
    graph = welcome_graph()
    graph["nodes"][1]["data"]["body"] = ""
    graph["edges"].append({"id": "dangling", "source": "sms", "target": "nowhere"})
    response = admin_api.post(url(workspace), {"name": "Broken", "graph": graph})
    assert response.status_code == 400
    assert response.json() == {"graph": [
        {"node_id": "sms", "field": "data.body", "message": "This field may not be blank."},
        {"node_id": None, "field": "edges[4].target", "message": "Edge 'dangling' points at unknown node 'nowhere'."},
    ]}
    assert not Flow.objects.for_workspace(workspace).exists()


def test_trigger_and_business_hours_errors_are_per_field(admin_api, workspace):
    response = admin_api.post(url(workspace), {
        "name": "Events", "trigger_type": "event", "trigger_config": {"colour": "red"},
        "business_hours": {"start": "18:00", "end": "09:00", "timezone": "Nowhere/City"},
    })
    assert response.status_code == 400
    assert response.json() == {
        "trigger_config": {
            "non_field_errors": ["Unknown key(s) for a event trigger: colour."],
            "event_type": ["An event trigger needs an event_type like 'chat.message_received'."],
        },
        "business_hours": {"end": ["Must be after start."], "timezone": ["'Nowhere/City' is not a known time zone."]},
    }


def test_wrong_types_are_400(admin_api, workspace):
    response = admin_api.post(url(workspace), {"name": ["x"], "graph": "nodes", "trigger_type": "sometimes"})
    assert response.status_code == 400
    assert response.json() == {
        "name": ["Not a valid string."],
        "trigger_type": ['"sometimes" is not a valid choice.'],
    }


def test_update_validates_and_creates_a_new_version(admin_api, workspace, flow):
    graph = copy.deepcopy(flow.graph)
    graph["nodes"][1]["data"]["body"] = "Hello {{ contact.first_name }}"
    response = admin_api.patch(url(workspace, f"{flow.pk}/"), {"graph": graph})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    graph["nodes"][1]["data"]["body"] = "{{ unclosed"
    bad = admin_api.patch(url(workspace, f"{flow.pk}/"), {"graph": graph})
    assert bad.status_code == 400
    assert bad.json()["graph"][0]["node_id"] == "sms"
    flow.refresh_from_db()
    assert flow.version == 2 and flow.graph["nodes"][1]["data"]["body"] == "Hello {{ contact.first_name }}"


def test_activate_pause_duplicate(admin_api, workspace, flow):
    activated = admin_api.post(url(workspace, f"{flow.pk}/activate/"))
    assert activated.status_code == 200 and activated.json()["status"] == "active"
    paused = admin_api.post(url(workspace, f"{flow.pk}/pause/"))
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    copy_response = admin_api.post(url(workspace, f"{flow.pk}/duplicate/"), {"name": "Copy"})
    assert copy_response.status_code == 201
    assert copy_response.json()["name"] == "Copy" and copy_response.json()["status"] == "draft"
    assert copy_response.json()["graph"] == flow.graph


def test_activating_an_invalid_flow_is_refused_and_changes_nothing(admin_api, workspace):
    graph = welcome_graph()
    graph["nodes"][1]["data"]["body"] = ""
    flow = Flow.objects.create(workspace=workspace, name="Draft", graph=graph)
    response = admin_api.post(url(workspace, f"{flow.pk}/activate/"))
    assert response.status_code == 400
    assert response.json() == {"graph": [{"node_id": "sms", "field": "data.body", "message": "This field may not be blank."}]}
    flow.refresh_from_db()
    assert flow.status == "draft"


def test_delete_archives(admin_api, workspace, flow):
    assert admin_api.delete(url(workspace, f"{flow.pk}/")).status_code == 204
    flow.refresh_from_db()
    assert flow.status == "archived"


def test_priorities_reorder(admin_api, workspace):
    flows = [make_flow(workspace, f"F{n}") for n in range(3)]
    for item in flows:
        item.activate()
    order = [flows[2].pk, flows[0].pk, flows[1].pk]
    response = admin_api.put(url(workspace, "priorities/"), {"order": order})
    assert response.status_code == 200
    assert [(item["id"], item["priority"]) for item in response.json()] == list(zip(order, [1, 2, 3]))


def test_priorities_with_unknown_ids_change_nothing(admin_api, workspace, other_workspace):
    mine = make_flow(workspace, "Mine")
    theirs = make_flow(other_workspace, "Theirs")
    before = mine.priority
    response = admin_api.put(url(workspace, "priorities/"), {"order": [theirs.pk, mine.pk]})
    assert response.status_code == 400
    assert response.json() == {"order": [f"Unknown flow id(s) in this workspace: [{theirs.pk}]."]}
    mine.refresh_from_db()
    assert mine.priority == before
    assert admin_api.put(url(workspace, "priorities/"), {"order": "first"}).json() == {
        "order": ['Expected a list of items but got type "str".']}


def test_flow_list_filters_and_query_count(admin_api, workspace, django_assert_max_num_queries):
    for n in range(5):
        make_flow(workspace, f"F{n}")
    make_flow(workspace, "Events", trigger_type="event", trigger_config={"event_type": "chat.message_received"})
    with django_assert_max_num_queries(4):
        response = admin_api.get(url(workspace) + "?trigger_type=event")
    assert [item["name"] for item in response.json()["results"]] == ["Events"]
    assert admin_api.get(url(workspace) + "?search=F3").json()["count"] == 1


def test_webhook_url_is_shown_to_admins_only(admin_api, member_api, workspace):
    flow = make_flow(workspace, "Hook", trigger_type="webhook")
    assert admin_api.get(url(workspace, f"{flow.pk}/")).json()["webhook_url"].endswith(f"/webhooks/flows/{flow.webhook_token}/")
    assert member_api.get(url(workspace, f"{flow.pk}/")).json()["webhook_url"] is None
