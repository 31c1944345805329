"""Bulk send: enrol 10,000 contacts in a flow in one request (the API's ``flows/{id}/send/`` when
this build has it, else the service it calls), timed with its query count. No worker runs: the
10,000 first-step jobs are put on Redis and then dropped."""
from __future__ import annotations

import time
from typing import Any, Callable

from bench import common


def sender(ws: Any) -> tuple[str, Callable[[Any, list[int]], int]]:
    """How to send: (what is measured, function(flow, contact ids) -> executions enrolled)."""
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("api:flow-send", kwargs={"workspace_pk": ws.pk, "pk": 1})
    except NoReverseMatch:
        from automation import services

        return "automation.services.send_flow", lambda flow, ids: len(services.send_flow(flow, ids).enrolled)
    return "POST /api/v1/workspaces/{ws}/flows/{id}/send/", api_sender(ws)


def api_sender(ws: Any) -> Callable[[Any, list[int]], int]:
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from rest_framework.test import APIClient

    from contacts.models import Membership

    user = get_user_model().objects.create_user("bench-admin", password="bench-admin", is_staff=True)
    Membership.objects.create(workspace=ws, user=user, role=Membership.Role.ADMIN)
    client = APIClient()
    client.force_authenticate(user)

    def send(flow: Any, ids: list[int]) -> int:
        url = reverse("api:flow-send", kwargs={"workspace_pk": ws.pk, "pk": flow.pk})
        response = client.post(url, {"contact_ids": ids}, format="json")
        if response.status_code >= 300:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:500]!r}")
        return response.json()["enrolled"]

    return send


def measure(ws: Any, *, contacts: int, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    contact_ids = common.make_contacts(ws, contacts, prefix="bulk")
    how, send = sender(ws)
    timings, queries = [], []
    for run in range(runs):
        flow = common.active_flow(ws, common.three_node_graph(), name=f"Bulk send {run}")
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            enrolled = send(flow, contact_ids)
            timings.append(time.perf_counter() - started)
        if enrolled != contacts:
            raise RuntimeError(f"Enrolled {enrolled} of {contacts} contacts.")
        queries.append(len(captured.captured_queries))
        common.flush_redis()
    return {"via": how, "contacts": contacts, "seconds": common.median(timings), "queries": max(queries),
            "runs": [round(t, 3) for t in timings]}
