"""The engine's RQ workers.

:class:`EngineWorker` is what ``manage.py rqworker`` runs (``RQ["WORKER_CLASS"]``):
one process, jobs in its main thread. The thread classes run a worker inside
another process (``manage.py runstack``, tests), because signal handlers and
SIGALRM timeouts only work in a process's main thread.
"""
from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable, TypeVar

import django_rq
import redis
from django.conf import settings
from rq.cron import CronScheduler
from rq.exceptions import StopRequested
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty
from rq.worker import SimpleWorker

REDIS_ERRORS = (redis.ConnectionError, redis.TimeoutError)
REDIS_WAIT_MAX = 30  # seconds between two checks whether Redis is back, at most
Method = TypeVar("Method", bound=Callable[..., Any])


class RedisLost(StopRequested):
    """Stops RQ's work loop when Redis went away, so that :class:`EngineWorker` can start it again."""


def _stop_when_redis_is_lost(method: Method) -> Method:
    @functools.wraps(method)
    def guarded(self: "EngineWorker", *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except REDIS_ERRORS as error:
            self.log.warning("Worker %s: lost Redis (%s)", self.name, error)
            self._redis_lost = True
            raise RedisLost() from error

    return guarded  # type: ignore[return-value]


class EngineWorker(SimpleWorker):
    """RQ's SimpleWorker that outlives a Redis restart.

    RQ retries a lost connection only while it waits for a job; one lost while it
    records a job's result or beats its heartbeat ends the process, and a restarted
    Redis has forgotten the worker, its scheduler lock and every job. This worker
    then waits for Redis, registers again and goes on (the reconciler re-enqueues
    what Redis lost, from PostgreSQL). It runs jobs in its own process, without
    RQ's fork per job, which cost a fork and a new database connection every step.
    """

    _redis_lost = False

    execute_job = _stop_when_redis_is_lost(SimpleWorker.execute_job)
    run_maintenance_tasks = _stop_when_redis_is_lost(SimpleWorker.run_maintenance_tasks)
    check_for_suspension = _stop_when_redis_is_lost(SimpleWorker.check_for_suspension)

    @_stop_when_redis_is_lost
    def heartbeat(self, timeout: int | None = None, pipeline: Any = None) -> None:
        """RQ's heartbeat in one round trip; a worker Redis forgot (restarted while it waited) registers again."""
        if pipeline is not None:
            return super().heartbeat(timeout, pipeline)
        with self.connection.pipeline() as beat:
            super().heartbeat(timeout, beat)
            created, *_ = beat.execute()  # HSET's count of new fields: 1 when the worker's key was gone
        if created:
            self.log.warning("Worker %s: Redis forgot this worker, registering again", self.name)
            self.connection.delete(self.key)
            self.register_birth()
        return None

    def work(self, *args: Any, **kwargs: Any) -> bool:
        worked = False
        while True:
            self._redis_lost = False
            try:
                worked = super().work(*args, **kwargs) or worked
            except REDIS_ERRORS:  # RQ's teardown (register death, unsubscribe) while Redis is away
                self._redis_lost = True
            if not self._redis_lost or self._stop_requested or not self._wait_for_redis():
                return worked

    def _wait_for_redis(self) -> bool:
        """Wait until Redis answers again (True), or until asked to stop (False)."""
        pause = 1.0
        try:
            while True:
                try:
                    self.connection.ping()
                    self.register_death()  # whatever Redis still knows of this worker's previous run
                    self.log.warning("Worker %s: Redis is back, starting again", self.name)
                    return True
                except REDIS_ERRORS:
                    time.sleep(pause)
                    pause = min(pause * 2, REDIS_WAIT_MAX)
        except StopRequested:
            return False


class ThreadWorker(SimpleWorker):
    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        """Signals belong to the main thread; the embedding process stops us with ``request_stop``."""

    def _set_ip_address(self, connection: Any) -> None:
        """The worker lives in this process; the embedded Redis' CLIENT INFO is not parseable by redis-py."""
        self.ip_address = "in-process"


class ThreadScheduler(RQScheduler):
    def _install_signal_handlers(self) -> None:
        """See :class:`ThreadWorker`."""


class ThreadCronScheduler(CronScheduler):
    def _install_signal_handlers(self) -> None:
        """See :class:`ThreadWorker`."""


def start_thread_cron(config: str = "automation.cron") -> ThreadCronScheduler:
    """Run RQ's cron scheduler (the engine's periodic jobs, see :mod:`automation.periodic`) in a daemon thread."""
    cron = ThreadCronScheduler(connection=django_rq.get_queue(settings.ENGINE_QUEUE).connection)
    cron.load_config_from_file(config)
    threading.Thread(target=cron.start, name="rq-cron", daemon=True).start()
    return cron


def start_thread_worker(queue_names: tuple[str, ...] = ("default",), *, with_scheduler: bool = True) -> ThreadWorker:
    """Start a worker (and RQ's scheduler for delayed jobs) in daemon threads."""
    queues = [django_rq.get_queue(name) for name in queue_names]
    worker = ThreadWorker(queues, connection=queues[0].connection)
    threading.Thread(target=worker.work, kwargs={"with_scheduler": False}, name="rq-worker", daemon=True).start()
    if with_scheduler:
        scheduler = ThreadScheduler(queues, connection=queues[0].connection, interval=1)
        threading.Thread(target=_run_scheduler, args=(scheduler,), name="rq-scheduler", daemon=True).start()
    return worker


def _run_scheduler(scheduler: ThreadScheduler) -> None:
    scheduler.acquire_locks()
    scheduler.work()
