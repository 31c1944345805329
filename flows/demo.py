"""Demo flows drawn from the design notes, loaded by ``manage.py load_demo`` and used by tests."""
from __future__ import annotations

from typing import Any


def node(node_id: str, node_type: str, x: int, y: int, **data: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "position": {"x": x, "y": y}, "data": data}


def edge(source: str, target: str, handle: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"id": f"e-{source}-{target}", "source": source, "target": target}
    if handle:
        item["id"] += f"-{handle}"
        item["sourceHandle"] = handle
    return item


def welcome_graph(delay_minutes: int = 2) -> dict[str, Any]:
    """Welcome SMS, a delay, then an email (seed 000)."""
    return {
        "nodes": [
            node("start", "trigger", 0, 0, label="New contact"),
            node("sms", "send_sms", 0, 120, body="Hi {{ contact.first_name | default('there') }}, welcome to Acme!"),
            node("wait", "delay", 0, 240, mode="duration", amount=delay_minutes, unit="minutes"),
            node(
                "email",
                "send_email",
                0,
                360,
                subject="Welcome aboard, {{ contact.first_name }}",
                html="<p>Hi {{ contact.first_name }},</p><p>Thanks for joining Acme.</p>",
            ),
            node("done", "end", 0, 480),
        ],
        "edges": [edge("start", "sms"), edge("sms", "wait"), edge("wait", "email"), edge("email", "done")],
    }


def lead_engagement_graph() -> dict[str, Any]:
    """Auto-engagement of a new lead: call first, branch on the call's outcome (seed 002)."""
    return {
        "nodes": [
            node("start", "trigger", 200, 0, label="New lead"),
            node(
                "call",
                "voice_call",
                200,
                120,
                script=[{"say": "Hello {{ contact.first_name }}, thanks for your interest in Acme."}],
            ),
            node("tag", "update_contact", 0, 260, actions=[{"op": "add_tag", "tag": "engaged"}]),
            node("missed", "send_sms", 200, 260, body="Sorry we missed you, {{ contact.first_name }}. Call us back?"),
            node("later", "delay", 400, 260, mode="business_hours"),
            node("retry_sms", "send_sms", 400, 380, body="We tried to reach you. Reply to book a call."),
            node(
                "fallback",
                "send_email",
                600,
                260,
                subject="We could not reach you",
                text="Hi {{ contact.first_name }}, reply to this email to talk to us.",
            ),
        ],
        "edges": [
            edge("start", "call"),
            edge("call", "tag", "answered"),
            edge("call", "missed", "no_answer"),
            edge("call", "later", "busy"),
            edge("later", "retry_sms"),
            edge("call", "fallback", "failed"),
        ],
    }


def negative_sentiment_graph() -> dict[str, Any]:
    """React to a ``sentiment.negative`` event (seed 003)."""
    return {
        "nodes": [
            node("start", "trigger", 0, 0, label="Negative sentiment"),
            node(
                "check",
                "condition",
                0,
                120,
                match="all",
                rules=[{"field": "event.score", "operator": "lt", "value": -0.5}],
            ),
            node("apology", "send_sms", -150, 260, body="Hi {{ contact.first_name }}, sorry about that. A manager will call you."),
            node("flag", "update_contact", -150, 380, actions=[{"op": "add_tag", "tag": "at-risk"}]),
            node("done", "end", 150, 260),
        ],
        "edges": [
            edge("start", "check"),
            edge("check", "apology", "true"),
            edge("apology", "flag"),
            edge("check", "done", "false"),
        ],
    }


# In priority order: a new lead from ads gets the call flow, everyone else the welcome flow.
DEMO_FLOWS: list[dict[str, Any]] = [
    {
        "name": "Lead auto-engagement call",
        "description": "Calls new leads from ads or the website and follows up according to the call outcome.",
        "trigger_type": "contact_created",
        "trigger_config": {
            "conditions": {
                "match": "all",
                "rules": [{"field": "lead_source", "operator": "in", "value": ["facebook", "website"]}],
            }
        },
        "graph_factory": lead_engagement_graph,
        "business_hours": {"start": "09:00", "end": "18:00", "timezone": "America/New_York", "days": [0, 1, 2, 3, 4]},
    },
    {
        "name": "Welcome: SMS, wait, email",
        "description": "Greets every new contact by SMS, then follows up by email.",
        "trigger_type": "contact_created",
        "trigger_config": {},
        "graph_factory": welcome_graph,
    },
    {
        "name": "Negative sentiment follow-up",
        "description": "Apologises and flags the contact when chat sentiment turns negative.",
        "trigger_type": "event",
        "trigger_config": {"event_type": "sentiment.negative"},
        "graph_factory": negative_sentiment_graph,
    },
]
