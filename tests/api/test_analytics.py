"""Analytics: totals, success rate, average and p95 duration, series, per-node figures, trend."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from automation.models import Execution
from monitoring.percentile import percentile
from tests.api.conftest import make_contact, make_execution


def url(ws, rest):
    return f"/api/v1/workspaces/{ws.pk}/analytics/{rest}"


@pytest.fixture
def history(workspace, flow):
    """This day: 4 completed (1..4 s) and 1 failed (10 s); the day before: 2 completed."""
    contact = make_contact(workspace)
    now = timezone.now()
    for seconds in (1, 2, 3, 4):
        make_execution(flow, contact, duration_ms=seconds * 1000, created_at=now - timedelta(hours=seconds),
                       steps=[("start", "trigger", "success"), ("sms", "send_sms", "success")])
    make_execution(flow, contact, status=Execution.Status.FAILED, duration_ms=10_000,
                   created_at=now - timedelta(hours=5), steps=[("start", "trigger", "success"), ("sms", "send_sms", "failed")])
    for hours in (30, 40):
        make_execution(flow, contact, duration_ms=500, created_at=now - timedelta(hours=hours))
    make_execution(flow, contact, is_test=True, duration_ms=99_000, source=Execution.Source.TEST)
    return now


def test_percentile_matches_percentile_cont(workspace, flow, history):
    executions = Execution.objects.for_workspace(workspace).filter(is_test=False, created_at__gte=history - timedelta(hours=24))
    # percentile_cont over 1000, 2000, 3000, 4000, 10000: position 0.95 * 4 = 3.8 -> 4000 + 0.8 * 6000
    assert percentile(executions, "duration_ms", 0.95) == pytest.approx(8800.0)
    assert percentile(executions, "duration_ms", 0.5) == pytest.approx(3000.0)
    assert percentile(executions.none(), "duration_ms", 0.95) is None


def test_flow_report(admin_api, workspace, flow, history, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = admin_api.get(url(workspace, f"flows/{flow.pk}/?range=24h"))
    assert response.status_code == 200
    body = response.json()
    assert body["totals"] == {
        "total": 5, "completed": 4, "failed": 1, "cancelled": 0, "skipped": 0, "live": 0,
        "success_rate": 0.8, "avg_duration_ms": 4000.0, "p95_duration_ms": pytest.approx(8800.0),
    }
    assert body["trend"] == {
        "previous_total": 2, "total_change": 3, "total_change_pct": 150.0,
        "success_rate_change": -0.2, "avg_duration_ms_change": 3500.0,
    }
    assert body["range"]["bucket"] == "hour"
    assert sum(bucket["total"] for bucket in body["series"]) == 5
    assert len(body["series"]) == 5
    nodes = {node["node_id"]: node for node in body["nodes"]}
    assert nodes["sms"] == {"node_id": "sms", "node_type": "send_sms", "total": 5, "success": 4, "failed": 1,
                            "skipped": 0, "success_rate": 0.8, "avg_duration_ms": 10.0}


def test_overview_all_time_has_no_trend(admin_api, workspace, flow, history):
    body = admin_api.get(url(workspace, "overview/?range=all")).json()
    assert body["totals"]["total"] == 7
    assert body["trend"] is None
    assert body["range"]["bucket"] == "day"
    assert body["flows"] == [{"flow_id": flow.pk, "flow__name": "Welcome", "total": 7, "completed": 6, "failed": 1}]


def test_unknown_range_is_400(admin_api, workspace):
    response = admin_api.get(url(workspace, "overview/?range=1y"))
    assert response.status_code == 400
    assert response.json() == {"range": ['"1y" is not a valid choice.']}
