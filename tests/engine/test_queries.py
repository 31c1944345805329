"""Query budgets: one node step costs at most 6 queries; enrolling N contacts costs a constant number."""
from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from automation import services
from automation.engine import run_step
from automation.models import Execution, Step
from contacts.models import Contact
from tests.engine.test_run_flow import sms_delay_condition_email

pytestmark = pytest.mark.django_db(transaction=True)


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def statements(queries: CaptureQueriesContext) -> list[str]:
    """The SQL statements run, without transaction control (psycopg 3 logs BEGIN / COMMIT too)."""
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


def test_each_node_step_costs_at_most_six_queries(make_flow, make_contact, redis_conn):
    flow = make_flow(sms_delay_condition_email())
    execution = services.send_flow(flow, [make_contact(tags=["vip"]).pk]).enrolled[0]
    counts = []
    while True:
        step = Step.objects.filter(execution=execution, status__in=["pending", "waiting"]).first()
        if step is None:
            break
        with CaptureQueriesContext(connection) as queries:
            run_step(step.pk)
        counts.append((step.node_id, len(statements(queries))))
    # The delay runs twice: scheduled, then resumed. The sends include the dev outbox's look-up and insert.
    assert [node_id for node_id, _ in counts] == ["start", "sms", "wait", "wait", "vip", "email"]
    assert max(count for _, count in counts) <= 6, counts
    assert dict(counts)["vip"] <= 3, counts  # lock, record, next step: its rule reads no earlier step
    assert Execution.objects.get(pk=execution.pk).status == Execution.Status.COMPLETED


def enroll_queries(flow, contact_ids):
    with CaptureQueriesContext(connection) as queries:
        result = services.send_flow(flow, contact_ids)
    assert len(result.enrolled) == len(contact_ids)
    return statements(queries)


def test_enrolling_1000_contacts_costs_a_constant_number_of_queries(make_flow, workspace, redis_conn):
    from tests.engine.conftest import SMS, linear_graph

    flow = make_flow(linear_graph(SMS))
    contacts = Contact.objects.bulk_create(
        Contact(workspace=workspace, first_name=f"c{i}", phone=f"+1415666{i:04d}") for i in range(1010)
    )
    few = enroll_queries(flow, [c.pk for c in contacts[:10]])
    many = enroll_queries(flow, [c.pk for c in contacts[10:]])

    def without_inserts(sqls):
        return [sql.split(" WHERE")[0] for sql in sqls if not sql.startswith("INSERT")]

    assert without_inserts(many) == without_inserts(few)
    inserts = [sql for sql in many if sql.startswith("INSERT")]
    if connection.vendor == "postgresql":
        assert len(many) == len(few) <= 6 and len(inserts) == 2  # executions, then their first steps
    else:  # SQLite caps the variables of one statement, so Django splits bulk inserts in batches
        assert len(inserts) <= 2 * -(-1000 // (999 // 25))
    assert Step.objects.filter(execution__flow=flow).count() == 1010
    assert redis_conn.llen("rq:queue:default") == 1010
