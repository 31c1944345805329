"""Business hours: when a flow may reach people, in the contact's (or flow's) time zone.

Stored on a flow as ``{"start": "09:00", "end": "17:00", "timezone": "Europe/Paris",
"days": [0, 1, 2, 3, 4]}`` (Monday is 0). An empty value means always open.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_DAYS = (0, 1, 2, 3, 4)


@dataclass(frozen=True)
class BusinessHours:
    start: time
    end: time
    timezone: str = "UTC"
    days: tuple[int, ...] = DEFAULT_DAYS

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> "BusinessHours | None":
        """Parse a stored configuration (already validated by :func:`validate_business_hours`)."""
        if not config:
            return None
        return cls(
            start=time.fromisoformat(config["start"]),
            end=time.fromisoformat(config["end"]),
            timezone=config.get("timezone") or "UTC",
            days=tuple(config.get("days", DEFAULT_DAYS)),
        )

    def _zone(self, timezone: str | None) -> ZoneInfo:
        for name in (timezone, self.timezone, "UTC"):
            if name:
                try:
                    return ZoneInfo(name)
                except (ZoneInfoNotFoundError, ValueError):
                    continue
        return ZoneInfo("UTC")

    def is_open(self, at: datetime, timezone: str | None = None) -> bool:
        local = at.astimezone(self._zone(timezone))
        return local.weekday() in self.days and self.start <= local.time().replace(tzinfo=None) < self.end

    def next_open(self, at: datetime, timezone: str | None = None) -> datetime:
        """``at`` itself when open, otherwise the start of the next open window.

        ``timezone`` is the contact's zone; the configured zone is the fallback.
        Windows are computed on local calendar days, so they follow DST changes.
        """
        if self.is_open(at, timezone):
            return at
        zone = self._zone(timezone)
        local = at.astimezone(zone)
        for offset in range(0, 8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            opening = datetime.combine(day, self.start, tzinfo=zone)
            # A start time that falls in a DST gap does not exist; normalise it via UTC.
            opening = opening.astimezone(ZoneInfo("UTC")).astimezone(zone)
            if opening > local:
                return opening
        raise ValueError("Business hours have no open day.")  # validation forbids an empty day list


def validate_business_hours(config: Any) -> dict[str, str]:
    """Field errors of a business-hours configuration ({} when valid or empty)."""
    if config in (None, {}):
        return {}
    if not isinstance(config, dict):
        return {"business_hours": "Must be an object with start, end, timezone and days."}
    errors: dict[str, str] = {}
    parsed: dict[str, time] = {}
    for key in ("start", "end"):
        value = config.get(key)
        try:
            parsed[key] = time.fromisoformat(value) if isinstance(value, str) else None  # type: ignore[assignment]
        except ValueError:
            parsed[key] = None  # type: ignore[assignment]
        if parsed[key] is None:
            errors[key] = "Must be a time like 09:00."
    if not errors and parsed["start"] >= parsed["end"]:
        errors["end"] = "Must be after start."
    timezone = config.get("timezone", "UTC")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        errors["timezone"] = f"'{timezone}' is not a known time zone."
    days = config.get("days", list(DEFAULT_DAYS))
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6 for day in days)
    ):
        errors["days"] = "Must be a non-empty list of weekdays, 0 (Monday) to 6 (Sunday)."
    unknown = set(config) - {"start", "end", "timezone", "days"}
    if unknown:
        errors["business_hours"] = f"Unknown key(s): {', '.join(sorted(unknown))}."
    return errors
