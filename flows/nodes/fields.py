"""Serializer fields shared by the node config schemas."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from flows.templating import check_syntax


class TemplateField(serializers.CharField):
    """A message template (see :mod:`flows.templating`), refused when it does not parse."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        error = check_syntax(value)
        if error:
            raise serializers.ValidationError(error)
        return value


class MediaUrlsField(serializers.ListField):
    def __init__(self, max_length: int = 10, **kwargs: Any) -> None:
        super().__init__(child=serializers.URLField(), max_length=max_length, required=False, **kwargs)
