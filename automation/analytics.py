"""The API's analytics answers (``analytics/overview/``, ``analytics/flows/<id>/``).

Every figure comes from :mod:`monitoring.metrics` (the same rollup-backed sums
the dashboard and alerts use: exact, a fixed number of queries at any volume);
this module only shapes them the API's way: success rate as a fraction, trend
as differences against the previous period, series in hour or day slots.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from automation.models import Execution, Step
from monitoring import metrics
from monitoring.figures import Scope, Sums, breakdown, breakdowns, collapse

RANGES = metrics.RANGES
Status = metrics.Status


def slot_of(win: metrics.Window) -> str:
    """The series' slot: hours up to a day's range, days beyond."""
    length = win.range.length
    return "hour" if length is not None and length <= timedelta(hours=24) else "day"


def totals(statuses: dict[str, Sums]) -> dict[str, Any]:
    """Counts by outcome, success rate (completed among completed + failed), average duration."""
    count = {status: statuses.get(status, Sums()).total for status in Status.values}
    finished = count[Status.COMPLETED] + count[Status.FAILED]
    return {
        "total": sum(count.values()),
        "completed": count[Status.COMPLETED],
        "failed": count[Status.FAILED],
        "cancelled": count[Status.CANCELLED],
        "skipped": count[Status.SKIPPED],
        "live": sum(count[status] for status in Status.values if status in Execution.LIVE_STATUSES),
        "success_rate": round(count[Status.COMPLETED] / finished, 4) if finished else None,
        "avg_duration_ms": Sums.of(statuses.values()).avg_duration_ms,
    }


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


def _report(scope: Scope, win: metrics.Window, by: tuple[str, ...]) -> tuple[dict[str, Any], dict[tuple, Sums]]:
    """The report's range, totals, trend and series, and the window's sums by ``(*by, "status", slot)``:
    two queries (totals of both periods; the finer grouping), one or two more for the percentile."""
    slot = slot_of(win)
    now, *before = (metrics.statuses(sums) for sums in breakdowns(scope, metrics.spans(win)))
    current = totals(now)
    current["p95_duration_ms"] = metrics.duration_percentile(scope, win, Sums.of(now.values()).duration_count, 0.95)
    previous = totals(before[0]) if before else None
    sums = breakdown(scope, win.start, win.end, by=(*by, "status"), slot=slot)
    report = {
        "range": {"start": win.start, "end": win.end, "bucket": slot},
        "totals": current,
        "trend": trend(current, previous),
        "series": metrics.slots(collapse(sums, len(by), len(by) + 1)),
    }
    return report, sums


def overview(workspace: Any, win: metrics.Window) -> dict[str, Any]:
    """The workspace's figures, with the busiest flows."""
    report, sums = _report(Scope.of([workspace]), win, ("flow_id",))
    report["flows"] = [
        {"flow_id": flow.flow_id, "flow__name": flow.name, "total": flow.total, "completed": flow.completed,
         "failed": flow.failed}
        for flow in metrics.busiest_flows(collapse(sums, 0, 1))
    ]
    return report


def flow_report(flow: Any, win: metrics.Window) -> dict[str, Any]:
    """One flow's figures, with success and duration per node."""
    report, _ = _report(Scope.of([flow.workspace_id], flow.pk), win, ())
    steps = Step.objects.for_workspace(flow.workspace_id).filter(execution__flow=flow)
    nodes = sorted(metrics.node_figures(steps, win, limit=None), key=lambda node: node.node_id)
    report["nodes"] = [
        {"node_id": node.node_id, "node_type": node.node_type, "total": node.total, "success": node.success,
         "failed": node.failed, "skipped": node.skipped, "avg_duration_ms": node.avg_duration_ms,
         "success_rate": round(node.success / (node.success + node.failed), 4)
         if node.success + node.failed else None}
        for node in nodes
    ]
    return report
