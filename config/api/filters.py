"""Filter pieces shared by the API's filter sets."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField


class UTCDateTimeField(IsoDateTimeField):
    """An ISO 8601 date-time, converted to UTC so that any offset Python accepts is one the database accepts."""

    def to_python(self, value: Any) -> datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(timezone.utc)
        except OverflowError as exc:
            raise forms.ValidationError("Enter a date/time within years 1 to 9999.", code="invalid") from exc


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UTCDateTimeField


MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A related object's id: a positive 64-bit integer (larger numbers are a 400, not a database error)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
