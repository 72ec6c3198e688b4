"""Improvement actions: the review read from the analysis selectors (windows, segments, the cases
touched), the API's shape, its 404 and pagination, and what each role may do."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from cases.models import ImprovementAction
from cases.selectors import action_review
from cases.services import improvement_action_create, response_rules_evaluate
from tests.cases.factories import analysed_survey, answered, rule, team
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 5, 4, 4, 0, tzinfo=dt.UTC)
SHANGHAI = {"city": "上海"}
BEIJING = {"city": "北京"}


def at(days: int) -> dt.datetime:
    return START + dt.timedelta(days=days)


@pytest.fixture
def world() -> dict:
    """Seven days either side of the start, in 上海 (the action's segment) and 北京 (outside):
    before, 2 of 3 上海 responses complain of slow delivery (NPS 0, 0, 10); after, 1 of 4
    (0, 10, 9, 10). A topic rule opens a case on every slow-delivery complaint."""
    survey, version = analysed_survey()
    rule("slow", "topic", team=team("delivery_ops"), topic_keys=["delivery_time"])
    opened = {}
    for name, nps, why, attributes, when in [
        ("b1", 0, "送餐太慢了", SHANGHAI, at(-3)),
        ("b2", 0, "送餐太慢了", SHANGHAI, at(-2)),
        ("b3", 10, "很好", SHANGHAI, at(-1)),
        ("a1", 0, "送餐太慢了", SHANGHAI, at(1)),
        ("a2", 10, "很好", SHANGHAI, at(2)),
        ("a3", 9, "很好", SHANGHAI, at(3)),
        ("a4", 10, "很好", SHANGHAI, at(4)),
        ("x1", 0, "送餐太慢了", BEIJING, at(1)),
        ("late", 0, "送餐太慢了", SHANGHAI, at(30)),
    ]:
        response = answered(version, nps=nps, why=why, attributes=attributes, completed_at=when)
        opened[name] = response_rules_evaluate(response_id=response.pk, now=when)
    owner = UserFactory(username="owner", groups=["process_owners"])
    action = improvement_action_create(
        survey=survey,
        topic_key="delivery_time",
        owner=owner,
        start_date=START.date(),
        window_days=7,
        segments=SHANGHAI,
        title={"zh-hans": "高峰加派骑手", "en": "More riders at peak"},
        expected_effect={"zh-hans": "送餐慢的抱怨减半", "en": "Half the slow-delivery complaints"},
        expected_change=-0.3,
        cases=opened["b1"],  # linked explicitly, though before the start
    )
    return {"action": action, "cases": opened, "owner": owner}


def test_the_review_counts_the_segment_in_equal_windows(world) -> None:
    review = action_review(action=world["action"], today=dt.date(2026, 12, 1))

    assert (review.windows.before_from, review.windows.after_to) == (
        dt.date(2026, 4, 27),
        dt.date(2026, 5, 10),
    )
    share = review.measures["topic_share"]
    assert (share.before.count, share.before.n, share.after.count, share.after.n) == (2, 3, 1, 4)
    detractors = review.measures["detractor_rate"]
    assert (detractors.before.count, detractors.before.n, detractors.after.count, detractors.after.n) == (
        2,
        3,
        1,
        4,
    )
    nps = review.measures["metric"]
    assert review.metric == "nps"
    assert nps.before.value == pytest.approx(100 * (1 - 2) / 3)
    assert nps.after.value == pytest.approx(100 * (3 - 1) / 4)


def test_the_cases_touched_are_the_segments_after_window_complaints_and_the_linked_ones(world) -> None:
    review = action_review(action=world["action"], today=dt.date(2026, 12, 1))

    expected = [*world["cases"]["b1"], *world["cases"]["a1"]]
    assert [case.pk for case in review.cases] == [case.pk for case in expected]


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_review_api_answers_before_after_and_change_per_measure(world) -> None:
    action = world["action"]

    response = client_for(world["owner"]).get(f"/api/v1/actions/{action.pk}/review/")

    assert response.status_code == 200
    body = response.json()
    assert sorted(body) == ["action", "cases", "measures", "metric", "windows"]
    assert sorted(body["measures"]) == ["detractor_rate", "metric", "topic_share"]
    for measure in body["measures"].values():
        assert sorted(measure) == ["after", "before", "change"]
        assert sorted(measure["change"]) == ["high", "low", "p_value", "test", "value"]
        assert sorted(measure["before"]) == ["count", "high", "low", "n", "value"]
    assert body["windows"]["before"] == {"from": "2026-04-27", "to": "2026-05-03"}
    assert body["windows"]["after"] == {"from": "2026-05-04", "to": "2026-05-10"}
    assert body["measures"]["topic_share"]["before"]["value"] == pytest.approx(2 / 3)
    assert body["action"]["segments"] == SHANGHAI
    assert body["action"]["owner"] == "owner"
    assert len(body["cases"]) == 2


def test_the_list_is_paginated(world) -> None:
    response = client_for(world["owner"]).get("/api/v1/actions/?page_size=1")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["topic"] == "delivery_time"
    assert body["results"][0]["title"] == {"zh-hans": "高峰加派骑手", "en": "More riders at peak"}


@pytest.mark.parametrize(
    ("path", "status"), [("/api/v1/actions/999999/review/", 404), ("/api/v1/actions/?page=0", 400)]
)
def test_a_missing_action_is_404_and_a_bad_page_400(world, path, status) -> None:
    response = client_for(world["owner"]).get(path)

    assert response.status_code == status
    assert sorted(response.json()) == ["code", "details", "message"]


@pytest.mark.parametrize(
    ("groups", "status"), [(["process_owners"], 200), (["viewers"], 200), (["survey_designers"], 403)]
)
def test_who_may_read_reviews(world, groups, status) -> None:
    user = UserFactory(username="someone", groups=groups)

    response = client_for(user).get(f"/api/v1/actions/{world['action'].pk}/review/")

    assert response.status_code == status


def test_a_bad_segment_is_refused_naming_the_field(world) -> None:
    with pytest.raises(ValidationError) as error:
        improvement_action_create(
            survey=world["action"].survey,
            topic_key="delivery_time",
            owner=world["owner"],
            start_date=START.date(),
            segments={"city": 3},
            title={"zh-hans": "标题", "en": "Title"},
        )

    assert list(error.value.message_dict) == ["segments"]
    assert ImprovementAction.objects.count() == 1


def test_the_admin_change_page_shows_the_review_table(world, client) -> None:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.get(
        f"/admin/cases/improvementaction/{world['action'].pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    text = response.content.decode()
    assert "<th>Topic share</th><td>66.7%</td><td>25.0%</td>" in text
    assert "Cases touched: 2" in text
