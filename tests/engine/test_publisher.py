"""The live push's background sender: order per key, batching, best effort, flush, and a forked child."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import threading

import pytest

from automation.publisher import Publisher


class LogRecords(logging.Handler):
    """The publisher's log records (the suite runs without pytest's logging plugin, so no caplog)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def __enter__(self) -> "LogRecords":
        logging.getLogger("automation.publisher").addHandler(self)
        return self

    def __exit__(self, *exc: object) -> None:
        logging.getLogger("automation.publisher").removeHandler(self)


class Recorder:
    """A deliver coroutine that records ``(key, messages)``; the first call can be held back."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, list[object]]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    async def __call__(self, key: object, messages: list[object]) -> None:
        self.started.set()
        while not self.release.is_set():
            await asyncio.sleep(0.01)
        self.calls.append((key, list(messages)))


def test_messages_go_out_in_order_per_key_and_what_piles_up_goes_in_one_send_per_key():
    recorder = Recorder()
    publisher = Publisher(recorder)
    recorder.release.clear()  # the first send is under way while more messages arrive
    publisher.submit(1, ["a"])
    assert recorder.started.wait(5)
    for key, message in [(2, "x"), (1, "b"), (2, "y"), (1, "c")]:
        publisher.submit(key, [message])
    recorder.release.set()
    assert publisher.flush(timeout=5)
    assert recorder.calls == [(1, ["a"]), (2, ["x", "y"]), (1, ["b", "c"])]


def test_a_failing_channel_layer_is_logged_and_never_raised():
    async def broken(key: object, messages: list[object]) -> None:
        raise ConnectionError("redis is down")

    publisher = Publisher(broken)
    with LogRecords() as logs:
        publisher.submit(7, ["a", "b"])
        assert publisher.flush(timeout=5)
    assert logs.messages == ["Could not send 2 live message(s) for 7"]


def test_a_hanging_send_is_given_up_after_its_timeout_and_flush_can_time_out():
    recorder = Recorder()
    recorder.release.clear()
    publisher = Publisher(recorder, send_timeout=0.3)
    publisher.submit(1, ["stuck"])
    assert not publisher.flush(timeout=0.05)
    assert publisher.flush(timeout=5)  # the send timed out: the publisher is free again
    recorder.release.set()
    publisher.submit(1, ["next"])
    assert publisher.flush(timeout=5)
    assert recorder.calls == [(1, ["next"])]


def test_a_full_buffer_drops_new_messages_instead_of_growing():
    recorder = Recorder()
    recorder.release.clear()
    publisher = Publisher(recorder, max_buffered=3)
    publisher.submit(1, ["a"])  # taken by the first drain, held back in its send
    assert recorder.started.wait(5)
    publisher.submit(1, ["b", "c", "d"])
    with LogRecords() as logs:
        publisher.submit(1, ["e"])
    recorder.release.set()
    assert publisher.flush(timeout=5)
    assert recorder.calls == [(1, ["a"]), (1, ["b", "c", "d"])]
    assert logs.messages == ["Dropped 1 live messages: 3 are still waiting to be sent."]


def test_a_forked_job_sends_its_own_messages_before_it_returns_and_not_the_parents(monkeypatch):
    """Like RQ's work horse: a forked child runs one job and leaves with os._exit."""
    from automation import live

    recorder = Recorder()
    publisher = Publisher(recorder)
    monkeypatch.setattr(live, "_publisher", publisher)
    job = live.flushing(lambda: publisher.submit(2, ["child"]))
    publisher.submit(1, ["parent, before the fork"])
    assert publisher.flush(timeout=5)  # the parent's loop thread runs, and the child will not have it
    recorder.release.clear()
    publisher.submit(1, ["parent, pending at the fork"])
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        try:
            recorder.calls.clear()
            threading.Timer(0.2, recorder.release.set).start()  # a slow send: the job must wait for it
            job()
            os.write(write_end, json.dumps({"forked": publisher.forked, "calls": recorder.calls}).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        child = json.loads(pipe.read())
    os.waitpid(pid, 0)
    recorder.release.set()
    assert publisher.flush(timeout=5)
    assert child == {"forked": True, "calls": [[2, ["child"]]]}
    assert not publisher.forked
    assert recorder.calls == [(1, ["parent, before the fork"]), (1, ["parent, pending at the fork"])]


@pytest.mark.django_db(transaction=True)
def test_a_channel_layer_that_is_down_never_fails_the_engine(make_flow, make_contact, run_jobs, settings):
    from automation import live, services
    from automation.models import Execution, OutboxMessage
    from tests.engine.conftest import SMS, linear_graph

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}}  # nothing listens there
    flow = make_flow(linear_graph(SMS))
    contacts = [make_contact() for _ in range(3)]

    with LogRecords() as logs:
        services.send_flow(flow, [c.pk for c in contacts])
        run_jobs()
        assert live.flush(timeout=5)

    assert logs.messages and all(m.startswith("Could not send") for m in logs.messages)
    assert set(Execution.objects.filter(flow=flow).values_list("status", flat=True)) == {"completed"}
    assert OutboxMessage.objects.filter(step__execution__flow=flow).count() == 3
