"""A published SurveyVersion cannot be changed or deleted below the admin and the API."""

import copy

import pytest
from django.db import IntegrityError, transaction

from surveys.models import SurveyVersion
from tests.responses.factories import survey_version

pytestmark = pytest.mark.django_db


def _row(version: SurveyVersion) -> dict:
    return SurveyVersion.objects.values().get(pk=version.pk)


def test_saving_a_changed_definition_is_refused_and_the_row_is_unchanged() -> None:
    # given a published version
    version = survey_version()
    before = _row(version)
    # when its definition is changed and saved
    version.definition = {**copy.deepcopy(version.definition), "title": {"zh-hans": "改", "en": "Changed"}}
    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        version.save()
    # then the row is as it was
    assert _row(version) == before


@pytest.mark.parametrize(
    "change",
    [
        {"definition": {"questions": []}},
        {"checksum": "f" * 64},
        {"number": 7},
        {"note": "edited later"},
    ],
)
def test_a_queryset_update_of_a_version_is_refused(change: dict) -> None:
    version = survey_version()
    before = _row(version)
    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        SurveyVersion.objects.filter(pk=version.pk).update(**change)
    assert _row(version) == before


def test_deleting_a_version_is_refused(postgres) -> None:
    version = survey_version()
    with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic():
        SurveyVersion.objects.filter(pk=version.pk).delete()
    assert SurveyVersion.objects.filter(pk=version.pk).exists()


def test_an_unchanged_save_and_a_deleted_publisher_are_allowed(django_user_model) -> None:
    # given a version published by a user
    publisher = django_user_model.objects.create_user(username="publisher")
    version = survey_version()
    SurveyVersion.objects.filter(pk=version.pk).update(published_by=publisher)
    version.refresh_from_db()
    before = _row(version)
    # when it is saved as it is, nothing changes and nothing is refused
    version.save()
    assert _row(version) == before
    # and when the publisher is deleted, the version forgets who published it
    publisher.delete()
    assert _row(version) == {**before, "published_by_id": None}
