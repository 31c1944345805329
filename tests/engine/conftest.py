"""Engine fixtures: flows, contacts, a real RQ worker in burst mode, provider stand-ins."""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, Callable

import pytest
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from automation.queueing import get_queue
from automation.worker import ThreadWorker
from contacts.models import Contact
from flows.demo import edge, node
from flows.models import Flow
from tests.engine.providers import FlakyProvider, RecordingProvider


def linear_graph(*steps: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    """trigger -> each (id, type, data) in order."""
    nodes = [node("start", "trigger", 0, 0)]
    edges = []
    previous = "start"
    for index, (node_id, node_type, data) in enumerate(steps, start=1):
        nodes.append(node(node_id, node_type, 0, index * 100, **data))
        edges.append(edge(previous, node_id))
        previous = node_id
    return {"nodes": nodes, "edges": edges}


SMS = ("sms", "send_sms", {"body": "Hi {{ contact.first_name }}"})


@pytest.fixture
def make_flow(workspace) -> Callable[..., Flow]:
    def make(graph: dict[str, Any], *, active: bool = True, **fields: Any) -> Flow:
        fields.setdefault("reentry_cooldown", timedelta(0))
        flow = Flow.objects.create(workspace=workspace, name=fields.pop("name", "Flow"), graph=graph, **fields)
        if active:
            flow.activate()
        return flow

    return make


@pytest.fixture
def make_contact(workspace) -> Callable[..., Contact]:
    counter = iter(range(1, 100_000))

    def make(**fields: Any) -> Contact:
        n = next(counter)
        fields.setdefault("first_name", f"Ann{n}")
        fields.setdefault("phone", f"+1415555{n:04d}")
        fields.setdefault("email", f"ann{n}@example.com")
        return Contact.objects.create(workspace=workspace, **fields)

    return make


@pytest.fixture
def run_jobs(redis_conn) -> Callable[[], int]:
    """Run every queued job (and those they enqueue) with a real RQ worker in burst mode."""

    def run() -> int:
        queue = get_queue()
        worker = ThreadWorker([queue], connection=queue.connection)
        worker.work(burst=True)
        return worker.successful_job_count

    return run


@pytest.fixture
def release_scheduled_jobs(redis_conn) -> Callable[[], list[str]]:
    """Move time for RQ: make every scheduled job due, and let RQ's scheduler enqueue them."""

    def release() -> list[str]:
        queue = get_queue()
        registry = ScheduledJobRegistry(queue=queue)
        job_ids = registry.get_job_ids()
        past = int(time.time()) - 1
        if job_ids:
            registry.connection.zadd(registry.key, {job_id: past for job_id in job_ids})
        scheduler = RQScheduler([queue], connection=queue.connection)
        scheduler.acquire_locks()
        scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()
        return job_ids

    return release


@pytest.fixture
def recording_provider(settings):
    RecordingProvider.calls = []
    RecordingProvider.outcome = None
    settings.MESSAGE_PROVIDERS = {c: "tests.engine.providers.RecordingProvider" for c in RecordingProvider.channels}
    return RecordingProvider


@pytest.fixture
def flaky_provider(settings):
    FlakyProvider.failures = 0
    FlakyProvider.attempts = 0
    settings.MESSAGE_PROVIDERS = {c: "tests.engine.providers.FlakyProvider" for c in FlakyProvider.channels}
    return FlakyProvider
