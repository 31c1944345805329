"""Exact sums over the executions created in a time window, read from the rollups.

A window [start, end) is cut into the whole UTC hours it covers, answered by
the hourly rollup (folded rows plus the changes not folded yet), and the
partial hours at its two edges, answered from ``automation_execution``
through its ``(workspace, created_at)`` index. All parts are read in one
``UNION ALL`` statement, so they share one snapshot: a fold running at the
same time moves changes from one table to the other without a reader ever
counting them twice or not at all. The result therefore equals the same
aggregate over the executions themselves, at every moment, whatever statuses
changed since the rows were created. Test executions are never counted.

Slots finer than an hour (the dashboard's last-hour chart) are read from the
executions only: an hour of rows at most.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Iterable

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Trunc

from automation.models import Execution
from monitoring.models import ExecutionRollup, ExecutionRollupChange
from monitoring.rollup_sql import FIGURE_FIELDS, HISTOGRAM_FIELDS, bin_bounds

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


def _ceil_hour(moment: datetime) -> datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + HOUR


def pieces(start: datetime | None, end: datetime, slot: str | None) -> tuple[list[tuple[datetime | None, datetime]],
                                                                              tuple[datetime | None, datetime] | None]:
    """The window's live edges and its whole hours (None when the rollup cannot answer any of it)."""
    if slot is not None and slot not in HOURLY_SLOTS:
        return [(start, end)], None
    first = _ceil_hour(start) if start is not None else None
    last = end.replace(minute=0, second=0, microsecond=0)
    if first is not None and first >= last:
        return [(start, end)], None
    edges = [(start, first)] if start is not None and start < first else []
    if last < end:
        edges.append((last, end))
    return edges, (first, last)


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
    if histogram:
        for index, name in enumerate(HISTOGRAM_FIELDS):
            low, high = bin_bounds(index)
            inside = Q(duration_ms__gte=low) & (Q(duration_ms__lt=high) if high is not None else Q())
            aggregates[f"sum_{name}"] = Count("id", filter=inside)
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
        edges, hours = pieces(start, end, slot)
        parts += [_live(scope, low, high, by, slot, histogram, index) for low, high in edges]
        if hours is not None:
            parts += [_folded(model, scope, *hours, by, slot, histogram, index)
                      for model in (ExecutionRollup, ExecutionRollupChange)]
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
