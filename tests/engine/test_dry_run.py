"""Test mode: the same graph, no provider calls, no contact changes; a plan with messages, segments and cost."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from automation import services
from automation.models import Execution, OutboxMessage
from flows.demo import edge, node


def plan_graph() -> dict:
    return {
        "nodes": [
            node("start", "trigger", 0, 0),
            node("sms", "send_sms", 0, 100, body="Hi {{ contact.first_name }} " + "x" * 160),
            node("wait", "delay", 0, 200, mode="duration", amount=3, unit="days"),
            node("tag", "update_contact", 0, 300, actions=[{"op": "add_tag", "tag": "vip"}]),
            node("vip", "condition", 0, 400, rules=[{"field": "tags", "operator": "contains", "value": "vip"}]),
            node("mail", "send_email", -100, 500, subject="Hi {{ contact.first_name }}", html="<b>VIP</b>"),
            node("no", "end", 100, 500),
        ],
        "edges": [edge("start", "sms"), edge("sms", "wait"), edge("wait", "tag"), edge("tag", "vip"),
                  edge("vip", "mail", "true"), edge("vip", "no", "false")],
    }


def test_test_mode_returns_the_plan_without_side_effects(make_flow, make_contact, settings):
    settings.MESSAGE_PRICES = {**settings.MESSAGE_PRICES, "sms": "0.01", "email": "0.001"}
    flow = make_flow(plan_graph(), active=False)
    contact = make_contact(first_name="Zoé", tags=["lead"])

    plan = services.test_flow(flow, contact=contact)

    assert [(e["node_id"], e["status"], e["outcome"]) for e in plan["path"]] == [
        ("start", "success", ""), ("sms", "success", ""), ("wait", "success", ""), ("tag", "success", ""),
        ("vip", "success", "true"), ("mail", "success", "")]
    sms, mail = plan["messages"]
    assert sms["message"]["body"].startswith("Hi Zoé ")
    assert sms["segments"] == {"encoding": "GSM-7", "segments": 2, "characters": 167}
    assert mail["message"]["subject"] == "Hi Zoé" and mail["message"]["text"] == "VIP"
    assert Decimal(plan["total_cost"]) == Decimal("0.021")
    assert plan["path"][2]["output"]["seconds"] == 3 * 86400  # reported, not waited
    assert plan["path"][3]["output"] == {"changes": [{"op": "add_tag", "tag": "vip"}], "applied": False}

    contact.refresh_from_db()
    assert contact.tags == ["lead"]
    assert not OutboxMessage.objects.exists()
    execution = Execution.objects.get(pk=plan["execution_id"])
    assert (execution.is_test, execution.source, execution.status) == (True, "test", "completed")
    assert execution.steps.count() == 6


def test_test_mode_with_contact_data_and_blocked_sends(make_flow):
    flow = make_flow(plan_graph(), active=False)
    plan = services.test_flow(flow, contact_data={"first_name": "Bo", "phone": "+14155550100", "tags": ["DNC"]})
    assert plan["path"][1]["status"] == "skipped" and plan["path"][1]["skip_reason"] == "dnc"
    assert plan["contact"]["first_name"] == "Bo"
    with pytest.raises(ValidationError, match="Unknown field"):
        services.test_flow(flow, contact_data={"password": "x"})
    with pytest.raises(ValidationError):
        services.test_flow(flow, contact_data={"timezone": "Mars/Olympus"})


def test_test_mode_reports_unicode_segments(make_flow):
    graph = {"nodes": [node("start", "trigger", 0, 0), node("sms", "send_sms", 0, 100, body="Hello 😀 " * 10)],
             "edges": [edge("start", "sms")]}
    plan = services.test_flow(make_flow(graph, active=False), contact_data={"phone": "+14155550100"})
    assert plan["messages"][0]["segments"] == {"encoding": "UCS-2", "segments": 2, "characters": 89}
