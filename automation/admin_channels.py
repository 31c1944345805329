"""Admin of the channel side: provider accounts (secrets write-only), deliveries, inbound messages, the outbox."""
from __future__ import annotations

from django import forms
from django.contrib import admin

from automation.models import Delivery, InboundMessage, OutboxMessage, ProviderAccount
from contacts.admin_html import admin_link, badge
from contacts.admin_scoping import ReadOnlyScopedAdmin, WorkspaceScopedAdmin


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


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyScopedAdmin):
    list_display = ["id", "channel", "provider", "to", "status_badge", "error_code", "step_link", "created_at",
                    "status_changed_at"]
    list_filter = ["status", "channel", "provider", "workspace"]
    list_select_related = ["step__execution"]
    search_fields = ["provider_message_id", "to"]
    date_hierarchy = "created_at"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Delivery) -> str:
        return badge(obj.status, obj.get_status_display())

    @admin.display(description="execution")
    def step_link(self, obj: Delivery) -> str:
        return admin_link(obj.step.execution, f"Execution {obj.step.execution_id}") if obj.step else "-"


@admin.register(InboundMessage)
class InboundMessageAdmin(ReadOnlyScopedAdmin):
    list_display = ["id", "channel", "from_address", "contact", "keyword", "body", "received_at"]
    list_filter = ["channel", "keyword", "workspace"]
    list_select_related = ["contact"]
    search_fields = ["from_address", "body"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyScopedAdmin):
    """What the dev outbox provider "sent" instead of calling Twilio or an ESP."""

    list_display = ["created_at", "channel", "to", "preview", "provider_message_id", "workspace"]
    list_filter = ["channel", "workspace"]
    search_fields = ["to", "subject", "body", "provider_message_id"]
    date_hierarchy = "created_at"
    readonly_fields = ["workspace", "channel", "to", "from_address", "subject", "body", "html", "media_urls",
                       "twiml", "idempotency_key", "provider_message_id", "step", "created_at"]

    @admin.display(description="message")
    def preview(self, obj: OutboxMessage) -> str:
        text = obj.subject or obj.body or obj.twiml
        return text if len(text) <= 70 else text[:69] + "\u2026"
