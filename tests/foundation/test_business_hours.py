"""Business hours: next open window across time zones and DST changes."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flows.business_hours import BusinessHours

UTC = ZoneInfo("UTC")
NY = ZoneInfo("America/New_York")
HOURS = BusinessHours.from_config({"start": "09:00", "end": "17:00", "timezone": "America/New_York", "days": [0, 1, 2, 3, 4]})


def test_open_now_returns_now():
    at = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # Tuesday 10:00 in New York
    assert HOURS.next_open(at) == at


def test_after_hours_defers_to_next_morning_in_contact_timezone():
    at = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # Tuesday 18:00 in New York
    assert HOURS.next_open(at) == datetime(2026, 11, 25, 9, 0, tzinfo=NY)
    # The same instant for a contact in Paris (Wednesday 00:00) opens at 09:00 Paris time.
    paris = HOURS.next_open(at, "Europe/Paris")
    assert paris == datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))


def test_weekend_skips_to_monday():
    at = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)  # Friday 17:30 in New York
    assert HOURS.next_open(at) == datetime(2026, 11, 30, 9, 0, tzinfo=NY)


def test_dst_change_keeps_local_opening_time():
    # New York falls back on Sunday 2026-11-01: Friday evening -> Monday 09:00 EST (14:00 UTC, not 13:00).
    at = datetime(2026, 10, 30, 22, 0, tzinfo=UTC)
    opening = HOURS.next_open(at)
    assert opening.astimezone(UTC) == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    # Spring forward 2026-03-08: Friday evening -> Monday 09:00 EDT = 13:00 UTC.
    assert HOURS.next_open(datetime(2026, 3, 6, 23, 0, tzinfo=UTC)).astimezone(UTC) == datetime(
        2026, 3, 9, 13, 0, tzinfo=UTC
    )


def test_unknown_contact_timezone_falls_back_to_configured_one():
    at = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)
    assert HOURS.next_open(at, "Not/AZone") == datetime(2026, 11, 25, 9, 0, tzinfo=NY)
