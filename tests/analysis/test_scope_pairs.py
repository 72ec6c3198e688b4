"""A scope filtered on one aggregated key answers from the pair rows of DailyAggregate: the same
numbers as the facts, without reading ResponseFacts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analysis.models import DailyAggregate
from analysis.selectors import metrics_for_scope, painpoints_for_scope, tables
from analysis.selectors import scope as base
from analysis.services import aggregates_rebuild, response_analyse
from analysis.services.aggregates import pair_value, split_pair_value
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)
OFFICE = {"district_type": "office"}
# The same slice through the fallback: store_id is in every response but not aggregated.
OFFICE_FROM_FACTS = {"district_type": "office", "store_id": "s1"}
FACTS_TABLE = "analysis_responsefacts"
ROW = ("day", "segment_key", "segment_value", "topic_key", "responses", "scored", "comments", "mentions")


@pytest.fixture
def survey():
    """Office comments: Shanghai's are all late deliveries, the other city (a value with the
    separator and a backslash in it) praises; a residential late delivery, and a district value
    that ends like office ("x|office") outside the slice."""
    survey, version = analysed_survey()
    rows = (
        [(1, "送餐太慢了", {"city": "上海", "scenario": "peak|rain"})] * 8
        + [(9, "很好吃", {"city": "上海", "scenario": "normal"})] * 2
        + [(10, "很好吃", {"city": "北|京\\", "scenario": "normal"})] * 10
        + [(7, "", {"city": "北|京\\"})] * 2
    )
    for day, (nps, why, attributes) in enumerate(rows):
        attributes = {**attributes, "district_type": "office", "store_id": "s1"}
        response = completed(
            version, nps=nps, why=why, attributes=attributes, completed_at=BASE + dt.timedelta(days=day % 7)
        )
        response_analyse(response_id=response.pk)
    for district in ("residential", "x|office"):
        response = completed(
            version,
            nps=0,
            why="送餐太慢了",
            attributes={"city": "上海", "district_type": district, "store_id": "s1"},
            completed_at=BASE,
        )
        response_analyse(response_id=response.pk)
    return survey


def facts_queries(context) -> list[str]:
    return [q["sql"] for q in context.captured_queries if FACTS_TABLE in q["sql"]]


def test_pair_values_split_back_whatever_the_values_hold():
    # given values with the separator and backslashes
    for first, second in [("office", "peak"), ("a|b", "c"), ("a", "b|c"), ("x\\", "|"), ("", "")]:
        # when joined and split, then the values come back
        assert split_pair_value(pair_value(first, second)) == (first, second)
    assert pair_value("北|京\\", "office") == "北\\|京\\\\|office"


def test_a_response_writes_a_row_per_pair_of_its_segment_keys(survey):
    # then office in Shanghai with the peak|rain scenario has its pair rows (escaped value)
    rows = DailyAggregate.objects.filter(
        segment_key="city|district_type", segment_value="上海|office", topic_key=""
    )
    assert sum(r.responses for r in rows) == 10
    late = DailyAggregate.objects.filter(
        segment_key="district_type|scenario", segment_value="office|peak\\|rain", topic_key="delivery_time"
    )
    assert (sum(r.mentions for r in late), sum(r.detractor_mentions for r in late)) == (8, 8)
    # the configured keys each have their row; store_id (not configured) has none
    assert not DailyAggregate.objects.filter(segment_key__contains="store_id").exists()


def test_one_filter_pain_points_equal_the_facts_without_reading_facts_rows(survey):
    # when office's pain points are asked from aggregates, and the same slice from the facts
    with CaptureQueriesContext(connection) as context:
        aggregated = painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=OFFICE)
    from_facts = painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=OFFICE_FROM_FACTS)

    # then the counts, lifts and breakdowns come from aggregates: the facts are read only for
    # the bounded comment sample (keywords, examples): the sampled responses' scores by primary
    # key, one array parameter on PostgreSQL (and, without PostgreSQL's copy of the segments on
    # the comments, the sample's filter)
    assert aggregated["source"] == "aggregates"
    assert from_facts["source"] == "facts"
    touching = facts_queries(context)
    assert touching
    for sql in touching:
        assert (
            "LIMIT 3000" in sql
            or '"analysis_responsefacts"."response_id" IN (' in sql
            or "FROM analysis_responsefacts WHERE response_id = ANY(" in sql
        )
    # and the numbers are exactly the facts'
    assert (
        aggregated["summary"]
        == from_facts["summary"]
        == {
            "responses": 22,
            "scored": 22,
            "comments": 20,
            "overall_detractor_rate": 0.4,
        }
    )
    assert aggregated["topics"] == from_facts["topics"]
    late = next(t for t in aggregated["topics"] if t["key"] == "delivery_time")
    assert late["mentions"] == 8
    # Shanghai: 8 of 8 late deliveries, 10 of 20 comments (peak|rain: 8 comments, too few)
    assert [(s["column"], s["value"], s["mentions"], s["share_overall"]) for s in late["segments"]] == [
        ("city", "上海", 8, 0.5)
    ]
    # Fisher: C(10,8) / C(20,8); adjusted among 4 candidates (Shanghai, and the one value of
    # channel, locale and respondent type that every comment shares)
    assert late["segments"][0]["p_value"] == pytest.approx(4 * 45 / 125970, rel=1e-9)


def test_two_filters_counts_per_day_come_from_the_pair_rows_and_equal_the_facts(survey):
    # given office in Shanghai (two aggregated keys: its pair rows), and the same slice through
    # the facts (store_id is in every response and not aggregated)
    pair = base.Scope(survey, FROM, TO, {"district_type": "office", "city": "上海"})
    from_facts = base.Scope(survey, FROM, TO, {"district_type": "office", "city": "上海", "store_id": "s1"})

    # when its totals and topics per day are counted (the weekly shares' table)
    with CaptureQueriesContext(connection) as context:
        by_day = tables.count_table(pair, by_day=True, segments=False)
    expected = tables.count_table(from_facts, by_day=True, segments=False)

    # then no facts row is read, and the rows are exactly the facts'
    assert facts_queries(context) == []
    rows = [tuple(row) for row in by_day[list(ROW)].itertuples(index=False)]
    assert rows == [tuple(row) for row in expected[list(ROW)].itertuples(index=False)]
    # the 8 late deliveries (days 0-6, and day 0 again) and the 2 praises (days 1-2)
    day = BASE.date()
    late = [r for r in rows if r[3] == "delivery_time"]
    assert [(r[0], r[4], r[7]) for r in late] == [(day, 2, 2)] + [
        (day + dt.timedelta(days=n), 1, 1) for n in range(1, 7)
    ]
    assert sum(r[4] for r in rows if r[3] == "") == 10


def test_one_filter_metrics_read_no_facts_and_equal_the_facts(survey):
    # when office's metrics are asked from aggregates, and the same slice from the facts
    with CaptureQueriesContext(connection) as context:
        aggregated = metrics_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=OFFICE)
    from_facts = metrics_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=OFFICE_FROM_FACTS)

    # then no query touches the facts and every number is the facts'
    assert facts_queries(context) == []
    assert aggregated["source"] == "aggregates"
    assert from_facts["source"] == "facts"
    for field in ("overall", "previous", "by_period", "by_segment"):
        assert aggregated[field] == from_facts[field], field
    cities = {row["value"]: row["result"]["n"] for row in aggregated["by_segment"]["city"]}
    assert cities == {"上海": 10, "北|京\\": 12}
    assert "district_type" not in aggregated["by_segment"]


def test_unfiltered_scope_ignores_pair_rows(survey):
    # when asked without a filter
    body = metrics_for_scope(survey=survey, date_from=FROM, date_to=TO)

    # then the breakdown has single keys only, with the values' own counts
    assert "city|district_type" not in body["by_segment"]
    districts = {row["value"]: row["result"]["n"] for row in body["by_segment"]["district_type"]}
    assert districts == {"office": 22, "residential": 1, "x|office": 1}


def test_rebuild_keeps_the_pair_rows_exactly(survey):
    # given the incremental aggregates with their pair rows
    before = sorted(DailyAggregate.objects.values_list(*ROW))

    # when rebuilt from the facts
    aggregates_rebuild(survey_id=survey.pk)

    # then the same rows
    after = sorted(DailyAggregate.objects.values_list(*ROW))
    assert after == before
    assert any("|" in row[1] for row in after)
