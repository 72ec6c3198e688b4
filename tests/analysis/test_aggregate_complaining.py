"""``complaining`` on the aggregate rows: the responses complaining about a taxonomy topic, on the
rows without a topic; written by every write path and filled by migration 0014 (in SQL on
PostgreSQL, row by row elsewhere) with the same numbers."""

import datetime as dt
import importlib
import io
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from analysis.demo_history import taxonomies_link
from analysis.demo_story import demo_story_load
from analysis.models import DailyAggregate, WeeklyAggregate
from analysis.services.aggregates import FactValues, aggregate_rows

fill = importlib.import_module("analysis.migrations.0014_aggregate_complaining").fill

DAY = dt.date(2026, 5, 4)


def _rows(topics, polarity, segments=None):
    values = FactValues.of(
        {
            "completed_day": DAY,
            "primary_score": 3.0,
            "is_detractor": True,
            "is_promoter": False,
            "has_comment": bool(topics),
            "topics": topics,
            "topic_polarity": polarity,
            "segments": segments or {},
        }
    )
    return {(key, value, topic): n["complaining"] for key, value, topic, n in aggregate_rows(values)}


@pytest.mark.parametrize(
    ("topics", "polarity", "complaining"),
    [
        (["late"], {"late": -1}, 1),
        # a topic the polarity does not name is a complaint, as in the ranking
        (["late"], {}, 1),
        (["late", "taste"], {"late": 1, "taste": 0}, 0),
        (["late", "taste"], {"late": 1, "taste": -1}, 1),
        # a discovered topic (``~<id>``) is no taxonomy topic
        (["~12"], {"~12": -1}, 0),
        ([], {}, 0),
    ],
)
def test_a_response_complains_about_a_taxonomy_topic(topics, polarity, complaining):
    rows = _rows(topics, polarity, {"city": "上海", "scenario": "peak"})
    # on every row without a topic (the totals, each key, the pair), never on a topic row
    assert {cell: n for cell, n in rows.items() if cell[2] == ""} == {
        ("", "", ""): complaining,
        ("city", "上海", ""): complaining,
        ("scenario", "peak", ""): complaining,
        ("city|scenario", "上海|peak", ""): complaining,
    }
    assert all(n == 0 for cell, n in rows.items() if cell[2] != "")


def _complaining(model, date_field: str) -> dict:
    return {
        row[:4]: row[4]
        for row in model.objects.filter(topic_key="").values_list(
            "survey_id", date_field, "segment_key", "segment_value", "complaining"
        )
    }


@pytest.mark.django_db
@pytest.mark.parametrize("vendor", ["postgresql", "sqlite"])
def test_the_migration_fills_what_the_write_paths_write(vendor):
    # given the demo story, analysed (the write paths count ``complaining``)
    call_command("survey_templates_load", "--all", "--publish", stdout=io.StringIO())
    taxonomies_link()
    demo_story_load(now=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC))
    written = _complaining(DailyAggregate, "day"), _complaining(WeeklyAggregate, "week")
    assert sum(n for key, n in written[0].items() if key[2] == "") > 0
    # when the counts are taken out and filled again as the migration does (in SQL, or row by row)
    DailyAggregate.objects.update(complaining=0)
    WeeklyAggregate.objects.update(complaining=0)
    editor = SimpleNamespace(connection=connection) if vendor == "postgresql" else None
    fill(apps, editor or SimpleNamespace(connection=SimpleNamespace(vendor=vendor)))
    # then every daily and weekly row holds what the write paths wrote
    assert (_complaining(DailyAggregate, "day"), _complaining(WeeklyAggregate, "week")) == written
