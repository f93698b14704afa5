"""Digest periods: a daily digest is keyed by the recipient's local date, a weekly one by
the local ISO week; both are due from 08:00 local time (weekly: on Monday)."""

import zoneinfo
from datetime import datetime, time, timedelta

DIGEST_HOUR = time(8, 0)


def local_now(as_of: datetime, zone_name: str) -> datetime:
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return as_of.astimezone(zone)


def period_key(frequency: str, local: datetime) -> str:
    if frequency == "weekly":
        year, week, _weekday = local.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return f"daily:{local.date().isoformat()}"


def is_due(frequency: str, local: datetime) -> bool:
    """True once this period's 08:00 local has passed."""
    if frequency == "weekly":
        return local.weekday() > 0 or local.time() >= DIGEST_HOUR
    return local.time() >= DIGEST_HOUR


def default_window(frequency: str) -> timedelta:
    return timedelta(days=7) if frequency == "weekly" else timedelta(days=1)
