"""Demo histories for the process views of ``make run``: merchants answering the onboarding
survey (how easy each step was, what slowed them down) and riders answering the rider survey
(each aspect of the work, what to improve, their orders' on-time flag). A few hundred responses
over the last eight weeks, analysed at once. Seeded, written once (behind their own open link).
The comments were written for this demo."""

from __future__ import annotations

import datetime as dt
import hashlib
import random

from django.db import transaction
from django.utils import timezone

from analysis.services import responses_analyse
from responses.models import Answer, OpenLink, Response
from surveys.models import Survey, SurveyVersion

# Open-link slugs are unique across surveys: one per survey.
DEMO_LINKS = {"merchant-after-onboarding": "demo-onboarding", "rider-experience": "demo-riders"}
DAYS = 56
MERCHANTS = 160
RIDERS = 200
CITIES = ["上海", "北京", "杭州", "深圳"]

# What slowed a merchant down, per onboarding step (Chinese, English).
ONBOARDING = {
    "information_collection": [
        ("营业执照和食品经营许可证上传了好几次才成功", "I had to upload the business licence several times"),
        ("要准备的资料太多，健康证还要重新办", "Too many documents, I had to redo the health certificate"),
    ],
    "review": [
        ("审核太慢了，等了一个星期", "The review took a whole week"),
        ("资料被驳回两次，也没说清楚原因", "Rejected twice without a clear reason"),
        ("审核一直不通过，只能重新提交", "The review kept failing and I had to resubmit"),
    ],
    "going_live": [
        ("菜单上架很麻烦，店铺装修不会弄", "Putting the menu online was hard and the shop page confusing"),
        ("审核过了还是开不了店，上线慢", "Approved but the shop still could not open"),
    ],
}
# What riders say, per aspect (Chinese only: the rider app is in Chinese).
RIDER_ISSUES = {
    "pickup_wait": ["商家出餐慢，每单都要等十几分钟", "等出餐太久，超时还要被罚款"],
    "dispatch": ["派单不合理，顺路单太少", "高峰期派单太多根本送不过来"],
    "earnings": ["单价太低，补贴也少了", "配送费结算总是延迟"],
    "building_access": ["写字楼保安不让进，电梯也要等很久", "小区门禁进不去，联系不上顾客"],
    "safety": ["电动车换电太远，下雨天路滑容易摔", "头盔和保险都要自己花钱"],
}


def _version(key: str) -> SurveyVersion | None:
    survey = Survey.objects.filter(key=key).first()
    return SurveyVersion.objects.filter(survey=survey).order_by("-number").first() if survey else None


def _response(version, link, rng, index, *, attributes, values, locale, respondent_type, now) -> int:
    when = now - dt.timedelta(days=rng.uniform(0, DAYS), minutes=index % 7)
    response = Response.objects.create(
        survey=version.survey,
        survey_version=version,
        open_link=link,
        client_key=hashlib.sha256(f"demo-processes-{version.survey.key}-{index}".encode()).hexdigest(),
        locale=locale,
        status=Response.Status.COMPLETED,
        context={
            "origin": "open_link",
            "attributes": attributes,
            "channel": "app",
            "respondent_type": respondent_type,
        },
        started_at=when - dt.timedelta(minutes=3),
        updated_at=when,
        completed_at=when,
    )
    Answer.objects.bulk_create(
        [Answer(response=response, question_key=k, value=v, updated_at=when) for k, v in values.items()]
    )
    return response.pk


def _link(version) -> tuple[OpenLink, bool]:
    link, _created = OpenLink.objects.get_or_create(
        survey=version.survey,
        slug=DEMO_LINKS[version.survey.key],
        defaults={"name": "Demo history", "attributes": {"channel": "app"}, "is_active": False},
    )
    return link, Response.objects.filter(open_link=link).exists()


def _onboarding(rng: random.Random, now) -> list[int]:
    version = _version("merchant-after-onboarding")
    if version is None:
        return []
    link, done = _link(version)
    if done:
        return []
    made = []
    for index in range(MERCHANTS):
        # review is the hard step; going live is hard for hotpot and bakery shops (more setup)
        merchant_type = rng.choice(["fast_food", "tea_drinks", "hotpot", "bakery"])
        hard = {
            "information_collection": rng.random() < 0.25,
            "review": rng.random() < 0.45,
            "going_live": rng.random() < (0.4 if merchant_type in ("hotpot", "bakery") else 0.15),
        }
        steps = {step: rng.randint(1, 3) if is_hard else rng.randint(5, 7) for step, is_hard in hard.items()}
        effort = max(1, min(7, round(sum(steps.values()) / 3 + rng.uniform(-1, 1))))
        english = rng.random() < 0.15
        values: dict = {"effort": effort, "steps": steps}
        problems = [step for step, is_hard in hard.items() if is_hard]
        if problems and rng.random() < 0.8:
            parts = [rng.choice(ONBOARDING[step])[1 if english else 0] for step in problems[:2]]
            values["slowed_down"] = ("; " if english else "，").join(parts)
        attributes = {"city": rng.choice(CITIES), "merchant_type": merchant_type}
        made.append(
            _response(
                version,
                link,
                rng,
                index,
                attributes=attributes,
                values=values,
                locale="en" if english else "zh-hans",
                respondent_type="merchant",
                now=now,
            )
        )
    return made


def _riders(rng: random.Random, now) -> list[int]:
    version = _version("rider-experience")
    if version is None:
        return []
    link, done = _link(version)
    if done:
        return []
    made = []
    for index in range(RIDERS):
        scenario = rng.choices(["peak", "night", "rain", "normal"], weights=[4, 2, 2, 3])[0]
        district = rng.choices(
            ["office", "residential", "business_district", "campus"], weights=[4, 4, 2, 1]
        )[0]
        issues = [
            issue
            for issue, chance in {
                "pickup_wait": 0.15 + (0.25 if scenario == "peak" else 0),
                "dispatch": 0.12,
                "earnings": 0.15,
                "building_access": 0.05 + (0.3 if district == "office" else 0),
                "safety": 0.05 + (0.3 if scenario == "rain" else 0),
            }.items()
            if rng.random() < chance
        ][:2]
        aspects = {
            "dispatch": rng.randint(1, 2) if "dispatch" in issues else rng.randint(3, 5),
            "pickup_wait": rng.randint(1, 2) if "pickup_wait" in issues else rng.randint(3, 5),
            "earnings": rng.randint(1, 2) if "earnings" in issues else rng.randint(3, 5),
            "rider_app": rng.randint(3, 5),
            "station_support": rng.randint(2, 5),
            "safety": rng.randint(1, 2) if "safety" in issues else rng.randint(3, 5),
        }
        nps = rng.randint(0, 6) if issues else rng.randint(6, 10)
        values: dict = {"nps": nps, "aspects": aspects}
        if issues and rng.random() < 0.85:
            values["why"] = "，".join(rng.choice(RIDER_ISSUES[issue]) for issue in issues)
        # The delivery platform flags each order on time or late; late more often at peak and in rain.
        late = rng.random() < (0.25 if scenario in ("peak", "rain") else 0.08)
        attributes = {
            "city": rng.choice(CITIES),
            "district_type": district,
            "scenario": scenario,
            "on_time": "false" if late else "true",
        }
        made.append(
            _response(
                version,
                link,
                rng,
                index,
                attributes=attributes,
                values=values,
                locale="zh-hans",
                respondent_type="rider",
                now=now,
            )
        )
    return made


def demo_processes_load(*, seed: int = 2026) -> int:
    """Idempotent: each survey's history is written once. Returns the responses written."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    with transaction.atomic():
        made = _onboarding(rng, now) + _riders(rng, now)
    for start in range(0, len(made), 50):  # as the analysis queue's tasks do
        responses_analyse(response_ids=made[start : start + 50])
    return len(made)
