"""The demo's story as plain data (no database): fixed by the seed and the local day, inside the
weeks before it, with each person's language drawn apart from what went wrong for them."""

import datetime as dt
from collections import Counter

from responses.demo_story.plan import DAYS, SOURCES, ZONE, story_plan

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)  # 18:00 in Shanghai


def test_the_story_is_fixed_by_the_seed_and_the_local_day():
    same_day_later = NOW + dt.timedelta(hours=5)  # 23:00 in Shanghai, the same local day
    assert story_plan(seed=2026, now=NOW) == story_plan(seed=2026, now=same_day_later)
    assert story_plan(seed=2026, now=NOW) != story_plan(seed=7, now=NOW)


def test_the_story_holds_every_storyline_in_the_weeks_before_today():
    plan = story_plan(seed=2026, now=NOW)
    assert Counter(event.type for event in plan) == {
        "order.delivered": 960,
        "order.cancelled": 4,
        "rider.shift_ended": 663,
        "merchant.information_submitted": 160,
        "merchant.review_completed": 160,
        "merchant.onboarded": 160,
        "ticket.closed": 160,
        "rental.returned": 110,
    }
    first = dt.datetime(2026, 11, 30, tzinfo=ZONE) - dt.timedelta(days=DAYS)
    assert all(
        first <= event.occurred_at <= event.posted_at < dt.datetime(2026, 11, 30, tzinfo=ZONE)
        for event in plan
    )
    # posted in order; only a support-desk re-sync posts events days after they happened (stale)
    assert [event.posted_at for event in plan] == sorted(event.posted_at for event in plan)
    late = [event for event in plan if event.posted_at - event.occurred_at > dt.timedelta(hours=1)]
    assert {event.storyline for event in late} == {"tickets"} and len(late) == 9
    # the external ids are fixed, so a second load finds duplicates
    assert len({event.external_id for event in plan}) == len(plan)
    item = plan[0].as_item()
    assert item["source"] == SOURCES[plan[0].storyline]
    assert set(item) == {"source", "external_id", "type", "occurred_at", "respondent", "attributes"}


def test_a_persons_language_is_drawn_apart_from_what_went_wrong():
    plan = story_plan(seed=2026, now=NOW)
    orders = [event for event in plan if event.type == "order.delivered"]
    # one language per customer across their orders
    languages = {}
    for event in orders:
        assert (
            languages.setdefault(event.respondent["ref"], event.respondent["locale"])
            == event.respondent["locale"]
        )
    # late deliveries are planted at office buildings at lunch, in either language alike
    office_lunch = [
        event
        for event in orders
        if event.attributes["district_type"] == "office" and event.attributes["daypart"] == "lunch"
    ]
    english = Counter(event.respondent["locale"] == "en" for event in office_lunch)
    everywhere = Counter(event.respondent["locale"] == "en" for event in orders)
    assert (english[True], len(office_lunch)) == (30, 166)  # 18 %
    assert (everywhere[True], len(orders)) == (181, 960)  # 19 %
