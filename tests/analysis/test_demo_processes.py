"""The demo histories behind the process views of ``make run``: merchants and riders, analysed,
written once; the process page shows every section with data."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.utils import timezone

import analysis.selectors.scope as scope_module
from analysis.demo_history import taxonomies_link
from analysis.demo_processes import MERCHANTS, RIDERS, demo_processes_load
from analysis.models import ResponseFacts
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


@pytest.mark.parametrize("filters", [{}, {"scenario": "peak"}])
def test_complaints_counted_in_sql_match_the_comments_read_one_by_one(monkeypatch, filters):
    # given the demo histories (riders: scenario and district type on every response)
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    taxonomies_link()
    demo_processes_load()
    today = timezone.localdate()
    riders = Scope(Survey.objects.get(key="rider-experience"), today - dt.timedelta(days=60), today, filters)

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
    assert all(
        row["topics"] for rows in scenario["by_attribute"].values() for row in rows if row["complaints"]
    )
