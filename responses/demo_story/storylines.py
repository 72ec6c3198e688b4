"""The storylines: each appends its events, with how their people answer, to the story."""

from __future__ import annotations

import datetime as dt
from typing import Any

from responses.demo_story import comments
from responses.demo_story.story import (
    CHANNELS,
    CITY,
    DAYS,
    DISTRICTS,
    MERCHANT_TYPES,
    ONBOARDING_CITIES,
    SLOW_REVIEW_CITY,
    TICKET_CATEGORIES,
    Story,
    StoryEvent,
)


def orders(story: Story) -> None:
    rng = story.rng
    customers = [f"story-c-{n}" for n in range(900)]
    locales = {ref: story.locale() for ref in customers}
    # Dayparts: (name, scenario, first hour, last hour, weight)
    dayparts = (
        ("morning", "normal", 8, 10.5, 1),
        ("lunch", "peak", 11, 13.5, 4),
        ("afternoon", "normal", 14, 16.5, 1),
        ("dinner", "peak", 17, 19.5, 3),
        ("late_night", "night", 21, 23.5, 1),
    )
    number = 0
    for day in range(DAYS):
        for _order in range(rng.randint(30, 38)):
            number += 1
            name, scenario, first, last, _weight = rng.choices(dayparts, weights=[d[4] for d in dayparts])[0]
            district = rng.choices(DISTRICTS, weights=[4, 4, 2, 1])[0]
            merchant_type = rng.choice(MERCHANT_TYPES)
            occurred = story.at(day, rng.uniform(first, last))
            ref = rng.choice(customers)
            locale = locales[ref]
            office_lunch = district == "office" and name == "lunch"
            issues = []
            if rng.random() < (0.75 if office_lunch else 0.08):
                issues.append("late_office_lunch" if office_lunch else "late")
            if rng.random() < (0.2 if scenario == "night" else 0.04):
                issues.append("cold")
            if rng.random() < (0.15 if merchant_type in ("tea_drinks", "hotpot") else 0.03):
                issues.append("spill")
            if rng.random() < 0.05:
                issues.append("missing")
            if rng.random() < 0.04:
                issues.append("price")
            issues = issues[:2]
            if issues:
                nps = rng.choices(range(11), weights=[4, 3, 4, 5, 6, 6, 5, 3, 2, 1, 1])[0]
            else:
                nps = rng.choices(range(11), weights=[0, 0, 0, 1, 1, 1, 2, 4, 7, 9, 9])[0]
            low = {
                "late": "delivery_speed",
                "late_office_lunch": "delivery_speed",
                "cold": "food_temperature",
            }
            aspects = {
                "delivery_speed": rng.randint(3, 5),
                "food_temperature": rng.randint(3, 5),
                "packaging": rng.randint(1, 2) if "spill" in issues else rng.randint(3, 5),
                "rider_attitude": rng.randint(3, 5),
            }
            for issue in issues:
                if issue in low:
                    aspects[low[issue]] = rng.randint(1, 2)
            answers: dict[str, Any] = {"nps": nps, "aspects": aspects}
            if issues and nps <= 6 and rng.random() < 0.85:
                answers["why"] = story.say_all(comments.ORDER, issues, locale)
            elif nps >= 9 and rng.random() < 0.4:
                answers["praise"] = story.say(comments.ORDER, "praise", locale)
            story.events.append(
                StoryEvent(
                    storyline="orders",
                    external_id=f"story-order-{number}",
                    type="order.delivered",
                    occurred_at=occurred,
                    posted_at=occurred + dt.timedelta(seconds=rng.randint(5, 300)),
                    respondent=story.respondent("customer", ref, locale),
                    attributes={
                        "city": CITY,
                        "district_type": district,
                        "merchant_type": merchant_type,
                        "scenario": scenario,
                        "daypart": name,
                        # where the order was placed ("channel" on a response is how the survey reached it)
                        "order_channel": rng.choices(CHANNELS, weights=[3, 1])[0],
                    },
                    answering=story.behaviour(locale=locale, answers=answers, rate=0.55),
                )
            )
        if day % 7 == 3:  # a cancelled order now and then: no rule sends a survey for it
            number += 1
            occurred = story.at(day, 12.2)
            story.events.append(
                StoryEvent(
                    storyline="orders",
                    external_id=f"story-order-{number}",
                    type="order.cancelled",
                    occurred_at=occurred,
                    posted_at=occurred + dt.timedelta(seconds=30),
                    respondent={
                        "type": "customer",
                        "ref": rng.choice(customers),
                        "timezone": "Asia/Shanghai",
                    },
                    attributes={
                        "city": CITY,
                        "district_type": "office",
                        "scenario": "peak",
                        "daypart": "lunch",
                    },
                )
            )


def onboarding(story: Story) -> None:
    """Merchants through 信息收集 -> 审核 -> 上线: an event per step; the survey after going live."""
    rng = story.rng
    for number in range(1, 161):
        city = rng.choice(ONBOARDING_CITIES)
        merchant_type = rng.choice(MERCHANT_TYPES)
        slow = city == SLOW_REVIEW_CITY
        review_days = rng.randint(6, 12) if slow else rng.randint(1, 3)
        live_day = rng.randint(review_days + 2, DAYS - 1)
        submitted = story.at(live_day - review_days - 1, rng.uniform(9, 18))
        reviewed = submitted + dt.timedelta(days=review_days, hours=rng.uniform(0, 4))
        live = story.at(live_day, rng.uniform(9, 18))
        locale = story.locale()
        ref = f"story-m-{number}"
        base = {"city": city, "merchant_type": merchant_type}
        hard_info = rng.random() < 0.25
        hard_live = rng.random() < (0.35 if merchant_type in ("hotpot", "bakery") else 0.12)
        steps = {
            "information_collection": rng.randint(2, 4) if hard_info else rng.randint(5, 7),
            "review": rng.randint(1, 2) if slow else rng.randint(4, 7),
            "going_live": rng.randint(2, 4) if hard_live else rng.randint(5, 7),
        }
        effort = max(1, min(7, round(sum(steps.values()) / 3 + rng.uniform(-0.8, 0.8))))
        problems = (
            (["review_slow"] if slow else (["review"] if rng.random() < 0.1 else []))
            + (["information_collection"] if hard_info else [])
            + (["going_live"] if hard_live else [])
        )
        sinks = (
            (["review_wait", "resubmission"] if slow else [])
            + (["documents"] if hard_info else [])
            + (["menu_setup"] if hard_live else [])
        )
        answers: dict[str, Any] = {"effort": effort, "steps": steps}
        if sinks:
            answers["time_sinks"] = sinks
        if problems and rng.random() < 0.85:
            answers["slowed_down"] = story.say_all(comments.ONBOARDING, problems[:2], locale)
        respondent = story.respondent("merchant", ref, locale)
        for step, (kind, when, extra) in enumerate(
            (
                ("merchant.information_submitted", submitted, {"stage": "information_collection"}),
                ("merchant.review_completed", reviewed, {"stage": "review", "review_days": str(review_days)}),
                ("merchant.onboarded", live, {"stage": "going_live", "review_days": str(review_days)}),
            )
        ):
            story.events.append(
                StoryEvent(
                    storyline="onboarding",
                    external_id=f"story-merchant-{number}-{step}",
                    type=kind,
                    occurred_at=when,
                    posted_at=when + dt.timedelta(seconds=rng.randint(5, 120)),
                    respondent=respondent,
                    attributes={**base, **extra},
                    answering=story.behaviour(locale=locale, answers=answers, rate=0.75)
                    if kind == "merchant.onboarded"
                    else None,
                )
            )


def riders(story: Story) -> None:
    """Riders' shifts; the survey after a shift, at most once a fortnight per rider."""
    rng = story.rng
    riders = [(f"story-r-{n}", story.locale(), n % 3 == 0) for n in range(100)]  # a third ride nights
    number = 0
    for day in range(DAYS):
        for ref, locale, nights in rng.sample(riders, 24):
            number += 1
            night = nights and rng.random() < 0.8
            ended = story.at(day, rng.uniform(24.5, 27) if night else rng.uniform(14, 21))
            district = rng.choices(DISTRICTS, weights=[4, 4, 2, 1])[0]
            issues = []
            if rng.random() < (0.65 if night else 0.06):
                issues.append("app_failure_night")
            if rng.random() < (0.08 if night else 0.25):
                issues.append("pickup_wait")
            if rng.random() < 0.15:
                issues.append("earnings")
            if district == "office" and rng.random() < 0.2:
                issues.append("building_access")
            issues = issues[:2]
            aspects = {item: rng.randint(3, 5) for item in ("dispatch", "pickup_wait", "earnings", "safety")}
            aspects["station_support"] = rng.randint(2, 5)
            aspects["rider_app"] = rng.randint(1, 2) if "app_failure_night" in issues else rng.randint(3, 5)
            for issue in ("pickup_wait", "earnings"):
                if issue in issues:
                    aspects[issue] = rng.randint(1, 2)
            main = {
                "app_failure_night": "navigation",
                "pickup_wait": "slow_food",
                "earnings": "earnings",
                "building_access": "building_access",
            }
            nps = rng.randint(0, 6) if issues else rng.randint(6, 10)
            answers: dict[str, Any] = {
                "nps": nps,
                "aspects": aspects,
                "main_issue": main[issues[0]] if issues else rng.choice(["dispatch", "weather", "other"]),
            }
            if issues and nps <= 6 and rng.random() < 0.85:
                answers["why"] = story.say_all(comments.RIDER, issues, locale)
            story.events.append(
                StoryEvent(
                    storyline="riders",
                    external_id=f"story-shift-{number}",
                    type="rider.shift_ended",
                    occurred_at=ended,
                    posted_at=ended + dt.timedelta(seconds=rng.randint(5, 120)),
                    respondent=story.respondent("rider", ref, locale),
                    attributes={
                        "city": CITY,
                        "shift": "night" if night else "day",
                        "scenario": "night" if night else "normal",
                        "district_type": district,
                        "on_time": "false" if rng.random() < (0.2 if issues else 0.06) else "true",
                    },
                    answering=story.behaviour(locale=locale, answers=answers, rate=0.6),
                )
            )


def tickets(story: Story) -> None:
    """Support tickets closed; a batch of old ones is posted days late (a re-sync): stale."""
    rng = story.rng
    for number in range(1, 161):
        day = rng.randrange(DAYS)
        closed = story.at(day, rng.uniform(9, 21))
        resync = day < DAYS - 7 and number % 12 == 0
        category = rng.choices(TICKET_CATEGORIES, weights=[3, 3, 1, 1])[0]
        locale = story.locale()
        refund = category == "refund"
        resolved = rng.choices(["yes", "partly", "no"], weights=[2, 2, 2] if refund else [8, 2, 1])[0]
        effort = rng.randint(1, 3) if resolved != "yes" else rng.randint(4, 7)
        satisfaction = rng.randint(1, 2) if resolved == "no" else rng.randint(3, 5)
        answers: dict[str, Any] = {"effort": effort, "satisfaction": satisfaction, "resolved": resolved}
        if resolved != "yes" or effort <= 3:
            kind = "refund" if refund else rng.choice(["repeat", "wait"])
            if rng.random() < 0.8:
                answers["what_was_hard"] = story.say(comments.TICKET, kind, locale)
        story.events.append(
            StoryEvent(
                storyline="tickets",
                external_id=f"story-ticket-{number}",
                type="ticket.closed",
                occurred_at=closed,
                posted_at=closed
                + (dt.timedelta(days=5) if resync else dt.timedelta(minutes=rng.randint(1, 20))),
                respondent=story.respondent("customer", f"story-t-{rng.randrange(400)}", locale),
                attributes={
                    "city": CITY,
                    "category": category,
                    "support_channel": rng.choice(["phone", "chat"]),
                },
                answering=story.behaviour(locale=locale, answers=answers, rate=0.5),
            )
        )


def rentals(story: Story) -> None:
    """Car-rental returns; deposits are refunded slowly, and that is what customers mind most."""
    rng = story.rng
    stores = ("虹桥机场店", "浦东机场店", "人民广场店")
    for number in range(1, 111):
        returned = story.at(rng.randrange(DAYS), rng.uniform(8, 20))
        locale = story.locale()
        refund_days = rng.choice([1, 2, 3]) if rng.random() < 0.6 else rng.randint(10, 30)
        slow = refund_days >= 10
        issues = (["deposit"] if slow else []) + [
            kind
            for kind, chance in (("pickup", 0.12), ("vehicle_condition", 0.1), ("fees", 0.08))
            if rng.random() < chance
        ]
        nps = rng.randint(0, 5) if slow else (rng.randint(5, 8) if issues else rng.randint(7, 10))
        pickup = rng.randint(1, 3) if "pickup" in issues else rng.randint(3, 5)
        answers: dict[str, Any] = {
            "nps": nps,
            "vehicle_condition": rng.randint(1, 3) if "vehicle_condition" in issues else rng.randint(4, 5),
            "pickup": pickup,
        }
        if pickup <= 3:
            answers["pickup_issues"] = ["long_wait"] if "pickup" in issues else ["paperwork"]
        if issues and nps <= 6 and rng.random() < 0.9:
            answers["why"] = story.say_all(comments.RENTAL, issues[:2], locale)
        story.events.append(
            StoryEvent(
                storyline="rentals",
                external_id=f"story-rental-{number}",
                type="rental.returned",
                occurred_at=returned,
                posted_at=returned + dt.timedelta(seconds=rng.randint(5, 300)),
                respondent=story.respondent("customer", f"story-rent-{number}", locale),
                attributes={
                    "city": CITY,
                    "store": rng.choice(stores),
                    "vehicle_class": rng.choice(["economy", "suv", "ev"]),
                    # The refund is expected this many days after the return (asked when the survey is sent).
                    "deposit_refund_days": str(refund_days),
                },
                answering=story.behaviour(locale=locale, answers=answers, rate=0.55),
            )
        )
