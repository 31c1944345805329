"""The reconciler: PostgreSQL knows what should be happening; make Redis agree.

Run every minute (periodic job) and by ``manage.py reconcile``. It re-enqueues

- steps left ``running`` longer than ``ENGINE_STALL_TIMEOUT`` (a killed worker):
  they go back to ``pending`` and run again (a send is still not repeated:
  ``sent_at`` and the idempotency key guard it);
- ``pending`` steps and timed ``waiting`` steps (delays) that are overdue by more
  than ``ENGINE_OVERDUE_GRACE`` and whose job is not queued or running (a lost
  job, a flushed Redis, a scheduler that was down). A job RQ marked started
  longer than ``ENGINE_STALL_TIMEOUT`` ago while its step is still pending ran
  on a worker that died inside the step's transaction (rolled back): RQ would
  only notice when the job's timeout expires, so it counts as lost;

hands calls whose final status arrived before their step started waiting to
the engine (the callback found nothing to resume then), and completes live
executions that have no open step left (two parallel branches
ending at the same moment can each miss the other's end). Re-enqueuing is always
safe: a step's job does nothing unless the step is due.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from automation import queueing
from automation.models import Execution, Step
from automation.status import publish

WAITING_TO_RUN = {JobStatus.QUEUED, JobStatus.DEFERRED}
BATCH = 500


def reconcile(now: datetime | None = None) -> dict[str, int]:
    """Repair what Redis lost or workers left behind; returns counts by kind of repair."""
    now = now or timezone.now()
    return {
        "stalled": _recover_stalled(now),
        "overdue": _requeue_overdue(now),
        "calls": _resume_answered_calls(),
        "finalized": _finalize_idle_executions(now),
    }


def _recover_stalled(now: datetime) -> int:
    cutoff = now - timedelta(seconds=settings.ENGINE_STALL_TIMEOUT)
    recovered = []
    for step in Step.objects.filter(status=Step.Status.RUNNING, started_at__lt=cutoff)[:BATCH]:
        job_id = queueing.new_job_id()
        # Conditional: a worker that finishes right now wins, and the step is left to it.
        if Step.objects.filter(pk=step.pk, status=Step.Status.RUNNING, attempt=step.attempt).update(
            status=Step.Status.PENDING, job_id=job_id, error="Recovered from a stalled worker.", updated_at=now
        ):
            step.status, step.job_id = Step.Status.PENDING, job_id
            publish(step)
            recovered.append((step.pk, job_id))
    queueing.enqueue_steps(recovered)
    return len(recovered)


def _requeue_overdue(now: datetime) -> int:
    cutoff = now - timedelta(seconds=settings.ENGINE_OVERDUE_GRACE)
    candidates = list(
        Step.objects.filter(
            Q(status=Step.Status.PENDING, next_run_at__lt=cutoff)
            | Q(status=Step.Status.PENDING, next_run_at__isnull=True, updated_at__lt=cutoff)
            | Q(status=Step.Status.WAITING, next_run_at__lt=cutoff)
        ).order_by("next_run_at", "id")[:BATCH]
    )
    started_cutoff = now - timedelta(seconds=settings.ENGINE_STALL_TIMEOUT)
    lost = [step for step in candidates if not _job_alive(step.job_id, started_cutoff)]
    for step in lost:
        step.job_id = queueing.new_job_id()
    Step.objects.bulk_update(lost, ["job_id"])
    queueing.enqueue_steps((step.pk, step.job_id) for step in lost)
    return len(lost)


def _resume_answered_calls() -> int:
    from automation.engine import complete_waiting_step
    from automation.models import Delivery

    final = [status for status, rank in Delivery.CALL_RANKS.items() if rank >= Delivery.FINAL_RANK]
    finished_calls = Delivery.objects.filter(step=OuterRef("pk"), channel="voice", status__in=final)
    waiting = Step.objects.filter(status=Step.Status.WAITING, node_type="voice_call").filter(Exists(finished_calls))
    resumed = 0
    for step_id, outcome in waiting.values_list("pk", "deliveries__status")[:BATCH]:
        if outcome in final:
            complete_waiting_step(step_id, outcome=outcome)
            resumed += 1
    return resumed


def _job_alive(job_id: str, started_cutoff: datetime) -> bool:
    """Whether the step's job will still run: queued, deferred, or started recently enough to be running."""
    if not job_id:
        return False
    try:
        job = Job.fetch(job_id, connection=queueing.get_queue().connection)
    except NoSuchJobError:
        return False
    status = job.get_status(refresh=False)  # Job.fetch just read it
    if status == JobStatus.STARTED:
        return job.started_at is not None and job.started_at > started_cutoff
    return status in WAITING_TO_RUN


def _finalize_idle_executions(now: datetime) -> int:
    cutoff = now - timedelta(seconds=settings.ENGINE_OVERDUE_GRACE)
    open_steps = Step.objects.filter(execution=OuterRef("pk"), status__in=Step.OPEN_STATUSES)
    idle = list(Execution.objects.live().filter(updated_at__lt=cutoff).filter(~Exists(open_steps))[:BATCH])
    finalized = 0
    for execution in idle:
        fields: dict[str, Any] = {"status": Execution.Status.COMPLETED, "completed_at": now, "updated_at": now}
        started = execution.started_at or execution.created_at
        fields["duration_ms"] = max(int((now - started).total_seconds() * 1000), 0)
        if Execution.objects.filter(pk=execution.pk, status__in=Execution.LIVE_STATUSES).filter(
            ~Exists(open_steps)
        ).update(**fields):
            execution.status = Execution.Status.COMPLETED
            publish(execution)
            finalized += 1
    return finalized
