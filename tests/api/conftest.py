"""API test fixtures: token-authenticated clients per role, a flow, and recorded executions."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from automation.models import DeadLetter, Execution, Step
from contacts.models import Contact
from flows.demo import welcome_graph
from flows.models import Flow
from tests.engine.conftest import run_jobs  # noqa: F401  (a real RQ worker in burst mode)


def client_for(user: Any) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def admin_api(admin_user) -> APIClient:
    return client_for(admin_user)


@pytest.fixture
def member_api(member_user) -> APIClient:
    return client_for(member_user)


@pytest.fixture
def outsider_api(outsider) -> APIClient:
    return client_for(outsider)


def make_flow(workspace: Any, name: str = "Welcome", **extra: Any) -> Flow:
    return Flow.objects.create(workspace=workspace, name=name, graph=extra.pop("graph", welcome_graph()), **extra)


def make_contact(workspace: Any, n: int = 0, **extra: Any) -> Contact:
    return Contact.objects.create(workspace=workspace, first_name=f"C{n}", phone=f"+1415555{n:04d}", **extra)


def make_execution(flow: Flow, contact: Contact | None, *, status: str = Execution.Status.COMPLETED,
                   duration_ms: int | None = 1000, created_at: Any = None, steps: list[tuple[str, str, str]] = (),
                   **extra: Any) -> Execution:
    """An execution as the engine records it, with (node_id, node_type, status) steps."""
    execution = Execution.objects.create(
        workspace_id=flow.workspace_id, flow=flow, flow_version=flow.current_version, contact=contact,
        status=status, source=extra.pop("source", Execution.Source.MANUAL), duration_ms=duration_ms, **extra,
    )
    if created_at is not None:
        Execution.objects.filter(pk=execution.pk).update(created_at=created_at)
        execution.created_at = created_at
    for node_id, node_type, step_status in steps:
        Step.objects.create(workspace_id=flow.workspace_id, execution=execution, node_id=node_id,
                            node_type=node_type, status=step_status, duration_ms=10)
    return execution


def make_dead_letter(execution: Execution) -> DeadLetter:
    step = Step.objects.create(workspace_id=execution.workspace_id, execution=execution, node_id="sms",
                               node_type="send_sms", status=Step.Status.FAILED, attempt=3, error="Provider down")
    return DeadLetter.objects.create(workspace_id=execution.workspace_id, execution=execution, step=step,
                                     node_id="sms", node_type="send_sms", error="Provider down", attempts=3,
                                     payload={"to": "+14155550000"})


@pytest.fixture
def flow(workspace) -> Flow:
    return make_flow(workspace)


@pytest.fixture
def world(workspace, flow):
    """A small recorded history: three contacts, executions in several states, a dead letter."""
    contacts = [make_contact(workspace, n) for n in range(3)]
    now = timezone.now()
    done = make_execution(flow, contacts[0], steps=[("start", "trigger", "success"), ("sms", "send_sms", "success")],
                          created_at=now - timedelta(minutes=30))
    failed = make_execution(flow, contacts[1], status=Execution.Status.FAILED, duration_ms=3000,
                            steps=[("start", "trigger", "success"), ("sms", "send_sms", "failed")],
                            created_at=now - timedelta(minutes=20))
    waiting = make_execution(flow, contacts[2], status=Execution.Status.WAITING, duration_ms=None,
                             source=Execution.Source.EVENT, steps=[("start", "trigger", "success")],
                             created_at=now - timedelta(minutes=10))
    Step.objects.create(workspace=workspace, execution=waiting, node_id="wait", node_type="delay",
                        status=Step.Status.WAITING, next_run_at=now + timedelta(minutes=5))
    test_run = make_execution(flow, contacts[0], is_test=True, source=Execution.Source.TEST)
    dead_letter = make_dead_letter(failed)
    return {"contacts": contacts, "done": done, "failed": failed, "waiting": waiting, "test": test_run,
            "dead_letter": dead_letter, "now": now}


@pytest.fixture(autouse=True)
def api_test_settings(settings):
    """Fast password hashing (users are created per test), and throttle counts that start at zero.

    Throttles count in the cache by user id, and ids repeat across tests on SQLite.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
