"""The monitoring dashboard, a page of the admin site."""
from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from automation.models import DeadLetter, Execution, Step
from contacts.models import Workspace
from monitoring import charts, metrics
from monitoring.figures import Scope

REFRESH_SECONDS = 30
MIN_REFRESH_SECONDS = 2


def dashboard_context(request: HttpRequest) -> dict[str, Any]:
    """Everything the dashboard shows, for the user's workspaces (or the one chosen): a fixed number of queries."""
    workspaces = list(Workspace.objects.for_user(request.user).order_by("name"))
    chosen = next((ws for ws in workspaces if str(ws.pk) == request.GET.get("workspace")), None)
    executions = Execution.objects.for_user(request.user)
    dead_letters = DeadLetter.objects.for_user(request.user)
    steps = Step.objects.for_user(request.user)
    if chosen:
        executions, dead_letters, steps = (
            qs.for_workspace(chosen) for qs in (executions, dead_letters, steps)
        )
    scope = Scope.of([chosen] if chosen else workspaces)
    range_key = request.GET.get("range") if request.GET.get("range") in metrics.RANGES else metrics.DEFAULT_RANGE
    win = metrics.window(range_key)
    nodes = metrics.node_figures(steps, win)
    overview = metrics.overview(scope, dead_letters, win)
    return {
        "workspaces": workspaces,
        "chosen": chosen,
        "ranges": metrics.RANGES.values(),
        "range_key": range_key,
        "overview": overview,
        "status_chart": charts.status_split(metrics.status_split(overview.statuses)),
        "volume_chart": charts.volume(overview.series),
        "duration_chart": charts.line(
            overview.series, lambda b: None if b.avg_duration_ms is None else b.avg_duration_ms / 1000, "s",
            "Average duration over time",
        ),
        "node_chart": charts.node_bars(nodes),
        "nodes": nodes,
        "recent_failures": metrics.recent(executions, failed_only=True),
        "recent_executions": metrics.recent(executions),
        "live_workspace_ids": [chosen.pk] if chosen else [ws.pk for ws in workspaces],
        "refresh_seconds": _refresh_seconds(request),
    }


def _refresh_seconds(request: HttpRequest) -> int:
    """Polling interval: ``?refresh=N`` (at least 2 s) for wall screens, else the default."""
    try:
        return max(int(request.GET.get("refresh", REFRESH_SECONDS)), MIN_REFRESH_SECONDS)
    except ValueError:
        return REFRESH_SECONDS


def dashboard(request: HttpRequest) -> HttpResponse:
    """The whole page, or with ``?fragment=1`` only its live part (for the page's refresh script)."""
    template = "monitoring/dashboard_live.html" if request.GET.get("fragment") else "monitoring/dashboard.html"
    context = {
        **admin.site.each_context(request),
        "title": "Monitoring dashboard",
        **dashboard_context(request),
    }
    return TemplateResponse(request, template, context)
