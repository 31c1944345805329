"""Fault suite: real ``rqworker`` processes, PostgreSQL, Redis and the fake Twilio, broken on purpose.

Worker processes share nothing with the test but the database (the test
database, committed: these tests run with ``transaction=True``), Redis and the
fake provider's HTTP server, so the embedded single-process stack cannot run
them. Each test reports its figures through :func:`figures`.
"""
from __future__ import annotations

import os
import subprocess
from datetime import timedelta
from typing import Any, Callable

import pytest
from django.conf import settings
from pytest_httpserver import HTTPServer
from django.db import connection
from django.utils import timezone

from automation import services
from automation.models import Execution
from bench.common import ROOT, start_workers, stop_workers, worker_command
from contacts.models import Contact
from flows.demo import edge, node
from flows.models import Flow
from tests.fakes import PUBLIC_BASE_URL, FakeTwilio, fake_twilio, signed_twilio_post, twilio_env  # noqa: F401

REAL_STACK = os.environ.get("DATABASE_URL", "").startswith("postgres") and bool(os.environ.get("REDIS_URL"))
WORKER_APP = "fault-worker"
RETRY_ENV = {"ENGINE_RETRY_BACKOFF": "1", "ENGINE_RETRY_MAX_BACKOFF": "2", "ENGINE_RETRY_MAX_ATTEMPTS": "3",
             "TWILIO_TIMEOUT": "0.5", "SEND_OUTCOME_SETTLE": "1"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.django_db(transaction=True))
            if not REAL_STACK:
                item.add_marker(pytest.mark.skip(reason="the fault suite needs PostgreSQL and a real Redis "
                                                        "(DATABASE_URL, REDIS_URL): worker processes share them"))


@pytest.fixture
def httpserver():
    """The fake providers' server, threaded: one stalled answer must not hold up every other request."""
    server = HTTPServer(threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def figures(capsys: pytest.CaptureFixture, request: pytest.FixtureRequest) -> Callable[..., None]:
    """Print a test's figures whatever pytest's capture mode (they are the suite's evidence)."""

    def report(**values: Any) -> None:
        with capsys.disabled():
            print(f"\n[faults] {request.node.name}: " + ", ".join(f"{k}={v}" for k, v in values.items()))

    return report


@pytest.fixture
def worker_env(fake_twilio: FakeTwilio, redis_conn: Any) -> dict[str, str]:
    """Environment of worker processes: the test database, Redis, the fake Twilio, short retries."""
    db = connection.settings_dict
    url = (f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
           f"{db['NAME']}?application_name={WORKER_APP}")
    return {"DATABASE_URL": url, "DEBUG": "1", "LOG_LEVEL": "ERROR", "RQ_LOG_LEVEL": "ERROR", **RETRY_ENV,
            **twilio_env(fake_twilio.server.url_for("/"))}


@pytest.fixture
def burst(worker_env: dict[str, str]) -> Callable[..., None]:
    """Run one ``rqworker --burst`` process until the queue is empty."""

    def run(*, scheduler: bool = False) -> None:
        subprocess.run(worker_command(burst=True, scheduler=scheduler), cwd=ROOT, env={**os.environ, **worker_env}, check=True, timeout=120,
                       stdout=subprocess.DEVNULL)

    return run


@pytest.fixture
def workers(worker_env: dict[str, str]):
    """Start long-running worker processes (``start(n, scheduler=...)``); all stopped after the test."""
    started: list[subprocess.Popen] = []

    def start(count: int = 1, **kwargs: Any) -> list[subprocess.Popen]:
        processes = start_workers(count, env=worker_env, **kwargs)
        started.extend(processes)
        return processes

    yield start
    stop_workers(started)


def sms_flow(workspace: Any, *extra: tuple[str, str, dict[str, Any]]) -> Flow:
    """trigger -> [extra nodes] -> send_sms -> update_contact (tag ``welcomed``)."""
    nodes = [node("start", "trigger", 0, 0)]
    chain = [*extra, ("sms", "send_sms", {"body": "Hi {{ contact.first_name }}"}),
             ("tag", "update_contact", {"actions": [{"op": "add_tag", "tag": "welcomed"}]})]
    for index, (node_id, node_type, data) in enumerate(chain, start=1):
        nodes.append(node(node_id, node_type, 0, index * 100, **data))
    ids = [n["id"] for n in nodes]
    flow = Flow.objects.create(workspace=workspace, name="Fault flow", trigger_type="manual", reentry_cooldown=timedelta(0),
                               graph={"nodes": nodes, "edges": [edge(a, b) for a, b in zip(ids, ids[1:])]})
    flow.activate()
    return flow


def make_contacts(workspace: Any, count: int) -> list[Contact]:
    return Contact.objects.bulk_create(
        Contact(workspace=workspace, first_name=f"C{n}", phone=f"+1415666{n:04d}") for n in range(count))


def play_status_callbacks(client: Any, fake: FakeTwilio, done: set[str], status: str = "delivered") -> int:
    """Do what Twilio does after accepting a message: call its status callback (once per message here)."""
    sent = 0
    for request in fake.accepted():
        sid = request.response["sid"]
        if sid in done:
            continue
        path = request.form["StatusCallback"].removeprefix(PUBLIC_BASE_URL)
        response = signed_twilio_post(client, path, {"MessageSid": sid, "MessageStatus": status,
                                                     "AccountSid": request.response["account_sid"]})
        assert response.status_code == 204
        done.add(sid)
        sent += 1
    return sent


def reconcile_as_if_later() -> dict[str, int]:
    """Run the reconciler as it would run once the stall timeout and the overdue grace have passed."""
    later = timezone.now() + timedelta(seconds=max(settings.ENGINE_STALL_TIMEOUT, settings.ENGINE_OVERDUE_GRACE) + 1)
    return services.reconcile(now=later)


def delivery_figures(fake: FakeTwilio, contacts: list[Contact]) -> dict[str, int]:
    """Messages expected (one per contact), delivered, duplicated and lost, counted at the fake Twilio."""
    sent_to = [r.form["To"] for r in fake.accepted()]
    phones = {str(c.phone) for c in contacts}
    return {
        "expected": len(phones),
        "delivered": len(set(sent_to) & phones),
        "duplicates": len(sent_to) - len(set(sent_to)),
        "lost": len(phones - set(sent_to)),
    }


def live_executions() -> int:
    return Execution.objects.filter(status__in=Execution.LIVE_STATUSES).count()

