"""Idempotent API requests: the first answer to a key is stored and replayed, nothing runs twice."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Callable

from django.db import IntegrityError, transaction

from automation.models import IdempotencyKey

MAX_KEY_LENGTH = 200


class KeyReused(Exception):
    """The key was first used with a different request body."""


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def _digest(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _replay(stored: IdempotencyKey, digest: str) -> Answer:
    if stored.request_hash != digest:
        raise KeyReused
    return Answer(stored.status_code, stored.response, replayed=True)


def run_once(workspace: Any, key: str, request_body: Any, run: Callable[[], Answer]) -> Answer:
    """``run()`` the first time ``key`` is seen in ``workspace``; the stored answer afterwards.

    ``run`` and the storing of its answer commit together, so two concurrent
    requests with one key cannot both start work: the second one's insert
    waits for the first, fails on the unique key, rolls back, and replays.
    """
    digest = _digest(request_body)
    keys = IdempotencyKey.objects.for_workspace(workspace)
    stored = keys.filter(key=key).first()
    if stored is not None:
        return _replay(stored, digest)
    try:
        with transaction.atomic():
            answer = run()
            IdempotencyKey.objects.create(workspace=workspace, key=key, request_hash=digest,
                                          status_code=answer.status_code, response=answer.body)
    except IntegrityError:
        stored = keys.filter(key=key).first()
        if stored is None:  # the conflict was not about the key
            raise
        return _replay(stored, digest)
    return answer
