"""The admin survey builder writes drafts through the same services as the API: the same edit
made on each side stores the same rows, and the same bad edit gets the same message."""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from surveys.models import Choice, Question, Survey, SurveyVersion
from tests.surveys.test_admin import change_url, form_data, make_survey, question_index

pytestmark = pytest.mark.django_db

ZH_EN = {"zh-hans": "配送体验调查", "en": "Delivery experience"}
SURVEY_COLUMNS = (
    "audience",
    "family",
    "locales",
    "default_locale",
    "title",
    "introduction",
    "thank_you",
    "primary_question_key",
    "status",
    "has_unpublished_changes",
    "created_by_id",
)
QUESTION_COLUMNS = (
    "key",
    "kind",
    "position",
    "required",
    "text",
    "help_text",
    "scale_min",
    "scale_max",
    "min_label",
    "max_label",
    "max_length",
    "condition",
)


@pytest.fixture
def api(admin_user) -> APIClient:
    # the same person as admin_client, so "who" is the same on both sides
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


def counts() -> tuple[int, int, int, int]:
    return (
        Survey.objects.count(),
        Question.objects.count(),
        Choice.objects.count(),
        SurveyVersion.objects.count(),
    )


def survey_row(key: str) -> tuple:
    return Survey.objects.filter(key=key).values_list(*SURVEY_COLUMNS).get()


def question_rows(key: str) -> list[tuple]:
    return list(Question.objects.filter(survey__key=key).order_by("position").values_list(*QUESTION_COLUMNS))


def choice_rows(key: str) -> list[tuple]:
    return list(
        Choice.objects.filter(question__survey__key=key)
        .order_by("question__position", "position")
        .values_list("question__key", "position", "key", "label")
    )


def admin_add(admin_client, **fields) -> object:
    url = reverse("admin:surveys_survey_add")
    data = form_data(admin_client.get(url))
    data.update(
        {
            "audience": "customer",
            "locales": ["zh-hans", "en"],
            "default_locale": "zh-hans",
            "title_zh-hans": ZH_EN["zh-hans"],
            "title_en": ZH_EN["en"],
            **fields,
        }
    )
    return admin_client.post(url, data)


def form_errors(response) -> dict[str, list[str]]:
    """The errors the admin page shows: the survey form's, by field (``__all__``: the form's own)."""
    errors = response.context["adminform"].form.errors
    return {field: list(messages) for field, messages in errors.items()}


def test_a_survey_added_in_the_admin_is_stored_as_the_api_stores_it(admin_client, api) -> None:
    # when the same survey is added on each side
    assert admin_add(admin_client, key="from-admin", family="delivery").status_code == 302
    created = api.post(
        "/api/v1/surveys/",
        {"key": "from-api", "audience": "customer", "title": ZH_EN, "family": "delivery"},
        format="json",
    )
    # then both rows hold the same values: a draft with unpublished changes, made by that user
    assert created.status_code == 201
    assert survey_row("from-admin") == survey_row("from-api")
    assert survey_row("from-admin")[-3:] == ("draft", True, User.objects.get(username="admin").pk)


def test_a_new_survey_on_a_taken_key_gets_the_apis_message_in_the_admin_and_nothing_is_written(
    admin_client, api
) -> None:
    make_survey(key="taken")
    before = counts()
    # when a survey with a key already used is added through the API and the admin
    refused = api.post(
        "/api/v1/surveys/", {"key": "taken", "audience": "customer", "title": ZH_EN}, format="json"
    )
    response = admin_add(admin_client, key="taken")
    # then the admin shows the form again with the API's message on the key
    assert refused.status_code == 400
    assert refused.json()["code"] == "duplicate_key"
    assert response.status_code == 200
    assert form_errors(response) == {"key": [refused.json()["details"]["key"][0]["message"]]}
    assert counts() == before


def test_renaming_a_survey_onto_a_taken_key_gets_the_apis_message_and_changes_nothing(
    admin_client, api
) -> None:
    make_survey(key="taken")
    survey = make_survey(key="draft")
    data = form_data(admin_client.get(change_url(survey)))
    before = (counts(), survey_row("draft"))
    # when the draft is renamed "taken" (and its title changed) through the API and the admin
    refused = api.patch("/api/v1/surveys/draft/", {"key": "taken", "title": ZH_EN}, format="json")
    response = admin_client.post(change_url(survey), {**data, "key": "taken", "title_en": "Changed"})
    # then both refuse it with the same message, and nothing of the edit is kept
    assert refused.status_code == 400
    assert response.status_code == 200
    assert form_errors(response) == {"key": [refused.json()["details"]["key"][0]["message"]]}
    assert (counts(), survey_row("draft")) == before


def test_a_draft_question_changed_in_the_admin_is_stored_as_the_api_stores_it(admin_client, api) -> None:
    # given two equal drafts, published, so the change is what marks them changed
    for key in ("by-admin", "by-api"):
        make_survey(key=key)
        Survey.objects.filter(key=key).update(has_unpublished_changes=False)
    new_text = {"zh-hans": "哪里可以做得更好？", "en": "What should we improve?"}
    # when the same question text and display condition change on each side
    survey = Survey.objects.get(key="by-admin")
    data = form_data(admin_client.get(change_url(survey)))
    index = question_index(data, "why")
    data[f"questions-{index}-text_en"] = new_text["en"]
    data[f"questions-{index}-condition_value"] = "8"
    assert admin_client.post(change_url(survey), data).status_code == 302
    patched = api.patch(
        "/api/v1/surveys/by-api/questions/why/",
        {"text": new_text, "condition": {"question": "nps", "op": "lte", "value": 8}},
        format="json",
    )
    # then both drafts hold the same questions and are marked changed
    assert patched.status_code == 200
    assert question_rows("by-admin") == question_rows("by-api")
    assert question_rows("by-admin")[1][4] == new_text
    assert Survey.objects.get(key="by-admin").has_unpublished_changes is True
    assert survey_row("by-admin") == survey_row("by-api")


def test_a_question_added_with_choices_in_the_admin_is_stored_as_the_api_stores_it(admin_client, api) -> None:
    for key in ("by-admin", "by-api"):
        make_survey(key=key)
    # when a single-choice question with two choices is added last on each side
    survey = Survey.objects.get(key="by-admin")
    data = form_data(admin_client.get(change_url(survey)))
    data.update(
        {
            "questions-TOTAL_FORMS": "3",
            "questions-2-position": "",
            "questions-2-key": "reason",
            "questions-2-kind": "single_choice",
            "questions-2-required": "on",
            "questions-2-text_zh-hans": "主要原因？",
            "questions-2-text_en": "Main reason?",
            "questions-2-choices_text": "late | 太慢 | Late\ncold | 凉了 | Cold",
            "questions-2-survey": str(survey.pk),
        }
    )
    assert admin_client.post(change_url(survey), data).status_code == 302
    created = api.post(
        "/api/v1/surveys/by-api/questions/",
        {
            "key": "reason",
            "kind": "single_choice",
            "text": {"zh-hans": "主要原因？", "en": "Main reason?"},
            "choices": [
                {"key": "late", "label": {"zh-hans": "太慢", "en": "Late"}},
                {"key": "cold", "label": {"zh-hans": "凉了", "en": "Cold"}},
            ],
        },
        format="json",
    )
    # then the questions and choices are the same
    assert created.status_code == 201
    assert question_rows("by-admin") == question_rows("by-api")
    assert [row[:3] for row in question_rows("by-admin")] == [
        ("nps", "nps", 1),
        ("why", "long_text", 2),
        ("reason", "single_choice", 3),
    ]
    assert (
        choice_rows("by-admin")
        == choice_rows("by-api")
        == [
            ("reason", 1, "late", {"zh-hans": "太慢", "en": "Late"}),
            ("reason", 2, "cold", {"zh-hans": "凉了", "en": "Cold"}),
        ]
    )


def test_renaming_a_question_onto_another_key_gets_the_apis_message_on_the_question_page(
    admin_client, api
) -> None:
    survey = make_survey()
    question = survey.questions.get(key="why")
    url = reverse("admin:surveys_question_change", args=[question.pk])
    data = form_data(admin_client.get(url), "question_form")
    before = (counts(), question_rows(survey.key))
    # when "why" is renamed "nps" through the API and on the question's admin page
    refused = api.patch(f"/api/v1/surveys/{survey.key}/questions/why/", {"key": "nps"}, format="json")
    response = admin_client.post(url, {**data, "key": "nps"})
    # then both refuse it with the same message, and nothing changed
    assert refused.status_code == 400
    assert refused.json()["code"] == "duplicate_key"
    assert response.status_code == 200
    assert form_errors(response) == {"key": [refused.json()["details"]["key"][0]["message"]]}
    assert (counts(), question_rows(survey.key)) == before


def test_a_retention_change_in_the_admin_does_not_mark_the_draft_changed(admin_client) -> None:
    survey = make_survey()
    Survey.objects.filter(pk=survey.pk).update(has_unpublished_changes=False)
    data = form_data(admin_client.get(change_url(survey)))
    data["retention_days"] = "365"
    assert admin_client.post(change_url(survey), data).status_code == 302
    survey.refresh_from_db()
    assert (survey.retention_days, survey.has_unpublished_changes) == (365, False)
