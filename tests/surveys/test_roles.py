"""Roles are groups made by a data migration; the API follows their permissions."""

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from surveys.models import Survey, SurveyVersion
from surveys.roles import grant_permissions, revoke_permissions
from tests.factories import UserFactory, publishable_survey

pytestmark = pytest.mark.django_db

DESIGNER_PERMISSIONS = {
    f"{action}_{model}"
    for model in ("survey", "question", "choice", "distributionrule")
    for action in ("add", "change", "delete", "view")
} | {"publish_survey", "view_surveyversion"}
READ_PERMISSIONS = {"view_survey", "view_question", "view_choice", "view_surveyversion"}


def permissions_of(group: str) -> set[str]:
    """The role's permissions on the surveys app (later apps' migrations extend the roles)."""
    permissions = Group.objects.get(name=group).permissions.filter(content_type__app_label="surveys")
    return set(permissions.values_list("codename", flat=True))


def test_the_migration_creates_the_three_roles_with_their_permissions() -> None:
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "survey_designers",
        "process_owners",
        "viewers",
    }
    assert permissions_of("survey_designers") == DESIGNER_PERMISSIONS
    assert permissions_of("process_owners") == READ_PERMISSIONS
    assert permissions_of("viewers") == READ_PERMISSIONS


def test_no_role_may_change_or_delete_a_version() -> None:
    for group in ("survey_designers", "process_owners", "viewers"):
        assert not {"add_surveyversion", "change_surveyversion", "delete_surveyversion"} & permissions_of(
            group
        )


def test_a_later_migration_can_extend_a_role_and_take_it_back() -> None:
    from django.apps import apps

    grants = [("process_owners", "surveys", "change_survey")]

    grant_permissions(apps, None, grants)
    assert "change_survey" in permissions_of("process_owners")

    revoke_permissions(apps, None, grants)
    assert permissions_of("process_owners") == READ_PERMISSIONS


def client_for(group: str | None, *, token: bool = False) -> APIClient:
    user = UserFactory(username=group or "nobody", groups=[group] if group else [])
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    else:
        client.force_authenticate(user)
    return client


def test_a_designer_publishes_through_the_api_with_a_token() -> None:
    survey = publishable_survey(key="after-delivery")

    response = client_for("survey_designers", token=True).post(
        "/api/v1/surveys/after-delivery/publish/", {"note": "go live"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["number"] == 1
    assert response.json()["published_by"] == "survey_designers"
    assert SurveyVersion.objects.filter(survey=survey).count() == 1


@pytest.mark.parametrize("group", ["process_owners", "viewers", None])
def test_who_is_not_a_designer_cannot_publish(group: str | None) -> None:
    publishable_survey(key="after-delivery")

    response = client_for(group).post("/api/v1/surveys/after-delivery/publish/", {}, format="json")

    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "You do not have permission to perform this action.",
        "details": {},
    }
    assert SurveyVersion.objects.count() == 0


@pytest.mark.parametrize("group", ["survey_designers", "process_owners", "viewers"])
def test_every_role_reads_surveys_and_versions(group: str) -> None:
    survey = publishable_survey(key="after-delivery")
    from surveys.services import survey_publish

    survey_publish(survey=survey)
    client = client_for(group)

    assert client.get("/api/v1/surveys/").status_code == 200
    assert client.get("/api/v1/surveys/after-delivery/").status_code == 200
    assert client.get("/api/v1/surveys/after-delivery/questions/").status_code == 200
    assert client.get("/api/v1/surveys/after-delivery/versions/").status_code == 200
    assert client.get("/api/v1/surveys/after-delivery/versions/1/").status_code == 200


def test_a_user_with_no_role_reads_nothing() -> None:
    publishable_survey(key="after-delivery")

    response = client_for(None).get("/api/v1/surveys/")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_viewer_cannot_create_a_survey_and_nothing_is_written() -> None:
    response = client_for("viewers").post(
        "/api/v1/surveys/",
        {"key": "new", "audience": "customer", "title": {"zh-hans": "新调查", "en": "New"}},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Survey.objects.count() == 0


def test_a_process_owner_cannot_edit_a_question() -> None:
    publishable_survey(key="after-delivery")

    response = client_for("process_owners").patch(
        "/api/v1/surveys/after-delivery/questions/why/", {"required": True}, format="json"
    )

    assert response.status_code == 403


def test_without_credentials_the_api_answers_401_with_the_error_body() -> None:
    response = APIClient().get("/api/v1/surveys/")

    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "details": {},
    }
