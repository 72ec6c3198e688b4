"""Teams, alert rules and analysed responses for the cases tests."""

import uuid

from analysis.services import response_analyse
from cases.models import AlertRule, Team
from responses.models import Answer, Response
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.factories import UserFactory
from tests.responses.factories import EventFactory, InvitationFactory, RespondentFactory

__all__ = ["BASE", "analysed_survey", "answered", "rule", "team"]


def team(key: str = "delivery_ops", *, lead: str | None = "lead", members: tuple[str, ...] = ()) -> Team:
    made = Team.objects.create(key=key, name={"zh-hans": f"{key} 组", "en": f"{key} team"})
    if lead:
        made.lead = UserFactory(username=f"{key}-{lead}", groups=["process_owners"])
        made.save(update_fields=["lead"])
    made.members.add(*[UserFactory(username=f"{key}-{name}", groups=["process_owners"]) for name in members])
    return made


def rule(key: str, kind: str, *, team: Team, **kwargs) -> AlertRule:
    kwargs.setdefault("name", {"zh-hans": f"规则 {key}", "en": f"Rule {key}"})
    return AlertRule.objects.create(key=key, kind=kind, team=team, **kwargs)


def answered(
    version, *, nps, why="", attributes=None, consent=None, invited=False, analyse=True, completed_at=BASE
) -> Response:
    """A completed response (at ``BASE`` unless told), analysed: by open link, or (``invited``)
    to an invitation of a respondent with an email and a phone, with their answer to the
    consent question."""
    attributes = dict(attributes or {"city": "上海"})
    if not invited:
        response = completed(version, nps=nps, why=why, attributes=attributes, completed_at=completed_at)
    else:
        respondent = RespondentFactory(
            ref=f"c-{uuid.uuid4().hex[:8]}", email="kehu@example.com", phone="+8613800000001"
        )
        invitation = InvitationFactory(
            survey_version=version, event=EventFactory(respondent=respondent, attributes=attributes)
        )
        response = Response.objects.create(
            survey=version.survey,
            survey_version=version,
            invitation=invitation,
            locale="zh-hans",
            status=Response.Status.COMPLETED,
            context={"attributes": attributes, "channel": "email", "respondent_type": "customer"},
            started_at=completed_at,
            updated_at=completed_at,
            completed_at=completed_at,
        )
        Answer.objects.bulk_create(
            [
                Answer(response=response, question_key=k, value=v, updated_at=completed_at)
                for k, v in {"nps": nps, "why": why}.items()
                if v not in (None, "")
            ]
        )
    if consent is not None:
        Response.objects.filter(pk=response.pk).update(contact_consent=consent)
        response.refresh_from_db()
    if analyse:
        response_analyse(response_id=response.pk)
    return response
