"""Rules of time zones that need no database: the account's zone, local times and local days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DEFAULT_TIMEZONE = "Europe/Paris"


def zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; ValueError when zoneinfo does not know it."""
    # available_timezones() keeps out names such as "localtime" that ZoneInfo would also accept.
    if name not in available_timezones():
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Europe/Paris)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


def to_utc(value: datetime, tz: ZoneInfo) -> datetime:
    """An instant in UTC; a time without offset is read as the account's local time.

    A local time that does not exist (the hour skipped when clocks go forward) is refused; a
    local time that happens twice (clocks go back) is the first of the two, as zoneinfo's
    fold=0 reads it.
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    local = value.replace(tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != value:
        raise ValueError(f"{value.isoformat()} does not exist in {tz.key} (clocks go forward at that hour)")
    return instant


def local(value: datetime, tz: ZoneInfo) -> datetime:
    """The same instant as wall-clock time of the zone, with its offset."""
    return value.astimezone(tz)


def local_day(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start of today and of tomorrow in the zone, as UTC instants (23 or 25 hours apart on DST days)."""
    today = now.astimezone(tz).date()
    start = datetime(today.year, today.month, today.day, tzinfo=tz)
    tomorrow = today + timedelta(days=1)
    end = datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
