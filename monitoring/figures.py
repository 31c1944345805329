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

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from automation.models import Execution
from monitoring.models import ExecutionDailyRollup, ExecutionRollup, ExecutionRollupChange
from monitoring.rollup_sql import FIGURE_FIELDS, bin_bounds, figure_expressions

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

    def executions(self) -> QuerySet:
        """The scope's real (non-test) executions."""
        rows = Execution.objects.filter(workspace_id__in=self.workspace_ids, is_test=False)
        rows = rows.filter(flow_id=self.flow_id) if self.flow_id else rows
        return rows.filter(status__in=self.statuses) if self.statuses is not None else rows

    def conditions(self, *, live: bool) -> tuple[list[str], list[Any]]:
        """The same filter as SQL conditions on the executions (``live``) or on a rollup table."""
        where = [f"workspace_id IN ({', '.join(['%s'] * len(self.workspace_ids))})"]
        params: list[Any] = list(self.workspace_ids)
        if self.flow_id:
            where.append("flow_id = %s")
            params.append(self.flow_id)
        if self.statuses is not None:
            where.append(f"status IN ({', '.join(['%s'] * len(self.statuses))})")
            params += self.statuses
        return where + (["NOT is_test"] if live else []), params


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


TABLES = {"hourly": ExecutionRollup, "daily": ExecutionDailyRollup, "changes": ExecutionRollupChange}


def _source(source: str, histogram: bool) -> tuple[str, str, list[str]]:
    """``source``'s table, its time column and the sums of :data:`FIGURE_FIELDS` it yields."""
    if source == "live":
        sums = ["COUNT(*)", "SUM(duration_ms)", "COUNT(duration_ms)"]
        bins = [f"SUM({expression})" for expression in figure_expressions("duration_ms", "1")[3:]]
        return Execution._meta.db_table, "created_at", sums + (bins if histogram else [])
    fields = FIGURE_FIELDS if histogram else FIGURE_FIELDS[:3]
    return TABLES[source]._meta.db_table, "bucket", [f"SUM({name})" for name in fields]


def _part(source: str, scope: Scope, span: Span, by: tuple[str, ...], slot: str | None, histogram: bool,
          tag: int) -> tuple[str, list[Any]]:
    """One ``SELECT`` of the union: ``source``'s rows of ``scope`` in ``span``, grouped by ``by`` and slot.

    Plain SQL rather than querysets: the statement has up to a dozen parts, and
    compiling them through the ORM cost more than running them.
    """
    table, moment, sums = _source(source, histogram)
    columns, params = list(by), []
    if slot is not None:
        tzname = timezone.get_current_timezone_name() if settings.USE_TZ else None
        trunc, trunc_params = connection.ops.datetime_trunc_sql(slot, moment, (), tzname)
        columns.append(trunc)
        params += trunc_params
    where, where_params = scope.conditions(live=source == "live")
    for operator, bound in ((">=", span[0]), ("<", span[1])):
        if bound is not None:
            where.append(f"{moment} {operator} %s")
            where_params.append(connection.ops.adapt_datetimefield_value(bound))
    group = ", ".join(str(position) for position in range(1, len(columns) + 1))
    sql = f"SELECT {', '.join(columns + sums)}, {int(tag)} FROM {table} WHERE {' AND '.join(where)}"
    sql += f" GROUP BY {group}" if group else ""
    return sql, params + where_params


def _moment(value: Any) -> datetime:
    """A slot as the database returned it (SQLite: text; PostgreSQL: local time without zone) made aware."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def breakdowns(scope: Scope, windows: Iterable[tuple[datetime | None, datetime]], *,
               by: tuple[str, ...] = ("status",), slot: str | None = None,
               histogram: bool = False) -> list[dict[tuple, Sums]]:
    """Sums of the executions created in each window [start, end) (start None: since the beginning): one query.

    Grouped by ``by`` (columns: ``status``, ``flow_id``) and, with ``slot``
    (``minute``, ``hour``, ``day``...), by the creation time truncated to it in
    the current time zone. ``histogram`` adds the duration histogram (for
    percentiles).
    """
    windows = list(windows)
    if not scope.workspace_ids:
        return [{} for _ in windows]
    parts = []
    for index, (start, end) in enumerate(windows):
        plan = pieces(start, end, slot)
        spans = [("live", span) for span in plan.live] + [("hourly", span) for span in plan.hourly] + [
            (source, span) for source, span in (("daily", plan.daily), ("changes", plan.changes)) if span is not None
        ]
        parts += [_part(source, scope, span, by, slot, histogram, index) for source, span in spans]
    sql = " UNION ALL ".join(part for part, _ in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _, part_params in parts for param in part_params])
        rows = cursor.fetchall()
    width = len(by) + (1 if slot else 0)
    results: list[dict[tuple, Sums]] = [{} for _ in windows]
    for row in rows:
        key = row[:width] if slot is None else (*row[:width - 1], _moment(row[width - 1]))
        figures = [int(value or 0) for value in row[width:-1]]
        sums = Sums(*figures[:3], histogram=figures[3:] if histogram else None)
        results[row[-1]].setdefault(key, Sums()).add(sums)
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
