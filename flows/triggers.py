"""Trigger types and the validation of their configuration.

``trigger_config`` holds, by type:

- ``contact_created``: ``conditions`` on the new contact
- ``event``: ``event_type`` (e.g. ``chat.message_received``) and ``conditions`` on contact and ``event.*`` data
- ``manual``: nothing (staff send the flow to contacts)
- ``schedule``: ``cron`` (five fields), optional ``timezone``, ``conditions`` choosing the contacts
- ``webhook``: ``conditions``; the secret URL token is :attr:`Flow.webhook_token`
"""
from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter
from django.db import models

from flows.conditions import validate_condition

EVENT_TYPE_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")


class TriggerType(models.TextChoices):
    CONTACT_CREATED = "contact_created", "Contact created"
    EVENT = "event", "Event"
    MANUAL = "manual", "Manual send"
    SCHEDULE = "schedule", "Schedule"
    WEBHOOK = "webhook", "Webhook"


ALLOWED_KEYS = {
    TriggerType.CONTACT_CREATED: {"conditions"},
    TriggerType.EVENT: {"event_type", "conditions"},
    TriggerType.MANUAL: set(),
    TriggerType.SCHEDULE: {"cron", "timezone", "conditions"},
    TriggerType.WEBHOOK: {"conditions"},
}


def validate_trigger(trigger_type: str, config: Any) -> dict[str, str]:
    """Field errors (keyed ``trigger_config.<key>``) of a trigger configuration."""
    if trigger_type not in TriggerType.values:
        return {"trigger_type": f"Must be one of: {', '.join(TriggerType.values)}."}
    if config in (None, ""):
        config = {}
    if not isinstance(config, dict):
        return {"trigger_config": "Must be an object."}
    errors: dict[str, str] = {}
    unknown = set(config) - ALLOWED_KEYS[TriggerType(trigger_type)]
    if unknown:
        errors["trigger_config"] = f"Unknown key(s) for a {trigger_type} trigger: {', '.join(sorted(unknown))}."
    if "conditions" in config:
        problems = validate_condition(config["conditions"], path="conditions")
        if problems:
            errors["trigger_config.conditions"] = "; ".join(f"{p.path}: {p.message}" for p in problems)
    if trigger_type == TriggerType.EVENT:
        event_type = config.get("event_type")
        if not isinstance(event_type, str) or not EVENT_TYPE_PATTERN.match(event_type):
            errors["trigger_config.event_type"] = "An event trigger needs an event_type like 'chat.message_received'."
    if trigger_type == TriggerType.SCHEDULE:
        cron = config.get("cron")
        if not isinstance(cron, str) or len(cron.split()) != 5 or not croniter.is_valid(cron):
            errors["trigger_config.cron"] = "A schedule trigger needs a five-field cron expression like '0 9 * * 1-5'."
        timezone = config.get("timezone", "UTC")
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            errors["trigger_config.timezone"] = f"'{timezone}' is not a known time zone."
    return errors
