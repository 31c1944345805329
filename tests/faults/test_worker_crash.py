"""SIGKILL the worker in the middle of 200 running executions, three times: nothing lost, nothing sent twice.

A kill can land between a send's claim and its request to Twilio, or between
Twilio's answer and our record of it: both leave a claim with no outcome, which
the next attempt settles by asking Twilio (automation.providers.guarded).
"""
import os
import signal

from automation import services
from automation.models import Delivery, Execution, Step
from bench.common import wait_for
from contacts.models import Contact
from tests.faults.conftest import (delivery_figures, live_executions, make_contacts, play_status_callbacks,
                                   reconcile_as_if_later, sms_flow)

EXECUTIONS = 200


def test_killed_workers_lose_and_duplicate_nothing(client, workspace, fake_twilio, workers, burst, figures):
    contacts = make_contacts(workspace, EXECUTIONS)
    services.send_flow(sms_flow(workspace), [c.pk for c in contacts])

    kills = 0
    for kill_after in (40, 100, 160):
        [process] = workers(1)
        wait_for(lambda: len(fake_twilio.requests) >= kill_after, timeout=240, what=f"{kill_after} sends")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1

    callbacks, repairs, rounds = set(), [], 0
    while live_executions() and rounds < 5:  # Twilio reports what it accepted; the reconciler repairs; a worker runs
        play_status_callbacks(client, fake_twilio, callbacks)
        repairs.append(reconcile_as_if_later())
        burst()
        rounds += 1

    counts = delivery_figures(fake_twilio, contacts)
    statuses = sorted(set(Execution.objects.values_list("status", flat=True)))
    figures(executions=EXECUTIONS, kills=kills, repairs=repairs, **counts)
    assert statuses == ["completed"], list(  # what is stuck, for whoever reads the failure
        Step.objects.filter(execution__status__in=Execution.LIVE_STATUSES)
        .values("execution_id", "node_id", "status", "attempt", "job_id", "error", "next_run_at"))
    assert counts == {"expected": EXECUTIONS, "delivered": EXECUTIONS, "duplicates": 0, "lost": 0}
    assert Delivery.objects.exclude(provider_message_id="").count() == EXECUTIONS
    assert all(c.tags == ["welcomed"] for c in Contact.objects.all())
