"""Execution metrics: aggregate queries shared by the dashboard, the flows admin, alerts and the API.

Every function takes an already workspace-scoped queryset (``for_user`` /
``for_workspace``), so scoping stays with the caller, and answers with a fixed
number of queries whatever the number of executions. Test executions are left
out of every figure. The success rate is completed / (completed + failed):
cancelled, skipped and still-running executions say nothing about health.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncDay, TruncHour, TruncMinute
from django.utils import timezone

from automation.models import Execution, Step

Status = Execution.Status


@dataclass(frozen=True)
class TimeRange:
    key: str
    label: str
    length: timedelta | None
    truncate: Any
    bucket: timedelta


RANGES: dict[str, TimeRange] = {
    r.key: r
    for r in (
        TimeRange("1h", "Last hour", timedelta(hours=1), TruncMinute, timedelta(minutes=5)),
        TimeRange("24h", "Last 24 hours", timedelta(hours=24), TruncHour, timedelta(hours=1)),
        TimeRange("7d", "Last 7 days", timedelta(days=7), TruncHour, timedelta(hours=6)),
        TimeRange("30d", "Last 30 days", timedelta(days=30), TruncDay, timedelta(days=1)),
        TimeRange("all", "All time", None, TruncDay, timedelta(days=1)),
    )
}
DEFAULT_RANGE = "24h"
MAX_BUCKETS = 60


@dataclass(frozen=True)
class Window:
    """[start, end) (start None = all time), and the same length just before it (for trends)."""

    start: datetime | None
    end: datetime
    range: TimeRange = RANGES[DEFAULT_RANGE]

    @property
    def previous(self) -> "Window | None":
        if self.start is None:
            return None
        return Window(self.start - (self.end - self.start), self.start, self.range)

    def q(self, prefix: str = "") -> Q:
        lookup = f"{prefix}created_at"
        bounds = Q(**{f"{lookup}__lt": self.end})
        return bounds & Q(**{f"{lookup}__gte": self.start}) if self.start else bounds


def window(range_key: str = DEFAULT_RANGE, now: datetime | None = None) -> Window:
    """The window of ``range_key`` (``1h``, ``24h``, ``7d``, ``30d``, ``all``) ending at ``now``."""
    time_range = RANGES.get(range_key) or RANGES[DEFAULT_RANGE]
    end = now or timezone.now()
    return Window(end - time_range.length if time_range.length else None, end, time_range)


def real(executions: QuerySet) -> QuerySet:
    return executions.filter(is_test=False)


def success_rate(completed: int, failed: int) -> float | None:
    finished = completed + failed
    return round(100.0 * completed / finished, 1) if finished else None


@dataclass
class Kpis:
    total: int = 0
    completed: int = 0
    failed: int = 0
    avg_duration_ms: float | None = None

    @property
    def success_rate(self) -> float | None:
        return success_rate(self.completed, self.failed)

    @property
    def error_rate(self) -> float | None:
        rate = self.success_rate
        return None if rate is None else round(100.0 - rate, 1)


@dataclass
class Overview:
    window: Window
    current: Kpis
    previous: Kpis | None
    running: int
    dead_letters_open: int
    dead_letters_new: int
    trends: dict[str, float | None] = field(default_factory=dict)


def _kpi_aggregates(name: str, condition: Q) -> dict[str, Any]:
    finished = condition & Q(status__in=[Status.COMPLETED, Status.FAILED], duration_ms__isnull=False)
    return {
        f"{name}_total": Count("id", filter=condition),
        f"{name}_completed": Count("id", filter=condition & Q(status=Status.COMPLETED)),
        f"{name}_failed": Count("id", filter=condition & Q(status=Status.FAILED)),
        f"{name}_avg": Avg("duration_ms", filter=finished),
    }


def _kpis(row: dict[str, Any], name: str) -> Kpis:
    return Kpis(row[f"{name}_total"], row[f"{name}_completed"], row[f"{name}_failed"], row[f"{name}_avg"])


def kpis(executions: QuerySet, win: Window) -> Kpis:
    """Totals of the window: one query."""
    return _kpis(real(executions).aggregate(**_kpi_aggregates("cur", win.q())), "cur")


def overview(executions: QuerySet, dead_letters: QuerySet, win: Window) -> Overview:
    """KPIs of the window and of the previous one, live count and dead letters: two queries."""
    aggregates = _kpi_aggregates("cur", win.q())
    aggregates["running"] = Count("id", filter=Q(status__in=Execution.LIVE_STATUSES))
    if win.previous:
        aggregates.update(_kpi_aggregates("prev", win.previous.q()))
    row = real(executions).aggregate(**aggregates)
    letters = dead_letters.aggregate(
        open=Count("id", filter=Q(status="open")), new=Count("id", filter=win.q())
    )
    current = _kpis(row, "cur")
    previous = _kpis(row, "prev") if win.previous else None
    result = Overview(win, current, previous, row["running"], letters["open"], letters["new"])
    if previous is not None:
        result.trends = {
            "total": _change(current.total, previous.total),
            "success_rate": _difference(current.success_rate, previous.success_rate),
            "avg_duration_ms": _change(current.avg_duration_ms, previous.avg_duration_ms),
            "failed": _change(current.failed, previous.failed),
        }
    return result


def _change(current: float | None, previous: float | None) -> float | None:
    """Relative change in percent (None when there is nothing to compare with)."""
    if current is None or not previous:
        return None
    return round(100.0 * (current - previous) / previous, 1)


def _difference(current: float | None, previous: float | None) -> float | None:
    """Difference in percentage points, for figures that are already percentages."""
    if current is None or previous is None:
        return None
    return round(current - previous, 1)


def status_split(executions: QuerySet, win: Window) -> list[tuple[str, int]]:
    rows = real(executions).filter(win.q()).order_by().values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    return [(status, counts[status]) for status in Status.values if counts.get(status)]


@dataclass
class Bucket:
    start: datetime
    total: int = 0
    failed: int = 0
    duration_sum: float = 0.0
    duration_count: int = 0

    @property
    def avg_duration_ms(self) -> float | None:
        return self.duration_sum / self.duration_count if self.duration_count else None


def series(executions: QuerySet, win: Window) -> list[Bucket]:
    """Volume, failures and average duration over time, in at most ``MAX_BUCKETS`` buckets: one query."""
    rows = list(
        real(executions)
        .filter(win.q())
        .annotate(slot=win.range.truncate("created_at"))
        .order_by()
        .values("slot")
        .annotate(
            total=Count("id"),
            failed=Count("id", filter=Q(status=Status.FAILED)),
            avg=Avg("duration_ms"),
            timed=Count("duration_ms"),
        )
        .order_by("slot")
    )
    if not rows:
        return []
    start = win.start or rows[0]["slot"]
    size = win.range.bucket
    count = int((win.end - start) / size) + 1
    if count > MAX_BUCKETS:
        size = (win.end - start) / MAX_BUCKETS
        count = MAX_BUCKETS + 1
    buckets = [Bucket(start + index * size) for index in range(count)]
    for row in rows:
        index = min(max(int((row["slot"] - start) / size), 0), count - 1)
        bucket = buckets[index]
        bucket.total += row["total"]
        bucket.failed += row["failed"]
        if row["avg"] is not None:
            bucket.duration_sum += row["avg"] * row["timed"]
            bucket.duration_count += row["timed"]
    return buckets


@dataclass
class NodeFigures:
    flow: str
    node_id: str
    node_type: str
    total: int
    success: int
    failed: int
    avg_duration_ms: float | None

    @property
    def success_rate(self) -> float | None:
        return success_rate(self.success, self.failed)


def node_figures(steps: QuerySet, win: Window, limit: int = 12) -> list[NodeFigures]:
    """Per-node success and duration of the busiest nodes: one query."""
    rows = (
        steps.filter(win.q(), execution__is_test=False)
        .order_by()
        .values("execution__flow__name", "node_id", "node_type")
        .annotate(
            total=Count("id"),
            success=Count("id", filter=Q(status=Step.Status.SUCCESS)),
            failed=Count("id", filter=Q(status=Step.Status.FAILED)),
            avg=Avg("duration_ms"),
        )
        .order_by("-total", "node_id")[:limit]
    )
    return [
        NodeFigures(row["execution__flow__name"], row["node_id"], row["node_type"], row["total"],
                    row["success"], row["failed"], row["avg"])
        for row in rows
    ]


def recent(executions: QuerySet, *, failed_only: bool = False, limit: int = 10) -> list[Execution]:
    queryset = real(executions).select_related("flow", "contact", "workspace")
    if failed_only:
        queryset = queryset.filter(status=Status.FAILED)
    return list(queryset.order_by("-created_at", "-id")[:limit])


def flow_activity(since: datetime) -> dict[str, Count]:
    """Annotations for a Flow queryset: executions since ``since`` and how many completed / failed."""
    recent_q = Q(executions__created_at__gte=since, executions__is_test=False)
    return {
        "recent_total": Count("executions", filter=recent_q),
        "recent_completed": Count("executions", filter=recent_q & Q(executions__status=Status.COMPLETED)),
        "recent_failed": Count("executions", filter=recent_q & Q(executions__status=Status.FAILED)),
    }


def stalled(executions: QuerySet, older_than: datetime) -> QuerySet:
    """Live executions that should have moved on by now.

    Pending or running ones not touched since ``older_than``, and waiting ones whose
    next step was due before ``older_than`` (a delay that never fired).
    """
    return real(executions).filter(
        Q(status__in=[Status.PENDING, Status.RUNNING], updated_at__lt=older_than)
        | Q(status=Status.WAITING, steps__status__in=Step.OPEN_STATUSES, steps__next_run_at__lt=older_than)
    ).distinct()
