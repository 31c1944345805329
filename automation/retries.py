"""Retry policy of transient failures: how many attempts, and exponential backoff with jitter.

Configured per node type in ``settings.ENGINE_RETRY`` (``default`` fills the gaps).
Jitter spreads the retries of many steps that failed together (a provider
outage) so they do not all hit the provider again at the same second.
"""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.conf import settings


def policy(node_type: str) -> dict[str, Any]:
    return {**settings.ENGINE_RETRY["default"], **settings.ENGINE_RETRY.get(node_type, {})}


def max_attempts(node_type: str) -> int:
    return int(policy(node_type)["max_attempts"])


def backoff(node_type: str, attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: base * 2^(attempt-1), capped, +/- jitter."""
    rules = policy(node_type)
    base = min(float(rules["backoff"]) * 2 ** max(attempt - 1, 0), float(rules["max_backoff"]))
    spread = base * float(rules["jitter"])
    return timedelta(seconds=max(base + random.uniform(-spread, spread), 0))
