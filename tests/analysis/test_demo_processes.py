"""The demo histories behind the process views of ``make run``: merchants and riders, analysed,
written once; the process page shows every section with data."""

import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone

import analysis.selectors.scope as scope_module
from analysis.demo_history import taxonomies_link
from analysis.demo_processes import MERCHANTS, RIDERS, demo_processes_load
from analysis.models import CommentAnalysis, ResponseFacts
from analysis.painpoints.complaints import complained_topics
from analysis.selectors import processes
from analysis.selectors.scope import Scope
from surveys.models import Survey

pytestmark = pytest.mark.django_db


def test_merchant_and_rider_histories_feed_the_process_views():
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    taxonomies_link()
    assert demo_processes_load() == MERCHANTS + RIDERS
    assert demo_processes_load() == 0
    assert ResponseFacts.objects.filter(survey__key="merchant-after-onboarding").count() == MERCHANTS
    assert ResponseFacts.objects.filter(survey__key="rider-experience").count() == RIDERS
    today = timezone.localdate()
    merchants = Scope(
        Survey.objects.get(key="merchant-after-onboarding"), today - dt.timedelta(days=60), today, {}
    )
    stages = processes.stages_for_scope(scope=merchants, ranked_topics=[])
    assert [s["stage"] for s in stages] == ["information_collection", "review", "going_live"]
    assert all(s["score"]["result"]["n"] == MERCHANTS for s in stages)
    riders = Scope(Survey.objects.get(key="rider-experience"), today - dt.timedelta(days=60), today, {})
    experience = processes.rider_experience_for_scope(scope=riders)
    assert [r["item"] for r in experience["satisfaction"]] == [
        "dispatch",
        "pickup_wait",
        "earnings",
        "rider_app",
        "station_support",
        "safety",
    ]
    assert experience["on_time"]["result"]["n"] == RIDERS
    assert experience["complaints"]["result"]["value"] > 0
    by_scenario = processes.complaints_by_scenario(scope=riders)
    assert set(by_scenario["by_attribute"]) == {"scenario", "district_type"}


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


@pytest.mark.parametrize("filters", [{}, {"scenario": "peak"}, {"scenario": "peak", "city": "上海"}])
def test_complaint_figures_from_the_aggregates_match_the_comments_read_one_by_one(monkeypatch, filters):
    # given the demo histories (riders: scenario and district type on every response)
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    taxonomies_link()
    demo_processes_load()
    today = timezone.localdate()
    riders = Scope(Survey.objects.get(key="rider-experience"), today - dt.timedelta(days=60), today, filters)

    # when the complaint figures are read from the count tables (the aggregates, their pair rows
    # or the facts in SQL), and from the facts counted in Python
    with override_settings(ANALYSIS_COUNTS_CACHE_SECONDS=0):
        counted = (
            processes.complaints_by_scenario(scope=riders),
            processes.rider_experience_for_scope(scope=riders)["complaints"],
        )
        assert scope_module.in_database()
        monkeypatch.setattr(scope_module, "in_database", lambda: False)
        in_python = (
            processes.complaints_by_scenario(scope=riders),
            processes.rider_experience_for_scope(scope=riders)["complaints"],
        )

    # then the same figures both ways, and those of every comment read one by one
    assert counted == in_python
    scenario, about_riders = counted
    keys = tuple(scenario["by_attribute"])
    assert keys == tuple(k for k in ("scenario", "district_type") if k not in filters)
    rider_topics = set(about_riders["topics"])
    scanned = _scanned(riders, keys, rider_topics)
    assert (scenario["responses"], scenario["complaining"]) == (scanned["responses"], scanned["complaining"])
    assert scenario["complaining"] > 0
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
