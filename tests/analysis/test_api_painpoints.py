"""GET /api/v1/surveys/<key>/metrics/ and /pain-points/ on a small hand-made dataset."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from analysis.models import DailyAggregate
from analysis.services import response_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# nps, comment, attributes, days after 4 May 2026
DATASET = [
    (2, "送餐太慢了", {"city": "上海", "district_type": "office"}, 0),
    (3, "等了一个小时才送到，太慢了", {"city": "上海", "district_type": "office"}, 1),
    (6, "饭都凉了", {"city": "北京", "district_type": "residential"}, 2),
    (9, "", {"city": "北京", "district_type": "residential"}, 3),
    (10, "很好吃", {"city": "上海", "district_type": "residential"}, 4),
    (8, "包装漏了", {"city": "北京", "district_type": "office"}, 5),
]
SCOPE = "from=2026-05-04&to=2026-05-10"


def user_in(group: str | None, **kwargs):
    user = UserFactory(is_staff=True, **kwargs)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def survey():
    survey, version = analysed_survey()
    for nps, why, attributes, day in DATASET:
        response = completed(
            version, nps=nps, why=why, attributes=attributes, completed_at=BASE + dt.timedelta(days=day)
        )
        response_analyse(response_id=response.pk)
    return survey


@pytest.fixture
def owner_client():
    client = APIClient()
    client.force_authenticate(user_in("process_owners"))
    return client


def topic(body, key):
    return next(t for t in body["topics"] if t["key"] == key)


def test_pain_points_ranked_by_impact_with_exact_values(survey, owner_client):
    # when a process owner asks for the week's pain points
    response = owner_client.get(f"/api/v1/surveys/{survey.key}/pain-points/?{SCOPE}&lang=en")

    # then topics are ranked by impact, with the numbers worked out by hand:
    # NPS overall (2 promoters, 3 detractors of 6) = -16.67; without the two late deliveries
    # (2 promoters, 1 detractor of 4) = 25; impact = 41.67 points
    assert response.status_code == 200
    body = response.json()
    assert body["source"] == "aggregates"
    assert body["summary"] == {"responses": 6, "scored": 6, "comments": 5, "overall_detractor_rate": 0.6}
    assert [t["key"] for t in body["topics"]] == ["delivery_time", "food_temperature", "packaging_spill"]
    late = topic(body, "delivery_time")
    assert late["mentions"] == 2
    assert late["share"] == 0.4
    assert late["detractor_rate"] == 1.0
    assert late["impact"] == pytest.approx(41.6667, abs=1e-4)
    assert late["label"] == {"zh-hans": "配送慢/超时", "en": "Late delivery"}
    assert late["label_text"] == "Late delivery"
    assert (late["stage"], late["team"]) == ("delivery", "delivery_ops")
    assert [e["text"] for e in late["examples"]] == ["等了一个小时才送到，太慢了", "送餐太慢了"]
    assert {e["language"] for e in late["examples"]} == {"zh"}
    # cold food: without it 2 promoters, 2 detractors of 5 = 0; impact 16.67
    assert topic(body, "food_temperature")["impact"] == pytest.approx(16.6667, abs=1e-4)
    # a passive's spill: without it 2 promoters, 3 detractors of 5 = -20; impact -3.33
    assert topic(body, "packaging_spill")["impact"] == pytest.approx(-3.3333, abs=1e-4)
    # the week before has no comments: no trend
    assert late["trend"] is None


def test_pain_points_filtered_on_one_aggregated_key(survey, owner_client):
    # when filtered to Shanghai
    body = owner_client.get(f"/api/v1/surveys/{survey.key}/pain-points/?{SCOPE}&city=上海").json()

    # then the totals are Shanghai's, answered from aggregates
    assert body["source"] == "aggregates"
    assert body["filters"] == {"city": "上海"}
    assert body["summary"]["comments"] == 3
    assert [(t["key"], t["mentions"], t["share"]) for t in body["topics"]] == [("delivery_time", 2, 2 / 3)]


def test_pain_points_filtered_on_two_keys_fall_back_to_facts(survey, owner_client):
    # when filtered on two attributes (no single aggregate row holds both)
    body = owner_client.get(
        f"/api/v1/surveys/{survey.key}/pain-points/?{SCOPE}&city=北京&district_type=residential"
    ).json()

    # then the facts answer: the cold meal is the only comment
    assert body["source"] == "facts"
    assert body["summary"] == {"responses": 2, "scored": 2, "comments": 1, "overall_detractor_rate": 1.0}
    assert [(t["key"], t["mentions"], t["share"]) for t in body["topics"]] == [("food_temperature", 1, 1.0)]


def test_facts_fallback_gives_the_aggregates_numbers(survey, owner_client):
    # given the aggregates answer with no filter
    from_aggregates = owner_client.get(f"/api/v1/surveys/{survey.key}/pain-points/?{SCOPE}").json()

    # when the aggregates are gone and two filters covering everyone send the query to the facts
    DailyAggregate.objects.all().delete()
    from_facts = owner_client.get(
        f"/api/v1/surveys/{survey.key}/pain-points/?{SCOPE}&respondent_type=customer&locale=zh-hans"
    ).json()

    # then the facts give the same numbers
    assert from_facts["source"] == "facts"
    keep = ("key", "mentions", "share", "detractor_rate", "impact")
    assert [{k: t[k] for k in keep} for t in from_facts["topics"]] == [
        {k: t[k] for k in keep} for t in from_aggregates["topics"]
    ]


def test_metrics_with_interval_periods_and_segments(survey, owner_client):
    # when a viewer asks for the metrics by day
    client = APIClient()
    client.force_authenticate(user_in("viewers"))
    body = client.get(f"/api/v1/surveys/{survey.key}/metrics/?{SCOPE}&period=day").json()

    # then NPS -16.67 over 6 responses, flagged as a small sample, one row per day
    assert body["metric"] == "nps"
    assert body["overall"]["value"] == pytest.approx(-16.6667, abs=1e-4)
    assert body["overall"]["n"] == 6
    assert body["overall"]["small_sample"] is True
    assert body["overall"]["components"] == {"promoters": 2, "passives": 1, "detractors": 3}
    assert [p["period"] for p in body["by_period"]] == [f"2026-05-{d:02d}" for d in range(4, 10)]
    assert [p["result"]["value"] for p in body["by_period"]] == [-100.0, -100.0, -100.0, 100.0, 100.0, 0.0]
    cities = {row["value"]: row["result"]["value"] for row in body["by_segment"]["city"]}
    assert cities == pytest.approx({"上海": -33.3333, "北京": 0.0}, abs=1e-4)
    assert body["previous"]["result"]["n"] == 0
    assert body["response_rate"] is None


def test_metrics_by_week_and_with_two_filters(survey, owner_client):
    # when the whole dataset (one ISO week) is asked by week, and then office in Shanghai
    weekly = owner_client.get(f"/api/v1/surveys/{survey.key}/metrics/?{SCOPE}&period=week").json()
    office = owner_client.get(
        f"/api/v1/surveys/{survey.key}/metrics/?{SCOPE}&city=上海&district_type=office"
    ).json()

    # then one week, and two detractors in the filtered slice
    assert [(p["period"], p["result"]["n"]) for p in weekly["by_period"]] == [("2026-05-04", 6)]
    assert office["source"] == "facts"
    assert (office["overall"]["value"], office["overall"]["n"]) == (-100.0, 2)


def test_empty_survey_gives_an_empty_report(owner_client):
    # given a survey with no responses
    survey, _version = analysed_survey("empty-survey")

    # when both reports are asked for
    pain = owner_client.get(f"/api/v1/surveys/{survey.key}/pain-points/?{SCOPE}")
    metrics = owner_client.get(f"/api/v1/surveys/{survey.key}/metrics/?{SCOPE}")

    # then empty reports, not errors
    assert pain.status_code == metrics.status_code == 200
    assert pain.json()["topics"] == []
    assert pain.json()["summary"] == {
        "responses": 0,
        "scored": 0,
        "comments": 0,
        "overall_detractor_rate": None,
    }
    overall = metrics.json()["overall"]
    assert (overall["value"], overall["n"], metrics.json()["by_period"]) == (None, 0, [])


def test_unknown_survey_is_404_with_the_error_body(owner_client):
    response = owner_client.get("/api/v1/surveys/no-such-survey/pain-points/")

    assert response.status_code == 404
    assert response.json() == {
        "code": "survey_not_found",
        "message": "No survey with key no-such-survey.",
        "details": {},
    }


@pytest.mark.parametrize(
    ("query", "field", "code", "message"),
    [
        ("from=2026-13-01", "from", "bad_date", "from must be an ISO date (YYYY-MM-DD), got 2026-13-01."),
        ("to=yesterday", "to", "bad_date", "to must be an ISO date (YYYY-MM-DD), got yesterday."),
        (
            "from=2026-05-10&to=2026-05-01",
            "from",
            "date_range_reversed",
            "from (2026-05-10) is after to (2026-05-01).",
        ),
        (
            "from=2020-01-01&to=2026-05-01",
            "from",
            "date_range_too_long",
            "The range may span at most 731 days.",
        ),
        ("period=year", "period", "bad_period", "period must be day, week or month, got year."),
        ("lang=fr", "lang", "bad_language", "lang must be one of en, zh-hans."),
        ("city%24=x", "city$", "bad_filter", "A filter name may use letters, digits, _ . and - only."),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(survey, owner_client, query, field, code, message):
    response = owner_client.get(f"/api/v1/surveys/{survey.key}/metrics/?{query}")

    assert response.status_code == 400
    assert response.json() == {
        "code": code,
        "message": "The request is not valid: see details for each field.",
        "details": {field: [{"code": code, "message": message}]},
    }


@pytest.mark.parametrize(
    ("group", "status"),
    [("process_owners", 200), ("viewers", 200), ("survey_designers", 200), (None, 403)],
)
def test_read_permission_per_role(survey, group, status):
    client = APIClient()
    client.force_authenticate(user_in(group))

    assert client.get(f"/api/v1/surveys/{survey.key}/pain-points/?{SCOPE}").status_code == status
    assert client.get(f"/api/v1/surveys/{survey.key}/metrics/?{SCOPE}").status_code == status


def test_anonymous_is_refused(survey):
    response = APIClient().get(f"/api/v1/surveys/{survey.key}/pain-points/")

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"
