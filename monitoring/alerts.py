"""Evaluation of alert rules: compute each rule's metric, fire past the threshold, notify.

Scheduling: :func:`evaluate_alerts_job` runs every minute among the engine's
periodic jobs (``automation.periodic.PERIODIC_JOBS``, run by RQ's cron scheduler);
``manage.py evaluate_alerts`` runs it once from any other scheduler, and
:func:`evaluate_alerts` is the plain function behind both. Running it more often
than needed is harmless: a rule fires only when its metric is above the
threshold and its cooldown has passed, decided under a row lock so that two
workers evaluating at once cannot both fire it.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from automation.models import DeadLetter, Execution
from monitoring import metrics
from monitoring.figures import Scope
from monitoring.models import AlertEvent, AlertRule
from monitoring.notifiers import NOTIFIERS

logger = logging.getLogger(__name__)
Metric = Callable[[AlertRule, datetime], "float | None"]


def _executions(rule: AlertRule) -> QuerySet:
    executions = Execution.objects.for_workspace(rule.workspace_id)
    return executions.filter(flow_id=rule.flow_id) if rule.flow_id else executions


def _scope(rule: AlertRule) -> Scope:
    return Scope.of([rule.workspace_id], rule.flow_id)


def _window(rule: AlertRule, now: datetime) -> metrics.Window:
    return metrics.Window(now - rule.window, now)


def error_rate(rule: AlertRule, now: datetime) -> float | None:
    return metrics.kpis(_scope(rule), _window(rule, now)).error_rate


def failed_count(rule: AlertRule, now: datetime) -> float:
    return metrics.kpis(_scope(rule), _window(rule, now)).failed


def avg_duration(rule: AlertRule, now: datetime) -> float | None:
    average = metrics.kpis(_scope(rule), _window(rule, now)).avg_duration_ms
    return None if average is None else round(average / 1000, 3)


def dead_letter_count(rule: AlertRule, now: datetime) -> float:
    letters = DeadLetter.objects.for_workspace(rule.workspace_id).filter(_window(rule, now).q())
    if rule.flow_id:
        letters = letters.filter(execution__flow_id=rule.flow_id)
    return letters.count()


def stalled_executions(rule: AlertRule, now: datetime) -> float:
    return metrics.stalled(_executions(rule), now - rule.window).count()


METRICS: dict[str, Metric] = {
    AlertRule.Metric.ERROR_RATE: error_rate,
    AlertRule.Metric.FAILED_COUNT: failed_count,
    AlertRule.Metric.AVG_DURATION: avg_duration,
    AlertRule.Metric.DEAD_LETTER_COUNT: dead_letter_count,
    AlertRule.Metric.STALLED_EXECUTIONS: stalled_executions,
}


def evaluate_alerts(now: datetime | None = None) -> list[AlertEvent]:
    """Evaluate every enabled rule at ``now``; returns the events fired (already notified)."""
    now = now or timezone.now()
    fired = []
    for rule in AlertRule.objects.filter(enabled=True).select_related("workspace", "flow"):
        event = evaluate_rule(rule, now)
        if event is not None:
            fired.append(event)
    return fired


def evaluate_alerts_job() -> int:
    """The RQ job: how many alerts fired (RQ keeps the small result, not the events)."""
    return len(evaluate_alerts())


def evaluate_rule(rule: AlertRule, now: datetime) -> AlertEvent | None:
    value = METRICS[rule.metric](rule, now)
    with transaction.atomic():
        locked = AlertRule.objects.select_for_update().get(pk=rule.pk)
        locked.last_value, locked.last_evaluated_at = value, now
        breached = value is not None and value > locked.threshold
        event = None
        if breached and not locked.in_cooldown(now):
            locked.last_fired_at = now
            event = AlertEvent.objects.create(
                workspace_id=locked.workspace_id, rule=locked, metric=locked.metric, value=value,
                threshold=locked.threshold, channel=locked.channel, fired_at=now,
            )
        locked.save(update_fields=["last_value", "last_evaluated_at", "last_fired_at"])
    if event is not None:
        event.rule = rule
        notify(event)
    return event


def notify(event: AlertEvent) -> None:
    """Send the event on its rule's channel and record how it went (a failure is kept, not raised)."""
    try:
        NOTIFIERS[event.channel](event)
    except Exception as exc:  # any transport error: the event records it for the operator
        logger.warning("Alert %s could not be sent: %s", event.pk, exc)
        event.notified, event.notify_error = False, f"{type(exc).__name__}: {exc}"[:2000]
    else:
        event.notified, event.notify_error = True, ""
    event.save(update_fields=["notified", "notify_error"])
