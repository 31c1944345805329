"""POST a JSON document to an outside URL.

A timeout, a connection error, 429 or a 5xx answer is transient (retried with
backoff); any other 4xx is permanent, and so is a URL that :mod:`outbound`
refuses (an internal address: nothing is sent). The step's idempotency key goes
along as the ``Idempotency-Key`` header so the receiver can recognise retries.
"""
from __future__ import annotations

import requests

from automation.executors.base import Executor, NodeContext, NodeResult, executors
from automation.providers import PermanentProviderError, TransientProviderError
from outbound import http as outbound_http
from outbound.policy import OutboundRefused

MAX_RESPONSE_KEPT = 2000


@executors.register
class WebhookExecutor(Executor):
    node_type = "webhook"
    instant = False

    def run(self, ctx: NodeContext) -> NodeResult:
        url = ctx.config["url"]
        document = {
            "payload": ctx.config.get("payload") or {},
            "contact": ctx.template_context()["contact"],
            "event": ctx.event,
            "execution_id": ctx.execution_id,
            "node_id": ctx.node_id,
        }
        if ctx.is_test:
            return NodeResult(output={"would_post": url, "json": document})
        headers = {**(ctx.config.get("headers") or {}), "Idempotency-Key": ctx.idempotency_key}
        try:
            response = outbound_http.post(url, json=document, headers=headers, timeout=ctx.config.get("timeout", 10))
        except OutboundRefused as exc:
            raise PermanentProviderError(str(exc), provider="webhook") from exc
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise TransientProviderError(f"{type(exc).__name__}: {exc}", provider="webhook") from exc
        except requests.RequestException as exc:
            raise PermanentProviderError(f"{type(exc).__name__}: {exc}", provider="webhook") from exc
        output = {"status_code": response.status_code, "response": response.text[:MAX_RESPONSE_KEPT]}
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientProviderError(f"HTTP {response.status_code}", status=response.status_code, provider="webhook")
        if response.status_code >= 400:
            raise PermanentProviderError(f"HTTP {response.status_code}", status=response.status_code, provider="webhook")
        return NodeResult(output=output)
