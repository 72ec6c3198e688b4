"""The staff survey API: drafts, questions, choices, publish, versions, templates, error bodies."""

import pytest
from rest_framework.test import APIClient

from surveys import services
from surveys.models import Choice, Question, Survey, SurveyVersion
from tests.factories import QuestionFactory, UserFactory, publishable_survey

pytestmark = pytest.mark.django_db

ZH_EN = {"zh-hans": "配送体验调查", "en": "Delivery experience"}


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(username="ops", groups=["survey_designers"]))
    return client


def counts() -> tuple[int, int, int, int]:
    return (
        Survey.objects.count(),
        Question.objects.count(),
        Choice.objects.count(),
        SurveyVersion.objects.count(),
    )


# Surveys --------------------------------------------------------------------------------------


def test_create_a_survey_then_read_and_list_it(api: APIClient) -> None:
    response = api.post(
        "/api/v1/surveys/",
        {"key": "after-delivery", "audience": "customer", "title": ZH_EN, "family": "delivery"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["key"] == "after-delivery"
    assert body["locales"] == ["zh-hans", "en"]
    assert body["default_locale"] == "zh-hans"
    assert body["status"] == "draft"
    assert body["has_unpublished_changes"] is True
    assert body["questions"] == []
    assert Survey.objects.get().created_by.username == "ops"
    listed = api.get("/api/v1/surveys/").json()["results"]
    assert [s["key"] for s in listed] == ["after-delivery"]
    assert api.get("/api/v1/surveys/after-delivery/").json()["title"] == ZH_EN


def test_list_filters_by_audience_and_status(api: APIClient) -> None:
    services.survey_publish(survey=publishable_survey(key="a", audience="customer"))
    publishable_survey(key="b", audience="rider")

    assert [s["key"] for s in api.get("/api/v1/surveys/?audience=rider").json()["results"]] == ["b"]
    assert [s["key"] for s in api.get("/api/v1/surveys/?status=published").json()["results"]] == ["a"]
    response = api.get("/api/v1/surveys/?status=deleted")
    assert response.status_code == 400
    assert response.json()["details"]["status"][0]["code"] == "invalid_choice"


def test_update_a_survey(api: APIClient) -> None:
    publishable_survey(key="after-delivery")

    response = api.patch(
        "/api/v1/surveys/after-delivery/",
        {"introduction": {"zh-hans": "您好", "en": "Hello"}, "primary_question_key": "nps"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["introduction"] == {"zh-hans": "您好", "en": "Hello"}
    assert Survey.objects.get().introduction == {"zh-hans": "您好", "en": "Hello"}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        pytest.param({"key": "after delivery"}, "key", "bad_key", id="key-not-a-slug"),
        pytest.param({"key": "taken"}, "key", "duplicate_key", id="duplicate-key"),
        pytest.param({"title": "Delivery"}, "title", "not_a_locale_map", id="title-not-an-object"),
        pytest.param({"title": ["配送", "Delivery"]}, "title", "not_a_locale_map", id="title-a-list"),
        pytest.param({"title": {"zh-hans": 3}}, "title", "not_a_locale_map", id="title-number"),
        pytest.param({"title": {"fr": "Livraison"}}, "title", "unknown_locale", id="title-unknown-locale"),
        pytest.param({"audience": "courier"}, "audience", "unknown_audience", id="unknown-audience"),
        pytest.param({"locales": ["zh-hans", "fr"]}, "locales", "unknown_locale", id="locale-not-allowed"),
        pytest.param({"locales": "zh-hans"}, "locales", "not_a_list", id="locales-not-a-list"),
        pytest.param({"default_locale": "fr"}, "default_locale", "unknown_locale", id="default-locale"),
        pytest.param({"key": None}, "key", "null", id="key-null"),
    ],
)
def test_create_survey_bad_input_is_400_naming_the_field_and_writes_nothing(
    api: APIClient, body: dict, field: str, code: str
) -> None:
    publishable_survey(key="taken")
    before = counts()

    response = api.post(
        "/api/v1/surveys/", {"key": "new", "audience": "customer", "title": ZH_EN, **body}, format="json"
    )

    assert response.status_code == 400
    payload = response.json()
    assert set(payload) == {"code", "message", "details"}
    assert payload["code"] == code
    assert [e["code"] for e in payload["details"][field]] == [code]
    assert counts() == before


def test_missing_fields_are_each_named(api: APIClient) -> None:
    response = api.post("/api/v1/surveys/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "required"
    assert sorted(response.json()["details"]) == ["audience", "key", "title"]


def test_malformed_json_is_400_not_500(api: APIClient) -> None:
    response = api.post("/api/v1/surveys/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert Survey.objects.count() == 0


def test_an_unknown_survey_is_404_with_the_error_body(api: APIClient) -> None:
    response = api.get("/api/v1/surveys/nope/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "details": {}}


def test_the_key_of_a_published_survey_cannot_change(api: APIClient) -> None:
    services.survey_publish(survey=publishable_survey(key="after-delivery"))

    response = api.patch("/api/v1/surveys/after-delivery/", {"key": "renamed"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "key_locked"
    assert Survey.objects.get().key == "after-delivery"


def test_duplicate_a_survey(api: APIClient) -> None:
    publishable_survey(key="after-delivery")

    response = api.post(
        "/api/v1/surveys/after-delivery/duplicate/", {"key": "after-delivery-night"}, format="json"
    )

    assert response.status_code == 201
    assert [q["key"] for q in response.json()["questions"]] == ["nps", "channel", "why"]


# Questions and choices ------------------------------------------------------------------------


def test_add_a_question_with_choices_then_edit_and_delete_it(api: APIClient) -> None:
    services.survey_publish(survey=publishable_survey(key="after-delivery"))

    created = api.post(
        "/api/v1/surveys/after-delivery/questions/",
        {
            "key": "extras",
            "kind": "multiple_choice",
            "text": {"zh-hans": "您需要哪些附加物品？", "en": "Which extras did you need?"},
            "required": False,
            "choices": [
                {"key": "cutlery", "label": {"zh-hans": "餐具", "en": "Cutlery"}},
                {"key": "napkins", "label": {"zh-hans": "纸巾", "en": "Napkins"}},
            ],
        },
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["position"] == 4
    assert [c["key"] for c in created.json()["choices"]] == ["cutlery", "napkins"]
    assert Survey.objects.get().has_unpublished_changes is True

    edited = api.patch(
        "/api/v1/surveys/after-delivery/questions/extras/",
        {"condition": {"question": "nps", "op": "lte", "value": 6}},
        format="json",
    )
    assert edited.status_code == 200
    assert edited.json()["condition"] == {"question": "nps", "op": "lte", "value": 6}

    listed = api.get("/api/v1/surveys/after-delivery/questions/").json()["results"]
    assert [q["key"] for q in listed] == ["nps", "channel", "why", "extras"]

    deleted = api.delete("/api/v1/surveys/after-delivery/questions/extras/")
    assert deleted.status_code == 204
    assert not Question.objects.filter(key="extras").exists()
    assert Choice.objects.filter(key="cutlery").count() == 0


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        pytest.param({"kind": "ranking"}, "kind", "unknown_kind", id="unknown-kind"),
        pytest.param({"text": "What?"}, "text", "not_a_locale_map", id="text-not-an-object"),
        pytest.param({"key": "why"}, "key", "duplicate_key", id="duplicate-key"),
        pytest.param({"key": "更多"}, "key", "bad_key", id="key-not-a-slug"),
        pytest.param({"condition": "nps <= 6"}, "condition", "condition_malformed", id="condition-a-string"),
        pytest.param({"condition": [1]}, "condition", "condition_malformed", id="condition-a-list"),
        pytest.param({"required": "maybe"}, "required", "invalid", id="required-not-bool"),
        pytest.param({"max_length": 0}, "max_length", "min_value", id="max-length-zero"),
        pytest.param({"scale_max": 10**20}, "scale_max", "max_value", id="scale-overflow"),
        pytest.param({"position": 2**40}, "position", "max_value", id="position-overflow"),
        pytest.param({"key": "k" * 65}, "key", "bad_key", id="key-too-long"),
    ],
)
def test_question_bad_input_is_400_naming_the_field_and_writes_nothing(
    api: APIClient, body: dict, field: str, code: str
) -> None:
    publishable_survey(key="after-delivery")
    before = counts()

    response = api.post(
        "/api/v1/surveys/after-delivery/questions/",
        {"key": "more", "kind": "short_text", "text": {"zh-hans": "更多", "en": "More"}, **body},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert [e["code"] for e in response.json()["details"][field]] == [code]
    assert counts() == before


def test_bad_choices_in_a_new_question_name_the_nested_field(api: APIClient) -> None:
    publishable_survey(key="after-delivery")
    before = counts()

    response = api.post(
        "/api/v1/surveys/after-delivery/questions/",
        {
            "key": "more",
            "kind": "single_choice",
            "text": {"zh-hans": "更多", "en": "More"},
            "choices": [{"key": "a", "label": {"zh-hans": "甲", "en": "A"}}, {"key": "b c", "label": "B"}],
        },
        format="json",
    )

    assert response.status_code == 400
    # DRF names the failing list entry by its index.
    assert response.json()["details"] == {
        "choices": {
            "1": {
                "key": [
                    {"code": "bad_key", "message": "Use 1 to 64 letters, digits, hyphens or underscores."}
                ],
                "label": [
                    {
                        "code": "not_a_locale_map",
                        "message": 'Must be an object of locale to text, e.g. {"zh-hans": "…", "en": "…"}.',
                    }
                ],
            },
        }
    }
    assert counts() == before


def test_renaming_a_question_onto_another_key_is_refused(api: APIClient) -> None:
    publishable_survey(key="after-delivery")

    response = api.patch("/api/v1/surveys/after-delivery/questions/why/", {"key": "nps"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_key"
    assert sorted(Question.objects.values_list("key", flat=True)) == ["channel", "nps", "why"]


def test_choices_are_managed_under_their_question(api: APIClient) -> None:
    publishable_survey(key="after-delivery")
    base = "/api/v1/surveys/after-delivery/questions/channel/choices/"

    created = api.post(base, {"key": "web", "label": {"zh-hans": "网页", "en": "Web"}}, format="json")
    assert created.status_code == 201
    assert created.json() == {"key": "web", "position": 3, "label": {"zh-hans": "网页", "en": "Web"}}

    duplicate = api.post(base, {"key": "web", "label": {"zh-hans": "网页", "en": "Web"}}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json()["details"]["key"][0]["code"] == "duplicate_key"

    edited = api.patch(f"{base}web/", {"label": {"zh-hans": "网站", "en": "Website"}}, format="json")
    assert edited.status_code == 200
    assert edited.json()["label"] == {"zh-hans": "网站", "en": "Website"}

    assert [c["key"] for c in api.get(base).json()["results"]] == ["app", "phone", "web"]
    assert api.delete(f"{base}web/").status_code == 204
    assert api.get(f"{base}web/").status_code == 404


# Publishing and versions ----------------------------------------------------------------------


def test_publish_answers_201_with_the_version(api: APIClient) -> None:
    publishable_survey(key="after-delivery")

    response = api.post("/api/v1/surveys/after-delivery/publish/", {"note": "launch"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["survey"] == "after-delivery"
    assert body["number"] == 1
    assert body["note"] == "launch"
    assert body["published_by"] == "ops"
    assert body["definition"]["version"] == 1
    assert [q["key"] for q in body["definition"]["questions"]] == ["nps", "channel", "why"]
    assert len(body["checksum"]) == 64


def test_publish_of_an_invalid_draft_lists_every_error_and_writes_nothing(api: APIClient) -> None:
    survey = publishable_survey(key="after-delivery")
    Question.objects.filter(survey=survey, key="why").update(
        text={"zh-hans": "为什么？"}, condition={"question": "later", "op": "answered"}
    )
    QuestionFactory(survey=survey, key="later", kind="short_text", position=9)
    before = counts()

    response = api.post("/api/v1/surveys/after-delivery/publish/", {}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_definition",
        "message": "The survey cannot be published: 2 problem(s) to fix.",
        "details": {
            "definition": [
                {
                    "path": "questions[2] (why)",
                    "field": "text.en",
                    "code": "missing_translation",
                    "message": "questions[2] (why): the question text has no en text.",
                },
                {
                    "path": "questions[2] (why)",
                    "field": "condition",
                    "code": "condition_forward_reference",
                    "message": "questions[2] (why): the condition refers to later, which does not come "
                    "before this question.",
                },
            ]
        },
    }
    assert counts() == before
    assert Survey.objects.get().status == "draft"


def test_publish_of_an_unchanged_draft_is_400_no_changes(api: APIClient) -> None:
    services.survey_publish(survey=publishable_survey(key="after-delivery"))

    response = api.post("/api/v1/surveys/after-delivery/publish/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "no_changes"
    assert response.json()["message"] == "Nothing changed since version 1: there is nothing to publish."
    assert SurveyVersion.objects.count() == 1


def test_publish_messages_follow_the_request_language(api: APIClient) -> None:
    survey = publishable_survey(key="after-delivery")
    Choice.objects.filter(question__survey=survey, key="phone").delete()

    response = api.post(
        "/api/v1/surveys/after-delivery/publish/", {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.json()["details"]["definition"][0]["message"] == (
        "questions[1] (channel)：选择题至少需要 2 个选项（现有 1 个）。"
    )


def test_versions_are_listed_newest_first_and_read_with_their_definition(api: APIClient) -> None:
    survey = publishable_survey(key="after-delivery")
    services.survey_publish(survey=survey)
    services.question_update(question=Question.objects.get(key="why"), data={"required": True})
    services.survey_publish(survey=survey, note="why is required")

    listed = api.get("/api/v1/surveys/after-delivery/versions/")
    one = api.get("/api/v1/surveys/after-delivery/versions/1/")

    assert [(v["number"], v["note"]) for v in listed.json()["results"]] == [(2, "why is required"), (1, "")]
    assert "definition" not in listed.json()["results"][0]
    assert one.status_code == 200
    assert one.json()["definition"]["questions"][2]["required"] is False
    assert api.get("/api/v1/surveys/after-delivery/versions/3/").status_code == 404


@pytest.mark.parametrize("method", ["put", "patch", "delete", "post"])
def test_versions_are_read_only(api: APIClient, method: str) -> None:
    services.survey_publish(survey=publishable_survey(key="after-delivery"))
    before = SurveyVersion.objects.get().definition

    response = getattr(api, method)(
        "/api/v1/surveys/after-delivery/versions/1/", {"note": "x"}, format="json"
    )

    assert response.status_code in {403, 405}
    assert set(response.json()) == {"code", "message", "details"}
    assert SurveyVersion.objects.get().definition == before


def test_preview_shows_the_definition_and_what_blocks_it(api: APIClient) -> None:
    survey = publishable_survey(key="after-delivery", primary_question_key="channel")

    response = api.get("/api/v1/surveys/after-delivery/preview/")

    assert response.status_code == 200
    assert response.json()["definition"]["key"] == survey.key
    assert response.json()["errors"] == [
        {
            "path": "survey",
            "field": "primary_question",
            "code": "primary_question_not_scale",
            "message": (
                "The primary metric question channel must be an NPS, CSAT, CES or star rating question."
            ),
        }
    ]


# Templates and schema -------------------------------------------------------------------------


def test_templates_are_listed_and_loaded(api: APIClient) -> None:
    listed = api.get("/api/v1/survey-templates/").json()["results"]
    loaded = api.post(
        "/api/v1/survey-templates/customer-after-delivery/load/",
        {"survey_key": "after-delivery"},
        format="json",
    )
    missing = api.post("/api/v1/survey-templates/hotel-stay/load/", {}, format="json")

    assert [t["key"] for t in listed][:2] == ["car-rental-return", "customer-after-delivery"]
    assert listed[1]["question_count"] == 5
    assert loaded.status_code == 201
    assert loaded.json()["key"] == "after-delivery"
    assert len(loaded.json()["questions"]) == 5
    assert missing.status_code == 404


def test_the_openapi_schema_documents_every_survey_endpoint(api: APIClient) -> None:
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path, methods in {
        "/api/v1/surveys/": {"get", "post"},
        "/api/v1/surveys/{key}/": {"get", "patch"},
        "/api/v1/surveys/{key}/duplicate/": {"post"},
        "/api/v1/surveys/{key}/preview/": {"get"},
        "/api/v1/surveys/{key}/publish/": {"post"},
        "/api/v1/surveys/{key}/versions/": {"get"},
        "/api/v1/surveys/{key}/versions/{number}/": {"get"},
        "/api/v1/surveys/{key}/questions/": {"get", "post"},
        "/api/v1/surveys/{key}/questions/{question_key}/": {"get", "patch", "delete"},
        "/api/v1/surveys/{key}/questions/{question_key}/choices/": {"get", "post"},
        "/api/v1/surveys/{key}/questions/{question_key}/choices/{choice_key}/": {"get", "patch", "delete"},
        "/api/v1/survey-templates/": {"get"},
        "/api/v1/survey-templates/{template_key}/load/": {"post"},
    }.items():
        assert set(paths[path]) - {"parameters"} == methods, path
    publish = paths["/api/v1/surveys/{key}/publish/"]["post"]
    assert set(publish["responses"]) >= {"201", "400", "403"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/surveys/", ["not", "an", "object"]),
        ("post", "/api/v1/surveys/after-delivery/questions/", "just text"),
        ("patch", "/api/v1/surveys/after-delivery/", {"title": None}),
        ("patch", "/api/v1/surveys/after-delivery/questions/nps/", {"kind": None}),
        ("post", "/api/v1/surveys/after-delivery/publish/", {"note": "n" * 300}),
    ],
)
def test_odd_bodies_are_400_with_the_error_body(api: APIClient, method: str, path: str, body) -> None:
    publishable_survey(key="after-delivery")
    before = counts()

    response = getattr(api, method)(path, body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"code", "message", "details"}
    assert counts() == before


def test_lists_do_not_query_per_row(api: APIClient, django_assert_max_num_queries) -> None:
    survey = publishable_survey(key="after-delivery")
    for required in (False, True, False):
        Question.objects.filter(key="why").update(required=required)
        services.survey_publish(survey=survey)
    for n in range(3):
        publishable_survey(key=f"other-{n}")

    # Authentication, permission lookups and the page's count included; none of these grows
    # with the rows.
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/v1/surveys/after-delivery/versions/").json()["results"]) == 3
    with django_assert_max_num_queries(5):
        assert len(api.get("/api/v1/surveys/").json()["results"]) == 4
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/surveys/after-delivery/").json()["questions"]) == 3


def test_a_third_locale_is_a_settings_change(api: APIClient, settings) -> None:
    settings.SURVEY_LOCALES = ["zh-hans", "en", "ja"]
    survey = publishable_survey(key="after-delivery")

    widened = api.patch(
        "/api/v1/surveys/after-delivery/", {"locales": ["zh-hans", "en", "ja"]}, format="json"
    )
    refused = api.post("/api/v1/surveys/after-delivery/publish/", {}, format="json")

    assert widened.status_code == 200
    assert refused.status_code == 400
    fields = [(e["path"], e["field"]) for e in refused.json()["details"]["definition"]]
    assert fields[:3] == [
        ("survey", "title.ja"),
        ("survey", "thank_you.ja"),
        ("questions[0] (nps)", "text.ja"),
    ]
    assert all(e["code"] == "missing_translation" for e in refused.json()["details"]["definition"])
    assert survey.versions.count() == 0
