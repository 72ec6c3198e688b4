"""The funnel: exact numbers on a small fixture, per channel, rule and segment; API and admin."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from responses.models import Invitation, Suppression
from responses.services.funnel import funnel_report
from tests.responses.factories import (
    DistributionRuleFactory,
    EventFactory,
    InvitationFactory,
    SurveyVersionFactory,
)

pytestmark = pytest.mark.django_db
S = Invitation.Status
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def survey_data():
    """after-delivery: rule A by email (4 invitations), rule B by SMS (2), 3 suppressions.

    email office:      sent, opened, completed
    email residential: sent, opened+started, failed
    sms office:        sent (completed), scheduled
    suppressions: fatigue (office, rule A), fatigue (campus, rule B), opted_out (office, rule A)
    """
    version = SurveyVersionFactory()
    survey = version.survey
    rule_a = DistributionRuleFactory(survey=survey, name="A email", channels=["email"])
    rule_b = DistributionRuleFactory(survey=survey, name="B sms", channels=["sms"])
    sent = {"sent_at": NOW}

    def inv(rule, channel, district, status, **stamps):
        event = EventFactory(attributes={"district_type": district})
        return InvitationFactory(
            survey_version=version, rule=rule, channel=channel, event=event, status=status, **stamps
        )

    inv(rule_a, "email", "office", S.SENT, **sent)
    inv(rule_a, "email", "office", S.OPENED, **sent, opened_at=NOW)
    inv(rule_a, "email", "office", S.COMPLETED, **sent, opened_at=NOW, started_at=NOW, completed_at=NOW)
    inv(rule_a, "email", "residential", S.FAILED)
    inv(rule_b, "sms", "office", S.COMPLETED, **sent, opened_at=NOW, started_at=NOW, completed_at=NOW)
    inv(rule_b, "sms", "office", S.SCHEDULED)
    for rule, district, reason in [
        (rule_a, "office", "fatigue"),
        (rule_b, "campus", "fatigue"),
        (rule_a, "office", "opted_out"),
    ]:
        event = EventFactory(attributes={"district_type": district})
        Suppression.objects.create(
            event=event, respondent=event.respondent, survey=survey, rule=rule, reason=reason
        )
    # another survey's invitation never counts
    InvitationFactory(survey_version=SurveyVersionFactory(survey__key="other"), **sent)
    return survey, rule_a, rule_b


def _rows(report) -> dict:
    return {row.label: row.as_dict() for row in [*report.rows, report.total]}


def test_funnel_by_channel(survey_data) -> None:
    survey, _a, _b = survey_data

    rows = _rows(funnel_report(survey=survey, group_by="channel"))

    assert rows["email"] | {} == {
        "key": "email", "label": "email", "events": 4, "invitations": 4, "suppressed": 0,
        "suppressions": {}, "sent": 3, "opened": 2, "started": 1, "completed": 1,
        "failed": 1, "bounced": 0, "expired": 0, "response_rate": 0.3333,
    }  # fmt: skip
    assert (rows["sms"]["invitations"], rows["sms"]["sent"], rows["sms"]["completed"]) == (2, 1, 1)
    assert rows["sms"]["response_rate"] == 1.0
    # suppressions have no channel: they are their own row
    assert (rows["—"]["events"], rows["—"]["suppressions"]) == (3, {"fatigue": 2, "opted_out": 1})
    assert rows["All"]["events"] == 9
    assert (rows["All"]["sent"], rows["All"]["completed"], rows["All"]["response_rate"]) == (4, 2, 0.5)


def test_funnel_by_rule_names_the_rules(survey_data) -> None:
    survey, _a, _b = survey_data

    rows = _rows(funnel_report(survey=survey, group_by="rule"))

    assert set(rows) == {"A email", "B sms", "All"}
    assert (rows["A email"]["events"], rows["A email"]["invitations"], rows["A email"]["suppressed"]) == (
        6,
        4,
        2,
    )
    assert rows["A email"]["suppressions"] == {"fatigue": 1, "opted_out": 1}
    assert (rows["B sms"]["events"], rows["B sms"]["suppressions"]) == (3, {"fatigue": 1})


def test_funnel_by_segment_attribute(survey_data) -> None:
    survey, _a, _b = survey_data

    rows = _rows(funnel_report(survey=survey, group_by="district_type"))

    assert set(rows) == {"office", "residential", "campus", "All"}
    office = rows["office"]
    assert (office["events"], office["invitations"], office["sent"], office["completed"]) == (7, 5, 4, 2)
    assert office["suppressions"] == {"fatigue": 1, "opted_out": 1}
    assert office["response_rate"] == 0.5
    assert (rows["residential"]["sent"], rows["residential"]["response_rate"]) == (0, None)
    assert rows["campus"]["suppressions"] == {"fatigue": 1}


def test_funnel_window_excludes_other_days(survey_data) -> None:
    survey, _a, _b = survey_data
    Invitation.objects.filter(survey=survey, channel="sms").update(created_at=NOW - dt.timedelta(days=30))

    report = funnel_report(
        survey=survey, group_by="channel", date_from=dt.date(2026, 11, 1), date_to=dt.date(2100, 1, 1)
    )

    assert [row.label for row in report.rows] == ["email", "—"]


@pytest.fixture
def staff_client():
    user = get_user_model().objects.create_user("ops", password="pw", is_staff=True, is_superuser=True)
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


def test_funnel_api_answers_staff(survey_data, staff_client) -> None:
    response = staff_client.get("/api/v1/funnel/", {"survey": "after-delivery", "group_by": "channel"})

    assert response.status_code == 200
    body = response.json()
    assert (body["survey"], body["group_by"], body["date_from"]) == ("after-delivery", "channel", None)
    assert [row["label"] for row in body["rows"]] == ["email", "—", "sms"]
    assert body["total"]["response_rate"] == 0.5


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"survey": "after-delivery", "group_by": "a b"}, 400, "invalid", "group_by"),
        ({"survey": "after-delivery", "from": "2026-13-01"}, 400, "invalid", "from"),
        ({"survey": "after-delivery", "from": "2026-11-02", "to": "2026-11-01"}, 400, "invalid", "to"),
        ({}, 400, "required", "survey"),
        ({"survey": "nope"}, 404, "not_found", None),
    ],
)
def test_funnel_api_refuses_bad_parameters(survey_data, staff_client, params, status, code, field) -> None:
    response = staff_client.get("/api/v1/funnel/", params)

    assert response.status_code == status
    body = response.json()
    assert body["code"] == code
    if field:
        assert field in body["details"]


def test_funnel_api_is_staff_only(survey_data) -> None:
    user = get_user_model().objects.create_user("viewer", password="pw")
    client = APIClient()
    client.force_authenticate(user)

    assert client.get("/api/v1/funnel/", {"survey": "after-delivery"}).status_code == 403
    assert APIClient().get("/api/v1/funnel/", {"survey": "after-delivery"}).status_code in (401, 403)


@pytest.mark.parametrize(
    ("accept", "texts", "codes"),
    [
        (
            "en",
            [
                '<th scope="col">Channel</th>',
                '<th scope="row">Email</th>',
                '<th scope="row">SMS</th>',
                '<li data-reason="fatigue">Respondent invited recently (fatigue): 2</li>',
                '<li data-reason="opted_out">Respondent opted out: 1</li>',
            ],
            ["fatigue: ", "opted_out: ", '<th scope="row">email</th>', '<th scope="col">channel</th>'],
        ),
        (
            "zh-CN,zh;q=0.9",
            [
                '<th scope="col">渠道</th>',
                '<th scope="row">邮件</th>',
                '<th scope="row">短信</th>',
                '<li data-reason="fatigue">受访者近期已被邀请（防打扰）: 2</li>',
                '<li data-reason="opted_out">受访者已退订: 1</li>',
            ],
            ["fatigue: ", "opted_out: ", '<th scope="row">email</th>', '<th scope="col">channel</th>'],
        ),
    ],
)
def test_funnel_admin_page_shows_the_table_in_words(survey_data, client, accept, texts, codes) -> None:
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.com", "pw"))

    response = client.get(
        "/admin/responses/funnel/",
        {"survey": "after-delivery", "group_by": "channel"},
        HTTP_ACCEPT_LANGUAGE=accept,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert '<table class="funnel">' in page
    assert "33.3%" in page
    for text in texts:
        assert text in page
    for code in codes:
        assert code not in page
    changelist = client.get("/admin/responses/invitation/").content.decode()
    assert 'href="/admin/responses/funnel/"' in changelist


def test_funnel_admin_page_by_rule_and_attribute_shows_names_and_values(survey_data, client) -> None:
    client.force_login(get_user_model().objects.create_superuser("admin", "admin@example.com", "pw"))
    by_rule = client.get(
        "/admin/responses/funnel/",
        {"survey": "after-delivery", "group_by": "rule"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert '<th scope="col">Distribution rule</th>' in by_rule
    assert '<th scope="row">A email</th>' in by_rule
    by_attribute = client.get(
        "/admin/responses/funnel/",
        {"survey": "after-delivery", "group_by": "district_type"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert '<th scope="col">district_type</th>' in by_attribute
    assert '<th scope="row">office</th>' in by_attribute


def test_funnel_admin_page_needs_login(client) -> None:
    response = client.get("/admin/responses/funnel/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
