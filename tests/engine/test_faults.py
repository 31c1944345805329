"""Correct under failure: duplicate jobs, a flushed Redis, killed workers, flaky and broken providers."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rq.job import JobStatus
from rq.registry import ScheduledJobRegistry

from automation import services
from automation.engine import run_step
from automation.models import DeadLetter, Execution, OutboxMessage, Step
from automation.queueing import get_queue
from automation.reconciler import reconcile
from tests.engine.conftest import SMS, linear_graph

pytestmark = pytest.mark.django_db(transaction=True)

DELAY = ("wait", "delay", {"mode": "duration", "amount": 5, "unit": "minutes"})
EMAIL = ("email", "send_email", {"subject": "Hello", "text": "Hello {{ contact.first_name }}"})


def test_a_job_executed_twice_sends_once(make_flow, make_contact, run_jobs, recording_provider):
    flow = make_flow(linear_graph(SMS))
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    run_jobs()
    sms = Step.objects.get(execution=execution, node_id="sms")
    assert sms.status == Step.Status.SUCCESS and len(recording_provider.calls) == 1

    # The same job again: run directly, and enqueued again for a real worker.
    assert run_step(sms.pk) == "step already success"
    get_queue().enqueue("automation.engine.run_step", sms.pk)
    run_jobs()

    assert len(recording_provider.calls) == 1
    assert recording_provider.calls[0].idempotency_key == str(sms.idempotency_key)
    assert Step.objects.filter(execution=execution).count() == 2


def test_a_step_whose_send_was_recorded_is_never_sent_again(make_flow, make_contact, run_jobs, recording_provider):
    """A worker sent, then lost its claim (stall recovery): the send was kept, the step runs again without sending."""
    flow = make_flow(linear_graph(SMS))
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    run_jobs()
    sms = Step.objects.get(execution=execution, node_id="sms")
    Step.objects.filter(pk=sms.pk).update(status=Step.Status.PENDING)
    Execution.objects.filter(pk=execution.pk).update(status=Execution.Status.RUNNING)

    run_step(sms.pk)

    sms.refresh_from_db()
    assert sms.status == Step.Status.SUCCESS and sms.output["provider_message_id"] == "RC1"
    assert len(recording_provider.calls) == 1
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED


def test_redis_flushed_while_waiting_on_a_delay_the_reconciler_restores_it(make_flow, make_contact, run_jobs,
                                                                           redis_conn):
    flow = make_flow(linear_graph(SMS, DELAY, EMAIL))
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    run_jobs()
    wait = Step.objects.get(execution=execution, node_id="wait")
    assert wait.status == Step.Status.WAITING

    redis_conn.flushdb()
    assert ScheduledJobRegistry(queue=get_queue()).count == 0
    assert reconcile(now=wait.next_run_at - timedelta(seconds=1)) == {"stalled": 0, "overdue": 0, "calls": 0, "finalized": 0}
    counts = reconcile(now=wait.next_run_at + timedelta(minutes=2))
    assert counts["overdue"] == 1
    run_jobs()

    execution.refresh_from_db()
    assert execution.status == Execution.Status.COMPLETED
    assert list(execution.steps.values_list("node_id", "status")) == [
        ("start", "success"), ("sms", "success"), ("wait", "success"), ("email", "success")]
    assert OutboxMessage.objects.filter(step__execution=execution).count() == 2


def test_a_step_left_running_by_a_killed_worker_is_recovered(make_flow, make_contact, run_jobs, redis_conn,
                                                             recording_provider):
    flow = make_flow(linear_graph(SMS))
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    run_step(execution.steps.get().pk)  # the trigger; the SMS step is created and its job queued
    sms = Step.objects.get(execution=execution, node_id="sms")
    # The worker took the SMS job, marked the step running and died: its job is gone with it.
    redis_conn.flushdb()
    started = timezone.now() - timedelta(hours=1)
    Step.objects.filter(pk=sms.pk).update(status=Step.Status.RUNNING, attempt=1, started_at=started)

    assert reconcile(now=started + timedelta(minutes=1))["stalled"] == 0  # not yet past the stall timeout
    assert reconcile()["stalled"] == 1
    run_jobs()

    sms.refresh_from_db()
    assert sms.status == Step.Status.SUCCESS and sms.attempt == 2
    assert len(recording_provider.calls) == 1
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED


def test_a_job_started_by_a_worker_that_died_before_its_step_committed_is_requeued(make_flow, make_contact,
                                                                                     run_jobs, settings):
    """The worker dequeued the job (RQ: started) and died inside the step's transaction (rolled back: pending)."""
    flow = make_flow(linear_graph(SMS))
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    start = execution.steps.get()
    job = get_queue().fetch_job(start.job_id)
    job.set_status(JobStatus.STARTED)
    job.started_at = timezone.now()
    job.save()
    get_queue().remove(job)

    later = timezone.now() + timedelta(seconds=settings.ENGINE_OVERDUE_GRACE + 1)
    assert reconcile(now=later)["overdue"] == 0  # RQ says it runs, and it may: not yet past the stall timeout
    later += timedelta(seconds=settings.ENGINE_STALL_TIMEOUT)
    assert reconcile(now=later)["overdue"] == 1
    run_jobs()

    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED
    assert OutboxMessage.objects.filter(step__execution=execution).count() == 1


def test_transient_failures_are_retried_with_backoff_and_sent_once(make_flow, make_contact, run_jobs,
                                                                   release_scheduled_jobs, flaky_provider):
    flaky_provider.failures = 2
    flow = make_flow(linear_graph(SMS))
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    waits = []
    for attempt in (1, 2):
        run_jobs()
        sms = Step.objects.get(execution=execution, node_id="sms")
        assert (sms.status, sms.attempt) == (Step.Status.PENDING, attempt)
        assert "Service unavailable" in sms.error and sms.output["http_status"] == 503
        assert ScheduledJobRegistry(queue=get_queue()).get_job_ids() == [sms.job_id]
        waits.append((sms.next_run_at - sms.started_at).total_seconds())
        assert release_scheduled_jobs() == [sms.job_id]
    run_jobs()

    # Exponential backoff (30 s, then 60 s) with +/-25 % jitter.
    assert 22.5 <= waits[0] <= 37.5 and 45 <= waits[1] <= 75
    sms.refresh_from_db()
    assert (sms.status, sms.attempt, sms.error) == (Step.Status.SUCCESS, 3, "")
    assert flaky_provider.attempts == 3
    assert OutboxMessage.objects.filter(step=sms).count() == 1
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED


def test_always_failing_becomes_a_dead_letter_and_retrying_it_completes(make_flow, make_contact, run_jobs,
                                                                        release_scheduled_jobs, flaky_provider):
    flaky_provider.failures = 3
    flow = make_flow(linear_graph(SMS, EMAIL))
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    run_jobs()
    while release_scheduled_jobs():
        run_jobs()

    execution.refresh_from_db()
    assert execution.status == Execution.Status.FAILED and "Service unavailable" in execution.error
    dead = DeadLetter.objects.get(execution=execution)
    assert (dead.node_id, dead.attempts, dead.status) == ("sms", 3, DeadLetter.Status.OPEN)
    assert dead.payload["config"]["body"] == "Hi {{ contact.first_name }}"
    assert dead.step.status == Step.Status.FAILED

    step = services.retry_dead_letter(dead)
    run_jobs()

    execution.refresh_from_db()
    assert execution.status == Execution.Status.COMPLETED and execution.error == ""
    step.refresh_from_db()
    assert step.status == Step.Status.SUCCESS and step.previous_step_id == dead.step_id
    assert DeadLetter.objects.get(pk=dead.pk).status == DeadLetter.Status.RETRIED
    assert OutboxMessage.objects.filter(step__execution=execution).count() == 2
    with pytest.raises(Exception, match="already retried"):
        services.retry_dead_letter(dead)


@pytest.fixture
def failed_execution(make_flow, make_contact, run_jobs, settings, flaky_provider) -> Execution:
    """An SMS flow that failed at once: one attempt allowed, and the provider fails once."""
    settings.ENGINE_RETRY = {"default": {**settings.ENGINE_RETRY["default"], "max_attempts": 1}}
    flaky_provider.failures = 1
    execution = services.send_flow(make_flow(linear_graph(SMS)), [make_contact().pk]).enrolled[0]
    run_jobs()
    execution.refresh_from_db()
    assert execution.status == Execution.Status.FAILED
    return execution


def test_a_dead_letter_can_be_discarded(failed_execution):
    dead = DeadLetter.objects.get(execution=failed_execution)
    services.discard_dead_letter(dead)
    dead.refresh_from_db()
    assert dead.status == DeadLetter.Status.DISCARDED and dead.resolved_at
    assert Execution.objects.get().status == Execution.Status.FAILED


def test_cancel_stops_before_the_next_step_and_delayed_jobs_do_nothing(make_flow, make_contact, run_jobs,
                                                                        release_scheduled_jobs):
    flow = make_flow(linear_graph(SMS, DELAY, EMAIL))
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    run_jobs()

    services.cancel_execution(execution)
    assert release_scheduled_jobs()
    run_jobs()

    execution.refresh_from_db()
    assert execution.status == Execution.Status.CANCELLED and execution.cancel_requested
    assert list(execution.steps.values_list("node_id", "status")) == [
        ("start", "success"), ("sms", "success"), ("wait", "cancelled")]
    assert not OutboxMessage.objects.filter(channel="email").exists()
    with pytest.raises(Exception, match="already cancelled"):
        services.cancel_execution(execution)


def test_retry_execution_starts_a_new_execution(failed_execution, run_jobs):
    failed = failed_execution
    retry = services.retry_execution(failed)
    run_jobs()

    retry.refresh_from_db()
    assert (retry.source, retry.retry_of_id, retry.status) == ("retry", failed.pk, Execution.Status.COMPLETED)
    with pytest.raises(Exception, match="Only failed or cancelled"):
        services.retry_execution(retry)


def test_enrolling_while_redis_is_down_loses_nothing(make_flow, make_contact, run_jobs, settings):
    flow = make_flow(linear_graph(SMS))
    queues = settings.RQ_QUEUES
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}  # nothing listens there
    execution = services.send_flow(flow, [make_contact().pk]).enrolled[0]
    settings.RQ_QUEUES = queues

    step = Step.objects.get(execution=execution)
    assert step.status == Step.Status.PENDING
    assert reconcile(now=step.updated_at + timedelta(minutes=2))["overdue"] == 1
    run_jobs()
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED
