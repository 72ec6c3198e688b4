"""The API against its own OpenAPI schema: schemathesis generates requests for every operation.

The staff API is called with a DRF token of each role (superuser, survey designer, process
owner, viewer), the events API with a source system's key. Each operation gets valid requests
(half of them aimed at rows that exist, so they reach past the 404) and, for the superuser and
the source system, invalid ones. Every answer must be no server error, a documented status code
and content type, and a body that matches the schema; a valid request is not refused as invalid
(400) and an invalid one is not accepted.

Each request runs inside a savepoint rolled back afterwards, so every example sees the same
rows. Generation is derandomised (the same cases on every run) and bounded per operation.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from functools import partial

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from analysis.models import EmergingTopic
from analysis.services import response_analyse
from cases.services import response_rules_evaluate
from surveys import services as survey_services
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.cases.factories import rule, team
from tests.factories import UserFactory, publishable_survey
from tests.responses.factories import source_system

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [*CHECKS, negative_data_rejection]
# Rules the schema cannot state: from <= to and at most 731 days apart (the analysis API, the
# funnel and the exports that take their filters); writes refused by the state of the rows (a
# key taken, nothing to publish, a default locale not among the locales).
# On these operations a schema-valid request may rightly be a 400 (the emerging-topic list
# takes the same scope as the pain points).
CROSS_FIELD_RULES = re.compile(r"/(metrics|pain-points|funnel|comments|responses|emerging-topics)/$")
ROLES = ["superuser", "survey_designers", "process_owners", "viewers"]
# Examples per operation and generation mode. Roles other than the superuser mostly meet a
# 403 or the same code paths, so they get fewer.
MAX_EXAMPLES = 12
ROLE_EXAMPLES = 5
ANALYSIS_PATH = re.compile(r"/(metrics|pain-points|emerging-topics)/")


@pytest.fixture
def wsgi_app(settings) -> Iterator[WSGIHandler]:
    """Django's WSGI application, in this process, on the test database.

    Like Django's test client, the request signals do not close the connection: the test's
    transaction stays open across requests.
    """
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def rows() -> dict:
    """A draft with questions and choices, published once; an analysed survey with responses,
    an emerging topic and a case; the path parameters that reach them."""
    draft = publishable_survey(key="contract")
    survey_services.survey_publish(survey=draft, user=None, note="first")
    survey, version = analysed_survey("after-delivery")
    analysed = []
    for day, (nps, why) in enumerate([(2, "送餐太慢了"), (6, "饭都凉了"), (10, "很好吃")]):
        response = completed(
            version, nps=nps, why=why, attributes={"city": "上海"}, completed_at=BASE + dt.timedelta(days=day)
        )
        response_analyse(response_id=response.pk)
        analysed.append(response)
    emerging = EmergingTopic.objects.create(
        survey=survey, key="发票-报销", keywords=["发票", "报销"], mentions=7, discovered_at=BASE
    )
    # a follow-up case on the slow delivery
    rule("slow", "word", team=team(members=("a",)), words=["太慢"])
    (case,) = response_rules_evaluate(response_id=analysed[0].pk, now=BASE)
    return {
        "cases": {"case_id": case.pk},
        "surveys": {
            "key": "contract",
            "question_key": "channel",
            "choice_key": "app",
            "number": 1,
            "template_key": "customer-after-delivery",
        },
        "analysis": {"key": "after-delivery", "topic_id": emerging.pk},
    }


def staff_token(role: str) -> str:
    if role == "superuser":
        user = UserFactory(username="contract-root", is_superuser=True)
    else:
        user = UserFactory(username=f"contract-{role}", groups=[role])
    return Token.objects.create(user=user).key


def known_path(operation, rows: dict) -> dict:
    names = {parameter.name for parameter in operation.path_parameters}
    if operation.path.startswith("/api/v1/cases/"):
        return {name: value for name, value in rows["cases"].items() if name in names}
    known = rows["analysis"] if ANALYSIS_PATH.search(operation.path) else rows["surveys"]
    return {name: value for name, value in known.items() if name in names}


def run_operation(
    operation,
    *,
    headers: dict,
    path: dict,
    mode: GenerationMode,
    app,
    examples: int = MAX_EXAMPLES,
    events=False,
) -> None:
    strategies = [operation.as_strategy(generation_mode=mode, headers=headers)]
    if path:
        strategies.append(operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=path))
    if mode == GenerationMode.NEGATIVE and events:
        # An event that breaks its schema is answered 200 with that item "rejected" and its
        # errors (one bad item never blocks the others): not a request to refuse whole.
        checks = CHECKS
    elif mode == GenerationMode.NEGATIVE:
        checks = NEGATIVE_CHECKS
    elif operation.method.upper() == "GET" and not CROSS_FIELD_RULES.search(operation.path):
        checks = [*CHECKS, positive_data_acceptance]
    else:
        checks = CHECKS

    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def call(case) -> None:
        with transaction.atomic():
            response = case.call(app=app)
            transaction.set_rollback(True)
        case.validate_response(response, checks=checks)

    call()


def takes_input(operation) -> bool:
    """Whether there is anything to make invalid besides the path (an invalid path is a 404)."""
    return bool(operation.body) or bool(operation.query)


def operations(schema, *, events: bool) -> list:
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if (op.path == "/api/v1/events/") == events]


def collect(failures: list[str], label: str, run) -> None:
    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all failures are reported
        failures.append(f"{label}: {str(exc)[:2000]}")


def test_staff_api_conforms_to_its_schema(wsgi_app, rows) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    tokens = {role: staff_token(role) for role in ROLES}
    failures: list[str] = []
    for operation in operations(schema, events=False):
        path = known_path(operation, rows)
        for role in ROLES:
            headers = {"Authorization": f"Token {tokens[role]}"}
            modes = [GenerationMode.POSITIVE]
            if role == "superuser" and takes_input(operation):
                modes.append(GenerationMode.NEGATIVE)
            examples = MAX_EXAMPLES if role == "superuser" else ROLE_EXAMPLES
            for mode in modes:
                collect(
                    failures,
                    f"{operation.label} as {role} ({mode.value})",
                    partial(
                        run_operation,
                        operation,
                        headers=headers,
                        path=path,
                        mode=mode,
                        app=wsgi_app,
                        examples=examples,
                    ),
                )
    assert failures == [], "\n\n".join(failures)


def test_events_api_conforms_to_its_schema(wsgi_app, rows) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app)
    _system, key = source_system("order-platform")
    headers = {"Authorization": f"Bearer {key}"}
    failures: list[str] = []
    for operation in operations(schema, events=True):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            collect(
                failures,
                f"{operation.label} ({mode.value})",
                partial(
                    run_operation, operation, headers=headers, path={}, mode=mode, app=wsgi_app, events=True
                ),
            )
    assert failures == [], "\n\n".join(failures)


# --- the shape of lists and of the schema ---------------------------------------------------


def designer_client():
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(UserFactory(username="contract-designer", groups=["survey_designers"]))
    return client


def test_every_list_has_one_page_shape(rows) -> None:
    client = designer_client()
    for url in [
        "/api/v1/surveys/",
        "/api/v1/survey-templates/",
        "/api/v1/surveys/contract/questions/",
        "/api/v1/surveys/contract/questions/channel/choices/",
        "/api/v1/surveys/contract/versions/",
        "/api/v1/surveys/after-delivery/emerging-topics/",
    ]:
        body = client.get(url).json()
        assert list(body) == ["count", "next", "previous", "results"], url
        assert body["count"] == len(body["results"]), url


def test_pages_follow_page_and_page_size(rows) -> None:
    client = designer_client()
    first = client.get("/api/v1/surveys/contract/questions/?page_size=2").json()
    second = client.get("/api/v1/surveys/contract/questions/?page_size=2&page=2").json()
    assert [q["key"] for q in first["results"]] == ["nps", "channel"]
    assert (first["count"], first["previous"]) == (3, None)
    assert first["next"] == "http://testserver/api/v1/surveys/contract/questions/?page=2&page_size=2"
    assert [q["key"] for q in second["results"]] == ["why"]
    assert second["next"] is None


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("page=0", "page", "page must be a whole number from 1 to 1000000000."),
        ("page=x", "page", "page must be a whole number from 1 to 1000000000."),
        ("page_size=0", "page_size", "page_size must be a whole number from 1 to 500."),
        ("page_size=501", "page_size", "page_size must be a whole number from 1 to 500."),
        ("page_size=-1", "page_size", "page_size must be a whole number from 1 to 500."),
    ],
)
def test_a_bad_page_is_a_400_naming_the_parameter(rows, query, field, message) -> None:
    response = designer_client().get(f"/api/v1/surveys/?{query}")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid_page",
        "message": "The request is not valid: see details for each field.",
        "details": {field: [{"code": "invalid_page", "message": message}]},
    }


def test_a_page_past_the_last_is_a_404(rows) -> None:
    response = designer_client().get("/api/v1/surveys/?page=9")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_every_operation_documents_the_errors_a_summary_and_tags() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    assert schema["components"]["schemas"]["ErrorBody"]["required"] == ["code", "message", "details"]
    count = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            count += 1
            label = f"{method.upper()} {path}"
            assert operation.get("summary"), label
            assert operation.get("tags") and operation["tags"] != ["v1"], label
            for status in ("401", "403", "404", "429"):
                assert operation["responses"][status]["content"] == error, (label, status)
            if "400" in operation["responses"]:
                assert "application/json" in operation["responses"]["400"]["content"], label
    assert count == 41


# --- defects the generated requests found, each pinned by a plain request -------------------


def superuser_client():
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(UserFactory(username="contract-root", is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        (
            "/api/v1/surveys/contract/questions/",
            {"key": "extra", "kind": "single_choice", "text": {"en": "Which?"}, "choices": []},
            None,
        ),
        (
            "/api/v1/surveys/contract/questions/channel/choices/",
            {"key": "web", "label": {"en": "W\x00b"}},
            "label",
        ),
        ("/api/v1/surveys/", {"key": "nul", "audience": "customer", "title": {"en": "a\x00"}}, "title"),
        ("/api/v1/surveys/", {"key": "lone", "audience": "customer", "title": {"en": "a\ud800"}}, "title"),
    ],
)
def test_text_postgresql_cannot_store_is_a_400_not_a_500(rows, url, body, field) -> None:
    if field is None:  # a choice label inside a new question
        body["choices"] = [{"key": "a", "label": {"en": "x\x00"}}]
        field = "choices"
    # json.dumps escapes a lone surrogate as \ud800, as a client would send it
    response = superuser_client().post(url, data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "unstorable_text"
    assert field in response.json()["details"]


def test_a_key_must_be_a_string_not_a_number(rows) -> None:
    response = superuser_client().patch(
        "/api/v1/surveys/contract/questions/channel/", {"key": 1894745}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["details"] == {"key": [{"code": "invalid", "message": "Not a valid string."}]}


def test_a_form_encoded_body_is_refused_with_the_error_body(rows) -> None:
    response = superuser_client().post(
        "/api/v1/surveys/contract/duplicate/", {"key": "copy"}, format="multipart"
    )
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert set(response.json()) == {"code", "message", "details"}


def test_the_publish_400_schema_admits_every_400_it_answers(rows) -> None:
    from drf_spectacular.generators import SchemaGenerator

    # given a malformed body: the refusal is the plain error body, with no definition problems
    response = superuser_client().post(
        "/api/v1/surveys/contract/publish/", data="{", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "parse_error",
        "message": (
            "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
        ),
        "details": {},
    }
    # then the documented 400 body does not require them
    schemas = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    assert "definition" not in schemas["DefinitionErrorList"].get("required", [])


def test_a_deeply_nested_body_to_a_staff_endpoint_is_a_400_not_a_500(rows) -> None:
    text = '{"key": "deep", "audience": "customer", "title": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = superuser_client().post("/api/v1/surveys/", data=text, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "too_deep",
        "message": "The JSON is nested more than 32 levels deep.",
        "details": {"max_depth": 32},
    }
