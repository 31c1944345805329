"""A workspace's own provider credentials (Twilio, or an ESP through anymail).

A workspace without an account of a kind uses the settings-level credentials,
and without those the dev outbox. The secret (auth token / API key) is
encrypted at rest and never shown back: the admin displays it masked.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from automation.encryption import EncryptedTextField, mask
from contacts.tenancy import WorkspaceScopedModel, WorkspaceScopedQuerySet


class ProviderAccountQuerySet(WorkspaceScopedQuerySet):
    def active(self) -> "ProviderAccountQuerySet":
        return self.filter(is_active=True)


class ProviderAccount(WorkspaceScopedModel):
    class Kind(models.TextChoices):
        TWILIO = "twilio", "Twilio (SMS, MMS, WhatsApp, voice)"
        EMAIL = "email", "Email service provider (anymail)"

    class Esp(models.TextChoices):
        POSTMARK = "postmark", "Postmark"
        SENDGRID = "sendgrid", "SendGrid"
        MAILGUN = "mailgun", "Mailgun"
        RESEND = "resend", "Resend"

    workspace = models.ForeignKey("contacts.Workspace", on_delete=models.CASCADE, related_name="provider_accounts")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    is_active = models.BooleanField(default=True)
    account_sid = models.CharField("Twilio account SID", max_length=64, blank=True)
    from_number = models.CharField("Twilio sender number", max_length=40, blank=True)
    whatsapp_from = models.CharField("Twilio WhatsApp sender", max_length=60, blank=True)
    esp = models.CharField("email service provider", max_length=20, choices=Esp.choices, blank=True)
    from_email = models.EmailField(blank=True)
    sender_domain = models.CharField(max_length=200, blank=True, help_text="Mailgun only.")
    secret = EncryptedTextField(help_text="Twilio auth token or the ESP's API key / server token.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderAccountQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "kind"], name="provider_account_unique_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.workspace}"

    @property
    def masked_secret(self) -> str:
        return mask(self.secret)

    def clean(self) -> None:
        required = {
            self.Kind.TWILIO: ("account_sid", "secret"),
            self.Kind.EMAIL: ("esp", "from_email", "secret"),
        }.get(self.kind, ())
        errors = {name: "Required for this kind of account." for name in required if not getattr(self, name)}
        if self.kind == self.Kind.TWILIO and not (self.from_number or self.whatsapp_from):
            errors["from_number"] = "Give a sender number or a WhatsApp sender."
        if self.esp == self.Esp.MAILGUN and not self.sender_domain:
            errors["sender_domain"] = "Mailgun needs the sending domain."
        if errors:
            raise ValidationError(errors)
