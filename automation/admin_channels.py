"""Admin of the channel side: provider accounts (secrets write-only), deliveries, inbound messages, the outbox."""
from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from automation.models import Delivery, InboundMessage, OutboxMessage, ProviderAccount
from contacts.admin_scoping import WorkspaceScopedAdmin


class ProviderAccountForm(forms.ModelForm):
    """The secret can be replaced but is never displayed; leaving it blank keeps the stored one."""

    secret = forms.CharField(
        widget=forms.PasswordInput(render_value=False), required=False,
        help_text="Twilio auth token or the ESP's API key. Leave blank to keep the stored secret.",
    )

    class Meta:
        model = ProviderAccount
        fields = ["workspace", "kind", "is_active", "account_sid", "from_number", "whatsapp_from", "esp",
                  "from_email", "sender_domain", "secret"]

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"] or self.instance.secret
        if not secret:
            raise forms.ValidationError("A secret is required.")
        return secret


@admin.register(ProviderAccount)
class ProviderAccountAdmin(WorkspaceScopedAdmin):
    form = ProviderAccountForm
    list_display = ["workspace", "kind", "esp", "account_sid", "from_number", "from_email", "masked_secret",
                    "is_active"]
    list_filter = ["kind", "is_active"]
    readonly_fields = ["masked_secret"]


class ReadOnlyAdmin(WorkspaceScopedAdmin):
    """Rows written by providers and their webhooks only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "provider", "to", "status", "error_code", "created_at", "status_changed_at"]
    list_filter = ["status", "channel", "provider"]
    search_fields = ["provider_message_id", "to"]
    date_hierarchy = "created_at"


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "from_address", "contact", "keyword", "body", "received_at"]
    list_filter = ["channel", "keyword"]
    list_select_related = ["contact"]
    search_fields = ["from_address", "body"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["id", "channel", "to", "subject", "body", "created_at"]
    list_filter = ["channel"]
    search_fields = ["to", "subject", "body"]
