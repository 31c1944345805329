"""Executions, export, dead letters, flow enrollments / logs / stats."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.api.conftest import make_contact, make_execution


def url(ws, rest=""):
    return f"/api/v1/workspaces/{ws.pk}/{rest}"


def ids(response):
    assert response.status_code == 200, response.json()
    return sorted(item["id"] for item in response.json()["results"])


def test_execution_list_filters(admin_api, workspace, flow, world):
    done, failed, waiting, test_run = world["done"], world["failed"], world["waiting"], world["test"]
    assert ids(admin_api.get(url(workspace, "executions/"))) == sorted(e.pk for e in (done, failed, waiting, test_run))
    assert ids(admin_api.get(url(workspace, "executions/?status=failed&status=waiting"))) == sorted([failed.pk, waiting.pk])
    assert ids(admin_api.get(url(workspace, "executions/?source=event"))) == [waiting.pk]
    assert ids(admin_api.get(url(workspace, "executions/?is_test=true"))) == [test_run.pk]
    assert ids(admin_api.get(url(workspace, f"executions/?contact={world['contacts'][0].pk}&is_test=false"))) == [done.pk]
    assert ids(admin_api.get(url(workspace, f"executions/?flow={flow.pk + 1000}"))) == []
    since = (world["now"] - timedelta(minutes=25)).isoformat().replace("+", "%2B")
    until = (world["now"] - timedelta(minutes=15)).isoformat().replace("+", "%2B")
    assert ids(admin_api.get(url(workspace, f"executions/?since={since}&until={until}"))) == [failed.pk]


def test_execution_filter_bad_values_are_400(admin_api, workspace):
    response = admin_api.get(url(workspace, "executions/?status=exploded&since=soon"))
    assert response.status_code == 400
    assert response.json() == {
        "status": ["Select a valid choice. exploded is not one of the available choices."],
        "since": ["Enter a valid date/time."],
    }


def test_execution_list_query_count_is_constant(admin_api, workspace, flow, world, django_assert_max_num_queries):
    for n in range(20):
        make_execution(flow, make_contact(workspace, 100 + n))
    with django_assert_max_num_queries(4):
        response = admin_api.get(url(workspace, "executions/?page_size=100"))
    assert response.json()["count"] == 24


def test_execution_detail_has_the_step_timeline(admin_api, workspace, world):
    response = admin_api.get(url(workspace, f"executions/{world['failed'].pk}/"))
    assert response.status_code == 200
    body = response.json()
    assert body["flow_name"] == "Welcome" and body["contact"]["name"] == "C1"
    assert [(s["node_id"], s["status"]) for s in body["steps"]] == [
        ("start", "success"), ("sms", "failed"), ("sms", "failed")]


def test_export_csv_streams_the_filtered_rows(admin_api, workspace, world):
    response = admin_api.get(url(workspace, "executions/export.csv?is_test=false&status=completed&status=failed"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert sorted(int(row["id"]) for row in rows) == sorted([world["done"].pk, world["failed"].pk])
    failed = next(row for row in rows if int(row["id"]) == world["failed"].pk)
    assert failed["status"] == "failed" and failed["flow"] == "Welcome" and failed["contact_first_name"] == "C1"


def test_export_csv_bad_filter_is_a_json_400(admin_api, workspace):
    response = admin_api.get(url(workspace, "executions/export.csv?since=soon"), HTTP_ACCEPT="text/csv, application/json")
    assert response.status_code == 400
    assert response.json() == {"since": ["Enter a valid date/time."]}


def test_dead_letters_list(admin_api, workspace, flow, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = admin_api.get(url(workspace, f"dead-letters/?status=open&flow={flow.pk}"))
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["id"] == world["dead_letter"].pk and item["flow"] == flow.pk and item["error"] == "Provider down"


def test_enrollments(admin_api, workspace, flow, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = admin_api.get(url(workspace, f"flows/{flow.pk}/enrollments/?is_test=false"))
    assert response.status_code == 200
    rows = {row["id"]: row for row in response.json()["results"]}
    assert set(rows) == {world["done"].pk, world["failed"].pk, world["waiting"].pk}
    waiting = rows[world["waiting"].pk]
    assert waiting["reason"] == "event" and waiting["status"] == "waiting"
    assert waiting["contact"] == {"id": world["contacts"][2].pk, "name": "C2"}
    assert (waiting["current_node_id"], waiting["current_node_type"]) == ("wait", "delay")
    assert waiting["next_run_at"] is not None
    assert rows[world["done"].pk]["next_run_at"] is None


def test_logs_and_stats(admin_api, workspace, flow, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        logs = admin_api.get(url(workspace, f"flows/{flow.pk}/logs/?status=failed"))
    assert logs.status_code == 200
    assert {row["execution"] for row in logs.json()["results"]} == {world["failed"].pk}
    assert logs.json()["results"][0]["contact"]["id"] == world["contacts"][1].pk
    stats = admin_api.get(url(workspace, f"flows/{flow.pk}/stats/"))
    assert stats.json() == {
        "executions": {"completed": 1, "failed": 1, "waiting": 1, "total": 3},
        "test_executions": 1,
        "steps": {"success": 4, "failed": 2, "waiting": 1, "total": 7},
        "open_dead_letters": 1,
    }
