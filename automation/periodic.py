"""The engine's periodic jobs, run every minute by RQ's cron scheduler.

Production: ``manage.py rqcron automation.cron`` (one process) next to the
``manage.py rqworker --with-scheduler`` workers; ``manage.py runstack`` runs the
same cron scheduler in a thread. Both jobs are safe to run concurrently or twice.
"""
from __future__ import annotations

from typing import Any, Callable

from automation.live import flushing
from automation.reconciler import reconcile
from automation.triggers import run_schedules
from monitoring.alerts import evaluate_alerts_job
from monitoring.rollups import fold_job


@flushing
def reconcile_job() -> dict[str, int]:
    return reconcile()


@flushing
def schedule_triggers_job() -> dict[str, Any]:
    return {str(flow_id): count for flow_id, count in run_schedules().items()}


# (function, interval in seconds)
PERIODIC_JOBS: list[tuple[Callable[[], Any], int]] = [
    (reconcile_job, 60), (schedule_triggers_job, 60), (evaluate_alerts_job, 60), (fold_job, 60),
]
