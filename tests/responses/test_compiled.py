"""A lookup compiled once gives what its queryset gives: the same rows, fields and related objects."""

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from responses.compiled import CompiledLookup
from responses.models import Invitation, Response
from responses.services.answering import response_save
from tests.responses.factories import invitation

pytestmark = pytest.mark.django_db


def _query(digest):
    return (
        Invitation.objects.select_related("survey_version", "respondent", "response")
        .defer("survey_version__definition")
        .filter(token_hash=digest)
        .order_by()[:1]
    )


def _fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_the_compiled_lookup_builds_the_same_objects_as_the_queryset() -> None:
    # given two invitations, one with a response in progress
    answered, _token = invitation()
    response_save(
        survey_version=answered.survey_version,
        raw={"nps": ["4"]},
        locale="en",
        complete=False,
        invitation=answered,
    )
    plain, _token = invitation(survey_version=answered.survey_version)
    lookup = CompiledLookup(Invitation, _query)
    for sent in (answered, plain):
        # when each is looked up both ways
        (expected,) = _query(sent.token_hash)
        got = lookup.first(sent.token_hash)
        # then the fields (JSON, dates, ids), the related objects and the deferred field agree
        assert _fields(got) == _fields(expected)
        assert _fields(got.respondent) == _fields(expected.respondent)
        assert model_to_dict(got.survey_version, exclude=["definition"]) == model_to_dict(
            expected.survey_version, exclude=["definition"]
        )
        assert got.survey_version.get_deferred_fields() == {"definition"}
        assert got._state.adding is False and got._state.db == "default"
    # a missing reverse one-to-one reads as missing, without a query
    with CaptureQueriesContext(connection) as captured, pytest.raises(Response.DoesNotExist):
        lookup.first(plain.token_hash).response  # noqa: B018 - the access is the test
    assert captured.captured_queries[1:] == []
    assert lookup.first(answered.token_hash).response.answers.get().value == 4


def test_an_unknown_value_finds_nothing_in_one_query() -> None:
    lookup = CompiledLookup(Invitation, _query)
    with CaptureQueriesContext(connection) as captured:
        assert lookup.first("0" * 64) is None
    assert len(captured.captured_queries) == 1


def test_a_lookup_must_use_its_value_once() -> None:
    twice = CompiledLookup(
        Invitation, lambda value: Invitation.objects.filter(token_hash=value, locale=value)
    )
    with pytest.raises(ValueError, match="one parameter"):
        twice.first("x")
    other_model = CompiledLookup(Response, lambda value: Invitation.objects.filter(token_hash=value))
    with pytest.raises(ValueError, match="declared for Response"):
        other_model.first("x")
