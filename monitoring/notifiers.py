"""How an alert reaches people, by channel (a registry: adding a channel is adding a function)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from django.conf import settings
from django.core.mail import send_mail

from outbound import http as outbound_http

if TYPE_CHECKING:
    from monitoring.models import AlertEvent

TIMEOUT_SECONDS = 10
Notifier = Callable[["AlertEvent"], None]


def describe(event: "AlertEvent") -> str:
    rule = event.rule
    scope = f" for flow “{rule.flow}”" if rule.flow_id else ""
    return (
        f"[{rule.workspace}] {rule.name}: {rule.get_metric_display()} is {event.value:g}{scope}, "
        f"above the threshold of {event.threshold:g} (window {rule.window})."
    )


def payload(event: "AlertEvent") -> dict:
    rule = event.rule
    return {
        "alert": rule.name,
        "rule_id": rule.pk,
        "workspace": rule.workspace.slug,
        "flow_id": rule.flow_id,
        "metric": event.metric,
        "value": event.value,
        "threshold": event.threshold,
        "window_seconds": rule.window.total_seconds(),
        "fired_at": event.fired_at.isoformat(),
        "message": describe(event),
    }


def notify_email(event: "AlertEvent") -> None:
    send_mail(
        subject=f"Alert: {event.rule.name}",
        message=describe(event),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=event.rule.recipient_list,
    )


def notify_webhook(event: "AlertEvent") -> None:
    """POST the alert; an internal address is refused (``OutboundRefused``), recorded on the event like any failure."""
    outbound_http.post(event.rule.url, json=payload(event), timeout=TIMEOUT_SECONDS).raise_for_status()


def notify_slack(event: "AlertEvent") -> None:
    """Slack incoming webhooks take ``{"text": ...}``."""
    outbound_http.post(event.rule.url, json={"text": f":rotating_light: {describe(event)}"},
                       timeout=TIMEOUT_SECONDS).raise_for_status()


NOTIFIERS: dict[str, Notifier] = {"email": notify_email, "webhook": notify_webhook, "slack": notify_slack}
