"""Opting out: idempotent, never cleared by later events, never invited again."""

import datetime as dt

import pytest

from responses.distribution.ingestion import events_ingest
from responses.models import Invitation, Respondent, Suppression
from responses.services.respondents import respondent_opt_out
from tests.responses.factories import NOW, DistributionRuleFactory, RespondentFactory, event

pytestmark = pytest.mark.django_db


def test_opting_out_records_the_time_once() -> None:
    # given a respondent
    respondent = RespondentFactory()
    # when opting out twice
    respondent_opt_out(respondent=respondent, now=NOW)
    respondent_opt_out(respondent=respondent, now=NOW + dt.timedelta(days=1))
    # then the first time is kept
    respondent.refresh_from_db()
    assert respondent.opted_out_at == NOW


def test_an_opted_out_respondent_is_never_invited_again() -> None:
    # given a rule and a respondent invited once, who then opts out
    DistributionRuleFactory()
    events_ingest(source_system=None, items=[event("e-1")], now=NOW)
    respondent = Respondent.objects.get()
    respondent_opt_out(respondent=respondent, now=NOW)
    # when new events for them arrive, one even updating their contact data
    results = events_ingest(
        source_system=None,
        items=[
            event("e-2", occurred_at="2026-05-01T12:05:00+08:00"),
            event(
                "e-3",
                occurred_at="2026-05-01T12:06:00+08:00",
                respondent={"type": "customer", "ref": "c-1", "email": "li.wei@example.com"},
            ),
        ],
        now=NOW,
    )
    # then each is suppressed as opted_out and the opt-out stays
    assert [r.invitations for r in results] == [
        [{"survey": Invitation.objects.get().survey.key, "status": "suppressed", "reason": "opted_out"}]
    ] * 2
    assert list(Suppression.objects.values_list("reason", flat=True)) == ["opted_out", "opted_out"]
    assert Invitation.objects.count() == 1
    respondent.refresh_from_db()
    assert (respondent.opted_out_at, respondent.email) == (NOW, "li.wei@example.com")


def test_the_admin_action_opts_out(admin_client) -> None:
    respondent = RespondentFactory()
    response = admin_client.post(
        "/admin/responses/respondent/",
        {"action": "opt_out", "_selected_action": [respondent.pk]},
        follow=True,
    )
    assert response.status_code == 200
    respondent.refresh_from_db()
    assert respondent.opted_out_at is not None
