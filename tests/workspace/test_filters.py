"""The one filter of the workspace: what a query string means, and the errors that name a field."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from analysis.selectors.scope import Scope
from tests.responses.factories import SurveyVersionFactory
from workspace.filters import filters_parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveys():
    return SurveyVersionFactory(survey__key="b-survey").survey, SurveyVersionFactory(
        survey__key="a-survey"
    ).survey


def test_defaults_are_the_first_survey_and_the_last_28_days(surveys):
    # given two surveys and no parameter
    # when the filters are parsed
    filters, _form = filters_parse({})
    # then the first survey by key, today and the 27 days before
    today = timezone.localdate()
    assert filters.is_valid
    assert filters.survey.key == "a-survey"
    assert (filters.date_from, filters.date_to, filters.days) == (today - dt.timedelta(days=27), today, 28)
    assert filters.scope_filters() == {}


@pytest.mark.parametrize("days", [7, 28, 90])
def test_a_preset_is_the_last_n_days(surveys, days):
    filters, _form = filters_parse({"days": str(days)})
    today = timezone.localdate()
    assert (filters.date_from, filters.date_to, filters.days) == (
        today - dt.timedelta(days=days - 1),
        today,
        days,
    )
    assert filters.params()["days"] == str(days)


def test_explicit_days_win_over_a_preset_and_everything_reaches_the_scope(surveys):
    # given a full query string
    query = {
        "survey": "b-survey",
        "days": "7",
        "from": "2026-05-04",
        "to": "2026-05-10",
        "respondent_type": "merchant",
        "locale": "en",
        "seg.city": "上海",
        "seg.district_type": "office",
        "seg.scenario": "",
        "page": "2",
    }
    # when it is parsed
    filters, _form = filters_parse(query)
    # then the scope has the survey, the explicit days and every filter as a segment
    assert filters.is_valid
    assert filters.scope() == Scope(
        surveys[0],
        dt.date(2026, 5, 4),
        dt.date(2026, 5, 10),
        {"city": "上海", "district_type": "office", "respondent_type": "merchant", "locale": "en"},
    )
    assert filters.days is None
    # and the query string of a shared link holds the same filters (the page's own "page" apart)
    assert filters.params() == {
        "survey": "b-survey",
        "from": "2026-05-04",
        "to": "2026-05-10",
        "respondent_type": "merchant",
        "locale": "en",
        "seg.city": "上海",
        "seg.district_type": "office",
    }
    again, _form = filters_parse(filters.params())
    assert again.scope() == filters.scope()
    assert filters.query(seg__city=None) == (
        "?survey=b-survey&from=2026-05-04&to=2026-05-10&respondent_type=merchant&locale=en"
        "&seg.district_type=office"
    )


@pytest.mark.parametrize(
    ("query", "field", "label", "message"),
    [
        ({"survey": "nope"}, "survey", "Survey", "No survey with key nope."),
        ({"from": "2026-13-01"}, "from", "From", "Enter a valid date."),
        ({"to": "yesterday"}, "to", "To", "Enter a valid date."),
        ({"from": "2026-05-10", "to": "2026-05-01"}, "from", "From", "The first day is after the last day."),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from", "From", "The period may span at most 731 days."),
        ({"from": "0001-01-01"}, "from", "From", "Enter a day between 1970-01-01 and 2999-12-31."),
        ({"days": "5"}, "days", "Period", "Select a valid choice. 5 is not one of the available choices."),
        (
            {"respondent_type": "alien"},
            "respondent_type",
            "Respondent type",
            "Select a valid choice. alien is not one of the available choices.",
        ),
        (
            {"locale": "fr"},
            "locale",
            "Language",
            "Select a valid choice. fr is not one of the available choices.",
        ),
        (
            {"seg.bad key": "1"},
            "seg.bad key",
            "Segment",
            "An attribute name may use letters, digits, _ . and - only, got bad key.",
        ),
        (
            {"seg.locale": "en"},
            "seg.locale",
            "Segment",
            "Filter locale with its own field, not as a segment.",
        ),
        (
            {"seg.city": "x" * 256},
            "seg.city",
            "Segment",
            "The value of city may have at most 255 characters.",
        ),
    ],
)
def test_a_bad_value_is_an_error_naming_its_field(surveys, query, field, label, message):
    # when a bad value is parsed (in English)
    with translation.override("en"):
        filters, _form = filters_parse(query)
        errors = [(e.field, str(e.label), str(e.message)) for e in filters.errors]
    # then one error names the field, and the period falls back to a valid one
    assert errors == [(field, label, message)]
    assert not filters.is_valid
    assert filters.date_from <= filters.date_to


def test_errors_are_in_chinese_for_a_chinese_page(surveys):
    with translation.override("zh-hans"):
        filters, _form = filters_parse({"from": "2026-05-10", "to": "2026-05-01", "seg.locale": "en"})
        errors = [(e.field, str(e.label), str(e.message)) for e in filters.errors]
    assert errors == [
        ("from", "起始日期", "起始日期晚于截止日期。"),
        ("seg.locale", "细分", "请用 locale 自己的筛选项筛选，不要作为细分。"),
    ]
