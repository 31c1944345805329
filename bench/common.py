"""What every benchmark needs: the bench database and Redis, Django, worker processes, a flow, contacts.

The benchmarks measure the real stack (PostgreSQL, Redis, ``manage.py rqworker``
processes), so nothing here stands in for the product: it only prepares data
and starts and stops processes.
"""
from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/flows_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
# Another RQ worker class to measure; by default the one production runs (settings.RQ).
WORKER_CLASS = os.environ.get("BENCH_WORKER_CLASS", "")


def configure_environment() -> dict[str, str]:
    """Point this process (and the workers it starts) at the bench database and Redis."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("RQ_LOG_LEVEL", "WARNING")
    os.environ.setdefault("DB_CONN_MAX_AGE", "600")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return {"database_url": os.environ["DATABASE_URL"], "redis_url": os.environ["REDIS_URL"]}


def recreate_database(url: str) -> None:
    """Drop and create the bench database (only one whose name says it is a bench database)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"Refusing to recreate {name!r}: the bench database's name must contain 'bench'.")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                     "AND pid <> pg_backend_pid()", [name])
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def flush_redis() -> None:
    import django_rq

    django_rq.get_connection("default").flushdb()


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(int(round(share * (len(ordered) - 1))), len(ordered) - 1)], 2)


# --- worker processes -------------------------------------------------------------------
def worker_command(*, burst: bool = False, scheduler: bool = False) -> list[str]:
    """``manage.py rqworker`` on the engine's queue, quiet, as a bench or fault test starts it."""
    return [sys.executable, str(ROOT / "manage.py"), "rqworker", "default", "-v", "0",
            *(["--worker-class", WORKER_CLASS] if WORKER_CLASS else []),
            *(["--burst"] if burst else []), *(["--with-scheduler"] if scheduler else [])]


def start_workers(count: int, *, env: dict[str, str] | None = None, scheduler: bool = False) -> list[subprocess.Popen]:
    """Start ``count`` ``manage.py rqworker`` processes and wait until all registered with Redis."""
    from rq import Worker

    from automation.queueing import get_queue

    connection = get_queue().connection
    before = Worker.count(connection=connection)
    processes = [
        subprocess.Popen(worker_command(scheduler=scheduler), cwd=ROOT, env={**os.environ, **(env or {})}, start_new_session=True,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    wait_for(lambda: Worker.count(connection=connection) >= before + count, timeout=60, what="workers to start")
    return processes


def stop_workers(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def workers(count: int, **kwargs: Any) -> Iterator[list[subprocess.Popen]]:
    processes = start_workers(count, **kwargs)
    try:
        yield processes
    finally:
        stop_workers(processes)


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"Timed out after {timeout}s waiting for {what}.")
        time.sleep(interval)


# --- data ---------------------------------------------------------------------------------
def workspace(slug: str = "bench") -> Any:
    from contacts.models import Workspace

    return Workspace.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def three_node_graph() -> dict[str, Any]:
    """trigger -> send_sms -> condition -> update_contact (the flow the throughput figures run)."""
    from flows.demo import edge, node

    return {
        "nodes": [
            node("start", "trigger", 0, 0),
            node("sms", "send_sms", 0, 100, body="Hi {{ contact.first_name }}, thanks for signing up!"),
            node("check", "condition", 0, 200, rules=[{"field": "first_name", "operator": "is_set"}]),
            node("tag", "update_contact", 0, 300, actions=[{"op": "add_tag", "tag": "welcomed"}]),
        ],
        "edges": [edge("start", "sms"), edge("sms", "check"), edge("check", "tag", "true")],
    }


def active_flow(ws: Any, graph: dict[str, Any], *, name: str, trigger_type: str = "manual") -> Any:
    from datetime import timedelta

    from flows.models import Flow

    flow = Flow.objects.create(workspace=ws, name=name, graph=graph, trigger_type=trigger_type,
                               reentry_cooldown=timedelta(0))
    flow.activate()
    return flow


def make_contacts(ws: Any, count: int, *, prefix: str) -> list[int]:
    """Bulk-create ``count`` contacts (unique phones and emails per ``prefix``); their ids."""
    from contacts.models import Contact

    base = sum(ord(c) for c in prefix) % 90 * 100_000
    contacts = [
        Contact(workspace=ws, first_name=f"Ann{n}", phone=f"+1415{base + n:07d}", email=f"{prefix}{n}@example.com")
        for n in range(count)
    ]
    return [c.pk for c in Contact.objects.bulk_create(contacts, batch_size=2000)]
