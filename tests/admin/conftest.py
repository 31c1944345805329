from __future__ import annotations

from dataclasses import dataclass

import pytest

from automation.models import DeadLetter, Delivery, Execution, OutboxMessage
from contacts.models import Contact
from flows.models import Flow
from monitoring.models import AlertEvent, AlertRule
from tests.builders import make_contact, make_dead_letter, make_execution, make_flow, make_outbox


@dataclass
class Tenant:
    """One workspace's rows; every name carries ``marker`` so a leak is visible in any page."""

    marker: str
    contact: Contact
    flow: Flow
    execution: Execution
    dead_letter: DeadLetter
    outbox: OutboxMessage
    alert_rule: AlertRule
    alert_event: AlertEvent
    delivery: Delivery


def build_tenant(workspace, marker: str) -> Tenant:
    flow = make_flow(workspace, f"{marker} flow")
    contact = make_contact(workspace, marker, lead_source=f"{marker}-source", tags=[f"{marker.lower()}-tag"])
    execution = make_execution(flow, contact, status=Execution.Status.FAILED, error=f"{marker} failure")
    letter = make_dead_letter(execution, error=f"{marker} dead letter")
    rule = AlertRule.objects.create(workspace=workspace, name=f"{marker} alert", flow=flow, metric="failed_count",
                                    threshold=1, channel="slack", url="https://hooks.slack.example/x")
    event = AlertEvent.objects.create(workspace=workspace, rule=rule, metric=rule.metric, value=7, threshold=1,
                                      channel=rule.channel, fired_at=execution.created_at)
    delivery = Delivery.objects.create(
        workspace=workspace, step=execution.steps.first(), channel="sms", provider="twilio",
        provider_message_id=f"SM-{marker}", idempotency_key=f"delivery-{marker}", to=f"{marker}-phone",
    )
    return Tenant(marker, contact, flow, execution, letter, make_outbox(workspace, f"{marker}-outbox"), rule, event,
                  delivery)


@pytest.fixture
def ours(workspace) -> Tenant:
    return build_tenant(workspace, "Alphaville")


@pytest.fixture
def theirs(other_workspace) -> Tenant:
    return build_tenant(other_workspace, "Bravotown")
