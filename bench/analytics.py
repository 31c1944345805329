"""Dashboard / analytics: the overview's queries at 100k and 1M executions, and their plans.

Executions are generated in PostgreSQL (``INSERT ... SELECT generate_series``:
one bulk insert, no Python per row), spread over the last 30 days across a few
flows and statuses, then ``ANALYZE``d; the rollup triggers record the insert
and the rollups are folded once, as the every-minute periodic job would (both
timed). Measured for every range: the API's ``analytics/overview/`` and the
monitoring dashboard page. Every query they ran is ``EXPLAIN``ed: what each
plan reads is recorded, and scans of the execution table that use no index
are listed (none expected: its reads are the live edges of the window, through
the ``(workspace, created_at)`` index).
"""
from __future__ import annotations

import re
import time
from typing import Any, Callable

from bench import common

FLOWS = 5
RANGES = ("1h", "24h", "7d", "30d", "all")
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


def generate(ws: Any, count: int) -> dict[str, float]:
    """Insert ``count`` executions, then fold the rollups: seconds each."""
    from django.db import connection

    from monitoring.rollups import fold

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(GENERATE, {"ws": ws.pk, "statuses": list(STATUSES), "status_count": len(STATUSES),
                                  "count": count, "flow_count": FLOWS})
        cursor.execute("ANALYZE automation_execution")
    inserted = time.perf_counter()
    fold()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE monitoring_executionrollup")
        cursor.execute("ANALYZE monitoring_executionrollupchange")
    return {"insert_seconds": round(inserted - started, 1), "fold_seconds": round(time.perf_counter() - inserted, 1)}


def surfaces(ws: Any) -> dict[str, tuple[str, Callable[[str], Any]]]:
    """The API's overview and the monitoring dashboard page, as the superuser sees them."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_superuser("bench-analytics", password="x")
    api, browser = APIClient(), Client()
    api.force_authenticate(user)
    browser.force_login(user)
    answers: dict[str, tuple[str, Callable[[str], Any]]] = {}
    for name, client, url in (
        ("api", api, reverse("api:analytics-overview", kwargs={"workspace_pk": ws.pk})),
        ("dashboard", browser, reverse("monitoring-dashboard")),
    ):
        def call(range_key: str, client: Any = client, url: str = url) -> Any:
            response = client.get(url, {"range": range_key, "workspace": ws.pk})
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            return response

        answers[name] = (f"GET {url}", call)
    return answers


def plans(sqls: list[str]) -> tuple[list[str], list[str]]:
    """What the queries' plans read (index scans, sequential scans), and those that read the execution
    table without an index (the figure that must stay empty)."""
    from django.db import connection

    read, unindexed = set(), []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN " + sql)
            plan = [row[0] for row in cursor.fetchall()]
            read.update(re.sub(r"\s+\(cost=.*", "", line.split("->")[-1].strip()) for line in plan
                        if "Scan" in line and "Subquery Scan" not in line)
            if any("Seq Scan on automation_execution" in line for line in plan):
                unindexed.append(sql[:200])
    return sorted(read), unindexed


def measure(ws: Any, sizes: list[int], *, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(FLOWS):
        common.active_flow(ws, common.three_node_graph(), name=f"Analytics {n}")
    targets = surfaces(ws)
    results: dict[str, Any] = {"via": {name: how for name, (how, _) in targets.items()}}
    rows = 0
    for size in sorted(sizes):
        figures: dict[str, Any] = generate(ws, size - rows)
        rows = size
        for name, (_, call) in targets.items():
            for range_key in RANGES:
                call(range_key)  # warm the caches once, as a dashboard that is open would
                timings = []
                for _ in range(max(runs, 3)):
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        call(range_key)
                        timings.append((time.perf_counter() - started) * 1000)
                read, unindexed = plans([q["sql"] for q in captured.captured_queries])
                figures.setdefault(name, {})[range_key] = {
                    "ms": common.median(timings), "queries": len(captured.captured_queries),
                    "unindexed_scans": unindexed, "plans": read,
                }
            print(f"  {size} executions, {name}: "
                  + ", ".join(f"{key} {figures[name][key]['ms']} ms" for key in RANGES), flush=True)
        results[str(size)] = figures
    return results
