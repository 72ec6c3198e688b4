"""A scope filtered on two or more segment values answers from the slice's facts: on PostgreSQL
the slice is found through the GIN index on the segments and grouped in SQL, the comment sample
reads the comments' own copy of the segments; elsewhere the rows are counted in Python. Both
give exactly the same numbers."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import analysis.selectors.scope as scope_module
from analysis.models import CommentAnalysis, ResponseFacts
from analysis.selectors import metrics_for_scope, painpoints_for_scope, tables
from analysis.services import aggregates_rebuild, response_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)
TWO = {"district_type": "office", "scenario": "peak"}
THREE = {"district_type": "office", "scenario": "peak", "city": "上海"}
# store_id: in every response, not aggregated (a filter on a key the aggregates do not hold)
FOUR = {**THREE, "store_id": "s1"}
LATE, TASTY = "送餐太慢了", "很好吃"


def _analyse(version, rows, when) -> None:
    for i, (nps, why, attributes) in enumerate(rows):
        response = completed(
            version,
            nps=nps,
            why=why,
            attributes={**attributes, "store_id": "s1"},
            completed_at=when + dt.timedelta(days=i % 7),
        )
        response_analyse(response_id=response.pk)


@pytest.fixture
def survey():
    """Office at peak: Shanghai's comments are late deliveries, Beijing's praise (and two
    without a comment); the same complaint in office/normal and residential/peak outside the
    slice; a week before, a few office/peak responses (the previous period)."""
    survey, version = analysed_survey()
    office_peak = {"district_type": "office", "scenario": "peak"}
    rows = (
        [(1, LATE, {**office_peak, "city": "上海"})] * 6
        + [(9, TASTY, {**office_peak, "city": "上海"})] * 2
        + [(10, TASTY, {**office_peak, "city": "北|京\\"})] * 4
        + [(7, "", {**office_peak, "city": "北|京\\"})] * 2
        + [(0, LATE, {"district_type": "office", "scenario": "normal", "city": "上海"})] * 5
        + [(0, LATE, {"district_type": "residential", "scenario": "peak", "city": "上海"})] * 5
    )
    _analyse(version, rows, BASE)
    before = [(3, LATE, {**office_peak, "city": "上海"})] * 2 + [
        (10, TASTY, {**office_peak, "city": "上海"})
    ] * 3
    _analyse(version, before, BASE - dt.timedelta(days=7))
    return survey


def _raw(monkeypatch) -> None:
    """The rows read and counted in Python (what SQLite runs)."""
    monkeypatch.setattr(scope_module, "in_database", lambda: False)


def test_two_and_three_filters_count_the_slice(survey):
    # when office at peak is asked, then office at peak in Shanghai
    two = painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=TWO)
    three = painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=THREE)

    # then each counts its own slice only
    assert two["source"] == three["source"] == "facts"
    assert two["summary"] == {"responses": 14, "scored": 14, "comments": 12, "overall_detractor_rate": 0.5}
    assert three["summary"] == {"responses": 8, "scored": 8, "comments": 8, "overall_detractor_rate": 0.75}
    late = next(t for t in two["topics"] if t["key"] == "delivery_time")
    assert (late["mentions"], late["share"], late["detractor_rate"]) == (6, 0.5, 1.0)
    # against the week before: 2 of 5 comments then, 6 of 12 now
    assert (late["trend"]["previous_mentions"], late["trend"]["previous_share"]) == (2, 0.4)
    assert [e["text"] for e in late["examples"]] == [LATE] * 5
    # the filtered keys are no segments of their own inside the slice
    columns = {s["column"] for t in two["topics"] for s in t["segments"]}
    assert not columns & set(TWO)

    # and the metrics break the slice down by the other keys only
    body = metrics_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=TWO)
    assert body["source"] == "facts"
    assert body["overall"]["n"] == 14
    cities = {row["value"]: row["result"]["n"] for row in body["by_segment"]["city"]}
    assert cities == {"上海": 8, "北|京\\": 6}
    assert "district_type" not in body["by_segment"]
    assert "scenario" not in body["by_segment"]
    assert body["previous"]["result"]["n"] == 5


@pytest.mark.parametrize("filters", [TWO, THREE, FOUR], ids=["two", "three", "four"])
def test_filtered_path_equals_the_raw_computation(survey, monkeypatch, filters):
    # when the slice is answered by the database path (PostgreSQL) and by the rows in Python
    scope = {"survey": survey, "date_from": FROM, "date_to": TO, "filters": filters}
    painpoints = painpoints_for_scope(**scope)
    metrics = metrics_for_scope(**scope)
    _raw(monkeypatch)
    raw_painpoints = painpoints_for_scope(**scope)
    raw_metrics = metrics_for_scope(**scope)

    # then every number is the same (mentions, impacts, lifts and their p-values, examples,
    # keywords, metric per week and per segment value)
    assert painpoints["topics"]
    assert painpoints == raw_painpoints
    assert metrics == raw_metrics


def test_filtered_path_equals_the_raw_computation_per_day(survey, monkeypatch):
    # when the counts are asked per day
    scope = scope_module.Scope(survey, FROM, TO, THREE)
    table = tables.count_table(scope, by_day=True)
    _raw(monkeypatch)
    raw = tables.count_table(scope, by_day=True)

    # then the same rows (day, segment, topic) with the same counts
    assert len(table) == len(raw) > 0
    assert table.astype(str).values.tolist() == raw.astype(str).values.tolist()


def test_postgres_reads_the_slice_from_the_narrow_copy_and_its_comments_by_containment(postgres, survey):
    # when office at peak is asked on PostgreSQL
    with CaptureQueriesContext(connection) as context:
        painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=TWO)
    queries = [q["sql"] for q in context.captured_queries]

    # then the slice's facts are read once, from their narrow copy (the two keys' columns) and
    # grouped in SQL, not from the facts' JSON; the previous period's totals and topics are the
    # pair rows of the two keys (a whole week: its weekly rows)
    (facts,) = [q for q in queries if "FROM analysis_slicefacts" in q]
    assert "GROUPING SETS" in facts
    # (found by the cells' GIN index: district_type and scenario in their columns)
    assert "@> '{2=office,4=peak}'::text[]" in facts
    assert not [q for q in queries if '"analysis_responsefacts"."segments" @>' in q]
    pair_rows = [q for q in queries if "aggregate" in q and "segment_key" in q]
    assert len(pair_rows) == 1
    assert "analysis_weeklyaggregate" in pair_rows[0]
    assert "analysis_dailyaggregate" not in pair_rows[0]
    # and the comment sample filters on the comments' own segments (no join to filter on)
    (sample,) = [q for q in queries if "LIMIT 3000" in q]
    assert '"analysis_commentanalysis"."segments" @>' in sample
    assert '"analysis_responsefacts"."segments"' not in sample
    # and the metrics read the slice once too (the breakdown inside the slice)
    with CaptureQueriesContext(connection) as context:
        metrics_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=TWO)
    facts = [
        q["sql"]
        for q in context.captured_queries
        if "analysis_responsefacts" in q["sql"] or "FROM analysis_slicefacts" in q["sql"]
    ]
    assert len(facts) == 1
    assert "GROUPING SETS" in facts[0]
    assert "FROM analysis_slicefacts" in facts[0]
    # the indexes exist
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)",
            [["facts_segments_gin", "comment_segments_gin"]],
        )
        assert sorted(r[0] for r in cursor.fetchall()) == ["comment_segments_gin", "facts_segments_gin"]


def test_comments_carry_their_responses_segments(survey):
    # then every comment holds its response's segments
    comments = list(CommentAnalysis.objects.values_list("response_id", "segments"))
    facts = dict(ResponseFacts.objects.values_list("response_id", "segments"))
    assert comments
    assert all(segments == facts[response_id] for response_id, segments in comments)
    assert comments[0][1]["district_type"] in ("office", "residential")

    # when a comment's copy is missing (a row stored before the copy) and it is analysed again
    comment = CommentAnalysis.objects.order_by("pk").first()
    CommentAnalysis.objects.filter(pk=comment.pk).update(segments={})
    response_analyse(response_id=comment.response_id)

    # then the copy is back, though the comment was not segmented again
    comment.refresh_from_db()
    assert comment.segments == facts[comment.response_id]

    # and when every copy is missing (comments written before the copy), a rebuild restores them
    CommentAnalysis.objects.update(segments={})
    result = aggregates_rebuild(survey_id=survey.pk)
    assert result.comments == len(comments)
    assert dict(CommentAnalysis.objects.values_list("response_id", "segments")) == {
        response_id: facts[response_id] for response_id, _segments in comments
    }
