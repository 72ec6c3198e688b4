"""A demo history for ``make run``: a few hundred completed responses over the last eight
weeks to the customer after-delivery survey, with comments written for this demo, analysed at
once so the pain-point page has content on first load. Seeded: the same history every time."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from analysis.models import Taxonomy
from analysis.services import (
    cluster_discover,
    detractor_model_train,
    responses_analyse,
    survey_taxonomy_link,
    taxonomy_load_starter,
)
from responses.models import Answer, OpenLink, Response
from surveys.models import Survey, SurveyVersion

SURVEY_TAXONOMIES = {
    "customer-after-delivery": "food_delivery",
    "rider-experience": "rider_experience",
    "merchant-after-onboarding": "merchant_onboarding",
    "car-rental-return": "car_rental",
}
DEMO_SURVEY = "customer-after-delivery"
DEMO_LINK = "demo-history"
RESPONSES = 420
DAYS = 56

CITIES = ["上海", "北京", "杭州", "深圳"]
DISTRICTS = ["office", "residential", "business_district", "campus"]
SCENARIOS = ["peak", "night", "rain", "normal"]
MERCHANTS = ["fast_food", "tea_drinks", "hotpot", "bakery"]

# Comments per pain point: (Chinese, English). Written for this demo.
COMMENTS = {
    "late": [
        (
            "午高峰等了一个多小时才送到太离谱，写字楼楼下根本找不到骑手",
            "Lunch took over an hour at peak time, the rider never found our office tower",
        ),
        (
            "配送太慢了，预计三十分钟结果等了快一个小时",
            "Delivery was slow: promised 30 minutes, waited almost an hour",
        ),
        (
            "中午点餐总是超时太离谱，开会前根本来不及吃",
            "Lunch orders are always late, no time to eat before my meeting",
        ),
        ("送餐慢，催单也没用", "Very late and chasing the order did nothing"),
    ],
    "cold": [
        ("下雨天送到的时候饭都凉了，汤也是温的", "On a rainy night everything arrived cold, even the soup"),
        ("晚上点的烧烤送到全凉了", "Late-night barbecue arrived completely cold"),
        ("饭菜冷了，口感差很多", "The food was cold and lost its texture"),
    ],
    "missing": [
        ("少送了一份饮料，备注也没看", "A drink was missing and they ignored my note"),
        ("漏送了米饭，联系商家也没回应", "The rice was missing and the shop never replied"),
        ("送错了，我点的是鸡腿饭不是牛肉饭", "Wrong order, I asked for chicken rice not beef"),
    ],
    "rider": [
        ("骑手态度很差，打电话还凶人", "The rider was rude on the phone"),
        ("骑手不送上楼，让我自己下楼拿，态度也不好", "The rider refused to come up and was impolite"),
    ],
    "spill": [
        ("奶茶洒了一半，包装袋里全是", "Half the milk tea spilled all over the bag"),
        ("汤洒了，包装没封好", "The soup leaked, the packaging was not sealed"),
        ("火锅底料漏了，袋子都湿了", "The hotpot broth leaked through the bag"),
    ],
    "taste": [
        ("味道一般，太咸了", "Too salty, the taste was just average"),
        ("菜有点油腻，不太好吃", "Greasy and not very tasty"),
    ],
    "price": [
        ("配送费太贵了，分量还少", "Delivery fee is too high and the portion was small"),
        ("价格比店里贵不少，性价比低", "Much pricier than in the shop, poor value"),
    ],
    "invoice": [
        ("发票一直开不出来，找谁都没用", "I still cannot get an invoice for the order"),
        ("公司报销需要发票，申请了三天还没有", "Need the invoice for expenses, requested three days ago"),
    ],
    "praise": [
        ("很快就送到了，骑手很有礼貌", "Arrived fast and the rider was polite"),
        ("味道很好，包装也很用心", "Tasty, and carefully packed"),
        ("准时送达，饭还是热的", "On time and still hot"),
        ("Great as always", "Great as always"),
    ],
}


# Comments about what no pain point of the taxonomy covers, so that emerging topics have
# something to find: handing the order over (the locker, the door, the building's gate) and the
# rider's riding (red lights, the wrong way, speed), each told in several ways. Written for
# this demo; each comment is two phrases of a kind and two words of its subject.
UNCOVERED = {
    "handover": (
        ("外卖", "取餐", "放下", "楼下", "电话", "找不到", "下楼", "送达", "拿到"),
        (
            ("外卖柜满了", "放取餐柜", "塞进外卖柜"),
            ("没送上楼", "放门口", "挂门把手上"),
            ("保安不让进", "门禁进不来", "小区门口拦着"),
        ),
    ),
    "riding": (
        ("电动车", "马路", "路口", "危险", "行人", "看见", "吓人", "安全", "路上"),
        (
            ("闯红灯", "红灯也不停", "不看红绿灯"),
            ("逆行", "骑在人行道上", "走机动车道"),
            ("骑得飞快", "车速太快", "一路狂飙"),
        ),
    ),
}
UNCOVERED_RESPONSES = 300


def _uncovered_comment(rng: random.Random, index: int) -> str:
    """A comment of the kind ``index`` points to: two of its phrases and two subject words."""
    subjects = list(UNCOVERED)
    words, kinds = UNCOVERED[subjects[index % len(subjects)]]
    phrases = kinds[(index // len(subjects)) % len(kinds)]
    first, second = rng.sample(words, 2)
    one, other = rng.sample(phrases, 2)
    return f"{first}{one}，{other}，{second}"


@dataclass(frozen=True)
class DemoResult:
    responses: int
    analysed: int
    created: bool


def _issues(rng: random.Random, attributes: dict) -> list[str]:
    """Pain points that hit this order, more often where they concentrate in real life."""
    chances = {
        "late": 0.08
        + (0.30 if attributes["scenario"] == "peak" else 0)
        + (0.15 if attributes["district_type"] == "office" else 0),
        "cold": 0.04 + (0.30 if attributes["scenario"] in ("rain", "night") else 0),
        "missing": 0.07,
        "rider": 0.05,
        "spill": 0.03 + (0.20 if attributes["merchant_type"] in ("tea_drinks", "hotpot") else 0),
        "taste": 0.06,
        "price": 0.06,
        "invoice": 0.04 + (0.06 if attributes["district_type"] == "office" else 0),
    }
    return [issue for issue, chance in chances.items() if rng.random() < chance][:2]


def _comment(rng: random.Random, issues: list[str], english: bool) -> str:
    parts = [rng.choice(COMMENTS[issue])[1 if english else 0] for issue in issues]
    return ("; " if english else "，").join(parts)


def taxonomies_link() -> None:
    taxonomy_load_starter()
    for survey_key, taxonomy_key in SURVEY_TAXONOMIES.items():
        survey = Survey.objects.filter(key=survey_key).first()
        if survey is not None:
            survey_taxonomy_link(survey=survey, taxonomy=Taxonomy.objects.get(key=taxonomy_key))


def demo_history_load(*, seed: int = 2026, progress: Callable[[int], None] | None = None) -> DemoResult:
    """Idempotent: the history is written once (it lives behind its own open link).

    ``progress(n)`` is called after each batch of ``n`` responses is analysed (a progress bar
    in the command)."""
    taxonomies_link()
    survey = Survey.objects.filter(key=DEMO_SURVEY).first()
    version = SurveyVersion.objects.filter(survey=survey).order_by("-number").first() if survey else None
    if version is None:
        return DemoResult(0, 0, False)
    link, _created = OpenLink.objects.get_or_create(
        survey=survey,
        slug=DEMO_LINK,
        defaults={"name": "Demo history", "attributes": {"channel": "app"}, "is_active": False},
    )
    if Response.objects.filter(open_link=link).exists():
        return DemoResult(Response.objects.filter(open_link=link).count(), 0, False)
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    now = timezone.now()
    made = []
    seen: dict[tuple, int] = {}
    with transaction.atomic():
        for index in range(RESPONSES + UNCOVERED_RESPONSES):
            attributes = {
                "city": rng.choice(CITIES),
                "district_type": rng.choices(DISTRICTS, weights=[4, 4, 2, 1])[0],
                "scenario": rng.choices(SCENARIOS, weights=[4, 2, 2, 3])[0],
                "merchant_type": rng.choice(MERCHANTS),
                "channel": "app",
            }
            issues = _issues(rng, attributes)
            english = rng.random() < 0.2  # the language the comment is written in
            # The page's language: one in five orders of every kind (its pain points, merchant
            # type and scenario alike) is answered on the English page, so the locale is never
            # where pain concentrates. A reader of either page may write in either language.
            kind = (tuple(issues), attributes["merchant_type"], attributes["scenario"])
            seen[kind] = seen.get(kind, 0) + 1
            locale = "en" if seen[kind] % 5 == 3 else "zh-hans"
            if issues:
                nps = rng.choices(range(11), weights=[4, 3, 4, 5, 6, 6, 6, 4, 3, 1, 1])[0]
            else:
                nps = rng.choices(range(11), weights=[0, 0, 0, 1, 1, 1, 2, 4, 6, 9, 9])[0]
            values = {"nps": nps}
            if index >= RESPONSES:
                locale = "en" if english else "zh-hans"
                values = {"nps": rng.choice(range(3, 9)), "why": _uncovered_comment(rng, index - RESPONSES)}
            elif issues and rng.random() < 0.85:
                values["why"] = _comment(rng, issues, english)
            elif nps >= 9 and rng.random() < 0.4:
                values["praise"] = _comment(rng, ["praise"], english)
            when = now - dt.timedelta(days=rng.uniform(0, DAYS), minutes=index % 7)
            response = Response.objects.create(
                survey=survey,
                survey_version=version,
                open_link=link,
                client_key=hashlib.sha256(f"demo-{seed}-{index}".encode()).hexdigest(),
                locale=locale,
                status=Response.Status.COMPLETED,
                context={
                    "origin": "open_link",
                    "attributes": attributes,
                    "channel": "app",
                    "respondent_type": "customer",
                },
                started_at=when - dt.timedelta(minutes=2),
                updated_at=when,
                completed_at=when,
            )
            made.append(response.pk)
            Answer.objects.bulk_create(
                [
                    Answer(response=response, question_key=k, value=v, updated_at=when)
                    for k, v in values.items()
                ]
            )
        for start in range(0, len(made), 50):  # as the analysis queue's tasks do
            responses_analyse(response_ids=made[start : start + 50])
            if progress is not None:
                progress(len(made[start : start + 50]))
    detractor_model_train(survey_id=survey.pk)
    today = timezone.localdate()
    cluster_discover(survey=survey, date_from=today - dt.timedelta(days=DAYS), date_to=today)
    return DemoResult(len(made), len(made), True)
