"""Server-side SVG charts for the dashboard (no JavaScript library, nothing from a CDN).

Each function returns a complete ``<svg>`` element as safe HTML. Charts are
drawn in a fixed ``viewBox`` and scale with the page's CSS width.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from monitoring.metrics import Bucket, NodeFigures

STATUS_COLORS = {
    "completed": "#15803d", "failed": "#b91c1c", "running": "#1d4ed8", "pending": "#60a5fa",
    "waiting": "#b45309", "cancelled": "#6b7280", "skipped": "#a8a29e",
}
WIDTH, HEIGHT = 600, 200
LEFT, RIGHT, BOTTOM, TOP = 44, 18, 22, 10


def svg_fragment(template: str, *args: object) -> str:
    """``template.format(*args)`` with text arguments escaped (numbers keep their format specs)."""
    return template.format(*[escape(arg) if isinstance(arg, str) else arg for arg in args])


def _svg(body: str, height: int = HEIGHT, label: str = "") -> SafeString:
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'role="img" aria-label="{escape(label)}">{body}</svg>'
    )


def _empty(label: str) -> SafeString:
    return _svg(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">No executions in this range</text>',
                label=label)


def status_split(split: Sequence[tuple[str, int]]) -> SafeString:
    """One horizontal bar divided by status, with a legend."""
    total = sum(count for _, count in split)
    if not total:
        return _empty("Status split")
    parts, x = [], 0.0
    for status, count in split:
        width = (WIDTH - 2) * count / total
        parts.append(svg_fragment(
            '<rect x="{:.1f}" y="8" width="{:.1f}" height="34" fill="{}"><title>{}: {}</title></rect>',
            x + 1, width, STATUS_COLORS.get(status, "#94a3b8"), status, count,
        ))
        x += width
    legend_x = 1
    for status, count in split:
        parts.append(svg_fragment(
            '<rect x="{}" y="56" width="10" height="10" fill="{}"/><text x="{}" y="65">{} {} ({:.0f}%)</text>',
            legend_x, STATUS_COLORS.get(status, "#94a3b8"), legend_x + 14, status, count, 100 * count / total,
        ))
        legend_x += 150
    return _svg("".join(parts), height=76, label="Status split")


def _label(moment: datetime, span_days: float) -> str:
    return moment.strftime("%H:%M") if span_days <= 1.5 else moment.strftime("%b %d")


def _axes(maximum: float, unit: str) -> list[str]:
    plot_height = HEIGHT - BOTTOM - TOP
    lines = []
    for fraction in (0, 0.5, 1):
        y = TOP + plot_height * (1 - fraction)
        lines.append(svg_fragment(
            '<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#e2e8f0"/>'
            '<text x="{}" y="{:.1f}" text-anchor="end">{}{}</text>',
            LEFT, WIDTH, y, y, LEFT - 4, y + 3, _short(maximum * fraction), unit,
        ))
    return lines


def _short(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _x_labels(buckets: Sequence[Bucket], step: float) -> list[str]:
    span_days = (buckets[-1].start - buckets[0].start).total_seconds() / 86400 if len(buckets) > 1 else 0
    every = max(1, len(buckets) // 6)
    return [
        svg_fragment('<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>',
                    LEFT + step * (index + 0.5), HEIGHT - 6, _label(bucket.start, span_days))
        for index, bucket in enumerate(buckets) if index % every == 0
    ]


def volume(buckets: Sequence[Bucket]) -> SafeString:
    """Executions per time bucket; the failed part of each column in red."""
    if not buckets or not any(b.total for b in buckets):
        return _empty("Volume over time")
    maximum = max(b.total for b in buckets)
    plot_height = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - RIGHT) / len(buckets)
    parts = _axes(maximum, "")
    for index, bucket in enumerate(buckets):
        x = LEFT + step * index + step * 0.15
        height = plot_height * bucket.total / maximum
        failed = plot_height * bucket.failed / maximum
        parts.append(svg_fragment(
            '<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#3b82f6"><title>{}: {} runs, {} failed'
            '</title></rect>', x, TOP + plot_height - height, step * 0.7, height,
            bucket.start.strftime("%Y-%m-%d %H:%M"), bucket.total, bucket.failed,
        ))
        if failed:
            parts.append(svg_fragment('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="#dc2626"/>',
                                     x, TOP + plot_height - failed, step * 0.7, failed))
    return _svg("".join(parts + _x_labels(buckets, step)), label="Volume over time")


def line(buckets: Sequence[Bucket], value: Callable[[Bucket], float | None], unit: str, label: str) -> SafeString:
    """A line through the buckets that have a value (gaps where none)."""
    points = [(index, value(bucket)) for index, bucket in enumerate(buckets)]
    known = [v for _, v in points if v is not None]
    if not known:
        return _empty(label)
    maximum = max(known) or 1
    plot_height = HEIGHT - BOTTOM - TOP
    step = (WIDTH - LEFT - RIGHT) / len(buckets)
    coordinates = [
        (LEFT + step * (index + 0.5), TOP + plot_height * (1 - v / maximum)) for index, v in points if v is not None
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coordinates)
    dots = "".join(svg_fragment('<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="#7c3aed"/>', x, y) for x, y in coordinates)
    body = "".join(_axes(maximum, unit)) + f'<polyline points="{path}" fill="none" stroke="#7c3aed" stroke-width="2"/>'
    return _svg(body + dots + "".join(_x_labels(buckets, step)), label=label)


def node_bars(nodes: Sequence[NodeFigures]) -> SafeString:
    """Per node: a bar split success / failed / other, with its average duration."""
    if not nodes:
        return _empty("Per-node success")
    row, label_width = 22, 230
    bar_width = WIDTH - label_width - 170
    busiest = max(n.total for n in nodes)
    parts = []
    for index, node in enumerate(nodes):
        y = 4 + index * row
        scale = bar_width * node.total / busiest
        ok = scale * node.success / node.total
        failed = scale * node.failed / node.total
        rate = "-" if node.success_rate is None else f"{node.success_rate:.0f}%"
        duration = "-" if node.avg_duration_ms is None else f"{node.avg_duration_ms / 1000:.1f}s"
        parts.append(svg_fragment(
            '<text x="0" y="{}">{} \u203a {}</text>'
            '<rect x="{}" y="{}" width="{:.1f}" height="14" fill="#cbd5e1"/>'
            '<rect x="{}" y="{}" width="{:.1f}" height="14" fill="#15803d"/>'
            '<rect x="{:.1f}" y="{}" width="{:.1f}" height="14" fill="#b91c1c"/>'
            '<text x="{}" y="{}">{} \u00b7 {} \u00b7 {} runs</text>',
            y + 11, node.flow[:18], node.node_id[:16],
            label_width, y, scale, label_width, y, ok, label_width + ok, y, failed,
            label_width + bar_width + 6, y + 11, rate, duration, node.total,
        ))
    return _svg("".join(parts), height=8 + row * len(nodes), label="Per-node success and duration")
