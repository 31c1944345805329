"""Step jobs pushed in bulk are the jobs RQ's own enqueue_many writes, and workers and the reconciler treat them so."""
from __future__ import annotations

import zlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rq import Queue
from rq.job import Job, JobStatus

from automation import services
from automation.job_push import CHUNK, push_jobs
from automation.models import Step
from automation.queueing import get_queue, new_job_ids
from automation.reconciler import reconcile
from automation.worker import ThreadWorker
from tests.engine.conftest import SMS, linear_graph

CALLS: list[int] = []
APART = {b"created_at", b"enqueued_at", b"data"}  # times of enqueueing; data compared decompressed


def record(value: int) -> int:
    CALLS.append(value)
    return value


def test_a_pushed_job_is_stored_as_enqueue_many_stores_it(redis_conn):
    queue = get_queue()
    ours, theirs = new_job_ids(2)
    push_jobs(queue, "automation.engine.run_step", [(41, ours)])
    queue.enqueue_many([Queue.prepare_data("automation.engine.run_step", args=(41,), job_id=theirs)])

    pushed, enqueued = (redis_conn.hgetall(Job.key_for(job_id)) for job_id in (ours, theirs))
    assert pushed.keys() == enqueued.keys()
    assert {k: v for k, v in pushed.items() if k not in APART} == {k: v for k, v in enqueued.items() if k not in APART}
    assert zlib.decompress(pushed[b"data"]) == zlib.decompress(enqueued[b"data"])
    assert queue.get_job_ids() == [ours, theirs]
    assert redis_conn.sismember(Queue.redis_queues_keys, queue.key)
    job = Job.fetch(ours, connection=redis_conn)
    assert (job.func_name, job.args, job.get_status(), job.origin) == (
        "automation.engine.run_step", (41,), JobStatus.QUEUED, queue.name)


def test_thousands_of_jobs_are_queued_in_order(redis_conn):
    queue = get_queue()
    count = 2 * CHUNK + 7  # three script calls
    jobs = list(zip(range(count), new_job_ids(count)))
    push_jobs(queue, "automation.engine.run_step", jobs)

    assert queue.get_job_ids() == [job_id for _, job_id in jobs]
    fetched = Job.fetch_many([job_id for _, job_id in jobs], connection=redis_conn)
    assert [job.args for job in fetched] == [(value,) for value, _ in jobs]
    assert {job.get_status(refresh=False) for job in fetched} == {JobStatus.QUEUED}


def test_a_worker_runs_pushed_jobs(redis_conn):
    queue = get_queue()
    CALLS.clear()
    jobs = list(zip([7, 8, 9], new_job_ids(3)))
    push_jobs(queue, "tests.engine.test_job_push.record", jobs)
    ThreadWorker([queue], connection=queue.connection).work(burst=True)
    assert CALLS == [7, 8, 9]
    assert [job.get_status() for job in Job.fetch_many([job_id for _, job_id in jobs], connection=redis_conn)] == [
        JobStatus.FINISHED] * 3


def test_nothing_to_push_touches_nothing(redis_conn):
    push_jobs(get_queue(), "automation.engine.run_step", [])
    assert redis_conn.keys("*") == []


@pytest.mark.parametrize("count", [1, 3])
def test_new_job_ids_are_distinct_step_ids(count):
    ids = new_job_ids(count)
    assert len(set(ids)) == count
    assert all(job_id.startswith("step-") and len(job_id) == 37 for job_id in ids)


def test_the_reconciler_finds_pushed_jobs_and_restores_lost_ones(make_flow, make_contact, redis_conn,
                                                                 django_capture_on_commit_callbacks):
    flow = make_flow(linear_graph(SMS))
    with django_capture_on_commit_callbacks(execute=True):
        services.send_flow(flow, [make_contact().pk, make_contact().pk])
    later = timezone.now() + timedelta(minutes=10)
    assert reconcile(now=later)["overdue"] == 0  # both jobs queued: nothing to do

    redis_conn.flushdb()
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile(now=later)["overdue"] == 2
    steps = Step.objects.filter(execution__flow=flow)
    assert get_queue().get_job_ids() == list(steps.order_by("next_run_at", "id").values_list("job_id", flat=True))
