"""Small HTML pieces shared by the admin pages: status badges, links between objects, JSON, durations."""
from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.html import format_html


def badge(status: str, label: str | None = None) -> str:
    return format_html('<span class="badge badge-{}">{}</span>', status, label or status)


def admin_link(obj: Any, label: Any = None) -> str:
    """A link to ``obj``'s change page ("-" for None)."""
    if obj is None:
        return "-"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else obj)


def changelist_link(model: Any, label: str, **filters: Any) -> str:
    """A link to ``model``'s changelist filtered by ``filters`` (e.g. ``flow__id__exact=3``)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


def pretty_json(value: Any) -> str:
    return format_html('<pre class="json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False, default=str))


def format_duration(milliseconds: int | float | None) -> str:
    if milliseconds is None:
        return "-"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    seconds = milliseconds / 1000
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes = seconds / 60
    return f"{minutes:.1f} min" if minutes < 120 else f"{minutes / 60:.1f} h"
