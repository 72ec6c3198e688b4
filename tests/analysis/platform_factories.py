"""Surveys, completed responses and the food-delivery taxonomy for the analysis platform tests."""

import datetime as dt
import itertools
import uuid

from analysis.models import Taxonomy
from analysis.services import survey_taxonomy_link, taxonomy_load_starter
from responses.models import Answer, OpenLink, Response
from tests.responses.factories import survey_version

_seq = itertools.count(1)
# Noon in Shanghai on 2026-05-04 (a Monday).
BASE = dt.datetime(2026, 5, 4, 4, 0, tzinfo=dt.UTC)


def analysed_survey(key: str = "after-delivery", *, taxonomy: str | None = "food_delivery"):
    """A published after-delivery survey (nps + why + praise), linked to a starter taxonomy."""
    version = survey_version(key)
    survey = version.survey
    if taxonomy:
        taxonomy_load_starter(names=[taxonomy])
        survey_taxonomy_link(survey=survey, taxonomy=Taxonomy.objects.get(key=taxonomy))
    return survey, version


def completed(version, *, nps=None, why="", praise="", attributes=None, completed_at=None, locale="zh-hans"):
    """A completed response written directly (the respondent pages are not under test here)."""
    link, _created = OpenLink.objects.get_or_create(
        survey=version.survey, slug=f"link-{version.survey.key}", defaults={"name": "test"}
    )
    when = completed_at or BASE
    response = Response.objects.create(
        survey=version.survey,
        survey_version=version,
        open_link=link,
        client_key=uuid.uuid4().hex,
        locale=locale,
        status=Response.Status.COMPLETED,
        context={
            "origin": "open_link",
            "attributes": dict(attributes or {}),
            "channel": "link",
            "respondent_type": "customer",
        },
        started_at=when,
        updated_at=when,
        completed_at=when,
    )
    values = {"nps": nps, "why": why, "praise": praise}
    Answer.objects.bulk_create(
        [
            Answer(response=response, question_key=k, value=v, updated_at=when)
            for k, v in values.items()
            if v not in (None, "")
        ]
    )
    return response
