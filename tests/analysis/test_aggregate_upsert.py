"""Adding counts to the aggregate rows (``analysis/sql/aggregates.py``): the portable upsert
(SQLite's, and standard SQL, so it runs on PostgreSQL too) and PostgreSQL's array upsert store
the same counts: new cells inserted, existing cells added to. The portable one leaves out a new
cell whose counts are all zero (PostgreSQL's stores it, with zeros: the same figures)."""

import datetime as dt

import pytest

from analysis.models import DailyAggregate, WeeklyAggregate
from analysis.services.aggregates import COUNT_FIELDS
from analysis.sql import aggregates as aggregates_sql
from tests.analysis.platform_factories import analysed_survey

pytestmark = pytest.mark.django_db

DAY, WEEK = dt.date(2026, 5, 6), dt.date(2026, 5, 4)


FLOATS = {"score_sum", "score_sum_squares"}


def counts(**given) -> list:
    return [given.get(name, 0.0 if name in FLOATS else 0) for name in COUNT_FIELDS]


def stored(model, date_field: str, survey) -> dict:
    return {
        row[:4]: dict(zip(COUNT_FIELDS, row[4:], strict=True))
        for row in model.objects.filter(survey=survey)
        .order_by(date_field, "segment_key", "segment_value", "topic_key")
        .values_list(date_field, "segment_key", "segment_value", "topic_key", *COUNT_FIELDS)
    }


def add_twice(implementation, survey) -> None:
    for model, date_field, day in ((DailyAggregate, "day", DAY), (WeeklyAggregate, "week", WEEK)):
        first = [
            ((survey.pk, day, "", "", ""), counts(responses=2, scored=2, promoters=1, score_sum=17.0)),
            ((survey.pk, day, "city", "上海", ""), counts(responses=1, scored=1, score_sum=9.0)),
            ((survey.pk, day, "city", "杭州", "late"), counts()),  # nothing to add
        ]
        second = [
            ((survey.pk, day, "", "", ""), counts(responses=1, detractors=1, score_sum=2.5, complaining=1)),
            ((survey.pk, day, "", "", "late"), counts(mentions=1, complaint_mentions=1)),
        ]
        implementation.counts_add(model, date_field, first, COUNT_FIELDS)
        implementation.counts_add(model, date_field, second, COUNT_FIELDS)


def expected(day: dt.date) -> dict:
    def cell(**given) -> dict:
        return dict(zip(COUNT_FIELDS, counts(**given), strict=True))

    return {
        (day, "", "", ""): cell(
            responses=3, scored=2, promoters=1, detractors=1, score_sum=19.5, complaining=1
        ),
        (day, "", "", "late"): cell(mentions=1, complaint_mentions=1),
        (day, "city", "上海", ""): cell(responses=1, scored=1, score_sum=9.0),
    }


def test_the_portable_upsert_inserts_adds_and_leaves_out_empty_cells():
    survey, _version = analysed_survey(taxonomy=None)
    add_twice(aggregates_sql.Portable, survey)
    assert stored(DailyAggregate, "day", survey) == expected(DAY)
    assert stored(WeeklyAggregate, "week", survey) == expected(WEEK)


def test_postgresql_and_the_portable_upsert_store_the_same_rows(postgres):
    portable, _version = analysed_survey("portable", taxonomy=None)
    array, _version = analysed_survey("array", taxonomy=None)
    add_twice(aggregates_sql.Portable, portable)
    add_twice(aggregates_sql.PostgreSQL, array)
    for model, date_field in ((DailyAggregate, "day"), (WeeklyAggregate, "week")):
        rows = stored(model, date_field, array)
        with_counts = {cell: row for cell, row in rows.items() if any(row.values())}
        assert stored(model, date_field, portable) == with_counts
        assert len(with_counts) == 3
