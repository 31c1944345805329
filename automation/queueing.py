"""Putting step jobs on RQ, always after the surrounding transaction commits.

A job carries only the step id: the worker loads everything else from the
database, so a job that runs late, twice, or after Redis lost it (and the
reconciler re-enqueued it) acts on the current state. Each enqueue gets a
fresh job id, written on the step in the same transaction that creates or
reschedules it, so the reconciler can ask Redis whether that job still exists.

Redis being unreachable never fails the caller: the rows are committed, and the
reconciler enqueues their steps once Redis is back.
"""
from __future__ import annotations

import logging
import os
import uuid
from datetime import datetime
from typing import Callable, Iterable

import django_rq
from django.conf import settings
from django.db import transaction
from django_rq.connection_utils import get_redis_connection
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from automation.job_push import push_jobs

logger = logging.getLogger(__name__)

RUN_STEP = "automation.engine.run_step"


def new_job_id() -> str:
    return f"step-{uuid.uuid4().hex}"


def new_job_ids(count: int) -> list[str]:
    """``count`` job ids like :func:`new_job_id`'s, from one read of the system's randomness."""
    raw = os.urandom(16 * count).hex()
    return [f"step-{raw[start:start + 32]}" for start in range(0, 32 * count, 32)]


def get_queue() -> Queue:
    """The engine's queue on a Redis client kept for as long as its settings hold.

    ``django_rq.get_queue`` builds a new client (and connection pool) each time,
    so every step would open a fresh TCP connection to enqueue its successors.
    """
    config = settings.RQ_QUEUES[settings.ENGINE_QUEUE]
    key = repr(sorted(config.items()))
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = get_redis_connection(config)
    return django_rq.get_queue(settings.ENGINE_QUEUE, connection=client)


_clients: dict[str, Redis] = {}


def enqueue_steps(steps: Iterable[tuple[int, str]]) -> None:
    """Enqueue ``(step_id, job_id)`` pairs once the transaction commits (a Redis round trip per 1,000)."""
    pairs = list(steps)
    if not pairs:
        return
    transaction.on_commit(_tolerant(lambda: push_jobs(get_queue(), RUN_STEP, pairs), len(pairs)))


def schedule_step(step_id: int, job_id: str, at: datetime) -> None:
    """Enqueue the step's job at ``at`` with RQ's scheduler, once the transaction commits."""
    transaction.on_commit(_tolerant(lambda: get_queue().enqueue_at(at, RUN_STEP, step_id, job_id=job_id), 1))


def _tolerant(push: Callable[[], object], count: int) -> Callable[[], None]:
    def run() -> None:
        try:
            push()
        except RedisError as exc:
            logger.warning("Could not enqueue %s step job(s) (%s); the reconciler will enqueue them.", count, exc)

    return run
