"""Execution analytics: totals, success rate, durations, volume series, per-node figures, trend.

Every figure is an aggregate query (COUNT / AVG / percentile, grouped by time
bucket or node); nothing iterates over executions in Python. Test runs are left out.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import Trunc
from django.utils import timezone

from automation.models import Execution, Step
from automation.percentile import percentile

RANGES: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "all": None,
}
DONE = Q(status=Execution.Status.COMPLETED)
FAILED = Q(status=Execution.Status.FAILED)


@dataclass(frozen=True)
class Period:
    start: datetime | None
    end: datetime
    bucket: str  # "hour" or "day"

    @classmethod
    def named(cls, name: str, now: datetime | None = None) -> "Period":
        now = now or timezone.now()
        length = RANGES[name]
        bucket = "hour" if length is not None and length <= timedelta(hours=24) else "day"
        return cls(start=now - length if length else None, end=now, bucket=bucket)

    def previous(self) -> "Period | None":
        if self.start is None:
            return None
        return Period(start=self.start - (self.end - self.start), end=self.start, bucket=self.bucket)

    def filter(self, queryset: QuerySet, field: str = "created_at") -> QuerySet:
        queryset = queryset.filter(**{f"{field}__lt": self.end})
        return queryset.filter(**{f"{field}__gte": self.start}) if self.start else queryset


def totals(executions: QuerySet) -> dict[str, Any]:
    """Counts by outcome, success rate (completed among completed + failed), average and p95 duration."""
    figures = executions.aggregate(
        total=Count("id"),
        completed=Count("id", filter=DONE),
        failed=Count("id", filter=FAILED),
        cancelled=Count("id", filter=Q(status=Execution.Status.CANCELLED)),
        skipped=Count("id", filter=Q(status=Execution.Status.SKIPPED)),
        live=Count("id", filter=Q(status__in=Execution.LIVE_STATUSES)),
        avg_duration_ms=Avg("duration_ms"),
    )
    finished = figures["completed"] + figures["failed"]
    figures["success_rate"] = round(figures["completed"] / finished, 4) if finished else None
    figures["p95_duration_ms"] = percentile(executions, "duration_ms", 0.95)
    return figures


def volume_series(executions: QuerySet, bucket: str) -> list[dict[str, Any]]:
    rows = (
        executions.annotate(bucket=Trunc("created_at", bucket))
        .values("bucket")
        .annotate(total=Count("id"), completed=Count("id", filter=DONE), failed=Count("id", filter=FAILED))
        .order_by("bucket")
    )
    return list(rows)


def trend(current: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any] | None:
    """Change against the previous period of the same length (None for the whole history)."""
    if previous is None:
        return None

    def change(key: str) -> float | None:
        before, now = previous[key], current[key]
        if before is None or now is None:
            return None
        return round(now - before, 4)

    return {
        "previous_total": previous["total"],
        "total_change": current["total"] - previous["total"],
        "total_change_pct": round(100 * (current["total"] - previous["total"]) / previous["total"], 2)
        if previous["total"] else None,
        "success_rate_change": change("success_rate"),
        "avg_duration_ms_change": change("avg_duration_ms"),
    }


def per_node(steps: QuerySet) -> list[dict[str, Any]]:
    rows = (
        steps.values("node_id", "node_type")
        .annotate(
            total=Count("id"),
            success=Count("id", filter=Q(status=Step.Status.SUCCESS)),
            failed=Count("id", filter=Q(status=Step.Status.FAILED)),
            skipped=Count("id", filter=Q(status=Step.Status.SKIPPED)),
            avg_duration_ms=Avg("duration_ms"),
        )
        .order_by("node_id")
    )
    return [
        {**row, "success_rate": round(row["success"] / (row["success"] + row["failed"]), 4)
         if row["success"] + row["failed"] else None}
        for row in rows
    ]


def _report(executions: QuerySet, period: Period) -> dict[str, Any]:
    executions = executions.filter(is_test=False)
    current = totals(period.filter(executions))
    previous_period = period.previous()
    previous = totals(previous_period.filter(executions)) if previous_period else None
    return {
        "range": {"start": period.start, "end": period.end, "bucket": period.bucket},
        "totals": current,
        "trend": trend(current, previous),
        "series": volume_series(period.filter(executions), period.bucket),
    }


def overview(workspace: Any, period: Period) -> dict[str, Any]:
    """The workspace's figures, with the busiest flows."""
    executions = Execution.objects.for_workspace(workspace)
    report = _report(executions, period)
    report["flows"] = list(
        period.filter(executions.filter(is_test=False))
        .values("flow_id", "flow__name")
        .annotate(total=Count("id"), completed=Count("id", filter=DONE), failed=Count("id", filter=FAILED))
        .order_by("-total", "flow_id")[:20]
    )
    return report


def flow_report(flow: Any, period: Period) -> dict[str, Any]:
    """One flow's figures, with success and duration per node."""
    report = _report(Execution.objects.for_workspace(flow.workspace_id).filter(flow=flow), period)
    steps = Step.objects.for_workspace(flow.workspace_id).filter(execution__flow=flow, execution__is_test=False)
    report["nodes"] = per_node(period.filter(steps))
    return report
