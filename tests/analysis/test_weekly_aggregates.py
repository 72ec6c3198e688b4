"""WeeklyAggregate: every write path (one response, a batch, a re-analysis, a rebuild) keeps each
weekly row exactly the sum of its week's daily rows, and a scope read from weeks and the days of
its partial weeks gives the numbers the facts give. The cached count tables: read again from the cache, and
never older than the rows after any write path."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

import analysis.selectors.scope as scope_module
from analysis.models import CommentAnalysis, DailyAggregate, Topic, WeeklyAggregate
from analysis.selectors import metrics_for_scope, painpoints_for_scope, tables
from analysis.selectors.scope import Scope, aggregate_parts
from analysis.services import aggregates_rebuild, response_analyse, responses_analyse
from analysis.services.aggregates import COUNT_FIELDS, week_start
from tests.analysis.platform_factories import BASE, analysed_survey, completed
from tests.analysis.test_services_batch import ROWS

pytestmark = pytest.mark.django_db

CELL = ("segment_key", "segment_value", "topic_key")
MONDAY = dt.date(2026, 5, 4)
MENTIONS = COUNT_FIELDS.index("mentions")


def daily_summed_by_week(survey) -> dict:
    sums: dict[tuple, list] = {}
    for row in DailyAggregate.objects.filter(survey=survey).values_list("day", *CELL, *COUNT_FIELDS):
        current = sums.setdefault((week_start(row[0]), *row[1:4]), [0] * len(COUNT_FIELDS))
        for position, value in enumerate(row[4:]):
            current[position] += value
    return {key: tuple(counts) for key, counts in sums.items()}


def weekly_rows(survey) -> dict:
    return {
        row[:4]: tuple(row[4:])
        for row in WeeklyAggregate.objects.filter(survey=survey).values_list("week", *CELL, *COUNT_FIELDS)
    }


def survey_with_responses(key: str):
    """The batch tests' twelve responses, spread over two weeks: days 0, 5 and 10 after Monday
    2026-05-04 (Monday, Saturday, the next Thursday)."""
    survey, version = analysed_survey(key)
    responses = [
        completed(
            version,
            nps=nps,
            why=why,
            praise=praise,
            attributes=attributes,
            completed_at=BASE + dt.timedelta(days=days * 5, minutes=index),
            locale=locale,
        )
        for index, (nps, why, praise, attributes, days, locale) in enumerate(ROWS)
    ]
    return survey, responses


def test_every_write_path_keeps_the_weekly_rows_the_sum_of_the_daily_rows():
    # given the same twelve responses in two surveys over two weeks
    single, single_responses = survey_with_responses("one-at-a-time")
    batch, batch_responses = survey_with_responses("in-batches")

    # when one survey is analysed a response at a time and the other in two batches
    for response in single_responses:
        response_analyse(response_id=response.pk)
    responses_analyse(response_ids=[r.pk for r in batch_responses[::2]])
    responses_analyse(response_ids=[r.pk for r in batch_responses[1::2]])

    # then each weekly row is its week's daily rows summed, the same in both surveys
    expected = daily_summed_by_week(single)
    assert weekly_rows(single) == expected
    assert weekly_rows(batch) == expected
    totals = {key[0]: counts[0] for key, counts in expected.items() if key[1:] == ("", "", "")}
    assert totals == {MONDAY: 8, MONDAY + dt.timedelta(days=7): 4}
    assert len(expected) == WeeklyAggregate.objects.filter(survey=single).count() > 2

    # when a topic gains a term and every response is analysed again (old counts taken out)
    topic = Topic.objects.get(key="refund_aftersales")
    topic.terms = {**topic.terms, "zh-hans": [*topic.terms["zh-hans"], "发票"]}
    topic.save()
    for response in single_responses:
        response_analyse(response_id=response.pk)
    responses_analyse(response_ids=[r.pk for r in batch_responses])

    # then the weekly rows moved with the daily rows
    moved = daily_summed_by_week(single)
    assert moved != expected
    assert moved[(MONDAY + dt.timedelta(days=7), "", "", "refund_aftersales")][MENTIONS] == 1
    assert weekly_rows(single) == moved
    assert weekly_rows(batch) == moved

    # and a rebuild from the facts writes the same weekly rows
    aggregates_rebuild(survey_id=batch.pk)
    assert daily_summed_by_week(batch) == moved
    assert weekly_rows(batch) == {key: counts for key, counts in moved.items() if any(counts)}


def test_a_scope_reads_its_weeks_and_the_days_of_a_partial_week_with_rows_outside_it():
    # given responses on Monday 2026-05-04, Saturday 05-09 and Thursday 05-14
    survey, responses = survey_with_responses("after-delivery")
    responses_analyse(response_ids=[r.pk for r in responses])

    def parts(date_from, date_to):
        found = []
        for queryset in aggregate_parts(Scope(survey, date_from, date_to, {})):
            if queryset.model is WeeklyAggregate:
                weeks = queryset.values_list("week", flat=True).distinct().order_by("week")
                found.append(("weeks", *sorted(set(weeks))))
            else:
                days = queryset.values_list("day", flat=True).distinct().order_by("day")
                found.append(("days", *sorted(set(days))))
        return found

    def day(n: int) -> dt.timedelta:
        return dt.timedelta(days=n)

    sunday, next_monday = MONDAY + day(6), MONDAY + day(7)
    # a whole week: its row
    assert parts(MONDAY, sunday) == [("weeks", MONDAY)]
    # from Tuesday: Monday has rows outside the scope, so the week's days are read (Saturday's)
    assert parts(MONDAY + day(1), sunday) == [("days", MONDAY + day(5))]
    # ... up to Monday 05-11, whose week has rows after it (Thursday): its days, none there
    assert parts(MONDAY + day(1), next_monday) == [("days", MONDAY + day(5))]
    # ending on Friday 05-15, after the last rows (as a scope ending today): that week's row
    assert parts(MONDAY + day(1), next_monday + day(4)) == [
        ("days", MONDAY + day(5)),
        ("weeks", next_monday),
    ]
    # from Sunday 04-26, no rows before it in its week: weeks; to Wednesday 05-13, before
    # Thursday's rows: that week's days (none hold rows)
    assert parts(MONDAY - day(8), MONDAY + day(9)) == [("days",), ("weeks", MONDAY)]
    # a day inside a week that has rows on other days: that day
    assert parts(MONDAY + day(5), MONDAY + day(5)) == [("days", MONDAY + day(5))]


@pytest.mark.parametrize(
    "date_from, date_to, filters, in_scope",
    [
        (MONDAY - dt.timedelta(days=2), MONDAY + dt.timedelta(days=11), {}, 12),  # weeks with no rows outside
        (MONDAY, MONDAY + dt.timedelta(days=13), {}, 12),  # two whole weeks
        (MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=7), {}, 4),  # days at both ends
        (MONDAY + dt.timedelta(days=6), MONDAY + dt.timedelta(days=12), {}, 4),  # days, then a week
        (MONDAY + dt.timedelta(days=3), MONDAY + dt.timedelta(days=16), {"city": "上海"}, 2),
        (
            MONDAY - dt.timedelta(days=2),
            MONDAY + dt.timedelta(days=11),
            {"city": "上海", "scenario": "peak"},
            2,
        ),
    ],
)
def test_pain_points_and_metrics_from_weeks_and_days_equal_the_facts(
    date_from, date_to, filters, in_scope, monkeypatch
):
    # given the twelve responses over two weeks, analysed
    survey, responses = survey_with_responses("after-delivery")
    responses_analyse(response_ids=[r.pk for r in responses])

    def both():
        scope = {"survey": survey, "date_from": date_from, "date_to": date_to, "filters": filters}
        return painpoints_for_scope(**scope), metrics_for_scope(**scope)

    # when the scope is read from the aggregates (weeks and edge days), then from the facts
    # counted in Python
    aggregated = both()
    monkeypatch.setattr(Scope, "from_aggregates", property(lambda self: False))
    monkeypatch.setattr(scope_module, "in_database", lambda: False)
    counted = both()

    # then every number is the same
    pain, metric = aggregated
    assert pain["source"] == ("aggregates" if len(filters) <= 1 else "facts")
    assert pain["summary"] == counted[0]["summary"]
    assert pain["topics"] == counted[0]["topics"]
    assert pain["strengths"] == counted[0]["strengths"]
    assert metric["overall"] == counted[1]["overall"]
    assert metric["by_period"] == counted[1]["by_period"]
    assert metric["by_segment"] == counted[1]["by_segment"]
    assert pain["summary"]["responses"] == in_scope


def count_queries(context) -> list[str]:
    """The queries that sum aggregate or facts rows (or their narrow copy's; not the comment
    sample's score look-up)."""
    return [
        sql
        for sql in (q["sql"] for q in context.captured_queries)
        if "aggregate" in sql or (("responsefacts" in sql or "slicefacts" in sql) and "GROUP BY" in sql)
    ]


@pytest.mark.parametrize("filters", [{}, {"city": "上海"}, {"city": "上海", "scenario": "peak"}])
def test_count_tables_are_cached_until_a_write_path_changes_the_rows(filters):
    # given a survey's responses analysed and its pain points read once
    survey, responses = survey_with_responses("after-delivery")
    responses_analyse(response_ids=[r.pk for r in responses[:6]])
    scope = {
        "survey": survey,
        "date_from": MONDAY,
        "date_to": MONDAY + dt.timedelta(days=13),
        "filters": filters,
    }
    first = painpoints_for_scope(**scope)

    # when they are read again, then the count tables come from the cache: no aggregate or
    # facts row is read, the same numbers
    with CaptureQueriesContext(connection) as context:
        again = painpoints_for_scope(**scope)
    assert count_queries(context) == []
    assert again == first

    # when more responses are analysed (a batch, then one at a time), the next read counts them
    seen = [first["summary"]["responses"]]
    responses_analyse(response_ids=[r.pk for r in responses[6:9]])
    seen.append(painpoints_for_scope(**scope)["summary"]["responses"])
    for response in responses[9:]:
        response_analyse(response_id=response.pk)
    seen.append(painpoints_for_scope(**scope)["summary"]["responses"])
    assert seen == {0: [6, 9, 12], 1: [2, 2, 4], 2: [1, 1, 2]}[len(filters)]

    # and a re-analysis moving topics and a rebuild give what the facts give, never an old table
    topic = Topic.objects.get(key="refund_aftersales")
    topic.terms = {**topic.terms, "zh-hans": [*topic.terms["zh-hans"], "发票"]}
    topic.save()
    responses_analyse(response_ids=[r.pk for r in responses])
    moved = painpoints_for_scope(**scope)
    aggregates_rebuild(survey_id=survey.pk)
    assert painpoints_for_scope(**scope) == moved
    with override_settings(ANALYSIS_COUNTS_CACHE_SECONDS=0):
        assert painpoints_for_scope(**scope) == moved


@pytest.mark.parametrize("filters", [{}, {"city": "上海", "scenario": "peak"}])
def test_a_page_reads_a_count_table_once_whatever_the_cache(postgres, filters):
    # given analysed responses and the count cache off (the tables counted in PostgreSQL)
    survey, responses = survey_with_responses("after-delivery")
    responses_analyse(response_ids=[r.pk for r in responses])
    scope = Scope(survey, MONDAY, MONDAY + dt.timedelta(days=13), filters)
    with override_settings(ANALYSIS_COUNTS_CACHE_SECONDS=0):
        # when two sections of one page ask for the same table (``tables_shared``)
        with CaptureQueriesContext(connection) as shared, tables.tables_shared():
            first = tables.count_table(scope, pairs=True)
            first["responses"] = -1  # a reader's change stays its own
            second = tables.count_table(scope, pairs=True)
        # and outside it
        with CaptureQueriesContext(connection) as apart:
            tables.count_table(scope, pairs=True)
            again = tables.count_table(scope, pairs=True)
    # then it is read once inside, twice outside, the same rows
    assert len(count_queries(apart)) == 2 * len(count_queries(shared)) > 0
    assert second.equals(again)
    assert int(again["responses"].max()) > 0


def test_an_erasure_leaves_no_cached_comment_sample_quoting_the_erased_text():
    # given a survey's pain points read once (the comment sample cached with its verbatims)
    from analysis.services.erasure import comments_text_erase

    survey, responses = survey_with_responses("after-delivery")
    responses_analyse(response_ids=[r.pk for r in responses])
    scope = {"survey": survey, "date_from": MONDAY, "date_to": MONDAY + dt.timedelta(days=13), "filters": {}}
    painpoints_for_scope(**scope)
    with_text = [r for r in responses if r.answers.filter(question_key="why").exclude(value="").exists()]
    erased = with_text[0]
    quoted = CommentAnalysis.objects.get(response=erased).text
    assert quoted

    # when the respondent's comments are erased
    comments_text_erase(response_ids=[erased.pk], respondent_ids=[])

    # then the next read counts from the rows again (no cached table or sample) and quotes nothing erased
    with CaptureQueriesContext(connection) as context:
        after = painpoints_for_scope(**scope)
    assert count_queries(context) != []
    assert quoted not in repr(after)
