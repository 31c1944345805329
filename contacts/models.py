"""Tenancy (workspaces, memberships) and the contacts flows run for."""
from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models.functions import Lower
from phonenumber_field.modelfields import PhoneNumberField

from contacts.tenancy import WorkspaceScopedModel, WorkspaceScopedQuerySet

DNC_TAG = "dnc"
CHANNELS = ("sms", "whatsapp", "email", "voice")


def validate_timezone(value: str) -> None:
    if value and value not in _timezones():
        raise ValidationError(f"'{value}' is not a known IANA time zone (for example Europe/Paris).")


def _timezones() -> set[str]:
    global _TIMEZONES
    if _TIMEZONES is None:
        _TIMEZONES = available_timezones()
    return _TIMEZONES


_TIMEZONES: set[str] | None = None


def normalize_tags(tags: Any) -> list[str]:
    """Tags are compared case-insensitively everywhere, so they are stored lower-case and unique."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = tags.split(",")
    if not isinstance(tags, (list, tuple)):
        raise ValidationError("Tags must be a list of strings.")
    seen: list[str] = []
    for tag in tags:
        if not isinstance(tag, str):
            raise ValidationError("Tags must be a list of strings.")
        tag = tag.strip().lower()
        if len(tag) > 64:
            raise ValidationError(f"Tag '{tag[:20]}...' is longer than 64 characters.")
        if tag and tag not in seen:
            seen.append(tag)
    return seen


class WorkspaceQuerySet(models.QuerySet):
    def for_user(self, user: Any) -> "WorkspaceQuerySet":
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user)

    def administered_by(self, user: Any) -> "WorkspaceQuerySet":
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)


class Workspace(models.Model):
    """A tenant: owns contacts, flows, executions, logs, dead letters and alerts."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceQuerySet.as_manager()
    workspace_lookup = "pk"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def role_of(self, user: Any) -> str | None:
        """The user's role here, or None for a non-member (superusers act as admins)."""
        if getattr(user, "is_superuser", False):
            return Membership.Role.ADMIN
        membership = self.memberships.filter(user=user).only("role").first()
        return membership.role if membership else None


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin (full access)"
        MEMBER = "member", "Member (read-only)"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkspaceScopedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.role})"


class ContactQuerySet(WorkspaceScopedQuerySet):
    def with_tag(self, tag: str) -> "ContactQuerySet":
        """Contacts carrying ``tag``; works on PostgreSQL (JSON containment) and SQLite."""
        tag = tag.strip().lower()
        if connections[self.db].vendor == "postgresql":
            return self.filter(tags__contains=[tag])
        return self.filter(tags__icontains=f'"{tag}"')

    def reachable(self) -> "ContactQuerySet":
        """Contacts without the DNC tag."""
        return self.exclude(pk__in=self.with_tag(DNC_TAG).values("pk"))


class Contact(WorkspaceScopedModel):
    """A person flows run for. Phone numbers are stored in E.164."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    phone = PhoneNumberField(blank=True, db_index=False)
    email = models.EmailField(blank=True)
    tags = models.JSONField(default=list, blank=True)
    lead_source = models.CharField(max_length=100, blank=True)
    entry_type = models.CharField(max_length=100, blank=True)
    custom_fields = models.JSONField(default=dict, blank=True)
    timezone = models.CharField(max_length=64, blank=True, validators=[validate_timezone])
    opted_out_sms = models.BooleanField("opted out of SMS", default=False)
    opted_out_whatsapp = models.BooleanField("opted out of WhatsApp", default=False)
    opted_out_email = models.BooleanField("opted out of email", default=False)
    opted_out_voice = models.BooleanField("opted out of calls", default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "phone"], condition=~models.Q(phone=""), name="contact_unique_phone"
            ),
            models.UniqueConstraint(
                "workspace", Lower("email"), condition=~models.Q(email=""), name="contact_unique_email"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-created_at"], name="contact_ws_created"),
            models.Index(fields=["workspace", "lead_source"], name="contact_ws_lead_source"),
            models.Index(fields=["workspace", "last_name", "first_name"], name="contact_ws_name"),
        ]

    def __str__(self) -> str:
        return self.full_name or str(self.phone) or self.email or f"Contact {self.pk}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_dnc(self) -> bool:
        return DNC_TAG in {tag.lower() for tag in self.tags or []}

    def has_tag(self, tag: str) -> bool:
        return tag.strip().lower() in {t.lower() for t in self.tags or []}

    def is_opted_out(self, channel: str) -> bool:
        return bool(getattr(self, f"opted_out_{channel}", False))

    def blocked_reason(self, channel: str | None = None) -> str | None:
        """Why nothing may be sent to this contact (on ``channel``), or None if sending is allowed."""
        if self.is_dnc:
            return "dnc"
        if channel and self.is_opted_out(channel):
            return f"opted_out_{channel}"
        if channel in ("sms", "whatsapp", "voice") and not self.phone:
            return "no_phone"
        if channel == "email" and not self.email:
            return "no_email"
        return None

    def clean(self) -> None:
        self.tags = normalize_tags(self.tags)
        if not isinstance(self.custom_fields, dict):
            raise ValidationError({"custom_fields": "Custom fields must be a JSON object."})
        self.email = (self.email or "").strip().lower()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.tags = normalize_tags(self.tags)
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def as_template_context(self) -> dict[str, Any]:
        """The contact's own fields, the only values message templates may read."""
        return {
            "id": self.pk,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "full_name": self.full_name,
            "phone": str(self.phone) if self.phone else "",
            "email": self.email,
            "tags": list(self.tags or []),
            "lead_source": self.lead_source,
            "entry_type": self.entry_type,
            "timezone": self.timezone,
            "custom_fields": dict(self.custom_fields or {}),
        }
