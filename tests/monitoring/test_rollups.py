"""The rollups answer exactly what a direct query over the executions answers, whatever changed, folded or not."""
from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import Trunc
from django.utils import timezone

from automation.models import Execution
from monitoring import metrics, rollup_sql
from monitoring.figures import Scope, Sums, breakdown, estimate_percentile
from monitoring.models import ExecutionDailyRollup, ExecutionRollup, ExecutionRollupChange
from monitoring.percentile import percentile
from monitoring.rollups import ensure_triggers, fold, rebuild
from tests.builders import make_contact, make_execution, make_flow

Status = Execution.Status


def direct(workspace, start, end, slot=None):
    """The reference: the same sums grouped straight from the executions."""
    rows = Execution.objects.filter(workspace=workspace, is_test=False, created_at__lt=end)
    rows = rows.filter(created_at__gte=start) if start else rows
    keys = ["flow_id", "status"] + (["slot"] if slot else [])
    if slot:
        rows = rows.annotate(slot=Trunc("created_at", slot))
    rows = rows.order_by().values(*keys).annotate(total=Count("id"), dsum=Sum("duration_ms"), timed=Count("duration_ms"))
    return {tuple(row[k] for k in keys): (row["total"], row["dsum"] or 0, row["timed"]) for row in rows}


def from_rollups(workspace, start, end, slot=None):
    sums = breakdown(Scope.of([workspace]), start, end, by=("flow_id", "status"), slot=slot)
    return {key: (part.total, part.duration_sum, part.duration_count) for key, part in sums.items()}


def windows(now):
    """Aligned and unaligned windows, short and long, and all time; with the slots the products use."""
    odd = now.replace(minute=37, second=11, microsecond=5)
    return [
        (now - timedelta(hours=1), now, "minute"),
        (now - timedelta(hours=24), now, "hour"),
        (now - timedelta(days=7), now, "hour"),
        (now - timedelta(days=30), now, "day"),
        (None, now, "day"),
        (None, now, None),
        (odd - timedelta(hours=5), odd, None),
        (odd.replace(minute=0, second=0, microsecond=0) - timedelta(hours=3), odd.replace(minute=0, second=0,
                                                                                        microsecond=0), "hour"),
        (now - timedelta(hours=48), now - timedelta(hours=24), None),
    ]


def assert_exact(workspace, now):
    for start, end, slot in windows(now):
        assert from_rollups(workspace, start, end, slot) == direct(workspace, start, end, slot), (start, end, slot)


@pytest.fixture
def history(workspace):
    """Executions over three days in two flows, every status, some without a duration, one test run."""
    rng = random.Random(7)
    flows = [make_flow(workspace, "Rollup A"), make_flow(workspace, "Rollup B")]
    contact = make_contact(workspace, "Rolly")
    now = timezone.now()
    executions = []
    for index in range(80):
        status = rng.choice(Status.values)
        executions.append(make_execution(
            flows[index % 2], contact, status=status, created_at=now - timedelta(minutes=rng.randint(1, 72 * 60)),
            duration_ms=None if status in Execution.LIVE_STATUSES else rng.randint(50, 4_000_000), steps=0,
        ))
    make_execution(flows[0], contact, is_test=True, source=Execution.Source.TEST, steps=0)
    return now, flows, executions


def change_statuses(executions, flows, now):
    """What the engine and staff do after creation: finish yesterday's live runs, resume a failed one,
    cancel, move one to another flow, delete one, bulk-update several at once."""
    live = [e for e in executions if e.status in Execution.LIVE_STATUSES]
    for execution in live[: len(live) // 2]:
        Execution.objects.filter(pk=execution.pk).update(status=Status.COMPLETED, duration_ms=90_000,
                                                         completed_at=now, updated_at=now)
    failed = next(e for e in executions if e.status == Status.FAILED)
    Execution.objects.filter(pk=failed.pk).update(status=Status.RUNNING, duration_ms=None)
    waiting = Execution.objects.filter(pk__in=[e.pk for e in executions], status=Status.WAITING).first()
    if waiting:
        waiting.status, waiting.duration_ms = Status.CANCELLED, 1234
        waiting.save(update_fields=["status", "duration_ms", "updated_at"])
    Execution.objects.filter(pk=executions[1].pk).update(flow=flows[0])
    Execution.objects.filter(pk=executions[2].pk).delete()
    Execution.objects.filter(pk__in=[e.pk for e in executions[10:20]]).update(status=Status.FAILED, duration_ms=5)


def test_rollups_equal_direct_queries_through_changes_folds_and_rebuilds(workspace, history):
    now, flows, executions = history
    assert ExecutionRollupChange.objects.exists()  # written by the triggers, nothing folded yet
    assert_exact(workspace, now)

    assert fold() > 0
    assert not ExecutionRollupChange.objects.exists()
    hourly = ExecutionRollup.objects.aggregate(n=Sum("total"))["n"]
    assert ExecutionDailyRollup.objects.aggregate(n=Sum("total"))["n"] == hourly == 80
    assert_exact(workspace, now)

    change_statuses(executions, flows, now)  # across bucket boundaries, on folded buckets
    assert_exact(workspace, now)
    fold()
    assert_exact(workspace, now)
    assert not ExecutionRollup.objects.filter(total__lte=0).exists()

    ExecutionRollup.objects.update(total=999)  # damaged rollups, repaired from the executions
    ExecutionDailyRollup.objects.update(total=999)
    rebuild()
    assert_exact(workspace, now)
    assert fold() == 0


def test_bulk_inserts_count_and_test_runs_do_not(workspace, history):
    now, flows, executions = history
    before = Execution.objects.filter(workspace=workspace, is_test=False).count()
    Execution.objects.bulk_create([
        Execution(workspace=workspace, flow=flows[1], flow_version=flows[1].current_version, status=Status.PENDING,
                  source=Execution.Source.MANUAL, is_test=index % 2 == 0)
        for index in range(10)
    ])
    total = sum(part.total for part in breakdown(Scope.of([workspace]), None, timezone.now()).values())
    assert total == before + 5


def test_other_workspaces_and_flows_stay_out(workspace, other_workspace, history):
    now, flows, _ = history
    stranger = make_flow(other_workspace, "Elsewhere")
    make_execution(stranger, make_contact(other_workspace, "Stan"), created_at=now - timedelta(hours=2))
    assert from_rollups(workspace, None, now) == direct(workspace, None, now)
    one_flow = breakdown(Scope.of([workspace], flows[0].pk), None, now)
    expected = Execution.objects.filter(flow=flows[0], is_test=False).count()
    assert sum(part.total for part in one_flow.values()) == expected


def test_missing_triggers_are_recreated_and_the_rollups_rebuilt(workspace, history):
    now, _, _ = history
    with connection.cursor() as cursor:
        for statement in rollup_sql.remove(connection.vendor):
            cursor.execute(statement)
    for model in (ExecutionRollup, ExecutionDailyRollup, ExecutionRollupChange):
        model.objects.all().delete()
    assert ensure_triggers() is True
    assert ensure_triggers() is False
    assert_exact(workspace, now)


def test_percentile_estimate_lies_in_the_exact_figures_bin(workspace, history, monkeypatch):
    now, _, _ = history
    scope, win = Scope.of([workspace]), metrics.Window(None, now)
    timed = Sums.of(breakdown(scope, None, now).values()).duration_count
    exact = percentile(scope.executions(), "duration_ms", 0.95)
    monkeypatch.setattr(metrics, "EXACT_PERCENTILE_LIMIT", 0)
    estimate = metrics.duration_percentile(scope, win, timed, 0.95)
    bounds = (0, *rollup_sql.HISTOGRAM_BOUNDS)
    assert sum(b <= exact for b in bounds) == sum(b <= estimate for b in bounds)
    assert estimate_percentile([0] * len(rollup_sql.HISTOGRAM_FIELDS), 0.95) is None
