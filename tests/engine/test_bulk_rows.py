"""insert_rows: the rows an enrollment writes, on PostgreSQL (one INSERT ... unnest) and SQLite (bulk_create) alike."""
from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from automation import services
from automation.bulk_rows import insert_rows
from automation.models import Execution, Step
from automation.status import execution_status_changed, statuses_changed, step_status_changed
from tests.engine.conftest import SMS, linear_graph


@pytest.fixture
def template(make_flow):
    flow = make_flow(linear_graph(SMS))
    return Execution(workspace_id=flow.workspace_id, flow=flow, flow_version=flow.current_version, source="manual",
                     metadata={"campaign": "spring"}, trigger_key="")


def test_rows_share_the_template_and_differ_in_the_varying_columns(template, make_contact):
    contacts = [make_contact(), make_contact(), make_contact()]
    with CaptureQueriesContext(connection) as queries:
        saved = insert_rows(template, {
            "contact_id": [c.pk for c in contacts],
            "status": ["pending", "skipped", "pending"],
            "skip_reason": ["", "dnc", ""],
        })
    if connection.vendor == "postgresql":
        assert len(queries) == 1
    assert template.pk is None and template.created_at is not None
    rows = {e.pk: e for e in Execution.objects.filter(flow=template.flow)}
    assert [e.pk for e in saved] == sorted(rows) and len(rows) == 3
    for obj, contact, status in zip(saved, contacts, ["pending", "skipped", "pending"]):
        row = rows[obj.pk]
        assert (row.contact_id, row.status, row.metadata, row.source) == (contact.pk, status, {"campaign": "spring"},
                                                                          "manual")
        assert (obj.contact_id, obj.status, obj.metadata, obj.created_at) == (
            row.contact_id, row.status, row.metadata, row.created_at)
        assert not obj._state.adding
    with CaptureQueriesContext(connection) as queries:
        assert saved[0].flow is template.flow and saved[0].flow_version == template.flow_version
    assert len(queries) == 0
    saved[0].metadata["campaign"] = "summer"  # each object has its own JSON values, as Django's own would
    assert [e.metadata["campaign"] for e in saved] == ["summer", "spring", "spring"]


def test_bad_columns_are_refused(template, make_contact):
    with pytest.raises(ValueError, match="same number"):
        insert_rows(template, {"contact_id": [make_contact().pk], "status": ["pending", "pending"]})
    with pytest.raises(ValueError, match="Unknown column"):
        insert_rows(template, {"contact": [None]})
    assert insert_rows(template, {"contact_id": []}) == []
    assert not Execution.objects.exists()


def test_a_constraint_violation_writes_no_row(template, make_contact):
    contact = make_contact()
    template.trigger_key = "event-1"
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(template, {"contact_id": [contact.pk, contact.pk]})  # one event, one execution per contact
    assert not Execution.objects.exists()


def test_an_enrollment_is_announced_in_one_signal(make_flow, make_contact, redis_conn,
                                                  django_capture_on_commit_callbacks):
    flow = make_flow(linear_graph(SMS))
    contacts = [make_contact(), make_contact(tags=["DNC"]), make_contact()]
    bulk, single = [], []
    handlers = {
        statuses_changed: lambda objects, **kwargs: bulk.append(objects),
        execution_status_changed: lambda **kwargs: single.append(kwargs),
        step_status_changed: lambda **kwargs: single.append(kwargs),
    }
    for signal, handler in handlers.items():
        signal.connect(handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = services.send_flow(flow, [c.pk for c in contacts])
    finally:
        for signal, handler in handlers.items():
            signal.disconnect(handler)
    assert single == [] and len(bulk) == 1
    steps = [obj for obj in bulk[0] if isinstance(obj, Step)]
    assert [type(obj) for obj in bulk[0]] == [Step, Step, Execution, Execution, Execution]
    assert [(s.execution_id, s.node_id, s.status) for s in steps] == [(e.pk, "start", "pending") for e in result.enrolled]
    assert sorted((e.contact_id, e.status, e.skip_reason) for e in bulk[0][2:]) == [
        (contacts[0].pk, "pending", ""), (contacts[1].pk, "skipped", "dnc"), (contacts[2].pk, "pending", "")]
    assert redis_conn.lrange("rq:queue:default", 0, -1) == [s.job_id.encode() for s in steps]
