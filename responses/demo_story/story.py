"""The story's parts: the city, its sources, an event and how its person answers, and the
seeded state every storyline draws from. Plain data, no Django."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
DAYS = 28
ENGLISH_SHARE = 0.2
CITY = "上海"
SOURCES = {
    "orders": "order-platform",
    "onboarding": "merchant-platform",
    "riders": "rider-platform",
    "tickets": "support-desk",
    "rentals": "car-rental-platform",
}
DISTRICTS = ("office", "residential", "business_district", "campus")
MERCHANT_TYPES = ("fast_food", "tea_drinks", "hotpot", "bakery")
CHANNELS = ("app", "mini_program")
ONBOARDING_CITIES = ("上海", "北京", "杭州", "深圳", "成都")
SLOW_REVIEW_CITY = "杭州"
TICKET_CATEGORIES = ("refund", "delivery_issue", "account", "payment")


@dataclass(frozen=True)
class Answering:
    """How the person behind an event answers an invitation, if one is sent."""

    open_after_minutes: int | None  # after the send; None: never opened
    answer_after_minutes: int  # after opening
    complete: bool  # False: some answers saved, never submitted
    locale: str
    answers: dict[str, Any]


@dataclass(frozen=True)
class StoryEvent:
    storyline: str
    external_id: str
    type: str
    occurred_at: dt.datetime
    posted_at: dt.datetime  # when the source system posts it (later than occurred_at when stale)
    respondent: dict[str, str]
    attributes: dict[str, str]
    answering: Answering | None = None

    def as_item(self) -> dict:
        """The event as a source system posts it to the events API."""
        return {
            "source": SOURCES[self.storyline],
            "external_id": self.external_id,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "respondent": dict(self.respondent),
            "attributes": dict(self.attributes),
        }


@dataclass
class Story:
    rng: random.Random
    start: dt.date
    events: list[StoryEvent] = field(default_factory=list)

    def at(self, day: int, hour: float) -> dt.datetime:
        local = dt.datetime.combine(self.start + dt.timedelta(days=day), dt.time(0), tzinfo=ZONE)
        return local + dt.timedelta(minutes=round(hour * 60))

    def locale(self) -> str:
        return "en" if self.rng.random() < ENGLISH_SHARE else "zh-hans"

    def behaviour(self, *, locale: str, answers: dict, rate: float) -> Answering:
        """Opens with the chance ``rate``; of those who open, most start and most of them submit."""
        rng = self.rng
        opens = rng.random() < rate
        starts = opens and rng.random() < 0.85
        complete = starts and rng.random() < 0.9
        return Answering(
            open_after_minutes=rng.randint(5, 36 * 60) if opens else None,
            answer_after_minutes=rng.randint(1, 12),
            complete=complete,
            locale=locale,
            answers=answers if starts else {},
        )

    def say(self, table: dict, kind: str, locale: str) -> str:
        chinese, english = self.rng.choice(table[kind])
        return english if locale == "en" else chinese

    def say_all(self, table: dict, kinds, locale: str) -> str:
        """One comment saying each of ``kinds``, joined as the language joins clauses."""
        return ("; " if locale == "en" else "，").join(self.say(table, kind, locale) for kind in kinds)

    @staticmethod
    def respondent(kind: str, ref: str, locale: str) -> dict:
        """The event's respondent: a person of the city, in their language."""
        return {"type": kind, "ref": ref, "locale": locale, "timezone": ZONE.key}
