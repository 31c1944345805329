"""The OpenAPI schema validates, and the API keeps to it under schemathesis' generated requests.

Every operation gets a few generated examples, sent in-process to the WSGI app with
an admin's token; path ids point at real objects of the admin's workspace so the
happy paths are exercised too. No 5xx and no response that contradicts the schema.
"""
from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from tests.api.conftest import make_contact, make_dead_letter, make_execution, make_flow

RESOURCE_IDS = {"contacts": "contact", "flows": "flow", "executions": "execution", "dead-letters": "dead_letter"}


def test_docs_page_is_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"/api/schema/" in response.content


def test_schema_validates(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    text = (tmp_path / "schema.yml").read_text()
    for path in ("/api/v1/auth/token/", "/api/v1/workspaces/{workspace_pk}/flows/{id}/activate/",
                 "/api/v1/workspaces/{workspace_pk}/executions/export.csv",
                 "/api/v1/workspaces/{workspace_pk}/analytics/overview/"):
        assert f"  {path}:" in text


@pytest.fixture
def wsgi_requests_keep_the_connection(db):
    """Requests go straight to the WSGI app and stay inside the test's transaction.

    Like Django's test client, this keeps the handler from closing the database
    connection at the end of each request.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(workspace, admin_user):
    flow = make_flow(workspace)
    flow.activate()
    contact = make_contact(workspace, 1)
    execution = make_execution(flow, contact, status="failed", steps=[("start", "trigger", "success")])
    return {
        "token": Token.objects.create(user=admin_user).key,
        "workspace": workspace.pk,
        "contact": contact.pk, "flow": flow.pk, "execution": execution.pk,
        "dead_letter": make_dead_letter(execution).pk,
    }


# Only the fuzzing phase, a few examples per operation: bounded runtime in CI.
FUZZ_CONFIG = SchemathesisConfig.from_dict({
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "generation": {"max-examples": 4, "deterministic": True},
})
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=FUZZ_CONFIG)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_api_keeps_to_its_schema(case, fuzz_world, wsgi_requests_keep_the_connection):
    if "workspace_pk" in (case.path_parameters or {}):
        case.path_parameters["workspace_pk"] = fuzz_world["workspace"]
        match = re.search(r"/workspaces/\{workspace_pk\}/(?:analytics/)?([a-z-]+)/\{(id|pk)\}", case.path)
        if match and match.group(1) in RESOURCE_IDS:
            case.path_parameters[match.group(2)] = fuzz_world[RESOURCE_IDS[match.group(1)]]
    case.call_and_validate(
        headers={"Authorization": f"Token {fuzz_world['token']}"},
        checks=[not_a_server_error, response_schema_conformance],
    )
