"""Per-response analysis: stored once, counted once, re-analysed only when stale."""

import datetime as dt

import pytest

from analysis import tasks
from analysis.models import (
    CommentAnalysis,
    CommentTopic,
    DailyAggregate,
    DictionaryTerm,
    ResponseFacts,
    Topic,
)
from analysis.services import aggregates_rebuild, comments_reanalyse, response_analyse
from analysis.text.pipeline import TextPipeline
from responses.models import Response
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

AGGREGATE_FIELDS = (
    "day",
    "segment_key",
    "segment_value",
    "topic_key",
    "responses",
    "scored",
    "promoters",
    "passives",
    "detractors",
    "score_sum",
    "score_sum_squares",
    "comments",
    "scored_comments",
    "mentions",
    "detractor_mentions",
    "complaint_mentions",
    "praise_mentions",
)


def aggregates(survey):
    return sorted(
        DailyAggregate.objects.filter(survey=survey).values_list(*AGGREGATE_FIELDS),
        key=lambda r: tuple(str(v) for v in r),
    )


@pytest.fixture
def process_calls(monkeypatch):
    """Counts TextPipeline.process calls (segmentation runs)."""
    calls = []
    original = TextPipeline.process

    def counting(self, raw):
        calls.append(raw)
        return original(self, raw)

    monkeypatch.setattr(TextPipeline, "process", counting)
    return calls


def test_task_run_twice_stores_one_row_and_counts_once():
    # given a completed detractor response with a comment about a late, cold meal
    _survey, version = analysed_survey()
    response = completed(version, nps=3, why="送餐太慢了，饭都凉了", attributes={"city": "上海"})

    # when the task is delivered twice
    tasks.response_analyse.apply(args=[response.pk])
    tasks.response_analyse.apply(args=[response.pk])

    # then one comment row with its topics and matched terms, and the response counted once
    comment = CommentAnalysis.objects.get()
    assert (comment.question_key, comment.language, comment.topics) == (
        "why",
        "zh",
        ["delivery_time", "food_temperature"],
    )
    assert sorted(CommentTopic.objects.values_list("topic__key", "matched_terms")) == [
        ("delivery_time", ["太慢"]),
        ("food_temperature", ["都凉"]),
    ]
    total = DailyAggregate.objects.get(segment_key="", topic_key="")
    assert (total.responses, total.scored, total.detractors, total.comments, total.score_sum) == (
        1,
        1,
        1,
        1,
        3.0,
    )
    city = DailyAggregate.objects.get(segment_key="city", segment_value="上海", topic_key="delivery_time")
    assert (city.mentions, city.detractor_mentions) == (1, 1)
    facts = ResponseFacts.objects.get()
    assert (facts.completed_day, facts.primary_score, facts.is_detractor, facts.topics) == (
        dt.date(2026, 5, 4),
        3.0,
        True,
        ["delivery_time", "food_temperature"],
    )
    assert facts.segments == {
        "city": "上海",
        "channel": "link",
        "respondent_type": "customer",
        "locale": "zh-hans",
    }


def test_completed_day_is_the_local_day():
    # given a response completed at 23:30 UTC, which is 07:30 the next day in Shanghai
    _survey, version = analysed_survey()
    response = completed(version, nps=9, completed_at=dt.datetime(2026, 5, 4, 23, 30, tzinfo=dt.UTC))

    # when it is analysed
    response_analyse(response_id=response.pk)

    # then it belongs to 5 May
    assert ResponseFacts.objects.get().completed_day == dt.date(2026, 5, 5)
    assert DailyAggregate.objects.get(segment_key="", topic_key="").day == dt.date(2026, 5, 5)


def test_response_not_completed_writes_nothing():
    # given a response still in progress
    _survey, version = analysed_survey()
    response = completed(version, nps=3, why="太慢了")
    Response.objects.filter(pk=response.pk).update(status="in_progress", completed_at=None)

    # when the task runs
    result = response_analyse(response_id=response.pk)

    # then nothing is stored
    assert result is None
    assert (
        CommentAnalysis.objects.count(),
        ResponseFacts.objects.count(),
        DailyAggregate.objects.count(),
    ) == (0, 0, 0)


def test_completing_a_response_runs_the_analysis_hook(django_capture_on_commit_callbacks):
    # given a survey and the respondent pages' save service
    from responses.services.answering import response_save
    from tests.responses.factories import open_link

    _survey, version = analysed_survey()
    link = open_link(survey_version=version)

    # when a respondent submits (eager Celery in tests runs the enqueued task at once)
    with django_capture_on_commit_callbacks(execute=True):
        result = response_save(
            survey_version=version,
            raw={"nps": "2", "reason": "late", "why": "等了一个小时"},
            locale="zh-hans",
            complete=True,
            open_link=link,
            client_key="c" * 64,
        )

    # then the comment was analysed and the facts carry the open link's attributes
    assert result.status == "completed"
    assert list(CommentAnalysis.objects.values_list("response_id", "topics")) == [
        (result.response.pk, ["delivery_time"])
    ]
    assert ResponseFacts.objects.get().segments["city"] == "上海"


def test_dictionary_change_reanalyses_stale_rows_only(process_calls):
    # given three analysed comments
    survey, version = analysed_survey()
    responses = [completed(version, nps=n, why=w) for n, w in ((2, "骑手态度差"), (9, "很快"), (5, "太贵了"))]
    for response in responses:
        response_analyse(response_id=response.pk)
    old_version = CommentAnalysis.objects.values_list("dictionary_version", flat=True).first()

    # when ops staff add a domain term, a fourth response arrives, and stale rows are re-analysed
    DictionaryTerm.objects.create(term="准时宝", language="zh")
    fourth = completed(version, nps=10, why="准时宝很好")
    response_analyse(response_id=fourth.pk)
    process_calls.clear()
    result = comments_reanalyse(survey_id=survey.pk)

    # then only the three old comments were segmented again, the fourth not
    assert (result.responses, result.segmented, result.retagged) == (3, 3, 0)
    comments = {"骑手态度差", "很快", "太贵了", "准时宝很好"}
    assert sorted(c for c in process_calls if c in comments) == ["太贵了", "很快", "骑手态度差"]
    assert old_version not in set(CommentAnalysis.objects.values_list("dictionary_version", flat=True))
    assert "准时宝" in CommentAnalysis.objects.get(response=fourth).tokens
    # and running it again finds nothing stale
    assert comments_reanalyse(survey_id=survey.pk).responses == 0


def test_taxonomy_change_retags_from_stored_tokens_without_segmenting(process_calls):
    # given two analysed comments, one about a rude rider, one about an invoice no topic covers
    survey, version = analysed_survey()
    rude = completed(version, nps=2, why="骑手态度差")
    fee = completed(version, nps=4, why="发票开不出来")
    for response in (rude, fee):
        response_analyse(response_id=response.pk)
    assert CommentAnalysis.objects.get(response=fee).topics == []

    # when ops staff add 发票 to the after-sales topic and stale rows are re-analysed
    topic = Topic.objects.get(key="refund_aftersales")
    topic.terms = {**topic.terms, "zh-hans": [*topic.terms["zh-hans"], "发票"]}
    topic.save()
    process_calls.clear()
    result = comments_reanalyse(survey_id=survey.pk)

    # then both were re-tagged from stored tokens, none segmented, and the aggregates moved
    assert (result.responses, result.segmented, result.retagged) == (2, 0, 2)
    # (building the new tagger runs its English terms through the pipeline; no comment is)
    assert {"骑手态度差", "发票开不出来"} & set(process_calls) == set()
    assert CommentAnalysis.objects.get(response=fee).topics == ["refund_aftersales"]
    assert list(
        CommentTopic.objects.filter(comment__response=fee).values_list("topic__key", "matched_terms")
    ) == [("refund_aftersales", ["发票"])]
    # (the invoice clause holds no sentiment word: a neutral mention, counted among the
    # mentions but not as a complaint, so not in the pain point's counts)
    price = DailyAggregate.objects.get(segment_key="", topic_key="refund_aftersales")
    assert (price.mentions, price.complaint_mentions, price.praise_mentions) == (1, 0, 0)
    assert (price.responses, price.detractor_mentions) == (0, 0)
    before = aggregates(survey)
    aggregates_rebuild(survey_id=survey.pk)
    assert aggregates(survey) == before


def test_incremental_aggregates_equal_a_rebuild_from_facts():
    # given ten responses over two days, with scores, comments and segments
    survey, version = analysed_survey()
    rows = [
        (2, "送餐太慢了", {"city": "上海", "district_type": "office"}, 0),
        (3, "等了一个小时，饭都凉了", {"city": "上海", "district_type": "office"}, 0),
        (6, "包装漏了", {"city": "北京", "district_type": "residential"}, 0),
        (9, "", {"city": "北京"}, 1),
        (10, "很好吃", {"city": "上海"}, 1),
        (8, "太贵了", {"city": "北京", "scenario": "rain"}, 1),
        (None, "", {"city": "北京"}, 1),
        (7, "late again", {"city": "上海", "district_type": "office"}, 1),
        (0, "rider was rude and the soup spilled", {"city": "北京"}, 0),
        (10, "", {}, 0),
    ]
    for nps, why, attributes, day in rows:
        response = completed(
            version, nps=nps, why=why, attributes=attributes, completed_at=BASE + dt.timedelta(days=day)
        )
        response_analyse(response_id=response.pk)
    incremental = aggregates(survey)

    # when the aggregates are rebuilt from the facts
    result = aggregates_rebuild(survey_id=survey.pk)

    # then they are the same rows with the same numbers
    assert aggregates(survey) == incremental
    assert result.responses == 10
    assert result.rows == len(incremental)
    day_one = DailyAggregate.objects.get(day=dt.date(2026, 5, 4), segment_key="", topic_key="")
    assert (
        day_one.responses,
        day_one.scored,
        day_one.promoters,
        day_one.passives,
        day_one.detractors,
        day_one.score_sum,
        day_one.score_sum_squares,
        day_one.comments,
    ) == (5, 5, 1, 0, 4, 21.0, 149.0, 4)
    late = DailyAggregate.objects.filter(segment_key="", topic_key="delivery_time").order_by("day")
    assert [(a.day, a.mentions, a.detractor_mentions) for a in late] == [
        (dt.date(2026, 5, 4), 2, 2),
        (dt.date(2026, 5, 5), 1, 0),
    ]
    # the pair rows (the cross-tabulation of two keys) are among the equal rows
    office = DailyAggregate.objects.filter(
        segment_key="city|district_type", segment_value="上海|office", topic_key="delivery_time"
    ).order_by("day")
    assert [(a.day, a.responses, a.mentions) for a in office] == [
        (dt.date(2026, 5, 4), 2, 2),
        (dt.date(2026, 5, 5), 1, 1),
    ]


def test_the_comment_stores_each_topic_polarity():
    # given a response praising the taste and complaining of the delivery time
    _survey, version = analysed_survey()
    response = completed(version, nps=6, why="味道不错，就是送餐太慢了", attributes={"city": "上海"})

    # when analysed
    tasks.response_analyse.apply(args=[response.pk])

    # then the comment stores each topic's polarity from its clause
    comment = CommentAnalysis.objects.get()
    assert (comment.topics, comment.topic_polarity) == (
        ["delivery_time", "taste"],
        {"delivery_time": -1, "taste": 1},
    )
