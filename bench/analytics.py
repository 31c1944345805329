"""Dashboard / analytics: the overview's queries at 100k and 1M executions, and their plans.

Executions are generated in PostgreSQL (``INSERT ... SELECT generate_series``:
one bulk insert, no Python per row), spread over the last 30 days across a few
flows and statuses, then ``ANALYZE``d. The overview is the API's
``analytics/overview/`` when this build has it, else the same aggregates
(totals, trend against the previous period, hourly volume series, busiest
flows) run here. Every query the overview ran is ``EXPLAIN``ed; scans of the
execution table that use no index are listed.
"""
from __future__ import annotations

import time
from typing import Any, Callable

from bench import common

FLOWS = 5
STATUSES = ("completed", "completed", "completed", "completed", "failed", "skipped", "running", "cancelled")

GENERATE = """
INSERT INTO automation_execution
    (workspace_id, flow_id, flow_version_id, status, source, is_test, started_at, completed_at, duration_ms,
     error, skip_reason, metadata, cancel_requested, trigger_key, created_at, updated_at)
SELECT %(ws)s, flows.flow_id, flows.version_id, (%(statuses)s::text[])[1 + n %% %(status_count)s], 'manual',
       n %% 50 = 0, t, t + interval '1 second', (n::bigint * 7919) %% 60000, '', '', '{}', false, '', t, t
FROM generate_series(1, %(count)s) AS n
CROSS JOIN LATERAL (SELECT now() - n * (interval '30 days' / %(count)s) AS t) AS times
JOIN (SELECT row_number() OVER () - 1 AS slot, f.id AS flow_id, f.current_version_id AS version_id
      FROM flows_flow f WHERE f.workspace_id = %(ws)s) AS flows ON flows.slot = n %% %(flow_count)s
"""


def generate(ws: Any, count: int) -> float:
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(GENERATE, {"ws": ws.pk, "statuses": list(STATUSES), "status_count": len(STATUSES),
                                  "count": count, "flow_count": FLOWS})
        cursor.execute("ANALYZE automation_execution")
    return round(time.perf_counter() - started, 1)


def overview_function(ws: Any) -> tuple[str, Callable[[str], Any]]:
    from django.urls import NoReverseMatch, reverse

    try:
        url = reverse("api:analytics-overview", kwargs={"workspace_pk": ws.pk})
    except NoReverseMatch:
        return "aggregate queries (no analytics endpoint in this build)", lambda range_key: aggregates(ws, range_key)
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_superuser("bench-analytics", password="x")
    client = APIClient()
    client.force_authenticate(user)

    def call(range_key: str) -> Any:
        response = client.get(url, {"range": range_key})
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response.json()

    return f"GET {url}", call


def aggregates(ws: Any, range_key: str) -> dict[str, Any]:
    """The overview's figures, as the spec lists them, in aggregate queries."""
    from datetime import timedelta

    from django.db.models import Avg, Count, Q
    from django.db.models.functions import Trunc
    from django.utils import timezone

    from automation.models import Execution

    length = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7),
              "30d": timedelta(days=30)}[range_key]
    now = timezone.now()
    executions = Execution.objects.for_workspace(ws).filter(is_test=False)
    done, failed = Q(status="completed"), Q(status="failed")

    def totals(start: Any, end: Any) -> dict[str, Any]:
        return executions.filter(created_at__gte=start, created_at__lt=end).aggregate(
            total=Count("id"), completed=Count("id", filter=done), failed=Count("id", filter=failed),
            avg_duration_ms=Avg("duration_ms"))

    current = executions.filter(created_at__gte=now - length, created_at__lt=now)
    return {
        "totals": totals(now - length, now),
        "previous": totals(now - 2 * length, now - length),
        "series": list(current.annotate(bucket=Trunc("created_at", "hour" if length <= timedelta(days=1) else "day"))
                       .values("bucket").annotate(total=Count("id"), failed=Count("id", filter=failed))
                       .order_by("bucket")),
        "flows": list(current.values("flow_id").annotate(total=Count("id")).order_by("-total")[:20]),
    }


def unindexed_scans(sqls: list[str]) -> list[str]:
    """Plans of the overview's queries that read the execution table without an index."""
    from django.db import connection

    found = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            if "Seq Scan on automation_execution" in plan:
                found.append(sql[:200])
    return found


def measure(ws: Any, sizes: list[int], *, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(FLOWS):
        common.active_flow(ws, common.three_node_graph(), name=f"Analytics {n}")
    how, overview = overview_function(ws)
    results: dict[str, Any] = {"via": how}
    rows = 0
    for size in sorted(sizes):
        generated = generate(ws, size - rows)
        rows = size
        figures = {"insert_seconds": generated}
        for range_key in ("24h", "30d"):
            overview(range_key)  # warm the caches once, as a dashboard that is open would
            timings = []
            for _ in range(max(runs, 3)):
                with CaptureQueriesContext(connection) as captured:
                    started = time.perf_counter()
                    overview(range_key)
                    timings.append((time.perf_counter() - started) * 1000)
            figures[range_key] = {"ms": common.median(timings), "queries": len(captured.captured_queries),
                                  "unindexed_scans": unindexed_scans([q["sql"] for q in captured.captured_queries])}
        results[str(size)] = figures
        print(f"  {size} executions: 24h {figures['24h']['ms']} ms, 30d {figures['30d']['ms']} ms", flush=True)
    return results
