"""Deliveries: what became of each message a provider accepted, as its webhooks report it.

A Delivery is also the send guard that makes provider calls at most once per
step (Twilio and most ESPs have no idempotency header): the provider *claims*
the step's idempotency key by inserting the row before calling the API, records
the provider's id as soon as the API answers, and a second ``send`` with the
same key never calls the API again (see :mod:`automation.providers.guarded`).

Provider reports arrive duplicated and out of order, so statuses have a rank and
a report never moves a delivery back to a lower one; final statuses share the
highest rank, so the first final report wins.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from automation.providers.base import OutboundMessage, SendResult
from contacts.tenancy import WorkspaceScopedModel, WorkspaceScopedQuerySet

MAX_EVENTS = 50


class DeliveryQuerySet(WorkspaceScopedQuerySet):
    def claim(self, message: OutboundMessage, provider: str) -> tuple["Delivery", bool]:
        """The delivery of ``message``'s idempotency key, and whether this call created it."""
        try:
            with transaction.atomic():
                delivery = self.create(
                    workspace_id=message.workspace_id,
                    step_id=message.step_id,
                    channel=message.channel,
                    provider=provider,
                    to=message.to,
                    idempotency_key=message.idempotency_key,
                )
            return delivery, True
        except IntegrityError:
            return self.get(idempotency_key=message.idempotency_key), False

    def locate(self, provider: str, provider_message_id: str, idempotency_key: str = "") -> "Delivery | None":
        """The delivery a provider report is about, locked for update (call inside a transaction).

        Reports carry the provider's id; our status callback URLs also carry the
        idempotency key, which finds a delivery whose send never got to record
        the provider's id (a crash or a timeout right after the API accepted it).
        """
        locked = self.select_for_update()
        delivery = locked.filter(provider=provider, provider_message_id=provider_message_id).first()
        if delivery is None and idempotency_key:
            delivery = locked.filter(idempotency_key=idempotency_key, provider_message_id="").first()
            if delivery is not None:
                delivery.provider_message_id = provider_message_id
                delivery.save(update_fields=["provider_message_id", "updated_at"])
        return delivery


class Delivery(WorkspaceScopedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending (send in flight or unconfirmed)"
        QUEUED = "queued", "Queued"
        RINGING = "ringing", "Ringing"
        SENT = "sent", "Sent"
        IN_PROGRESS = "in_progress", "Call in progress"
        DELIVERED = "delivered", "Delivered"
        READ = "read", "Read"
        OPENED = "opened", "Opened"
        CLICKED = "clicked", "Clicked"
        UNDELIVERED = "undelivered", "Undelivered"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"
        COMPLAINED = "complained", "Complained (spam report)"
        ANSWERED = "answered", "Call answered"
        NO_ANSWER = "no_answer", "Call not answered"
        BUSY = "busy", "Line busy"

    # Ranks by channel: a report never lowers a delivery's rank. Final statuses
    # rank FINAL_RANK, so the first final report wins; after it only a WhatsApp
    # read receipt (proof of delivery) or, for email, engagement and late
    # bounces can still arrive.
    FINAL_RANK = 100
    MESSAGE_RANKS = {
        Status.PENDING: 0, Status.QUEUED: 10, Status.SENT: 20,
        Status.DELIVERED: FINAL_RANK, Status.UNDELIVERED: FINAL_RANK, Status.FAILED: FINAL_RANK,
        Status.READ: FINAL_RANK + 10,
    }
    EMAIL_RANKS = {
        Status.PENDING: 0, Status.QUEUED: 10, Status.SENT: 20, Status.DELIVERED: 30, Status.OPENED: 40,
        Status.CLICKED: 50,
        Status.BOUNCED: FINAL_RANK, Status.FAILED: FINAL_RANK, Status.COMPLAINED: FINAL_RANK,
    }
    CALL_RANKS = {
        Status.PENDING: 0, Status.QUEUED: 10, Status.RINGING: 15, Status.IN_PROGRESS: 20,
        Status.ANSWERED: FINAL_RANK, Status.NO_ANSWER: FINAL_RANK, Status.BUSY: FINAL_RANK, Status.FAILED: FINAL_RANK,
    }
    RANKS = {"sms": MESSAGE_RANKS, "whatsapp": MESSAGE_RANKS, "email": EMAIL_RANKS, "voice": CALL_RANKS}

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="deliveries")
    step = models.ForeignKey(
        "automation.Step", null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    channel = models.CharField(max_length=10)
    provider = models.CharField(max_length=20)
    provider_message_id = models.CharField(max_length=100, blank=True, help_text="Twilio SID or the ESP's id.")
    idempotency_key = models.CharField(max_length=100, unique=True)
    to = models.CharField(max_length=320)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True, help_text="Length of an answered call.")
    events = models.JSONField(default=list, blank=True, help_text="Provider reports, oldest first.")
    claimed_at = models.DateTimeField(
        default=timezone.now, help_text="When the send attempt that owns this key claimed it."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="delivery_unique_provider_id",
            )
        ]
        indexes = [models.Index(fields=["workspace", "created_at"], name="delivery_ws_created")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to} via {self.provider}: {self.status}"

    @property
    def is_final(self) -> bool:
        return self._rank(self.status) >= self.FINAL_RANK

    def _rank(self, status: str) -> int:
        """The rank of ``status`` on this channel; -1 for a status the channel does not have."""
        return self.RANKS[self.channel].get(status, -1)

    def previous_result(self) -> SendResult:
        """What an earlier ``send`` with this key got, for a retry that must not send again."""
        return SendResult(provider=self.provider, provider_message_id=self.provider_message_id, status=self.status)

    def take_over(self) -> bool:
        """Claim an unconfirmed send for a new attempt; False if another attempt did so first (or it was confirmed)."""
        now = timezone.now()
        taken = Delivery.objects.filter(pk=self.pk, provider_message_id="", claimed_at=self.claimed_at).update(
            claimed_at=now, error_code="", error_message="", updated_at=now)
        if taken:
            self.claimed_at = now
        return bool(taken)

    def accept(self, result: SendResult) -> None:
        """Record the provider's id and first status once its API accepted the message."""
        self.provider_message_id = self.provider_message_id or result.provider_message_id
        self.error_code = self.error_message = ""
        self.save(update_fields=["provider_message_id", "error_code", "error_message", "updated_at"])
        self.record(result.status, raw_status=result.status)

    def record(
        self,
        status: str,
        *,
        raw_status: str,
        at: datetime | None = None,
        event_id: str = "",
        error_code: str = "",
        error_message: str = "",
        duration_seconds: int | None = None,
    ) -> bool:
        """Apply one provider report; True when it moved the status forward.

        A report seen before (same raw status and event id) changes nothing; a
        report of a lower rank is kept in the history but leaves the status.
        """
        seen = any(e.get("status") == raw_status and e.get("id", "") == event_id for e in self.events)
        advanced = self._rank(status) > self._rank(self.status)
        if seen and not advanced:
            return False
        if not seen:
            event: dict[str, Any] = {"status": raw_status, "at": (at or timezone.now()).isoformat()}
            if event_id:
                event["id"] = event_id
            self.events = [*self.events, event][-MAX_EVENTS:]
        if advanced:
            self.status = status
            self.status_changed_at = timezone.now()
            self.error_code = error_code or self.error_code
            self.error_message = error_message or self.error_message
            if duration_seconds is not None:
                self.duration_seconds = duration_seconds
        self.save()
        return advanced
