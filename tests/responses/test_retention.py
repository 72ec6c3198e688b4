"""Retention per survey, on a frozen clock: the dry-run count, anonymise and delete, contact data
of respondents without a newer event, counts kept, the daily task and the admin page."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Sum

from analysis.models import CommentAnalysis, DailyAggregate, ResponseFacts
from ops.models import AuditEntry
from responses.models import Answer, Respondent, Response, ServiceEvent
from responses.services.retention import retention_apply, retention_plan
from responses.tasks import retention_run
from surveys.models import RetentionMode
from tests.cases.factories import BASE, analysed_survey, answered
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = BASE + dt.timedelta(days=60)


def _raw_contact(pk: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT email, phone, email_hash, phone_hash FROM responses_respondent WHERE id = %s", [pk]
        )
        return cursor.fetchone()


def _totals() -> dict:
    return DailyAggregate.objects.filter(segment_key="", topic_key="").aggregate(
        responses=Sum("responses"), comments=Sum("comments"), detractors=Sum("detractors")
    )


def _invited(version, *, days_ago: int, why: str, event_days_ago: int | None = None) -> Response:
    response = answered(version, nps=3, why=why, invited=True, completed_at=NOW - dt.timedelta(days=days_ago))
    received = NOW - dt.timedelta(days=days_ago if event_days_ago is None else event_days_ago)
    ServiceEvent.objects.filter(respondent=response.invitation.respondent).update(received_at=received)
    return response


@pytest.fixture
def world():
    with time_machine.travel(NOW, tick=False):
        survey, version = analysed_survey()
        old = _invited(version, days_ago=40, why="送餐太慢了")
        # answered long ago too, but the respondent had an event since: contact data stays
        old_active = _invited(version, days_ago=45, why="餐洒了", event_days_ago=2)
        recent = _invited(version, days_ago=5, why="骑手很好")
        survey.retention_days = 30
        survey.save()
        yield {"survey": survey, "old": old, "old_active": old_active, "recent": recent}


def test_the_dry_run_counts_and_changes_nothing(world) -> None:
    before = {r.pk: _raw_contact(r.pk) for r in Respondent.objects.all()}
    plan = retention_plan(world["survey"], now=NOW)
    assert (plan.responses, plan.respondents, plan.mode) == (2, 1, RetentionMode.ANONYMISE)
    assert plan.cutoff == NOW - dt.timedelta(days=30)
    assert {r.pk: _raw_contact(r.pk) for r in Respondent.objects.all()} == before
    assert Response.objects.filter(anonymised_at__isnull=False).count() == 0


def test_nothing_runs_until_retention_is_switched_on(world) -> None:
    with time_machine.travel(NOW, tick=False):
        retention_run()
    assert Response.objects.filter(anonymised_at__isnull=False).count() == 0
    assert AuditEntry.objects.filter(action="surveys.survey.retention_applied").count() == 0


def test_anonymise_removes_free_text_and_stale_contact_data_and_keeps_the_counts(world) -> None:
    survey = world["survey"]
    survey.retention_enabled = True
    survey.save()
    totals = _totals()
    facts = list(ResponseFacts.objects.order_by("pk").values_list("primary_score", "topics", "segments"))

    with time_machine.travel(NOW, tick=False):
        retention_run()  # the beat task

    old, old_active, recent = (world[name] for name in ("old", "old_active", "recent"))
    assert set(Response.objects.filter(anonymised_at=NOW).values_list("pk", flat=True)) == {
        old.pk,
        old_active.pk,
    }
    for response in (old, old_active):
        assert Answer.objects.get(response=response, question_key="why").value == ""
        assert CommentAnalysis.objects.get(response=response).text == ""
    assert Answer.objects.get(response=recent, question_key="why").value == "骑手很好"
    assert CommentAnalysis.objects.get(response=recent).text != ""
    # contact data: gone for the respondent without a newer event, kept for the others
    assert _raw_contact(old.invitation.respondent_id) == ("", "", "", "")
    assert Respondent.objects.get(pk=old_active.invitation.respondent_id).email == "kehu@example.com"
    assert Respondent.objects.get(pk=recent.invitation.respondent_id).email == "kehu@example.com"
    # counts and facts unchanged
    assert _totals() == totals
    assert (
        list(ResponseFacts.objects.order_by("pk").values_list("primary_score", "topics", "segments")) == facts
    )
    entry = AuditEntry.objects.get(action="surveys.survey.retention_applied")
    assert entry.after["responses"] == 2 and entry.after["respondents"] == 1
    assert entry.after["counts"]["responses.answer"] == 2
    # a second run finds nothing left
    assert retention_plan(survey, now=NOW).responses == 0
    again = retention_apply(survey, now=NOW + dt.timedelta(days=1))
    assert (again.responses, again.respondents) == (0, 0)


def test_delete_removes_old_responses_and_keeps_the_aggregates(world) -> None:
    survey = world["survey"]
    survey.retention_mode = RetentionMode.DELETE
    survey.save()
    totals = _totals()

    result = retention_apply(survey, now=NOW)

    assert (result.responses, result.respondents) == (2, 1)
    assert list(Response.objects.values_list("pk", flat=True)) == [world["recent"].pk]
    assert Answer.objects.filter(response_id__in=[world["old"].pk, world["old_active"].pk]).count() == 0
    assert CommentAnalysis.objects.filter(response_id=world["old"].pk).count() == 0
    assert _raw_contact(world["old"].invitation.respondent_id) == ("", "", "", "")
    assert Respondent.objects.count() == 3  # the rows stay (invitations, fatigue)
    assert _totals() == totals


def test_the_admin_shows_the_dry_run_per_survey(world, client) -> None:
    client.force_login(UserFactory(username="root", is_superuser=True))
    with time_machine.travel(NOW, tick=False):
        page = client.get("/admin/responses/retention/")
    assert page.status_code == 200
    html = page.content.decode()
    row = html.split(f'data-survey="{world["survey"].key}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num responses">2</td>' in row
    assert '<td class="num respondents">1</td>' in row
    owner = UserFactory(username="owner", groups=["process_owners"])
    client.force_login(owner)
    assert client.get("/admin/responses/retention/").status_code == 403


def test_retention_runs_daily_on_the_default_queue() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["responses-retention"]
    assert entry["task"] == "responses.retention_run"
    assert retention_run.name == "responses.retention_run"
    assert django_settings.CELERY_TASK_ROUTES["responses.retention_run"] == {"queue": "default"}
