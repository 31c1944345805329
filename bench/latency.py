"""Trigger latency: a contact is created -> the (fake) Twilio API receives the SMS request.

A warm ``rqworker`` process sends through the real Twilio provider and SDK,
pointed at :class:`tests.fakes.FakeTwilio` served by a threaded local HTTP server
in this process; the clock runs from just before ``Contact.objects.create`` to
the moment the fake received the request.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from bench import common

SAMPLES = 40
WARM_UP = 5


def measure(ws: Any) -> dict[str, Any]:
    from pytest_httpserver import HTTPServer

    from contacts.models import Contact
    from flows.demo import edge, node
    from tests.fakes import FakeTwilio, twilio_env

    common.active_flow(ws, {"nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 100, body="Welcome!")],
                            "edges": [edge("start", "sms")]}, name="Welcome", trigger_type="contact_created")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access log line per request otherwise
    server = HTTPServer(threaded=True)
    server.start()
    fake = FakeTwilio(server)
    latencies = []
    try:
        with common.workers(1, env=twilio_env(server.url_for("/"))):
            for n in range(WARM_UP + SAMPLES):
                seen = len(fake.messages)
                started = time.monotonic()
                Contact.objects.create(workspace=ws, first_name=f"New{n}", phone=f"+1650555{n:04d}")
                common.wait_for(lambda: len(fake.messages) > seen, timeout=60, what="the SMS request", interval=0.001)
                if n >= WARM_UP:
                    latencies.append((fake.messages[seen].received_at - started) * 1000)
    finally:
        server.stop()
    return {"samples": len(latencies), "p50_ms": common.percentile(latencies, 0.5),
            "p95_ms": common.percentile(latencies, 0.95), "max_ms": round(max(latencies), 1)}
