"""RQ workers that run inside another process's threads (``manage.py runstack``, tests).

Production runs ``manage.py rqworker --with-scheduler`` processes instead; these
classes exist because signal handlers and SIGALRM timeouts only work in a
process's main thread.
"""
from __future__ import annotations

import threading
from typing import Any

import django_rq
from django.conf import settings
from rq.cron import CronScheduler
from rq.scheduler import RQScheduler
from rq.timeouts import TimerDeathPenalty
from rq.worker import SimpleWorker


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
