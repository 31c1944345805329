"""A per-process background sender: callers append to a buffer, one event loop thread drains it.

Why: ``async_to_sync(layer.group_send)`` per message builds a new event loop, a
new thread and a new Redis connection every time; a worker paid that two or
three times per step, about half of the step's time. Here the loop and its
connections live as long as the process, callers never wait for the network,
and whatever piled up while a send was under way goes out in the next drain,
grouped per key (one group send per workspace instead of one per message).

The buffer is process-local: a forked child (RQ's work horse) starts with an
empty one and its own loop thread on first use (:attr:`Publisher.forked` tells
it is one), and must :meth:`Publisher.flush` before it leaves with ``os._exit``,
which waits for no thread.
"""
from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any, Awaitable, Callable, Hashable

logger = logging.getLogger(__name__)

Deliver = Callable[[Hashable, list[Any]], Awaitable[None]]


class Publisher:
    """Sends ``(key, messages)`` in submission order per key, best effort: failures are logged, never raised."""

    def __init__(self, deliver: Deliver, *, send_timeout: float = 5.0, max_buffered: int = 100_000) -> None:
        self._deliver = deliver
        self._send_timeout = send_timeout
        self._max_buffered = max_buffered
        self.forked = False
        self._start_empty()
        os.register_at_fork(after_in_child=self._start_in_child)

    def _start_in_child(self) -> None:
        """The parent sends what it buffered; its loop thread did not come along."""
        self.forked = True
        self._start_empty()

    def _start_empty(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._buffer: list[tuple[Hashable, Any]] = []
        self._draining = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def submit(self, key: Hashable, messages: list[Any]) -> None:
        """Queue ``messages`` for ``key``; returns at once."""
        with self._lock:
            if len(self._buffer) + len(messages) > self._max_buffered:
                logger.warning("Dropped %s live messages: %s are still waiting to be sent.",
                               len(messages), len(self._buffer))
                return
            self._buffer.extend((key, message) for message in messages)
            if self._draining:
                return
            self._draining = True
            loop = self._running_loop()
        loop.call_soon_threadsafe(loop.create_task, self._drain())

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything submitted so far was sent (or given up on); False on timeout."""
        with self._lock:
            return self._idle.wait_for(lambda: not self._draining, timeout)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            threading.Thread(target=self._loop.run_forever, name="live-publisher", daemon=True).start()
        return self._loop

    async def _drain(self) -> None:
        while True:
            with self._lock:
                pending, self._buffer = self._buffer, []
                if not pending:
                    self._draining = False
                    self._idle.notify_all()
                    return
            await self._send(pending)

    async def _send(self, pending: list[tuple[Hashable, Any]]) -> None:
        by_key: dict[Hashable, list[Any]] = {}
        for key, message in pending:
            by_key.setdefault(key, []).append(message)
        for key, messages in by_key.items():
            try:
                await asyncio.wait_for(self._deliver(key, messages), self._send_timeout)
            except Exception:  # best effort: the caller's work is done and must not fail for this
                logger.exception("Could not send %s live message(s) for %s", len(messages), key)
