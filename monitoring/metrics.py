"""Execution metrics: the figures behind the dashboard, the API's analytics, alerts and the flows admin.

Counts and durations come from :func:`monitoring.figures.breakdown` (hourly
rollups plus the live edges of the window: exact, one query each, at any
volume); callers pass a :class:`~monitoring.figures.Scope` built from
workspaces they already scoped to the user (``for_user`` / ``for_workspace``).
Row lists (recent executions, stalled ones) and per-node figures take scoped
querysets. Test executions are left out of every figure. The success rate is
completed / (completed + failed): cancelled, skipped and still-running
executions say nothing about health.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from automation.models import Execution, Step
from monitoring.figures import Scope, Sums, breakdown, breakdowns, collapse, estimate_percentile
from monitoring.percentile import percentile

Status = Execution.Status
# Up to this many timed executions a percentile is computed exactly from the rows; above, estimated from
# the rollups' duration histogram (see figures.estimate_percentile).
EXACT_PERCENTILE_LIMIT = 20_000


@dataclass(frozen=True)
class TimeRange:
    key: str
    label: str
    length: timedelta | None
    slot: str  # what the dashboard truncates creation times to before drawing its buckets
    bucket: timedelta


RANGES: dict[str, TimeRange] = {
    r.key: r
    for r in (
        TimeRange("1h", "Last hour", timedelta(hours=1), "minute", timedelta(minutes=5)),
        TimeRange("24h", "Last 24 hours", timedelta(hours=24), "hour", timedelta(hours=1)),
        TimeRange("7d", "Last 7 days", timedelta(days=7), "hour", timedelta(hours=6)),
        TimeRange("30d", "Last 30 days", timedelta(days=30), "day", timedelta(days=1)),
        TimeRange("all", "All time", None, "day", timedelta(days=1)),
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


def spans(win: Window) -> list[tuple[datetime | None, datetime]]:
    """The window's [start, end), and the previous window's when there is one (for trends)."""
    return [(w.start, w.end) for w in (win, win.previous) if w is not None]


def statuses(sums: dict[tuple, Sums], position: int = 0) -> dict[str, Sums]:
    """``sums`` per execution status (the part of their keys at ``position``)."""
    return {key[0]: part for key, part in collapse(sums, position).items()}


@dataclass
class Kpis:
    total: int = 0
    completed: int = 0
    failed: int = 0
    avg_duration_ms: float | None = None

    @classmethod
    def of(cls, statuses: dict[str, Sums]) -> "Kpis":
        """Totals; the average duration is that of the finished (completed or failed) executions."""
        completed, failed = statuses.get(Status.COMPLETED, Sums()), statuses.get(Status.FAILED, Sums())
        finished = Sums.of([completed, failed])
        total = sum(sums.total for sums in statuses.values())
        return cls(total, completed.total, failed.total, finished.avg_duration_ms)

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
    statuses: dict[str, Sums] = field(default_factory=dict)
    series: list["Bucket"] = field(default_factory=list)
    trends: dict[str, float | None] = field(default_factory=dict)


def kpis(scope: Scope, win: Window) -> Kpis:
    """Totals of the window: one query."""
    return Kpis.of(statuses(breakdown(scope, win.start, win.end)))


def running(scope: Scope, now: datetime) -> int:
    """Executions live right now, whenever they started: one query."""
    return Sums.of(breakdown(scope.only(Execution.LIVE_STATUSES), None, now).values()).total


def overview(scope: Scope, dead_letters: QuerySet, win: Window) -> Overview:
    """KPIs and series of the window, KPIs of the previous one, live count and dead letters: four queries."""
    sums, *before = breakdowns(scope, spans(win), slot=win.range.slot)
    by_status = statuses(sums)
    current = Kpis.of(by_status)
    previous = Kpis.of(statuses(before[0])) if before else None
    open_letters = dead_letters.filter(status="open").count()
    new_letters = dead_letters.filter(win.q()).count()
    result = Overview(win, current, previous, running(scope, win.end), open_letters, new_letters, by_status,
                      series(win, sums))
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


def status_split(statuses: dict[str, Sums]) -> list[tuple[str, int]]:
    return [(status, statuses[status].total) for status in Status.values if status in statuses]


def duration_percentile(scope: Scope, win: Window, timed: int, fraction: float) -> float | None:
    """Percentile of the window's durations (``timed`` of them): exact from the rows up to
    ``EXACT_PERCENTILE_LIMIT`` (one or two queries), else estimated from the rollups' histogram (one query)."""
    if timed <= EXACT_PERCENTILE_LIMIT:
        return percentile(scope.executions().filter(win.q()), "duration_ms", fraction)
    histogram = Sums.of(breakdown(scope, win.start, win.end, histogram=True).values()).histogram
    return estimate_percentile(histogram or [], fraction)


def slots(sums: dict[tuple, Sums]) -> list[dict[str, Any]]:
    """Per creation-time slot, from sums by ``(status, slot)``: total, completed and failed."""
    counts: dict[datetime, dict[str, Any]] = {}
    for (status, moment), part in sums.items():
        row = counts.setdefault(moment, {"bucket": moment, "total": 0, "completed": 0, "failed": 0})
        row["total"] += part.total
        if status in (Status.COMPLETED, Status.FAILED):
            row[status] += part.total
    return [counts[moment] for moment in sorted(counts)]


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


def series(win: Window, sums: dict[tuple, Sums]) -> list[Bucket]:
    """Volume, failures and average duration over time, in at most ``MAX_BUCKETS`` buckets, from the
    window's sums by ``(status, slot)`` with the range's slot."""
    rows = sorted(sums.items(), key=lambda item: item[0][1])
    if not rows:
        return []
    start = win.start or rows[0][0][1]
    size = win.range.bucket
    count = int((win.end - start) / size) + 1
    if count > MAX_BUCKETS:
        size = (win.end - start) / MAX_BUCKETS
        count = MAX_BUCKETS + 1
    buckets = [Bucket(start + index * size) for index in range(count)]
    for (status, moment), sums in rows:
        bucket = buckets[min(max(int((moment - start) / size), 0), count - 1)]
        bucket.total += sums.total
        bucket.failed += sums.total if status == Status.FAILED else 0
        bucket.duration_sum += sums.duration_sum
        bucket.duration_count += sums.duration_count
    return buckets


@dataclass
class FlowFigures:
    flow_id: int
    name: str
    total: int
    completed: int
    failed: int


def busiest_flows(statuses_by_flow: dict[tuple, Sums], limit: int = 20) -> list[FlowFigures]:
    """The flows with the most executions, from sums by ``(flow_id, status)``: one query for the names."""
    from flows.models import Flow

    figures: dict[int, FlowFigures] = {}
    for (flow_id, status), sums in statuses_by_flow.items():
        flow = figures.setdefault(flow_id, FlowFigures(flow_id, "", 0, 0, 0))
        flow.total += sums.total
        if status in (Status.COMPLETED, Status.FAILED):
            setattr(flow, status, getattr(flow, status) + sums.total)
    busiest = sorted(figures.values(), key=lambda flow: (-flow.total, flow.flow_id))[:limit]
    names = dict(Flow.objects.filter(pk__in=[flow.flow_id for flow in busiest]).values_list("pk", "name"))
    for flow in busiest:
        flow.name = names.get(flow.flow_id, "")
    return busiest


@dataclass
class NodeFigures:
    flow: str
    node_id: str
    node_type: str
    total: int
    success: int
    failed: int
    skipped: int
    avg_duration_ms: float | None

    @property
    def success_rate(self) -> float | None:
        return success_rate(self.success, self.failed)


def node_figures(steps: QuerySet, win: Window, limit: int | None = 12) -> list[NodeFigures]:
    """Per-node success and duration, busiest nodes first (``limit`` None: every node): one query."""
    rows = (
        steps.filter(win.q(), execution__is_test=False)
        .order_by()
        .values("execution__flow__name", "node_id", "node_type")
        .annotate(
            total=Count("id"),
            success=Count("id", filter=Q(status=Step.Status.SUCCESS)),
            failed=Count("id", filter=Q(status=Step.Status.FAILED)),
            skipped=Count("id", filter=Q(status=Step.Status.SKIPPED)),
            avg=Avg("duration_ms"),
        )
        .order_by("-total", "node_id")
    )
    return [
        NodeFigures(row["execution__flow__name"], row["node_id"], row["node_type"], row["total"],
                    row["success"], row["failed"], row["skipped"], row["avg"])
        for row in (rows[:limit] if limit is not None else rows)
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
