"""PostgreSQL drops the worker's connection while a step waits for Twilio: the step is retried, and
nothing is half-done (one message per contact, one tag, every execution completed)."""
import psycopg
from django.db import connection

from automation import services
from automation.models import Execution, Step
from contacts.models import Contact
from tests.faults.conftest import (WORKER_APP, delivery_figures, live_executions, make_contacts,
                                   play_status_callbacks, reconcile_as_if_later, sms_flow)

EXECUTIONS = 10
DROPS = 3


def terminate_worker_connections(request) -> None:
    """Kill the worker's database sessions, as a failover or an idle-session killer would."""
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname=db["NAME"], autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
                      [WORKER_APP])


def test_dropped_database_connection_mid_step(client, workspace, fake_twilio, burst, figures):
    contacts = make_contacts(workspace, EXECUTIONS)
    services.send_flow(sms_flow(workspace), [c.pk for c in contacts])
    drops = []

    def drop_first_ones(request) -> None:
        if len(drops) < DROPS:
            drops.append(request.form["To"])
            terminate_worker_connections(request)

    fake_twilio.before_answer = drop_first_ones
    callbacks, repairs, rounds = set(), [], 0
    burst()
    while live_executions() and rounds < 5:
        play_status_callbacks(client, fake_twilio, callbacks)
        repairs.append(reconcile_as_if_later())
        burst()
        rounds += 1

    counts = delivery_figures(fake_twilio, contacts)
    sms_attempts = sorted(Step.objects.filter(node_id="sms").values_list("attempt", flat=True))
    figures(executions=EXECUTIONS, connections_dropped=len(drops), repairs=repairs, **counts)
    assert len(drops) == DROPS
    assert set(Execution.objects.values_list("status", flat=True)) == {"completed"}
    assert counts == {"expected": EXECUTIONS, "delivered": EXECUTIONS, "duplicates": 0, "lost": 0}
    assert Step.objects.filter(node_id="sms").count() == EXECUTIONS and max(sms_attempts) > 1
    assert all(c.tags == ["welcomed"] for c in Contact.objects.all())
