"""Secrets encrypted at rest: a model field that stores Fernet tokens.

Provider credentials (Twilio auth tokens, ESP API keys) must not be readable
from a database dump. The keys come from ``PROVIDER_SECRET_KEYS`` (the first
encrypts, all decrypt, so keys can be rotated); without it a key is derived from
``SECRET_KEY``.
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


def _fernet() -> MultiFernet:
    keys = list(settings.PROVIDER_SECRET_KEYS) or [
        base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()
    ]
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored provider secret cannot be decrypted: PROVIDER_SECRET_KEYS (or SECRET_KEY) changed "
            "without keeping the old key."
        ) from error


def mask(value: str) -> str:
    """What staff see instead of a secret: that it is set, and its last four characters."""
    if not value:
        return ""
    return "••••••••" + (value[-4:] if len(value) > 8 else "")


class EncryptedTextField(models.TextField):
    """Plain text in Python, a Fernet token in the database (empty stays empty)."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return decrypt(value) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
