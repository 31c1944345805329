"""The periodic jobs (reconciler, schedule triggers) run from RQ's cron scheduler and the management command."""
from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rq.cron import CronScheduler

from automation import services
from automation.models import Execution, Step
from automation.queueing import get_queue
from flows.models import Flow
from tests.engine.conftest import SMS, linear_graph

pytestmark = pytest.mark.django_db(transaction=True)


def test_cron_config_runs_the_reconciler_and_the_schedules_every_minute(make_flow, make_contact, run_jobs):
    flow = make_flow(linear_graph(SMS), trigger_type="schedule", trigger_config={"cron": "* * * * *"})
    Flow.objects.filter(pk=flow.pk).update(updated_at=timezone.now() - timedelta(minutes=5))
    contact = make_contact()
    cron = CronScheduler(connection=get_queue().connection)
    cron.load_config_from_file("automation.cron")
    assert sorted((job.func_name, job.interval) for job in cron.get_jobs()) == [
        ("automation.periodic.reconcile_job", 60), ("automation.periodic.schedule_triggers_job", 60),
        ("monitoring.alerts.evaluate_alerts_job", 60), ("monitoring.rollups.fold_job", 60)]

    assert len(cron.enqueue_jobs()) == 4
    run_jobs()

    execution = Execution.objects.get(flow=flow)
    assert (execution.contact_id, execution.source, execution.status) == (contact.pk, "schedule", "completed")
    assert cron.enqueue_jobs() == []  # not again within the minute


def test_reconcile_command_requeues_lost_jobs(make_flow, make_contact, run_jobs, redis_conn):
    execution = services.send_flow(make_flow(linear_graph(SMS)), [make_contact().pk]).enrolled[0]
    redis_conn.flushdb()  # the job is lost before any worker saw it
    Step.objects.filter(execution=execution).update(updated_at=timezone.now() - timedelta(minutes=5))

    out = StringIO()
    call_command("reconcile", stdout=out)
    assert out.getvalue().strip() == "stalled: 0, overdue: 1, calls: 0, finalized: 0"
    run_jobs()
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED


def test_reconciler_completes_a_live_execution_with_no_open_step(make_flow, make_contact, run_jobs):
    """Two branches that end at the same moment can each miss the other's end; the reconciler closes the run."""
    execution = services.send_flow(make_flow(linear_graph(SMS)), [make_contact().pk]).enrolled[0]
    run_jobs()
    Execution.objects.filter(pk=execution.pk).update(status=Execution.Status.RUNNING, completed_at=None)
    assert services.reconcile()["finalized"] == 0  # within the grace period
    assert services.reconcile(now=timezone.now() + timedelta(minutes=5))["finalized"] == 1
    execution.refresh_from_db()
    assert execution.status == Execution.Status.COMPLETED and execution.completed_at
