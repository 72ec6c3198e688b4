"""Extreme dates on every API with date filters: 400 naming the field, never a 500."""

import pytest
from rest_framework.test import APIClient

from tests.factories import SurveyFactory, UserFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = ["metrics", "pain-points"]
EXTREMES = [
    ("to=0001-01-01", ["to"]),
    ("from=0001-01-01&to=0001-01-07", ["to", "from"]),
    ("from=9999-12-31&to=9999-12-31", ["to", "from"]),
    ("to=9999-12-31", ["to"]),
    ("from=0001-01-01", ["from"]),
    ("from=1969-12-31&to=2026-01-01", ["from"]),
]


@pytest.fixture
def client():
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("query", "fields"), EXTREMES)
def test_analysis_apis_refuse_dates_out_of_range(client, endpoint, query, fields):
    # given a survey
    survey = SurveyFactory()
    # when asked about a range at the end of the calendar
    response = client.get(f"/api/v1/surveys/{survey.key}/{endpoint}/?{query}")
    # then the answer is 400 naming the field and the bounds
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "date_out_of_range"
    assert sorted(body["details"]) == sorted(fields)
    for field in fields:
        assert body["details"][field] == [
            {"code": "date_out_of_range", "message": f"{field} must be between 1970-01-01 and 2999-12-31."}
        ]


@pytest.mark.parametrize(("query", "fields"), EXTREMES)
def test_funnel_api_refuses_dates_out_of_range(client, query, fields):
    # given a survey
    survey = SurveyFactory()
    # when the funnel is asked about a range at the end of the calendar
    response = client.get(f"/api/v1/funnel/?survey={survey.key}&{query}")
    # then the answer is 400 naming the field
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "date_out_of_range"
    assert sorted(body["details"]) == sorted(fields)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_analysis_apis_accept_the_bounds_themselves(client, endpoint):
    # given a survey
    survey = SurveyFactory()
    # when asked about the first and the last days allowed
    first = client.get(f"/api/v1/surveys/{survey.key}/{endpoint}/?from=1970-01-01&to=1970-01-31")
    last = client.get(f"/api/v1/surveys/{survey.key}/{endpoint}/?from=2999-12-01&to=2999-12-31")
    # then both are answered
    assert (first.status_code, last.status_code) == (200, 200)
    assert (first.json()["from"], last.json()["to"]) == ("1970-01-01", "2999-12-31")
