"""The analysis management commands: reanalyse, rebuild, starter taxonomies."""

import io

import pytest
from django.core.management import CommandError, call_command

from analysis.models import DailyAggregate, DictionaryTerm, Taxonomy
from analysis.services import response_analyse
from tests.analysis.platform_factories import analysed_survey, completed

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_reanalyse_command_reports_what_it_did():
    survey, version = analysed_survey()
    response_analyse(response_id=completed(version, nps=3, why="送餐太慢了").pk)
    DictionaryTerm.objects.create(term="准时宝", language="zh")

    first = run("analysis_reanalyse", "--survey", survey.key)
    second = run("analysis_reanalyse")

    assert first == "1 responses analysed again: 1 comments segmented, 0 re-tagged from stored tokens.\n"
    assert second == "0 responses analysed again: 0 comments segmented, 0 re-tagged from stored tokens.\n"


def test_rebuild_command_restores_lost_aggregates():
    survey, version = analysed_survey()
    response_analyse(response_id=completed(version, nps=3, why="送餐太慢了", attributes={"city": "上海"}).pk)
    rows = DailyAggregate.objects.count()
    DailyAggregate.objects.all().delete()

    out = run("aggregates_rebuild", "--survey", survey.key)

    assert out == f"survey {survey.pk}: 1 responses, {rows} aggregate rows, 1 comments.\n"
    assert DailyAggregate.objects.get(segment_key="city", topic_key="delivery_time").mentions == 1


def test_unknown_survey_is_a_clear_error():
    with pytest.raises(CommandError, match="no survey with key 'nope'"):
        run("aggregates_rebuild", "--survey", "nope")
    with pytest.raises(CommandError, match="no survey with key 'nope'"):
        run("analysis_reanalyse", "--survey", "nope")


def test_starter_command_loads_named_taxonomies_and_refuses_unknown_ones():
    assert run("taxonomy_load_starter", "food_delivery").startswith("1 taxonomies and ")
    assert list(Taxonomy.objects.values_list("key", flat=True)) == ["food_delivery"]
    with pytest.raises(CommandError, match="unknown starter taxonomy: nope"):
        run("taxonomy_load_starter", "nope")
