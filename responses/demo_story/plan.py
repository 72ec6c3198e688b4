"""The demo's story as plain data: from a seed and a "now", the service events of the last weeks
(orders in one city, merchant onboardings, riders' shifts, support tickets, car-rental returns)
and, for each, how its person would answer an invitation: whether and when they open it, start,
submit, and what they say.

Planted problems (each asserted by a test on the loaded pages):
- orders to office buildings at the lunch peak arrive late: late-delivery comments, low NPS;
- merchant review is slow in 杭州: the review step scores lowest there;
- the rider app fails at night (闪退, 定位): app complaints on night shifts, low app rating;
- car-rental deposits are refunded slowly: the deposit topic costs the most NPS.
Whether a person answers in English is drawn apart from everything else, so the respondents'
locale is never a segment where things go wrong.
"""

from __future__ import annotations

import datetime as dt
import random

from responses.demo_story import storylines
from responses.demo_story.story import DAYS, SOURCES, ZONE, Answering, Story, StoryEvent

__all__ = ["DAYS", "SOURCES", "ZONE", "Answering", "StoryEvent", "story_plan"]


def story_plan(*, seed: int, now: dt.datetime) -> list[StoryEvent]:
    """Every event of the story, the last ``DAYS`` days before ``now``'s local day, in the
    order their source systems post them. The same seed and local day give the same story."""
    today = now.astimezone(ZONE).date()
    story = Story(rng=random.Random(seed), start=today - dt.timedelta(days=DAYS))  # noqa: S311 - demo data
    for storyline in (
        storylines.orders,
        storylines.onboarding,
        storylines.riders,
        storylines.tickets,
        storylines.rentals,
    ):
        storyline(story)
    end = dt.datetime.combine(today, dt.time(0), tzinfo=ZONE)
    return sorted(
        (event for event in story.events if event.posted_at < end),
        key=lambda event: (event.posted_at, event.external_id),
    )
