"""Run the whole product in one process: web server (HTTP + WebSockets), worker, scheduler and cron.

This is what ``make run`` starts. Without ``REDIS_URL`` it also serves the
embedded Redis; with it, the worker threads use the real Redis (and you may
add any number of ``manage.py rqworker --with-scheduler`` processes elsewhere).
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from automation.reconciler import reconcile
from automation.worker import start_thread_cron, start_thread_worker
from config.embedded import start_embedded_redis


class Command(BaseCommand):
    help = "Serve the app on ADDRPORT with an in-process RQ worker, scheduler and cron (periodic jobs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--workers", type=int, default=1, help="Worker threads to run in this process.")

    def handle(self, *args: Any, addrport: str, workers: int, **options: Any) -> None:
        url = start_embedded_redis()
        if url:
            self.stdout.write(f"Embedded Redis on {url}")
        for index in range(max(workers, 0)):
            start_thread_worker(with_scheduler=index == 0)
        start_thread_cron()
        if url:
            # A fresh embedded Redis holds no jobs: queue every step the database says
            # is due now (the demo's first steps, or a run cut short by a restart).
            repaired = reconcile(now=timezone.now() + timedelta(seconds=settings.ENGINE_OVERDUE_GRACE))
            self.stdout.write(f"Queued the steps that were waiting for a worker: {repaired}.")
        self.stdout.write(f"{workers} worker thread(s), the scheduler and the periodic jobs (reconciler, schedules) started.")
        call_command("runserver", addrport, use_reloader=False)
