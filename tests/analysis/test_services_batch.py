"""Batch analysis (``responses_analyse``): the same rows as one response at a time, written with
set-based queries, and a failing response never blocks the others."""

import datetime as dt
import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analysis import tasks
from analysis.models import CommentAnalysis, CommentTopic, DailyAggregate, ResponseFacts, Topic
from analysis.services import (
    aggregates_rebuild,
    detractor_model_train,
    response_analyse,
    responses_analyse,
)
from analysis.services.comments import COMMENT_COLUMNS, FACT_COLUMNS
from responses.models import Answer, Response
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.analysis.test_services_response_analysis import AGGREGATE_FIELDS

pytestmark = pytest.mark.django_db

COMMENT_VALUES = (
    "question_key",
    *(name for name in COMMENT_COLUMNS if name not in ("survey_id", "analysed_at")),
    "is_mismatch",
)
# where a column sits in a snapshot's comment row (the response's position comes first)
MISMATCH_AT = 1 + COMMENT_VALUES.index("is_mismatch")
LIKELIHOOD_AT = 1 + COMMENT_VALUES.index("detractor_likelihood")
FACT_VALUES = tuple(name for name in FACT_COLUMNS if name not in ("survey_id", "survey_version_id"))

# (nps, why, praise, attributes, days after BASE, locale)
ROWS = [
    (
        2,
        "送餐太慢了，饭都凉了",
        "",
        {"city": "上海", "district_type": "office", "scenario": "peak"},
        0,
        "zh-hans",
    ),
    (3, "骑手态度差，还把汤洒了", "包装不错", {"city": "上海", "district_type": "office"}, 0, "zh-hans"),
    (10, "", "很快，很好吃", {"city": "北京", "merchant_type": "fast_food"}, 0, "zh-hans"),
    (9, "等了一个小时，太慢了", "", {"city": "北京", "scenario": "rain"}, 0, "zh-hans"),
    (6, "太贵了，配送费太高", "", {"city": "上海|浦东", "district_type": "a\\b"}, 1, "zh-hans"),
    (None, "包装漏了", "", {"city": "北京"}, 1, "zh-hans"),
    (7, "late again and the food was cold", "", {"city": "Shanghai", "district_type": "office"}, 1, "en"),
    (0, "rider was rude and the soup spilled", "friendly support", {"city": "Beijing"}, 1, "en"),
    (10, "", "", {}, 2, "zh-hans"),
    (8, "发票开不出来", "", {"city": "上海", "scenario": "night"}, 2, "zh-hans"),
    (
        1,
        "饭菜凉了，送错地址",
        "",
        {"city": "上海", "district_type": "campus", "scenario": "peak"},
        2,
        "zh-hans",
    ),
    (10, "太慢了，饭都凉了，骑手态度差", "", {"city": "北京", "district_type": "office"}, 2, "zh-hans"),
]

TRAINING = [
    (score, text)
    for score, text in (
        (0, "送餐太慢了"),
        (1, "饭都凉了"),
        (2, "骑手态度很差"),
        (3, "等了一个多小时"),
        (1, "汤洒了一袋子"),
        (0, "送错地址了"),
        (2, "太慢了太慢了"),
        (3, "凉透了不能吃"),
        (1, "骑手骂人"),
        (0, "超时还不道歉"),
        (2, "包装破了漏了"),
        (4, "又慢又凉"),
        (10, "很好吃，很快"),
        (9, "准时送到，谢谢"),
        (10, "骑手很有礼貌"),
        (9, "味道不错"),
        (10, "包装很好"),
        (9, "很新鲜，分量足"),
        (10, "送得很快"),
        (10, "服务周到"),
        (9, "热乎乎的，好吃"),
        (10, "下次还点"),
        (9, "性价比高"),
        (10, "非常满意"),
    )
]


def snapshot(survey) -> dict:
    """Every analysis row of a survey, with responses as their position (ids and survey ids
    differ between the two surveys compared), and timestamps as whether they are set."""
    positions = {
        pk: index
        for index, pk in enumerate(
            Response.objects.filter(survey=survey).order_by("pk").values_list("pk", flat=True)
        )
    }
    comments = sorted(
        (positions[row[0]], *row[1:-1], row[-1] is not None)
        for row in CommentAnalysis.objects.filter(survey=survey).values_list(
            "response_id", *COMMENT_VALUES, "analysed_at"
        )
    )
    topics = sorted(
        (positions[response_id], question, key, terms)
        for response_id, question, key, terms in CommentTopic.objects.filter(
            comment__survey=survey
        ).values_list("comment__response_id", "comment__question_key", "topic__key", "matched_terms")
    )
    facts = sorted(
        (positions[row[0]], row[1], *row[2:-1], row[-1] is not None)
        for row in ResponseFacts.objects.filter(survey=survey).values_list(
            "response_id", "survey_version__number", *FACT_VALUES, "counted_at"
        )
    )
    aggregates = sorted(
        DailyAggregate.objects.filter(survey=survey).values_list(*AGGREGATE_FIELDS),
        key=lambda r: tuple(str(v) for v in r),
    )
    return {"comments": comments, "topics": topics, "facts": facts, "aggregates": aggregates}


def twin_surveys():
    """Two surveys with the same responses (same answers, segments and times), and a detractor
    model trained on a third survey's comments, so likelihoods and mismatches are stored."""
    _training, training_version = analysed_survey("training")
    trained = [completed(training_version, nps=score, why=text) for score, text in TRAINING]
    responses_analyse(response_ids=[r.pk for r in trained])
    assert detractor_model_train(survey_id=None).trained is True
    twins = []
    for key in ("one-at-a-time", "in-batches"):
        survey, version = analysed_survey(key)
        responses = [
            completed(
                version,
                nps=nps,
                why=why,
                praise=praise,
                attributes=attributes,
                completed_at=BASE + dt.timedelta(days=days, minutes=index),
                locale=locale,
            )
            for index, (nps, why, praise, attributes, days, locale) in enumerate(ROWS)
        ]
        twins.append((survey, responses))
    return twins


def test_a_batch_stores_exactly_the_rows_of_one_response_at_a_time():
    # given two surveys with the same twelve responses and a trained detractor model
    (single, single_responses), (batch, batch_responses) = twin_surveys()

    # when one survey's responses are analysed one by one and the other's in two batches
    for response in single_responses:
        response_analyse(response_id=response.pk)
    first = responses_analyse(response_ids=[r.pk for r in batch_responses[::2]])
    second = responses_analyse(response_ids=[r.pk for r in batch_responses[1::2]])

    # then every comment, topic link, fact and aggregate row is the same, value for value
    assert (first.batched, first.responses, first.segmented, first.counted) == (True, 6, 5, 6)
    assert (second.batched, second.responses, second.segmented, second.counted) == (True, 6, 8, 6)
    expected = snapshot(single)
    assert snapshot(batch) == expected
    assert len(expected["comments"]) == 13
    assert len(expected["topics"]) == 18
    # the two promoters whose comments read like a detractor's are flagged
    assert [row[:2] for row in expected["comments"] if row[MISMATCH_AT]] == [(3, "why"), (11, "why")]
    assert all(row[LIKELIHOOD_AT] is not None for row in expected["comments"])  # scored by the model
    assert len(expected["facts"]) == 12
    # and the batch's aggregates equal a rebuild from its facts
    aggregates_rebuild(survey_id=batch.pk)
    assert snapshot(batch) == expected


def test_reanalysis_in_a_batch_moves_counts_as_one_response_at_a_time_does():
    # given the twin surveys analysed, one by one and in one batch
    (single, single_responses), (batch, batch_responses) = twin_surveys()
    for response in single_responses:
        response_analyse(response_id=response.pk)
    responses_analyse(response_ids=[r.pk for r in batch_responses])

    # when ops staff add 发票 to the after-sales topic (every comment is tagged again), a
    # respondent's praise is erased, and every response is analysed again both ways
    topic = Topic.objects.get(key="refund_aftersales")
    topic.terms = {**topic.terms, "zh-hans": [*topic.terms["zh-hans"], "发票"]}
    topic.save()
    for responses in (single_responses, batch_responses):
        Answer.objects.filter(response=responses[1], question_key="praise").delete()
    for response in single_responses:
        response_analyse(response_id=response.pk)
    result = responses_analyse(response_ids=[r.pk for r in batch_responses])

    # then the same rows again, and the moved counts equal a rebuild
    assert (result.responses, result.segmented, result.retagged, result.unchanged, result.counted) == (
        12,
        0,
        12,
        0,
        1,
    )
    expected = snapshot(single)
    assert snapshot(batch) == expected
    invoice = [row for row in expected["aggregates"] if row[1:4] == ("", "", "refund_aftersales")]
    # the invoice is a neutral mention: in ``mentions``, not in the pain point's counts
    assert [(row[0], row[4], row[13], row[15]) for row in invoice] == [(dt.date(2026, 5, 6), 0, 1, 0)]
    aggregates_rebuild(survey_id=batch.pk)
    assert snapshot(batch) == expected

    # and a batch delivered again changes nothing (nothing counted twice)
    again = responses_analyse(response_ids=[r.pk for r in batch_responses])
    assert (again.segmented, again.retagged, again.unchanged, again.counted) == (0, 0, 12, 0)
    assert snapshot(batch) == expected


def test_the_batch_queries_do_not_grow_with_its_responses():
    # given a batch of 3 responses and one of 12, each with detractors, passives and promoters
    _survey, version = analysed_survey()
    scores = (2, 8, 10)
    first = completed(version, nps=9, why="准时")
    small = [
        completed(version, nps=scores[n % 3], why="送餐太慢了", attributes={"city": "上海"}) for n in range(3)
    ]
    large = [
        completed(version, nps=scores[n % 3], why="饭都凉了", attributes={"city": "北京"}) for n in range(12)
    ]
    responses_analyse(response_ids=[first.pk])  # builds the pipeline and tagger once

    # when each set is analysed as one batch
    counts = []
    for responses in (small, large):
        with CaptureQueriesContext(connection) as queries:
            result = responses_analyse(response_ids=[r.pk for r in responses])
        assert result.batched is True
        counts.append(len(queries))

    # then both took the same number of queries
    assert counts[0] == counts[1]
    assert ResponseFacts.objects.count() == 16


def test_missing_and_unfinished_responses_in_a_batch_are_skipped(caplog):
    # given a completed response, one still in progress and an id that does not exist
    _survey, version = analysed_survey()
    done = completed(version, nps=2, why="太慢了")
    unfinished = completed(version, nps=3, why="太慢了")
    Response.objects.filter(pk=unfinished.pk).update(status="in_progress", completed_at=None)

    # when the batch runs
    with caplog.at_level(logging.WARNING, logger="analysis.services.batch"):
        result = responses_analyse(response_ids=[done.pk, unfinished.pk, 999_999])

    # then only the completed response is analysed, and the other two are logged
    assert (result.responses, result.batched, result.failed) == (1, True, ())
    assert list(ResponseFacts.objects.values_list("pk", flat=True)) == [done.pk]
    assert sorted(r.getMessage() for r in caplog.records) == sorted(
        f"response {pk} not found or not completed; nothing analysed" for pk in (unfinished.pk, 999_999)
    )


def test_a_long_open_link_channel_is_cut_to_the_facts_column(postgres):
    # given a response whose channel (an open link's attribute, typed in the admin) is 40 long
    _survey, version = analysed_survey()
    response = completed(version, nps=3, why="饭都凉了")
    response.context = {**response.context, "channel": "c" * 40}
    response.save(update_fields=["context"])
    # when it is analysed in a batch
    assert responses_analyse(response_ids=[response.pk]).failed == ()
    # then its facts keep the first 32 characters, in the column and in the segments alike
    facts = ResponseFacts.objects.get(pk=response.pk)
    assert (facts.channel, facts.segments["channel"]) == ("c" * 32, "c" * 32)


def test_a_response_that_cannot_be_stored_does_not_block_its_batch(postgres, caplog):
    # given a batch of three responses, and a database that refuses the middle one's facts (a
    # trigger of this test's transaction, as a failing constraint or disk would)
    _survey, version = analysed_survey()
    first = completed(version, nps=2, why="送餐太慢了")
    broken = completed(version, nps=3, why="饭都凉了")
    last = completed(version, nps=10, why="很好")
    table = ResponseFacts._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.refuse_facts() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.response_id = {int(broken.pk)} THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN NEW; END $$"
        )
        cursor.execute(
            f'CREATE TRIGGER refuse_facts BEFORE INSERT OR UPDATE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_facts()"
        )

    # when the batch task runs
    with caplog.at_level(logging.ERROR, logger="analysis.services.batch"):
        tasks.responses_analyse.run([first.pk, broken.pk, last.pk])

    # then the batch fell back to one response at a time: the two others are analysed and counted
    assert sorted(ResponseFacts.objects.values_list("pk", flat=True)) == [first.pk, last.pk]
    assert sorted(CommentAnalysis.objects.values_list("response_id", flat=True)) == [first.pk, last.pk]
    total = DailyAggregate.objects.get(segment_key="", topic_key="")
    assert (total.responses, total.detractors, total.promoters) == (2, 1, 1)
    assert [r.getMessage() for r in caplog.records] == [
        "analysis of a batch of 3 responses failed; analysing each alone",
        f"analysis of response {broken.pk} failed",
    ]
    assert responses_analyse(response_ids=[first.pk, broken.pk, last.pk]).failed == (broken.pk,)
