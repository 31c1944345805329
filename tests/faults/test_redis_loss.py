"""Redis loses every job (FLUSHDB of our db) while executions wait on delays: the reconciler restores them."""
from bench.common import wait_for
from automation import services
from automation.models import Execution, Step
from tests.faults.conftest import delivery_figures, live_executions, make_contacts, reconcile_as_if_later, sms_flow

EXECUTIONS = 50


def test_flushed_redis_loses_no_waiting_execution(workspace, fake_twilio, redis_conn, burst, figures):
    contacts = make_contacts(workspace, EXECUTIONS)
    flow = sms_flow(workspace, ("wait", "delay", {"mode": "duration", "amount": 1, "unit": "seconds"}))
    services.send_flow(flow, [c.pk for c in contacts])
    burst()
    waiting = Step.objects.filter(node_id="wait", status=Step.Status.WAITING).count()

    redis_conn.flushdb()  # every queued and scheduled job is gone
    wait_for(lambda: not Step.objects.filter(node_id="wait", next_run_at__gt=_now()).exists(), timeout=10,
             what="the delays to be due")
    repair = reconcile_as_if_later()
    burst()

    counts = delivery_figures(fake_twilio, contacts)
    figures(executions=EXECUTIONS, waiting_when_flushed=waiting, repair=repair, **counts)
    assert waiting == EXECUTIONS and repair["overdue"] == EXECUTIONS
    assert live_executions() == 0
    assert set(Execution.objects.values_list("status", flat=True)) == {"completed"}
    assert counts == {"expected": EXECUTIONS, "delivered": EXECUTIONS, "duplicates": 0, "lost": 0}


def _now():
    from django.utils import timezone

    return timezone.now()
