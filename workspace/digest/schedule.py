"""When a weekly digest is due, in the reader's own time zone (pure: no Django).

The digest goes out on Monday at 09:00 local time. Beat looks every 15 minutes, so it leaves
between 09:00 and 09:14; a beat that was down at nine sends it at its next run that Monday, never
on a later day (the week's digest would be stale). Once per ISO week: the week is named by its
Monday in the reader's zone, the key of the one-per-week row.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

MONDAY = 0
SEND_HOUR = 9


def zone_of(name: str | None, default: str) -> zoneinfo.ZoneInfo:
    """The IANA zone ``name``, else ``default`` (an empty or unknown name)."""
    if name:
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return zoneinfo.ZoneInfo(default)


def local_time(now: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """``now`` (aware) on the wall clock of ``zone``."""
    return now.astimezone(zone)


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def is_due(local: dt.datetime, *, weekday: int = MONDAY, hour: int = SEND_HOUR) -> bool:
    """Whether a digest is due at this local wall-clock time: the sending day, from ``hour`` on."""
    return local.weekday() == weekday and local.hour >= hour


def period_of(local_day: dt.date) -> tuple[dt.date, dt.date]:
    """The seven days a digest sent on ``local_day`` covers: the week before (Monday to Sunday
    when sent on a Monday)."""
    return local_day - dt.timedelta(days=7), local_day - dt.timedelta(days=1)
