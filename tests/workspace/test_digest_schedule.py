"""When the weekly digest is due (workspace/digest/schedule.py, pure: no database)."""

import datetime as dt

import pytest

from workspace.digest import schedule

SHANGHAI = schedule.zone_of("Asia/Shanghai", "UTC")
LONDON = schedule.zone_of("Europe/London", "UTC")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("now", "zone", "due"),
    [
        (utc(2026, 5, 11, 0, 59), SHANGHAI, False),  # Monday 08:59 in Shanghai
        (utc(2026, 5, 11, 1, 0), SHANGHAI, True),  # Monday 09:00
        (utc(2026, 5, 11, 1, 14), SHANGHAI, True),
        (utc(2026, 5, 11, 15, 59), SHANGHAI, True),  # Monday 23:59: a late beat still sends
        (utc(2026, 5, 11, 16, 0), SHANGHAI, False),  # Tuesday 00:00
        (utc(2026, 5, 11, 1, 0), LONDON, False),  # Monday 02:00 in London
        (utc(2026, 5, 11, 7, 59), LONDON, False),  # 08:59 BST
        (utc(2026, 5, 11, 8, 0), LONDON, True),  # 09:00 BST
        (utc(2026, 1, 12, 9, 0), LONDON, True),  # 09:00 GMT in winter
        (utc(2026, 1, 12, 8, 0), LONDON, False),
        # The Monday after the clocks went forward (Sunday 29 March 2026): 09:00 BST is 08:00 UTC
        (utc(2026, 3, 30, 7, 59), LONDON, False),
        (utc(2026, 3, 30, 8, 0), LONDON, True),
        (utc(2026, 5, 10, 1, 0), SHANGHAI, False),  # a Sunday
    ],
)
def test_due_on_monday_from_nine_local_time(now, zone, due):
    assert schedule.is_due(schedule.local_time(now, zone)) is due


def test_the_week_is_the_local_monday_and_the_period_the_week_before():
    # 22:30 UTC on Sunday is Monday 06:30 in Shanghai, still Sunday 23:30 in London
    now = utc(2026, 5, 10, 22, 30)
    assert schedule.week_of(schedule.local_time(now, SHANGHAI).date()) == dt.date(2026, 5, 11)
    assert schedule.week_of(schedule.local_time(now, LONDON).date()) == dt.date(2026, 5, 4)
    assert schedule.period_of(dt.date(2026, 5, 11)) == (dt.date(2026, 5, 4), dt.date(2026, 5, 10))


def test_an_unknown_or_empty_zone_is_the_default():
    assert schedule.zone_of("", "Asia/Shanghai").key == "Asia/Shanghai"
    assert schedule.zone_of("Mars/Olympus", "Asia/Shanghai").key == "Asia/Shanghai"
    assert schedule.zone_of("Europe/London", "Asia/Shanghai").key == "Europe/London"
