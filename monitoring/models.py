"""Alert rules on execution metrics, the history of the alerts they fired, and the execution rollups."""
from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models

from contacts.tenancy import WorkspaceScopedModel, WorkspaceScopedQuerySet
from monitoring.rollup_sql import HISTOGRAM_FIELDS, KEY_FIELDS
from outbound.policy import literal_refusal


class AlertRule(WorkspaceScopedModel):
    class Metric(models.TextChoices):
        ERROR_RATE = "error_rate", "Error rate (% of finished executions that failed)"
        FAILED_COUNT = "failed_count", "Failed executions (count)"
        AVG_DURATION = "avg_duration", "Average duration (seconds)"
        DEAD_LETTER_COUNT = "dead_letter_count", "New dead letters (count)"
        STALLED_EXECUTIONS = "stalled_executions", "Stalled executions (count)"

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook (JSON POST)"
        SLACK = "slack", "Slack incoming webhook"

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(max_length=200)
    flow = models.ForeignKey(
        "flows.Flow", null=True, blank=True, on_delete=models.CASCADE, related_name="alert_rules",
        help_text="Only this flow's executions; empty for every flow of the workspace.",
    )
    metric = models.CharField(max_length=20, choices=Metric.choices)
    threshold = models.FloatField(help_text="The rule fires when the metric goes above this value.")
    window = models.DurationField(
        default=timedelta(minutes=15),
        help_text="Period the metric is computed over (for stalled executions: how long without progress).",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipients = models.TextField(blank=True, help_text="Email addresses, comma separated (email channel).")
    url = models.URLField(blank=True, max_length=500, help_text="Webhook or Slack incoming-webhook URL.")
    cooldown = models.DurationField(
        default=timedelta(hours=1), help_text="After firing, the rule stays quiet for this long."
    )
    enabled = models.BooleanField(default=True)
    last_fired_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_value = models.FloatField(null=True, blank=True, editable=False)
    last_evaluated_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["workspace", "name"]
        indexes = [models.Index(fields=["enabled", "workspace"], name="alertrule_enabled_ws")]

    def __str__(self) -> str:
        return self.name

    @property
    def recipient_list(self) -> list[str]:
        return [address.strip() for address in self.recipients.split(",") if address.strip()]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.channel == self.Channel.EMAIL:
            if not self.recipient_list:
                errors["recipients"] = "An email alert needs at least one recipient."
            for address in self.recipient_list:
                try:
                    validate_email(address)
                except ValidationError:
                    errors["recipients"] = f"'{address}' is not an email address."
        elif not self.url:
            errors["url"] = f"A {self.get_channel_display()} alert needs a URL."
        elif refusal := literal_refusal(self.url):
            errors["url"] = f"This URL cannot be called: {refusal}."
        if self.window is not None and self.window <= timedelta(0):
            errors["window"] = "The window must be positive."
        if self.cooldown is not None and self.cooldown < timedelta(0):
            errors["cooldown"] = "The cooldown must not be negative."
        if self.flow_id and self.workspace_id and self.flow.workspace_id != self.workspace_id:
            errors["flow"] = "This flow belongs to another workspace."
        if errors:
            raise ValidationError(errors)

    def in_cooldown(self, now) -> bool:
        return self.last_fired_at is not None and now - self.last_fired_at < self.cooldown


class AlertEvent(WorkspaceScopedModel):
    """One firing of a rule, with the value that crossed the threshold and how the notification went."""

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="alert_events")
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="events")
    metric = models.CharField(max_length=20, choices=AlertRule.Metric.choices)
    value = models.FloatField()
    threshold = models.FloatField()
    channel = models.CharField(max_length=10, choices=AlertRule.Channel.choices)
    fired_at = models.DateTimeField(db_index=True)
    notified = models.BooleanField(default=False)
    notify_error = models.TextField(blank=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-fired_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-fired_at"], name="alertevent_ws_fired")]

    def __str__(self) -> str:
        return f"{self.rule}: {self.value:g} > {self.threshold:g}"


class RollupFigures(models.Model):
    """Sums over the real (non-test) executions of one workspace, flow, hour (UTC) of creation and status.

    Written only by the database (see :mod:`monitoring.rollup_sql`), so the
    foreign keys carry no constraint and no cascade: deleting executions writes
    negative changes, and a fold drops the rows that reach zero. No index of
    their own either: every read goes through ``(workspace, ...)`` indexes, and
    each index is one more write per status change on the change table.
    """

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.DO_NOTHING, db_constraint=False,
                                  db_index=False, related_name="+")
    flow = models.ForeignKey("flows.Flow", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                             related_name="+")
    bucket = models.DateTimeField(help_text="Hour (or day, UTC) the executions were created in.")
    status = models.CharField(max_length=10)
    total = models.BigIntegerField(default=0)
    duration_sum = models.BigIntegerField(default=0, help_text="Sum of duration_ms (ms).")
    duration_count = models.BigIntegerField(default=0, help_text="Executions with a duration.")

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        abstract = True


for _name in HISTOGRAM_FIELDS:
    RollupFigures.add_to_class(_name, models.BigIntegerField(default=0, help_text="Durations in this bin."))
del _name


class ExecutionRollup(RollupFigures):
    """The folded figures: one row per workspace, hour, flow and status."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=[f.removesuffix("_id") for f in KEY_FIELDS],
                                               name="execrollup_key")]
        # Executions live now, whenever they started: a few rows per live status, not the whole history.
        indexes = [models.Index(fields=["workspace", "status", "bucket"], name="execrollup_ws_status")]

    def __str__(self) -> str:
        return f"{self.bucket:%Y-%m-%d %H:00} flow {self.flow_id} {self.status}: {self.total}"


class ExecutionDailyRollup(RollupFigures):
    """The same figures per UTC day (``bucket`` at midnight UTC), folded with the hourly ones."""

    class Meta:
        constraints = [models.UniqueConstraint(fields=[f.removesuffix("_id") for f in KEY_FIELDS],
                                               name="execdailyrollup_key")]
        indexes = [models.Index(fields=["workspace", "status", "bucket"], name="execdailyrollup_ws_status")]

    def __str__(self) -> str:
        return f"{self.bucket:%Y-%m-%d} flow {self.flow_id} {self.status}: {self.total}"


class ExecutionRollupChange(RollupFigures):
    """A change not folded yet (appended by the triggers, moved into :class:`ExecutionRollup` by the fold)."""

    class Meta:
        indexes = [models.Index(fields=["workspace", "bucket"], name="execrollupchange_ws_bucket")]
