"""Exact sums over the executions created in a time window, read from the rollups.

A window [start, end) is cut into the whole UTC days it covers (the daily
rollup), the whole hours around them (the hourly rollup), the changes not
folded yet (for every whole hour), and the partial hours at its two edges,
answered from ``automation_execution`` through its ``(workspace, created_at)``
index. A 30-day range thus reads about 30 rows per flow and status, not 720,
and at most two hours of executions. All parts are read in one
``UNION ALL`` statement, so they share one snapshot: a fold running at the
same time moves changes from one table to the other without a reader ever
counting them twice or not at all. The result therefore equals the same
aggregate over the executions themselves, at every moment, whatever statuses
changed since the rows were created. Test executions are never counted.

Slots finer than an hour (the dashboard's last-hour chart) are read from the
executions only: an hour of rows at most. Hour slots skip the daily rollup, and
so do day slots in a time zone other than UTC (its days are not UTC days).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any, Callable, Iterable

from django.db.models import Count, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Trunc
from django.utils import timezone

from automation.models import Execution
from monitoring.models import ExecutionDailyRollup, ExecutionRollup, ExecutionRollupChange
from monitoring.rollup_sql import FIGURE_FIELDS, HISTOGRAM_FIELDS, bin_bounds, figure_expressions

HOUR = timedelta(hours=1)
HOURLY_SLOTS = ("hour", "day", "week", "month", "year")


@dataclass(frozen=True)
class Scope:
    """Whose executions: those of these workspaces (already checked against the user), or of one flow."""

    workspace_ids: tuple[int, ...]
    flow_id: int | None = None
    statuses: tuple[str, ...] | None = None

    @classmethod
    def of(cls, workspaces: Iterable[Any], flow_id: int | None = None) -> "Scope":
        return cls(tuple(getattr(ws, "pk", ws) for ws in workspaces), flow_id)

    def only(self, statuses: Iterable[str]) -> "Scope":
        """The same scope narrowed to executions in ``statuses``."""
        return replace(self, statuses=tuple(statuses))

    def _narrow(self, rows: QuerySet) -> QuerySet:
        rows = rows.filter(workspace_id__in=self.workspace_ids)
        rows = rows.filter(flow_id=self.flow_id) if self.flow_id else rows
        return rows.filter(status__in=self.statuses) if self.statuses is not None else rows

    def executions(self) -> QuerySet:
        """The scope's real (non-test) executions."""
        return self._narrow(Execution.objects.filter(is_test=False))

    def rollup(self, model: type) -> QuerySet:
        return self._narrow(model.objects.all())


@dataclass
class Sums:
    """Executions counted, and what their ``duration_ms`` add up to (sum, count, histogram)."""

    total: int = 0
    duration_sum: int = 0
    duration_count: int = 0
    histogram: list[int] | None = None  # per bin of HISTOGRAM_FIELDS, when read with histogram=True

    def add(self, other: "Sums") -> "Sums":
        self.total += other.total
        self.duration_sum += other.duration_sum
        self.duration_count += other.duration_count
        if other.histogram is not None:
            mine = self.histogram or [0] * len(other.histogram)
            self.histogram = [a + b for a, b in zip(mine, other.histogram)]
        return self

    @property
    def avg_duration_ms(self) -> float | None:
        return self.duration_sum / self.duration_count if self.duration_count else None

    @classmethod
    def of(cls, parts: Iterable["Sums"]) -> "Sums":
        result = cls()
        for part in parts:
            result.add(part)
        return result


def estimate_percentile(histogram: list[int], fraction: float) -> float | None:
    """The ``fraction`` percentile (``percentile_cont`` ranks) estimated from a duration histogram.

    The rank falls in one bin; the value is interpolated linearly inside it,
    so the estimate lies in the same bin as the exact figure (bins grow in a
    1-2-5 series: at most 2.5x wide). In the open last bin (over ~11.6 days)
    its lower bound is returned.
    """
    count = sum(histogram)
    if not count:
        return None
    rank = fraction * (count - 1)
    seen = 0
    for index, in_bin in enumerate(histogram):
        if in_bin and rank < seen + in_bin:
            low, high = bin_bounds(index)
            if high is None:
                return float(low)
            return low + (high - low) * (rank - seen + 0.5) / in_bin
        seen += in_bin
    return None


Span = tuple[datetime | None, datetime]
DAY = timedelta(days=1)


def _floor_hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def _floor_day(moment: datetime) -> datetime:
    return moment.astimezone(dt_timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)


def _split(start: datetime | None, end: datetime, floor: Callable[[datetime], datetime],
           unit: timedelta) -> tuple[list[Span], Span | None]:
    """[start, end) as its whole units (hours, UTC days) and the partial ones at its two edges."""
    first = None if start is None else floor(start)
    if first is not None and first != start:
        first += unit
    last = floor(end)
    if first is not None and first >= last:
        return [(start, end)], None
    edges = [(start, first)] if start is not None and start < first else []
    return edges + ([(last, end)] if last < end else []), (first, last)


@dataclass
class Pieces:
    """Where each part of a window is read from."""

    live: list[Span]  # automation_execution (the partial hours at the edges)
    hourly: list[Span]  # the hourly rollup (whole hours outside whole UTC days)
    daily: Span | None  # the daily rollup (whole UTC days)
    changes: Span | None  # the changes not folded yet (every whole hour)


def pieces(start: datetime | None, end: datetime, slot: str | None) -> Pieces:
    """How [start, end) is read for ``slot`` (days only when slots need no finer time and days are UTC's)."""
    if slot is not None and slot not in HOURLY_SLOTS:
        return Pieces([(start, end)], [], None, None)
    live, hours = _split(start, end, _floor_hour, HOUR)
    if hours is None:
        return Pieces(live, [], None, None)
    daily_slots = slot is None or (slot != "hour" and timezone.get_current_timezone_name() == "UTC")
    if not daily_slots:
        return Pieces(live, [hours], None, hours)
    hourly, days = _split(*hours, _floor_day, DAY)
    return Pieces(live, hourly, days, hours)


def _grouped(rows: QuerySet, moment: str, by: tuple[str, ...], slot: str | None, aggregates: dict,
             tag: int) -> QuerySet:
    """``rows`` grouped by ``by`` (and slot), with ``aggregates`` and the window's number (``tag``)."""
    if slot is not None:
        rows = rows.annotate(slot=Trunc(moment, slot))
    return rows.order_by().values(*by, *(["slot"] if slot else [])).annotate(**aggregates, window=Value(tag))


def _between(rows: QuerySet, moment: str, start: datetime | None, end: datetime) -> QuerySet:
    rows = rows.filter(**{f"{moment}__lt": end})
    return rows.filter(**{f"{moment}__gte": start}) if start is not None else rows


def _live(scope: Scope, start: datetime | None, end: datetime, by: tuple[str, ...], slot: str | None,
          histogram: bool, tag: int) -> QuerySet:
    aggregates: dict[str, Any] = {
        "sum_total": Count("id"), "sum_duration_sum": Sum("duration_ms"), "sum_duration_count": Count("duration_ms"),
    }
    if histogram:  # the triggers' own bin expressions (plain SQL: the same bins, and quick to compile)
        bins = figure_expressions("duration_ms", "1")[3:]
        aggregates.update({f"sum_{name}": Sum(RawSQL(expression, ())) for name, expression in zip(HISTOGRAM_FIELDS, bins)})
    return _grouped(_between(scope.executions(), "created_at", start, end), "created_at", by, slot, aggregates, tag)


def _folded(model: type, scope: Scope, start: datetime | None, end: datetime, by: tuple[str, ...],
            slot: str | None, histogram: bool, tag: int) -> QuerySet:
    fields = FIGURE_FIELDS if histogram else FIGURE_FIELDS[:3]
    aggregates = {f"sum_{name}": Sum(name) for name in fields}
    return _grouped(_between(scope.rollup(model), "bucket", start, end), "bucket", by, slot, aggregates, tag)


def breakdowns(scope: Scope, windows: Iterable[tuple[datetime | None, datetime]], *,
               by: tuple[str, ...] = ("status",), slot: str | None = None,
               histogram: bool = False) -> list[dict[tuple, Sums]]:
    """Sums of the executions created in each window [start, end) (start None: since the beginning): one query.

    Grouped by ``by`` (``status``, ``flow_id``) and, with ``slot`` (``minute``,
    ``hour``, ``day``...), by the creation time truncated to it in the current
    time zone (day slots are made of whole UTC hours: time zones with whole-hour
    offsets). ``histogram`` adds the duration histogram (for percentiles).
    """
    windows = list(windows)
    if not scope.workspace_ids:
        return [{} for _ in windows]
    parts = []
    for index, (start, end) in enumerate(windows):
        plan = pieces(start, end, slot)
        parts += [_live(scope, *span, by, slot, histogram, index) for span in plan.live]
        folded = [(ExecutionRollup, span) for span in plan.hourly] + [
            (model, span) for model, span in ((ExecutionDailyRollup, plan.daily), (ExecutionRollupChange, plan.changes))
            if span is not None
        ]
        parts += [_folded(model, scope, *span, by, slot, histogram, index) for model, span in folded]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    keys = (*by, "slot") if slot else by
    results: list[dict[tuple, Sums]] = [{} for _ in windows]
    for row in rows:
        sums = Sums(int(row["sum_total"] or 0), int(row["sum_duration_sum"] or 0), int(row["sum_duration_count"] or 0))
        if histogram:
            sums.histogram = [int(row[f"sum_{name}"] or 0) for name in HISTOGRAM_FIELDS]
        results[row["window"]].setdefault(tuple(row[key] for key in keys), Sums()).add(sums)
    return [{key: sums for key, sums in result.items() if sums.total} for result in results]


def collapse(sums: dict[tuple, Sums], *positions: int) -> dict[tuple, Sums]:
    """``sums`` regrouped by the parts of their keys at ``positions``."""
    result: dict[tuple, Sums] = {}
    for key, part in sums.items():
        result.setdefault(tuple(key[position] for position in positions), Sums()).add(part)
    return result


def breakdown(scope: Scope, start: datetime | None, end: datetime, **options: Any) -> dict[tuple, Sums]:
    """:func:`breakdowns` of one window."""
    return breakdowns(scope, [(start, end)], **options)[0]
