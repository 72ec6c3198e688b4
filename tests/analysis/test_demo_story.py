"""The demo's story, loaded through the real ingestion, delivery and answering services: once
(a second load writes nothing), with a full funnel, and with each planted problem where the
pages look for it. The figures are fixed by the seed and the load's "now"."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone

import analysis.selectors.scope as scope_module
from analysis.demo_story import StoryResult, demo_story_load
from analysis.models import CommentAnalysis, ResponseFacts
from analysis.painpoints.complaints import complained_topics
from analysis.selectors import processes
from analysis.selectors.painpoints import painpoints_for_scope
from analysis.selectors.scope import Scope
from responses.models import Invitation, Response, ServiceEvent, Suppression
from responses.services.funnel import funnel_report
from surveys.models import Survey

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)  # 18:00 in Shanghai
FROM, TO = dt.date(2026, 10, 1), dt.date(2026, 11, 30)


def _load() -> StoryResult:
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    return demo_story_load(now=NOW)


def _rows() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (ServiceEvent, Invitation, Suppression, Response))


def _ranked(key: str, **filters) -> list[str]:
    survey = Survey.objects.get(key=key)
    report = painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=filters)
    return [topic["key"] for topic in report["topics"]]


def _mentions(key: str, topic: str, **filters) -> tuple[int, int]:
    """(responses mentioning ``topic``, responses) in the scope."""
    survey = Survey.objects.get(key=key)
    report = painpoints_for_scope(survey=survey, date_from=FROM, date_to=TO, filters=filters)
    mentions = {t["key"]: t["mentions"] for t in report["topics"]}
    return mentions.get(topic, 0), _responses(key, **filters)


def test_the_story_goes_through_the_services_once_with_a_full_funnel():
    # given every starter survey published; when the story is loaded twice
    first = _load()
    rows = _rows()
    second = demo_story_load(now=NOW)

    # then the first load posted, sent, answered and expired; the second found every event a duplicate
    assert first == StoryResult(
        events=2377, duplicates=0, invitations=1118, sent=1118, opened=642, responses=495, expired=532
    )
    assert second == StoryResult(
        events=0, duplicates=first.events, invitations=0, sent=0, opened=0, responses=0, expired=0
    )
    assert _rows() == rows
    # every response came through an invitation, and every completed one was analysed
    assert not Response.objects.filter(invitation__isnull=True).exists()
    completed = Response.objects.filter(status=Response.Status.COMPLETED).count()
    assert ResponseFacts.objects.count() == completed == first.responses

    # and the after-delivery funnel has every stage, and suppressions for several reasons
    funnel = funnel_report(survey=Survey.objects.get(key="customer-after-delivery")).total
    stages = (
        funnel.invitations,
        funnel.sent,
        funnel.opened,
        funnel.started,
        funnel.completed,
        funnel.expired,
    )
    assert stages == (524, 524, 274, 229, 202, 288)
    assert funnel.suppressions == {"fatigue": 125, "opted_out": 7, "quota_full": 29, "sampled_out": 275}
    everything = {}
    for survey in Survey.objects.order_by("key"):
        for reason, n in funnel_report(survey=survey).total.suppressions.items():
            everything[reason] = everything.get(reason, 0) + n
    assert everything == {
        "fatigue": 517,
        "opted_out": 7,
        "quota_full": 29,
        "sampled_out": 373,
        "stale_event": 9,
    }
    # (cancelled orders and the merchants' first two steps match no rule: outside any survey's funnel)
    assert Suppression.objects.filter(reason="no_rule").count() == 324


def _responses(key: str, **segments) -> int:
    return ResponseFacts.objects.filter(
        survey__key=key, **{f"segments__{name}": value for name, value in segments.items()}
    ).count()


def test_the_planted_problems_show_where_the_pages_look():
    # given the story loaded
    _load()

    # then late delivery is the top pain point of office buildings at the lunch peak, and there
    # it is mentioned far more often than anywhere else
    assert _ranked("customer-after-delivery", district_type="office", daypart="lunch")[0] == "delivery_time"
    assert _ranked("customer-after-delivery")[0] == "delivery_time"
    office_lunch = _mentions(
        "customer-after-delivery", "delivery_time", district_type="office", daypart="lunch"
    )
    residential = _mentions("customer-after-delivery", "delivery_time", district_type="residential")
    assert (office_lunch, residential) == ((12, 32), (4, 73))

    # merchant review is slow in 杭州: its review step scores lowest of every city and step
    survey = Survey.objects.get(key="merchant-after-onboarding")
    scores = {}
    for city in ("上海", "北京", "杭州", "深圳", "成都"):
        for stage in processes.stages_for_scope(
            scope=Scope(survey, FROM, TO, {"city": city}), ranked_topics=[]
        ):
            scores[(city, stage["stage"])] = round(stage["score"]["result"]["value"], 2)
    assert min(scores, key=scores.get) == ("杭州", "review")
    assert scores[("杭州", "review")] == 1.36
    # and merchants there write about the review far more often than anywhere else
    hangzhou = _mentions("merchant-after-onboarding", "review", city="杭州")
    beijing = _mentions("merchant-after-onboarding", "review", city="北京")
    assert (hangzhou, beijing) == ((8, 11), (7, 28))

    # the rider app fails at night: the top pain point of night shifts, rare by day
    assert _ranked("rider-experience", shift="night")[0] == "rider_app_navigation"
    night = _mentions("rider-experience", "rider_app_navigation", shift="night")
    day = _mentions("rider-experience", "rider_app_navigation", shift="day")
    assert (night, day) == ((13, 27), (7, 81))
    assert night[0] / night[1] > 4 * day[0] / day[1]

    # slow deposit refunds cost the car-rental survey the most
    assert _ranked("car-rental-return")[0] == "deposit"

    # and the respondents' language is no segment where pain concentrates
    for key in (
        "customer-after-delivery",
        "merchant-after-onboarding",
        "rider-experience",
        "car-rental-return",
    ):
        report = painpoints_for_scope(survey=Survey.objects.get(key=key), date_from=FROM, date_to=TO)
        columns = {segment["column"] for topic in report["topics"] for segment in topic["segments"] or []}
        assert not any("locale" in column for column in columns), (key, columns)


def _scanned(scope: Scope, keys: tuple[str, ...], rider_topics: set[str]) -> dict:
    """The complaint figures from every comment of the scope read one by one: a response
    complains about the topics its comments complain about (``complained_topics``)."""
    complained: dict[int, set[str]] = {}
    for comment in CommentAnalysis.objects.filter(
        survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
    ):
        if all(comment.segments.get(k) == v for k, v in scope.filters.items()):
            topics = complained_topics(comment.topics, comment.topic_polarity)
            if topics:
                complained.setdefault(comment.response_id, set()).update(topics)
    facts = [
        f
        for f in ResponseFacts.objects.filter(
            survey=scope.survey, completed_day__gte=scope.date_from, completed_day__lte=scope.date_to
        )
        if all(f.segments.get(k) == v for k, v in scope.filters.items())
    ]
    by_key = {}
    for key in keys:
        values: dict[str, list] = {}
        for f in facts:
            if f.segments.get(key):
                values.setdefault(f.segments[key], []).append(complained.get(f.response_id, set()))
        by_key[key] = {
            value: (
                len(found),
                sum(1 for topics in found if topics),
                sorted(Counter(t for topics in found for t in topics).items()),
            )
            for value, found in values.items()
        }
    return {
        "responses": len(facts),
        "complaining": len(complained),
        "about_riders": sum(1 for topics in complained.values() if topics & rider_topics),
        "by_key": by_key,
    }


@pytest.mark.parametrize("filters", [{}, {"scenario": "night"}, {"scenario": "night", "city": "上海"}])
def test_process_views_count_rider_complaints_alike_in_sql_and_in_python(monkeypatch, filters):
    # given the story (riders: scenario and district type on every response)
    _load()
    today = TO
    merchants = Scope(Survey.objects.get(key="merchant-after-onboarding"), FROM, today, {})
    stages = processes.stages_for_scope(scope=merchants, ranked_topics=[])
    assert [s["stage"] for s in stages] == ["information_collection", "review", "going_live"]
    riders = Scope(Survey.objects.get(key="rider-experience"), FROM, today, filters)
    experience = processes.rider_experience_for_scope(scope=riders)
    assert [r["item"] for r in experience["satisfaction"]] == [
        "dispatch",
        "pickup_wait",
        "earnings",
        "rider_app",
        "station_support",
        "safety",
    ]
    assert experience["on_time"]["result"]["n"] == _responses("rider-experience", **filters)

    # when the complaint figures are counted in SQL, and then from every comment read in Python
    with override_settings(ANALYSIS_COUNTS_CACHE_SECONDS=0):
        in_sql = (
            processes.complaints_by_scenario(scope=riders),
            processes.rider_experience_for_scope(scope=riders)["complaints"],
        )
        assert scope_module.in_database()
        monkeypatch.setattr(scope_module, "in_database", lambda: False)
        in_python = (
            processes.complaints_by_scenario(scope=riders),
            processes.rider_experience_for_scope(scope=riders)["complaints"],
        )

    # then the same figures, every value and topic of them
    assert in_sql == in_python
    scenario, about_riders = in_sql
    assert scenario["complaining"] > 0
    assert about_riders["result"]["n"] == scenario["responses"]
    assert set(scenario["by_attribute"]) == {"scenario", "district_type"} - set(filters)
    # and those of every comment read one by one
    keys = tuple(scenario["by_attribute"])
    scanned = _scanned(riders, keys, set(about_riders["topics"]))
    assert (scenario["responses"], scenario["complaining"]) == (scanned["responses"], scanned["complaining"])
    assert (about_riders["result"]["n"], about_riders["result"]["components"]["successes"]) == (
        scanned["responses"],
        scanned["about_riders"],
    )
    assert about_riders["result"]["components"]["successes"] > 0
    for key in keys:
        assert {
            row["value"]: (row["responses"], row["complaints"], sorted(row["topics"]))
            for row in scenario["by_attribute"][key]
        } == scanned["by_key"][key]


def test_in_the_whole_demo_english_answers_are_no_segment_where_pain_concentrates(settings, tmp_path):
    settings.EXPORTS_ROOT = tmp_path / "exports"  # the demo's export file
    # given the whole demo of `make run`: the history, the story, the action and the cases
    call_command("demo_load", stdout=io.StringIO())
    today = timezone.localdate()
    # when each survey's pain points are ranked, over the last week to the last eight weeks
    english = []
    for survey in Survey.objects.order_by("key"):
        for days in (7, 28, 56):
            report = painpoints_for_scope(
                survey=survey, date_from=today - dt.timedelta(days=days), date_to=today
            )
            english += [
                (survey.key, days, topic["key"], segment["column"])
                for topic in report["topics"]
                for segment in topic["segments"] or []
                if "locale" in segment["column"] and "en" in segment["value"].split(" & ")
            ]
    # then no topic is said to concentrate among those answering in English
    assert english == []
