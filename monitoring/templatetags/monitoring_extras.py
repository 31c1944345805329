"""Dashboard template helpers: trend arrows and durations."""
from __future__ import annotations

from django import template
from django.utils.html import format_html

from contacts.admin_html import format_duration

register = template.Library()


@register.simple_tag
def trend(change: float | None, unit: str, lower_is_better: bool = False) -> str:
    """"▲ 12% vs previous period", green when it moved the good way."""
    if not isinstance(change, (int, float)):
        return format_html('<div class="trend trend-flat">{}</div>', "no previous figure to compare")
    if change == 0:
        return format_html('<div class="trend trend-flat">{}</div>', "= same as previous period")
    good = (change < 0) if lower_is_better else (change > 0)
    return format_html(
        '<div class="trend {}">{} {}{} vs previous period</div>',
        "trend-good" if good else "trend-bad", "\u25b2" if change > 0 else "\u25bc", abs(change), unit,
    )


@register.filter
def duration(milliseconds: float | None) -> str:
    return format_duration(milliseconds)
