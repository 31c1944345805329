"""Database queries per step, by node type: each step's job run in this process under CaptureQueriesContext.

The flow touches every node type that runs without an outside service
(sends go to the dev outbox); the delay is zero-length so it finishes at once.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

from bench import common


def every_node_graph() -> dict[str, Any]:
    from flows.demo import edge, node

    return {
        "nodes": [
            node("start", "trigger", 0, 0),
            node("sms", "send_sms", 0, 100, body="Hi {{ contact.first_name }}"),
            node("wa", "send_whatsapp", 0, 200, body="Hi on WhatsApp"),
            node("mail", "send_email", 0, 300, subject="Hi {{ contact.first_name }}", html="<p>Hello</p>"),
            node("call", "voice_call", 0, 400, script=[{"say": "Hello"}]),
            node("wait", "delay", 0, 500, mode="duration", amount=0, unit="seconds"),
            node("check", "condition", 0, 600, rules=[{"field": "first_name", "operator": "is_set"}]),
            node("tag", "update_contact", 0, 700, actions=[{"op": "add_tag", "tag": "seen"}]),
            node("done", "end", 0, 800),
        ],
        "edges": [
            edge("start", "sms"), edge("sms", "wa"), edge("wa", "mail"), edge("mail", "call"), edge("call", "wait"),
            edge("wait", "check"), edge("check", "tag", "true"), edge("tag", "done"),
        ],
    }


def run_steps_in_process(flow: Any, contact_ids: list[int]) -> dict[str, list[int]]:
    """Run every step of the flow's executions here, one by one; query counts by node type."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from automation import services
    from automation.engine import run_step
    from automation.models import Step

    services.send_flow(flow, contact_ids)
    counts: dict[str, list[int]] = defaultdict(list)
    while True:
        pending = list(Step.objects.filter(execution__flow=flow, status=Step.Status.PENDING).values_list("pk", "node_type"))
        if not pending:
            return counts
        for step_id, node_type in pending:
            with CaptureQueriesContext(connection) as captured:
                run_step(step_id)
            counts[node_type].append(len(captured.captured_queries))


def measure(ws: Any) -> dict[str, Any]:
    flow = common.active_flow(ws, every_node_graph(), name="Every node")
    contact_ids = common.make_contacts(ws, 20, prefix="queries")
    counts = run_steps_in_process(flow, contact_ids)
    common.flush_redis()  # the jobs this enqueued were run here already
    return {node_type: {"median": common.median(values), "max": max(values), "steps": len(values)}
            for node_type, values in sorted(counts.items())}
