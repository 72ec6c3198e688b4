"""Complaint and praise mentions carried from the stored comments through the facts into the
daily aggregates: the incremental path (one response or a batch), ``aggregates_rebuild``, the
PostgreSQL slice query and the Python fallback give the same counts, and the pain points rank
complaint mentions while the mostly praised topics are strengths."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import Sum

import analysis.selectors.scope as scope_module
from analysis.models import DailyAggregate, ResponseFacts
from analysis.selectors import painpoints_for_scope, tables
from analysis.selectors.scope import Scope
from analysis.services import aggregates_rebuild, response_analyse, responses_analyse
from analysis.services.comments import facts_polarity
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)
SLICE = {"district_type": "office", "scenario": "peak"}
# (nps, comment): late twice (detractors), the taste praised twice, the packaging spilled once
# (a detractor) and praised once, one response without a comment.
ROWS = [
    (2, "送餐太慢了"),
    (3, "送餐太慢了"),
    (10, "味道不错"),
    (9, "味道不错"),
    (4, "包装漏了"),
    (9, "包装很好，很严实"),
    (8, ""),
]
COUNTED = ("responses", "scored", "detractors", "score_sum", "score_sum_squares", "comments")
MENTIONS = ("mentions", "complaint_mentions", "praise_mentions", "detractor_mentions")
# Hand-counted: a topic row counts the responses of its complaint mentions; mentions are all.
EXPECTED = {
    "": {
        "responses": 7,
        "scored": 7,
        "detractors": 3,
        "score_sum": 45.0,
        "score_sum_squares": 355.0,
        "comments": 6,
        "mentions": 0,
        "complaint_mentions": 0,
        "praise_mentions": 0,
        "detractor_mentions": 3,
    },
    "delivery_time": {
        "responses": 2,
        "scored": 2,
        "detractors": 2,
        "score_sum": 5.0,
        "score_sum_squares": 13.0,
        "comments": 2,
        "mentions": 2,
        "complaint_mentions": 2,
        "praise_mentions": 0,
        "detractor_mentions": 2,
    },
    "packaging_spill": {
        "responses": 1,
        "scored": 1,
        "detractors": 1,
        "score_sum": 4.0,
        "score_sum_squares": 16.0,
        "comments": 1,
        "mentions": 2,
        "complaint_mentions": 1,
        "praise_mentions": 1,
        "detractor_mentions": 1,
    },
    "taste": {
        "responses": 0,
        "scored": 0,
        "detractors": 0,
        "score_sum": 0.0,
        "score_sum_squares": 0.0,
        "comments": 0,
        "mentions": 2,
        "complaint_mentions": 0,
        "praise_mentions": 2,
        "detractor_mentions": 0,
    },
}


def _survey(*, batch: bool):
    survey, version = analysed_survey()
    ids = []
    for i, (nps, why) in enumerate(ROWS):
        attributes = {**SLICE, "city": "上海", "store_id": "s1"}
        response = completed(
            version, nps=nps, why=why, attributes=attributes, completed_at=BASE + dt.timedelta(days=i % 7)
        )
        ids.append(response.pk)
    if batch:
        responses_analyse(response_ids=ids)
    else:
        for pk in ids:
            response_analyse(response_id=pk)
    return survey


@pytest.fixture(params=["single", "batch"])
def survey(request):
    return _survey(batch=request.param == "batch")


def _aggregated(survey) -> dict:
    rows = (
        DailyAggregate.objects.filter(survey=survey, segment_key="")
        .values("topic_key")
        .annotate(**{f: Sum(f) for f in (*COUNTED, *MENTIONS)})
    )
    return {row.pop("topic_key"): row for row in rows}


def _from_table(frame) -> dict:
    rows = frame[frame["segment_key"] == ""]
    return {
        row["topic_key"]: {f: row[f] for f in (*COUNTED, *MENTIONS)}
        for row in rows.groupby("topic_key", as_index=False).sum().to_dict("records")
    }


def test_facts_carry_each_topics_polarity(survey):
    # given the analysed responses (fixture), then the facts hold each topic's polarity
    facts = ResponseFacts.objects.filter(survey=survey).order_by("pk")
    polarity = [(tuple(f.topics), f.topic_polarity) for f in facts if f.topics]
    assert polarity == [
        (("delivery_time",), {"delivery_time": -1}),
        (("delivery_time",), {"delivery_time": -1}),
        (("taste",), {"taste": 1}),
        (("taste",), {"taste": 1}),
        (("packaging_spill",), {"packaging_spill": -1}),
        (("packaging_spill",), {"packaging_spill": 1}),
    ]


def test_aggregates_count_complaint_and_praise_mentions(survey):
    # when the responses were added one by one or as a batch (fixture), then the counts are the
    # hand-counted ones
    assert _aggregated(survey) == EXPECTED


def test_rebuild_gives_the_same_counts(survey):
    # when the aggregates are rebuilt from the facts
    aggregates_rebuild(survey_id=survey.pk)

    # then they are the incremental ones
    assert _aggregated(survey) == EXPECTED


def test_sql_slice_and_python_fallback_count_the_same(survey, monkeypatch):
    # given a scope filtered on two keys (counted from the facts)
    scope = Scope(survey, FROM, TO, SLICE)

    # when it is counted in the database (PostgreSQL: one SQL query), then in Python
    in_database = _from_table(tables.count_table(scope, segments=False))
    monkeypatch.setattr(scope_module, "in_database", lambda: False)
    in_python = _from_table(tables.count_table(scope, segments=False))

    # then both are the hand-counted numbers
    assert in_database == in_python == EXPECTED


@pytest.mark.parametrize("filters", [{}, {"city": "上海"}, SLICE, {**SLICE, "store_id": "s1"}])
def test_pain_points_rank_complaints_and_list_praise_as_strengths(survey, filters):
    # when the pain points are read unfiltered, from one filter (aggregates) or from the facts
    report = painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=filters)

    # then the pain points count their complaint mentions, the taste (2 praise, 0 complaints) is
    # a strength, the packaging (1 complaint, 1 praise: praise does not outnumber) a pain point
    assert [(t["key"], t["mentions"], t["share"]) for t in report["topics"]] == [
        ("delivery_time", 2, 2 / 6),
        ("packaging_spill", 1, 1 / 6),
    ]
    assert [(t["key"], t["detractor_rate"]) for t in report["topics"]] == [
        ("delivery_time", 1.0),
        ("packaging_spill", 1.0),
    ]
    assert [
        {k: s[k] for k in ("key", "mentions", "complaint_mentions", "share")} for s in report["strengths"]
    ] == [{"key": "taste", "mentions": 2, "complaint_mentions": 0, "share": 2 / 6}]
    assert report["strengths"][0]["label"] == {"zh-hans": "口味", "en": "Taste"}


@pytest.mark.parametrize(
    ("polarity", "expected"),
    [
        ({"why": {"a": -1}, "praise": {"a": 1}}, {"a": -1}),  # a complaint wins a tie
        ({"why": {"a": 1}, "praise": {"a": 1}}, {"a": 1}),
        ({"why": {"a": 0}, "praise": {"a": 1}}, {"a": 1}),
        ({"why": {"a": 0}, "praise": {"a": 0}}, {"a": 0}),
        ({"why": {}, "praise": {"a": 1}}, {"a": -1}),  # a mention without polarity is a complaint
    ],
)
def test_facts_combine_the_polarity_of_a_responses_comments(polarity, expected):
    # given one topic mentioned in two comments of a response, when their polarity is combined
    combined = facts_polarity({"why": ["a"], "praise": ["a"]}, polarity)

    # then
    assert combined == expected


def test_rebuild_command_takes_the_comments_polarity_into_older_facts(survey):
    # given facts written before they held a polarity: every mention counts as a complaint
    ResponseFacts.objects.filter(survey=survey).update(topic_polarity={})
    aggregates_rebuild(survey_id=survey.pk)
    assert (
        _aggregated(survey)["taste"]["complaint_mentions"],
        _aggregated(survey)["taste"]["responses"],
    ) == (
        2,
        2,
    )

    # when the aggregates are rebuilt by the command
    call_command("aggregates_rebuild", "--survey", survey.key, stdout=io.StringIO())

    # then the facts hold the comments' polarity again, and the counts are the hand-counted ones
    assert _aggregated(survey) == EXPECTED
