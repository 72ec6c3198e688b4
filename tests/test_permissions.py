"""The permission map (config/permissions.py) covers every API operation, admin action and custom
admin page, and each role gets exactly what the map says, through real requests."""

import importlib
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analysis.models import EmergingTopic, Topic
from cases.models import Case, CaseNote
from cases.services import improvement_action_create, response_rules_evaluate
from config.access import admin_actions, admin_custom_views, api_operations, permissions_markdown
from config.permissions import (
    ADMIN_ACTIONS,
    ADMIN_VIEWS,
    API_OPERATIONS,
    ROLE_GRANTS,
    ROLES,
    admin_action_need,
    role_meets,
)
from responses.models import Respondent, ServiceEvent
from responses.services.sources import source_system_create
from surveys.models import Choice, Question, Survey, SurveyVersion
from surveys.services import survey_publish
from tests.cases.factories import analysed_survey, answered, rule, team
from tests.factories import UserFactory, publishable_survey

ROOT = Path(__file__).resolve().parent.parent
# Every role, the superuser, and a staff user with no role at all.
PRINCIPALS = (*ROLES, "superuser", "nobody")
S = "/api/v1/surveys/after-delivery/"
TITLE = {"zh-hans": "新标题", "en": "New title"}
DRY_RUN_EVENT = {
    "source": "order-platform",
    "external_id": "o-1",
    "type": "order.delivered",
    "occurred_at": "2026-05-01T12:00:00+08:00",
    "respondent": {"type": "customer", "ref": "c-1"},
}


def expected_allowed(principal: str, requirement) -> bool:
    if principal == "nobody":
        # Active staff in no role may do only what needs no permission (their own API token).
        return not requirement.source_system and not requirement.permissions
    return role_meets(principal, requirement)


def user_for(principal: str):
    if principal == "superuser":
        return UserFactory(username="root", is_superuser=True)
    return UserFactory(username=principal, groups=[] if principal == "nobody" else [principal])


@pytest.fixture
def world(db) -> dict:
    """A published survey with a choice question, a draft survey and an emerging topic."""
    survey = publishable_survey(key="after-delivery")
    survey_publish(survey=survey)
    publishable_survey(key="draft")
    emerging = EmergingTopic.objects.create(
        survey=survey, key="发票", keywords=["发票", "invoice"], mentions=4, discovered_at=survey.created_at
    )
    _cases_survey, cases_version = analysed_survey("cases-survey")
    rule("slow", "word", team=team(), words=["太慢"])
    (case,) = response_rules_evaluate(
        response_id=answered(cases_version, nps=0, why="送餐太慢", completed_at=timezone.now()).pk
    )
    # an invited respondent (kehu@example.com), whom the erasure API can name
    answered(cases_version, nps=8, why="还行", invited=True, completed_at=timezone.now())
    action = improvement_action_create(
        survey=_cases_survey,
        topic_key="delivery_time",
        owner=UserFactory(username="action-owner"),
        start_date=timezone.localdate(),
        title={"zh-hans": "高峰加派骑手", "en": "More riders at peak"},
    )
    return {
        "survey": survey,
        "version": survey.versions.get(),
        "emerging": emerging,
        "case": case,
        "action": action,
    }


def snapshot() -> tuple:
    """What a refused operation must leave as it was."""
    return (
        list(Survey.objects.order_by("key").values_list("key", "title")),
        list(Question.objects.order_by("pk").values_list("survey__key", "key", "required")),
        list(Choice.objects.order_by("pk").values_list("question__key", "key", "label")),
        SurveyVersion.objects.count(),
        list(EmergingTopic.objects.order_by("pk").values_list("key", "status")),
        Topic.objects.count(),
        ServiceEvent.objects.count(),
        list(Case.objects.order_by("pk").values_list("status", "assignee_id")),
        CaseNote.objects.count(),
        list(Respondent.objects.order_by("pk").values_list("email_hash", "phone_hash", "erased_at")),
    )


# The map covers everything registered --------------------------------------------------------


def test_every_api_operation_is_in_the_map() -> None:
    operations = {(name, method) for name, _route, method in api_operations()}

    assert operations - set(API_OPERATIONS) == set()
    assert set(API_OPERATIONS) - operations == set()  # no entry for an operation that is gone


def test_every_admin_action_is_in_the_map() -> None:
    registered = admin_actions(admin.site)

    missing = [entry for entry in registered if admin_action_need(*entry) is None]
    assert missing == []
    assert set(ADMIN_ACTIONS) - set(registered) == set()


def test_every_custom_admin_page_is_in_the_map() -> None:
    assert set(admin_custom_views(admin.site)) == set(ADMIN_VIEWS)


@pytest.mark.django_db
def test_every_permission_the_map_names_exists() -> None:
    named = {
        p
        for need in [*API_OPERATIONS.values(), *ADMIN_ACTIONS.values(), *ADMIN_VIEWS.values()]
        for p in need.permissions
    }
    named |= {p for grants in ROLE_GRANTS.values() for p in grants}
    existing = {
        f"{app}.{codename}"
        for app, codename in Permission.objects.values_list("content_type__app_label", "codename")
    }

    assert named - existing == set()


@pytest.mark.django_db
def test_the_role_groups_hold_exactly_the_grants_of_the_map() -> None:
    for role in ROLES:
        held = Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
        assert {f"{app}.{codename}" for app, codename in held} == ROLE_GRANTS[role], role


@pytest.mark.parametrize("migration", ["surveys.migrations.0003_roles", "analysis.migrations.0002_roles"])
def test_the_map_keeps_every_grant_the_data_migrations_made(migration: str) -> None:
    grants = importlib.import_module(migration).GRANTS

    assert [g for g in grants if f"{g[1]}.{g[2]}" not in ROLE_GRANTS[g[0]]] == []


def test_the_policy_viewers_never_change_anything() -> None:
    assert [p for p in ROLE_GRANTS["viewers"] if not p.split(".")[1].startswith("view_")] == []
    assert "responses.view_respondent" not in ROLE_GRANTS["viewers"]  # contact details
    assert ROLE_GRANTS["viewers"] <= ROLE_GRANTS["process_owners"]


# The API, per role and operation --------------------------------------------------------------


def api_case(world: dict, name: str, method: str) -> tuple[str, dict | None, int]:
    """Path, body and the status of success of one operation."""
    emerging = world["emerging"].pk
    case = world["case"].pk
    cases = {
        ("api:survey-list", "GET"): ("/api/v1/surveys/", None, 200),
        ("api:survey-list", "POST"): (
            "/api/v1/surveys/",
            {"key": "new-one", "audience": "customer", "title": TITLE},
            201,
        ),
        ("api:survey-detail", "GET"): (S, None, 200),
        ("api:survey-detail", "PATCH"): (S, {"title": TITLE}, 200),
        ("api:survey-duplicate", "POST"): (f"{S}duplicate/", {"key": "a-copy"}, 201),
        ("api:survey-preview", "GET"): (f"{S}preview/", None, 200),
        ("api:survey-publish", "POST"): ("/api/v1/surveys/draft/publish/", {}, 201),
        ("api:survey-version-list", "GET"): (f"{S}versions/", None, 200),
        ("api:survey-version-detail", "GET"): (f"{S}versions/1/", None, 200),
        ("api:question-list", "GET"): (f"{S}questions/", None, 200),
        ("api:question-list", "POST"): (
            f"{S}questions/",
            {"key": "extra", "kind": "long_text", "text": TITLE},
            201,
        ),
        ("api:question-detail", "GET"): (f"{S}questions/channel/", None, 200),
        ("api:question-detail", "PATCH"): (f"{S}questions/channel/", {"required": False}, 200),
        ("api:question-detail", "DELETE"): (f"{S}questions/channel/", None, 204),
        ("api:choice-list", "GET"): (f"{S}questions/channel/choices/", None, 200),
        ("api:choice-list", "POST"): (f"{S}questions/channel/choices/", {"key": "web", "label": TITLE}, 201),
        ("api:choice-detail", "GET"): (f"{S}questions/channel/choices/app/", None, 200),
        ("api:choice-detail", "PATCH"): (f"{S}questions/channel/choices/app/", {"label": TITLE}, 200),
        ("api:choice-detail", "DELETE"): (f"{S}questions/channel/choices/app/", None, 204),
        ("api:survey-template-list", "GET"): ("/api/v1/survey-templates/", None, 200),
        ("api:survey-template-load", "POST"): (
            "/api/v1/survey-templates/customer-after-delivery/load/",
            {"survey_key": "from-template"},
            201,
        ),
        ("api:events-ingest", "POST"): ("/api/v1/events/", {"events": []}, 400),
        ("api:rules-dry-run", "POST"): ("/api/v1/rules/dry-run/", DRY_RUN_EVENT, 200),
        ("api:funnel", "GET"): ("/api/v1/funnel/?survey=after-delivery", None, 200),
        ("api:survey-metrics", "GET"): (f"{S}metrics/", None, 200),
        ("api:survey-pain-points", "GET"): (f"{S}pain-points/", None, 200),
        ("api:survey-emerging-topics", "GET"): (f"{S}emerging-topics/", None, 200),
        ("api:survey-emerging-topic-action", "POST"): (
            f"{S}emerging-topics/{emerging}/",
            {"action": "dismiss"},
            200,
        ),
        ("api:export-responses", "GET"): ("/api/v1/exports/responses/?survey=after-delivery", None, 200),
        ("api:export-pain-points", "GET"): ("/api/v1/exports/pain-points/?survey=after-delivery", None, 200),
        ("api:export-funnel", "GET"): ("/api/v1/exports/funnel/?survey=after-delivery", None, 200),
        ("api:export-comments", "GET"): ("/api/v1/exports/comments/?survey=after-delivery", None, 200),
        ("api:export-start", "POST"): (
            "/api/v1/exports/",
            {"kind": "funnel", "survey": "after-delivery"},
            202,
        ),
        # the caller's own finished export (a path made once the caller exists)
        ("api:export-detail", "GET"): (lambda user: f"/api/v1/exports/{own_export(world, user)}/", None, 200),
        ("api:export-download", "GET"): (
            lambda user: f"/api/v1/exports/{own_export(world, user)}/download/",
            None,
            200,
        ),
        ("api:respondent-erasure", "POST"): (
            "/api/v1/respondents/erasure/",
            {"email": "kehu@example.com"},
            200,
        ),
        ("api:case-list", "GET"): ("/api/v1/cases/?overdue=false", None, 200),
        ("api:case-detail", "GET"): (f"/api/v1/cases/{case}/", None, 200),
        ("api:case-detail", "PATCH"): (
            f"/api/v1/cases/{case}/",
            {"status": "in_progress", "note": "已联系"},
            200,
        ),
        ("api:action-list", "GET"): ("/api/v1/actions/", None, 200),
        ("api:action-review", "GET"): (f"/api/v1/actions/{world['action'].pk}/review/", None, 200),
    }
    return cases[(name, method)]


def own_export(world: dict, user) -> str:
    """The public id of a finished funnel export made by ``user``."""
    from exports import services

    export = services.export_record(
        user=user,
        kind="funnel",
        survey=world["survey"],
        format="csv",
        mode="background",
        filters={},
        with_contact=False,
    )
    services.export_run(export_id=export.pk)
    return str(export.public_id)


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("name", "method"), list(API_OPERATIONS))
def test_api_status_per_role_follows_the_map(
    world, settings, tmp_path, principal: str, name: str, method: str
) -> None:
    # given a user of the role with an API token
    settings.EXPORTS_ROOT = tmp_path
    path, body, success = api_case(world, name, method)
    requirement = API_OPERATIONS[(name, method)]
    user = user_for(principal)
    path = path(user) if callable(path) else path
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    before = snapshot()

    # when they call the operation
    response = getattr(client, method.lower())(path, body, format="json")

    # then it succeeds exactly when the map allows it, and a refusal writes nothing
    if expected_allowed(principal, requirement):
        assert response.status_code == success, response.content
        return
    # a user token is no source system's key: the events API does not know the caller
    assert response.status_code == (401 if requirement.source_system else 403), response.content
    assert response.json()["code"] == (
        "not_authenticated" if requirement.source_system else "permission_denied"
    )
    assert snapshot() == before


@pytest.mark.django_db
def test_the_events_api_takes_a_source_system_key() -> None:
    _system, key = source_system_create(name="order-platform")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = client.post("/api/v1/events/", {"events": []}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "batch_empty"


@pytest.mark.django_db
def test_options_is_answered_to_who_may_use_the_endpoint(world) -> None:
    viewer, nobody = APIClient(), APIClient()
    viewer.force_login(user_for("viewers"))
    nobody.force_login(user_for("nobody"))

    assert viewer.options("/api/v1/surveys/").status_code == 200
    assert nobody.options("/api/v1/surveys/").status_code == 403
    assert viewer.put("/api/v1/surveys/", {}, format="json").status_code == 405


# The funnel: page and API agree (each role reads both or neither) ------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("principal", "status"),
    [
        ("survey_designers", 200),
        ("process_owners", 200),
        ("viewers", 200),
        ("superuser", 200),
        ("nobody", 403),
    ],
)
def test_funnel_page_and_api_agree(world, client, principal: str, status: int) -> None:
    client.force_login(user_for(principal))

    page = client.get(reverse("admin:responses_funnel"), {"survey": "after-delivery"})
    api = client.get("/api/v1/funnel/", {"survey": "after-delivery"})

    assert (page.status_code, api.status_code) == (status, status)


# The admin: custom pages and actions per role --------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(("principal", "shown"), [("survey_designers", False), ("superuser", True)])
def test_the_upload_link_is_shown_only_to_who_may_upload(client, principal: str, shown: bool) -> None:
    client.force_login(user_for(principal))

    html = client.get(reverse("admin:responses_serviceevent_changelist")).content.decode()

    assert (reverse("admin:responses_serviceevent_upload") in html) is shown


@pytest.mark.django_db
@pytest.mark.parametrize("principal", ["process_owners", "viewers"])
def test_readers_of_responses_find_the_funnel_from_the_response_list(client, principal: str) -> None:
    client.force_login(user_for(principal))

    html = client.get(reverse("admin:responses_response_changelist")).content.decode()

    assert f'href="{reverse("admin:responses_funnel")}"' in html


def admin_page_case(world: dict, url_name: str) -> tuple[str, str, int]:
    """Method, path and the status of success of one custom admin page."""
    survey, version = world["survey"], world["version"]
    draft = Survey.objects.get(key="draft")
    cases = {
        "admin:surveys_survey_templates": ("get", [], 200),
        "admin:surveys_survey_preview": ("get", [survey.pk], 200),
        "admin:surveys_survey_publish": ("post", [draft.pk], 302),
        "admin:surveys_survey_duplicate": ("get", [survey.pk], 200),
        "admin:surveys_surveyversion_preview": ("get", [version.pk], 200),
        "admin:responses_serviceevent_upload": ("get", [], 200),
        "admin:surveys_distributionrule_dry_run": ("get", [], 200),
        "admin:responses_funnel": ("get", [], 200),
        "admin:responses_retention": ("get", [], 200),
        "admin:analysis_painpointreport_changelist": ("get", [], 200),
        "admin:analysis_painpoints_surveys": ("get", [], 200),
        "admin:analysis_painpoints_survey": ("get", [survey.key], 200),
        "admin:api_token": ("get", [], 200),
    }
    method, args, success = cases[url_name]
    return method, reverse(url_name, args=args), success


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize("url_name", list(ADMIN_VIEWS))
def test_admin_page_status_per_role_follows_the_map(world, client, principal: str, url_name: str) -> None:
    method, path, success = admin_page_case(world, url_name)
    client.force_login(user_for(principal))
    before = snapshot()

    response = getattr(client, method)(path)

    if expected_allowed(principal, ADMIN_VIEWS[url_name]):
        assert response.status_code == success
    else:
        assert response.status_code == 403
        assert snapshot() == before


def offered_actions(client, model_label: str) -> set[str]:
    app_label, model_name = model_label.split(".")
    response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    if response.status_code == 403:
        return set()
    assert response.status_code == 200
    form = response.context["action_form"]
    return {value for value, _label in form.fields["action"].choices if value} if form else set()


@pytest.mark.django_db
@pytest.mark.parametrize("principal", PRINCIPALS)
@pytest.mark.parametrize(("model_label", "action"), list(ADMIN_ACTIONS))
def test_admin_action_offered_per_role_follows_the_map(
    world, client, principal: str, model_label: str, action: str
) -> None:
    client.force_login(user_for(principal))

    offered = action in offered_actions(client, model_label)

    assert offered == expected_allowed(principal, ADMIN_ACTIONS[(model_label, action)])


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["promote", "dismiss", "discover_again"])
def test_a_viewer_posting_an_emerging_topic_action_is_refused_and_nothing_changes(
    world, client, action: str
) -> None:
    # given a viewer, who may read emerging topics
    client.force_login(user_for("viewers"))
    emerging = world["emerging"]
    assert client.get(reverse("admin:analysis_emergingtopic_changelist")).status_code == 200
    before = snapshot()

    # when they post the action anyway
    response = client.post(
        reverse("admin:analysis_emergingtopic_changelist"),
        {"action": action, "_selected_action": [emerging.pk]},
        follow=True,
    )

    # then nothing ran: no topic promoted or dismissed, no message of a result
    assert response.status_code == 200
    assert snapshot() == before
    emerging.refresh_from_db()
    assert (emerging.status, emerging.topic_id, emerging.is_edited_by_person) == ("new", None, False)
    assert [str(m) for m in response.context["messages"]] == []


@pytest.mark.django_db
def test_a_process_owner_runs_the_emerging_topic_actions(world, client) -> None:
    client.force_login(user_for("process_owners"))
    emerging = world["emerging"]

    client.post(
        reverse("admin:analysis_emergingtopic_changelist"),
        {"action": "dismiss", "_selected_action": [emerging.pk]},
    )

    emerging.refresh_from_db()
    assert emerging.status == "dismissed"


# Roles survive a flush (tests that flush the database run in any order) ---------------------


@pytest.mark.django_db(transaction=True)
def test_the_roles_are_back_after_a_flush(client) -> None:
    # given a database flushed as a live-server or transactional test leaves it
    call_command("flush", interactive=False, verbosity=0)

    # then the role groups exist again with their grants, and a process owner reads pain points
    for role in ROLES:
        held = Group.objects.get(name=role).permissions.values_list("content_type__app_label", "codename")
        assert {f"{app}.{codename}" for app, codename in held} == ROLE_GRANTS[role]
    client.force_login(user_for("process_owners"))
    assert client.get(reverse("admin:analysis_painpoints_surveys")).status_code == 200


@pytest.mark.django_db
def test_demo_users_get_their_roles_even_when_the_groups_were_missing() -> None:
    from analysis.management.commands.demo_load import Command

    Group.objects.filter(name__in=ROLES).delete()

    Command()._users()

    assert set(Group.objects.get(name="viewers").user_set.values_list("username", flat=True)) == {"viewer"}
    held = Group.objects.get(name="viewers").permissions.values_list("content_type__app_label", "codename")
    assert {f"{app}.{codename}" for app, codename in held} == ROLE_GRANTS["viewers"]


# The documentation shows the map ---------------------------------------------------------------


def test_docs_security_shows_the_map() -> None:
    text = (ROOT / "docs" / "security.md").read_text(encoding="utf-8")
    section = re.search(r"^## Roles and permissions\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)

    assert section is not None
    assert permissions_markdown() in section.group(1)
