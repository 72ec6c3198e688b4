"""Service events for `manage.py simulate`: a food-delivery city's orders, seeded.

Pure: a ``random.Random`` and a clock in, event dicts in the events API's shape out (the same
body a source system posts to ``POST /api/v1/events/``), and the pacing of a steady rate. No
Django here; the command posts the events over HTTP with the demo source's key.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

CITIES = ("上海", "北京", "杭州", "深圳")
DISTRICTS = ("office", "residential", "business_district", "campus")
DISTRICT_WEIGHTS = (4, 4, 2, 1)
SCENARIOS = ("peak", "night", "rain", "normal")
SCENARIO_WEIGHTS = (4, 2, 2, 3)
MERCHANTS = ("fast_food", "tea_drinks", "hotpot", "bakery")
CHANNELS = ("app", "mini_program", "web")
CHANNEL_WEIGHTS = (6, 3, 1)
# Respondents live in the city's zone; a few customers abroad see quiet hours at other times.
ZONES = ("Asia/Shanghai",) * 9 + ("Europe/London",)


@dataclass(frozen=True)
class Simulation:
    """Which events to make: ``prefix`` keeps the external ids of one run apart from another's
    (a second run with the same prefix and seed posts duplicates, which change nothing)."""

    source: str
    prefix: str
    seed: int = 2026
    customers: int = 5000  # repeat customers meet the fatigue rule
    english_share: float = 0.2
    contactless_share: float = 0.03


def order_event(sim: Simulation, rng: random.Random, number: int, now: dt.datetime) -> dict:
    """One ``order.delivered`` event delivered a few minutes before ``now``."""
    customer = rng.randrange(sim.customers)
    english = rng.random() < sim.english_share
    respondent: dict = {
        "type": "customer",
        "ref": f"{sim.prefix}-c-{customer}",
        "locale": "en" if english else "zh-hans",
        "timezone": rng.choice(ZONES),
    }
    if rng.random() >= sim.contactless_share:
        if rng.random() < 0.5:
            respondent["email"] = f"customer{customer}@example.com"
        else:
            respondent["phone"] = f"139{customer:08d}"
    occurred = now - dt.timedelta(minutes=rng.randint(1, 15))
    return {
        "source": sim.source,
        "external_id": f"{sim.prefix}-{number}",
        "type": "order.delivered",
        "occurred_at": occurred.isoformat(),
        "respondent": respondent,
        "attributes": {
            "city": rng.choice(CITIES),
            "district_type": rng.choices(DISTRICTS, weights=DISTRICT_WEIGHTS)[0],
            "scenario": rng.choices(SCENARIOS, weights=SCENARIO_WEIGHTS)[0],
            "merchant_type": rng.choice(MERCHANTS),
            "channel": rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0],
        },
    }


def batches(rate: float, *, tick: float = 1.0) -> Iterator[int]:
    """How many events each tick of ``tick`` seconds posts for a steady ``rate`` per second,
    carrying the fraction over: 2.5/s gives 2, 3, 2, 3, ..."""
    if rate <= 0:
        raise ValueError("rate must be positive")
    owed = 0.0
    while True:
        owed += rate * tick
        whole = int(owed)
        owed -= whole
        yield whole


@dataclass
class Tally:
    """What the API answered, summed over the run: item statuses and invitation decisions."""

    items: Counter = field(default_factory=Counter)
    invitations: Counter = field(default_factory=Counter)

    def add(self, results: Iterable[dict]) -> None:
        for result in results:
            self.items[result.get("status", "?")] += 1
            for invitation in result.get("invitations", []):
                decision = invitation.get("status", "?")
                reason = invitation.get("reason")
                self.invitations[f"{decision}:{reason}" if reason else decision] += 1

    def line(self) -> str:
        items = ", ".join(f"{key} {value}" for key, value in sorted(self.items.items()))
        invitations = ", ".join(f"{key} {value}" for key, value in sorted(self.invitations.items()))
        return f"events: {items or 'none'} | invitations: {invitations or 'none'}"
