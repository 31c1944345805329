"""Shared fixtures: workspaces, users and a clean queue on the configured Redis."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from config.embedded import start_embedded_redis


def pytest_configure(config: pytest.Config) -> None:
    start_embedded_redis()


@pytest.fixture
def redis_conn():
    """The queue's Redis (embedded or real), emptied before and after the test."""
    import django_rq

    connection = django_rq.get_connection("default")
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def workspace(db):
    from contacts.models import Workspace

    return Workspace.objects.create(name="Acme", slug="acme")


@pytest.fixture
def other_workspace(db):
    from contacts.models import Workspace

    return Workspace.objects.create(name="Globex", slug="globex")


def _user(username: str, **extra):
    return get_user_model().objects.create_user(username=username, password="pw-" + username, **extra)


@pytest.fixture
def admin_user(workspace):
    """An ``admin`` member of ``workspace`` (staff, not superuser)."""
    from contacts.models import Membership

    user = _user("alice", is_staff=True)
    Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def member_user(workspace):
    """A read-only ``member`` of ``workspace``."""
    from contacts.models import Membership

    user = _user("bob", is_staff=True)
    Membership.objects.create(workspace=workspace, user=user, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def outsider(other_workspace):
    """An ``admin`` of the other workspace only."""
    from contacts.models import Membership

    user = _user("mallory", is_staff=True)
    Membership.objects.create(workspace=other_workspace, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def outbound_to_localhost(settings):
    """Let webhook nodes and alert webhooks call the local test HTTP server (refused by default)."""
    settings.OUTBOUND_ALLOW_PRIVATE_NETWORKS = True
