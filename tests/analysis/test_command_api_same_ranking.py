"""``manage.py painpoints`` on an export of a survey's responses and the pain-points API on the
same responses give the same ranking and the same strengths: the same topics in the same order
with the same numbers, pain points over complaint mentions, strengths over praise mentions (one
ranking over counts, ``analysis.painpoints.counts``)."""

import csv
import datetime as dt
import io
import json
import random

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Sum
from rest_framework.test import APIClient

from analysis.models import DailyAggregate
from analysis.services import response_analyse
from responses.models import Answer, Response
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SCOPE = "from=2026-05-04&to=2026-05-10"
# The platform's aggregated keys (settings.ANALYSIS_SEGMENT_KEYS) in alphabetical order: the
# platform names a pair of keys alphabetically, the command in the order of its columns.
SEGMENT_KEYS = ["channel", "city", "district_type", "locale", "merchant_type", "respondent_type", "scenario"]
RANKING_FIELDS = (
    "key",
    "mentions",
    "share",
    "detractor_rate",
    "overall_detractor_rate",
    "impact",
    "impact_low",
    "impact_high",
    "p_value",
    "p_adjusted",
    "significant",
    "small_sample",
    "trend",
    "segments",
)


@pytest.fixture
def survey():
    """120 responses over a week: late deliveries concentrated at peak in offices (detractors),
    cold food spread evenly among passives and detractors, spills among passives, praise (of the
    taste, of the packaging, of the food) and blank comments."""
    survey, version = analysed_survey()
    rng = random.Random(11)
    for index in range(120):
        scenario = rng.choice(["peak", "normal"])
        district = rng.choice(["office", "residential"])
        attributes = {
            "city": rng.choice(["上海", "北京", "广州"]),
            "district_type": district,
            "scenario": scenario,
            "merchant_type": rng.choice(["fast_food", "tea_drinks"]),
        }
        draw = rng.random()
        if (scenario, district) == ("peak", "office") and draw < 0.7:
            nps, why = rng.choice([0, 2, 3, 5]), "送餐太慢了"
        elif draw < 0.12:
            nps, why = rng.choice([4, 6, 7, 8]), "饭都凉了"
        elif draw < 0.2:
            nps, why = rng.choice([7, 8, 9]), "包装漏了"
        elif draw < 0.26:
            nps, why = rng.choice([1, 6]), "送餐太慢了，饭都凉了"
        elif draw < 0.7:
            # praise of the taste (a strength) and of the packaging (beside its spills)
            praise = "味道不错" if draw < 0.4 else "包装很好，很严实" if draw < 0.42 else "很好吃"
            nps, why = rng.choice([9, 10, 10, 8]), praise
        else:
            nps, why = rng.choice([6, 8, 9, 10]), ""
        response = completed(
            version, nps=nps, why=why, attributes=attributes, completed_at=BASE + dt.timedelta(days=index % 7)
        )
        response_analyse(response_id=response.pk)
    return survey


def export_csv(survey, path) -> None:
    """One row per completed response: its comment, score and segments, as an analyst exports it."""
    answers = {
        (a.response_id, a.question_key): a.value
        for a in Answer.objects.filter(response__survey=survey, question_key__in=["why", "nps"])
    }
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["why", "nps", *SEGMENT_KEYS])
        for response in Response.objects.filter(survey=survey).order_by("pk"):
            context = response.context
            segments = {
                **context["attributes"],
                "channel": context["channel"],
                "respondent_type": context["respondent_type"],
                "locale": response.locale,
            }
            writer.writerow(
                [
                    answers.get((response.pk, "why"), ""),
                    answers.get((response.pk, "nps"), ""),
                    *(segments.get(key, "") for key in SEGMENT_KEYS),
                ]
            )


def ranking(topics: list[dict]) -> list[dict]:
    return [{field: topic[field] for field in RANKING_FIELDS} for topic in topics]


def reports(survey, tmp_path) -> tuple[dict, dict]:
    """The API's report on the survey's responses and the command's on the same rows exported."""
    export = tmp_path / "responses.csv"
    export_csv(survey, export)
    client = APIClient()
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="process_owners"))
    client.force_authenticate(user)
    api = client.get(f"/api/v1/surveys/{survey.key}/pain-points/?{SCOPE}").json()
    out = tmp_path / "report.json"
    call_command(
        "painpoints",
        str(export),
        "--text-column=why",
        "--score-column=nps",
        "--metric=nps",
        f"--segment-columns={','.join(SEGMENT_KEYS)}",
        "--taxonomy=food_delivery",
        f"--out={out}",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    return api, json.loads(out.read_text(encoding="utf-8"))


def test_command_and_api_rank_the_same_responses_the_same_way(survey, tmp_path):
    # given the survey's responses in the database, and the same rows exported to a CSV file
    # when the API ranks them and the command ranks the export
    api, command = reports(survey, tmp_path)

    # then the same topics in the same order with the same numbers: mentions, shares, detractor
    # rates, impacts with their intervals, the detractor test, the small-sample flag, segments
    assert [t["key"] for t in api["topics"]] == ["delivery_time", "food_temperature", "packaging_spill"]
    assert ranking(command["topics"]) == ranking(api["topics"])
    late = api["topics"][0]
    # late deliveries: significant, concentrated in offices at peak (the pair is reported)
    assert late["significant"] is True
    # 26 complaint mentions: fewer than 30, flagged as a small sample
    assert (late["mentions"], late["small_sample"]) == (26, True)
    # a spill costs nothing (its passives lift the score): last, and not significant
    assert (api["topics"][2]["p_value"], api["topics"][2]["significant"]) == (1.0, False)
    assert [(s["column"], s["value"], s["mentions"]) for s in late["segments"]] == [
        ("district_type & scenario", "office & peak", 22),
        ("city & district_type", "北京 & office", 11),
        ("scenario", "peak", 22),
        ("district_type", "office", 25),
    ]
    # the packaging is mentioned 7 times, praised twice: its pain point counts the 5 complaints
    packaging = DailyAggregate.objects.filter(survey=survey, segment_key="", topic_key="packaging_spill")
    assert packaging.aggregate(
        mentions=Sum("mentions"), complaints=Sum("complaint_mentions"), praise=Sum("praise_mentions")
    ) == {"mentions": 7, "complaints": 5, "praise": 2}
    assert api["topics"][2]["mentions"] == 5


def test_command_and_api_list_the_same_strengths(survey, tmp_path):
    # given the survey's responses, 15 of which praise the taste and none complain of it
    # when the API and the command report on them
    api, command = reports(survey, tmp_path)

    # then both list the taste as a strength (praise outnumbers complaints), with the same
    # numbers, and never among the pain points; the praise the command also discovers in the
    # comments the taxonomy does not cover is a discovered strength of its own
    fields = ("key", "label", "mentions", "complaint_mentions", "share")
    taxonomy_strengths = [
        {f: s[f] for f in fields} for s in command["strengths"] if s["source"] == "taxonomy"
    ]
    assert [{f: s[f] for f in fields} for s in api["strengths"]] == taxonomy_strengths
    assert taxonomy_strengths == [
        {
            "key": "taste",
            "label": {"zh-hans": "口味", "en": "Taste"},
            "mentions": 15,
            "complaint_mentions": 0,
            "share": 15 / 95,
        }
    ]
    assert "taste" not in [t["key"] for t in api["topics"]]
    assert all(t["source"] == "taxonomy" for t in command["topics"])
