"""Email through django-anymail: any ESP it supports that is listed in :data:`ESPS`.

The message goes out as ``EmailMultiAlternatives`` (text body, HTML
alternative) over a connection built with the ESP's anymail backend: the
workspace's own API key when it has an email :class:`ProviderAccount`, else the
``ANYMAIL`` settings. The idempotency key travels as anymail metadata so the
ESP's tracking webhooks can find the delivery even when the send never got to
record the ESP's message id.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import requests
from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.html import strip_tags

from automation.models import ProviderAccount
from automation.providers.base import OutboundMessage, PermanentProviderError, ProviderError, SendResult
from automation.providers.errors import from_http_answer, from_network_failure
from automation.providers.guarded import GuardedProvider


@dataclass(frozen=True)
class Esp:
    backend: str
    secret_option: str  # the backend's keyword for the API key
    secret_setting: str  # the same key in settings.ANYMAIL


ESPS = {
    "postmark": Esp("anymail.backends.postmark.EmailBackend", "server_token", "POSTMARK_SERVER_TOKEN"),
    "sendgrid": Esp("anymail.backends.sendgrid.EmailBackend", "api_key", "SENDGRID_API_KEY"),
    "mailgun": Esp("anymail.backends.mailgun.EmailBackend", "api_key", "MAILGUN_API_KEY"),
    "resend": Esp("anymail.backends.resend.EmailBackend", "api_key", "RESEND_API_KEY"),
}


@dataclass(frozen=True)
class EmailAccount:
    esp: str
    from_email: str
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_workspace(cls, workspace_id: int) -> "EmailAccount | None":
        """The workspace's own ESP account, else the settings-level ESP, else None (dev outbox)."""
        account = (
            ProviderAccount.objects.for_workspace(workspace_id).active().filter(kind=ProviderAccount.Kind.EMAIL).first()
        )
        if account is not None:
            options = {ESPS[account.esp].secret_option: account.secret}
            if account.sender_domain:
                options["sender_domain"] = account.sender_domain
            return cls(account.esp, account.from_email, options)
        esp = ESPS.get(settings.EMAIL_ESP)
        if esp is not None and settings.ANYMAIL.get(esp.secret_setting):
            return cls(settings.EMAIL_ESP, settings.DEFAULT_FROM_EMAIL)
        return None


class EmailProvider(GuardedProvider):
    channels = ("email",)

    def __init__(self, account: EmailAccount) -> None:
        self.account = account
        self.name = account.esp  # matches anymail's esp_name in tracking events

    def call_api(self, message: OutboundMessage) -> SendResult:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.text or message.body or strip_tags(message.html),
            from_email=message.from_address or self.account.from_email,
            to=[message.to],
            reply_to=[message.reply_to] if message.reply_to else None,
            connection=get_connection(ESPS[self.account.esp].backend, **self.account.options),
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        email.metadata = {"idempotency_key": message.idempotency_key}
        try:
            email.send()
        except AnymailRecipientsRefused as error:
            raise PermanentProviderError(str(error), code="recipient_refused", provider=self.name) from error
        except AnymailError as error:
            raise self._classify(error) from error
        status = email.anymail_status
        return SendResult(
            provider=self.name,
            provider_message_id=str(status.message_id),
            status="queued" if "queued" in status.status else "sent",
            raw={"message_id": str(status.message_id), "status": sorted(status.status)},
        )

    def _classify(self, error: AnymailError) -> ProviderError:
        if error.status_code is None and isinstance(error.__cause__, requests.RequestException):
            return from_network_failure(error.__cause__, provider=self.name)
        if not isinstance(error, AnymailAPIError) or error.status_code is None:
            return PermanentProviderError(str(error), code=type(error).__name__, provider=self.name)
        code, text = _esp_error(error.response)
        return from_http_answer(error.status_code, text, code=code, provider=self.name)


def _esp_error(response: requests.Response | None) -> tuple[Any, str]:
    """The ESP's own error code and message from its JSON error answer (each ESP names them differently)."""
    try:
        data = response.json() if response is not None else {}
    except ValueError:
        return None, response.text[:500]
    if not isinstance(data, dict):
        return None, str(data)[:500]
    first = (data.get("errors") or [{}])[0]
    message = data.get("Message") or data.get("message") or (first.get("message") if isinstance(first, dict) else first)
    return data.get("ErrorCode") or data.get("name"), str(message or "")
