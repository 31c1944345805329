"""Redis is killed and restarted empty while executions wait on delays and a worker is busy.

The worker must survive the outage (it waits for Redis and registers again), and
the reconciler restores every step whose job Redis lost from PostgreSQL: none
lost, none sent twice. The Redis here is a
private ``redis-server`` of this test (the machine's one is shared), with no
persistence, so a restart loses everything, as a crashed cache node would.
"""
from __future__ import annotations

import socket
import subprocess
import time
from typing import Any, Iterator

import pytest
import redis
from rq import Worker

from automation import services
from automation.models import Execution, Step
from bench.common import wait_for
from tests.faults.conftest import delivery_figures, live_executions, make_contacts, reconcile_as_if_later, sms_flow

EXECUTIONS = 50


class PrivateRedis:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _answers(client), timeout=10, what="the private redis-server")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.kill()
        self.start()
        self.restarts += 1


def _answers(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def private_redis(settings: Any) -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    settings.RQ_QUEUES = {name: {**config, "URL": server.url} for name, config in settings.RQ_QUEUES.items()}
    yield server
    server.kill()


@pytest.fixture
def worker_env(worker_env: dict[str, str], private_redis: PrivateRedis) -> dict[str, str]:
    return {**worker_env, "REDIS_URL": private_redis.url}


def test_restarted_redis_loses_no_execution(workspace, fake_twilio, private_redis, workers, figures):
    contacts = make_contacts(workspace, EXECUTIONS)
    flow = sms_flow(workspace, ("wait", "delay", {"mode": "duration", "amount": 2, "unit": "seconds"}))
    workers(1, scheduler=True)
    services.send_flow(flow, [c.pk for c in contacts])
    waiting = Step.objects.filter(node_id="wait", status=Step.Status.WAITING)
    wait_for(lambda: waiting.count() >= EXECUTIONS // 2, timeout=60, what="half the executions to wait on a delay")

    # Half wait on their delay, the worker is busy with the others: every queued and
    # scheduled job is gone, every connection broken, the worker and its scheduler forgotten.
    private_redis.restart()
    repairs: list[dict[str, int]] = []
    deadline = time.monotonic() + 120
    while live_executions() and time.monotonic() < deadline:
        time.sleep(1)
        repairs.append(reconcile_as_if_later())  # the reconciler's periodic run

    counts = delivery_figures(fake_twilio, contacts)
    restored = sum(r["overdue"] + r["stalled"] for r in repairs)
    workers_registered = Worker.count(connection=redis.Redis.from_url(private_redis.url))
    figures(executions=EXECUTIONS, redis_restarts=private_redis.restarts, restored_steps=restored,
            workers_registered=workers_registered, **counts)
    assert restored >= EXECUTIONS // 2
    assert set(Execution.objects.values_list("status", flat=True)) == {"completed"}
    assert counts == {"expected": EXECUTIONS, "delivered": EXECUTIONS, "duplicates": 0, "lost": 0}
    assert workers_registered == 1  # the worker lived through it and registered again


def _now():
    from django.utils import timezone

    return timezone.now()
