"""The facts' narrow copy (PostgreSQL, migration analysis 0016): kept by triggers whatever writes
the facts, computed by the same rule as the aggregates, rewritten when the aggregated keys
change, and read for a filtered slice with exactly the numbers the facts themselves give."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import override_settings

import analysis.selectors.scope as scope_module
from analysis.checks import slice_triggers_check
from analysis.models import ResponseFacts
from analysis.selectors import metrics_for_scope, painpoints_for_scope, tables
from analysis.services import aggregates_rebuild, response_analyse
from analysis.services.aggregates import (
    slice_facts_drift,
    slice_facts_refill,
    slice_keys_sync,
    slice_triggers_off,
)
from analysis.sql import slices
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.usefixtures("postgres")

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)
KEYS = ["city", "district_type", "merchant_type", "scenario", "channel", "respondent_type", "locale"]
LATE, TASTY = "送餐太慢了", "很好吃"
OFFICE_PEAK = {"district_type": "office", "scenario": "peak"}


def _narrow(response_id: int) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT survey_id, completed_day, primary_score, flags, topics, polarities,"
            " s1, s2, s3, s4, s5, s6, s7, s8 FROM analysis_slicefacts WHERE response_id = %s",
            [response_id],
        )
        return cursor.fetchone()


def _narrow_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM analysis_slicefacts")
        return cursor.fetchone()[0]


def _analysed(version, nps, why, attributes, day=0):
    response = completed(
        version, nps=nps, why=why, attributes=attributes, completed_at=BASE + dt.timedelta(days=day)
    )
    response_analyse(response_id=response.pk)
    return response


@pytest.fixture
def survey():
    """Office at peak in two cities, with late deliveries, praise and no comment; the same
    complaint outside the slice (office/normal, residential/peak)."""
    survey, version = analysed_survey()
    rows = (
        [(1, LATE, {**OFFICE_PEAK, "city": "上海", "merchant_type": "hotpot"})] * 5
        + [(9, TASTY, {**OFFICE_PEAK, "city": "上海", "merchant_type": "tea"})] * 3
        + [(10, TASTY, {**OFFICE_PEAK, "city": "北|京\\"})] * 4
        + [(6, "", {**OFFICE_PEAK, "city": "北|京\\", "merchant_type": "hotpot"})] * 2
        + [(0, LATE, {"district_type": "office", "scenario": "normal", "city": "上海"})] * 4
        + [(2, LATE, {"district_type": "residential", "scenario": "peak", "city": "上海"})] * 4
    )
    for i, (nps, why, attributes) in enumerate(rows):
        _analysed(version, nps, why, {**attributes, "store_id": f"s{i % 3}"}, day=i % 7)
    return survey, version


def test_the_narrow_row_holds_the_facts_by_the_aggregates_rule(survey):
    _survey, version = survey
    # when a detractor complains of a late delivery and a promoter says nothing
    late = _analysed(version, 2, LATE, {**OFFICE_PEAK, "city": "上海"})
    quiet = _analysed(version, 10, "", {"city": "北京", "merchant_type": "x" * 300})

    # then their narrow rows hold the score, the flags, the topics with their polarity and each
    # key's value in its column (in the order of the keys; unknown as NULL, cut at 255)
    assert slices.chosen().columns() == {key: f"s{i}" for i, key in enumerate(KEYS, start=1)}
    row = _narrow(late.pk)
    assert row[:4] == (version.survey_id, dt.date(2026, 5, 4), 2.0, 2 | 4 | 8)
    assert (row[4], row[5]) == (["delivery_time"], [-1])
    assert row[6:] == ("上海", "office", None, "peak", "link", "customer", "zh-hans", None)
    row = _narrow(quiet.pk)
    assert row[2:6] == (10.0, 1, [], [])
    assert row[6] == "北京"
    assert row[8] == "x" * 255


def test_every_write_of_the_facts_keeps_the_copy(survey):
    _survey, version = survey
    response = _analysed(version, 2, LATE, {**OFFICE_PEAK, "city": "上海"})
    facts_before = ResponseFacts.objects.count()
    assert _narrow_count() == facts_before

    # when the facts row is changed (re-analysis: praise now), then deleted, then every row
    # emptied at once
    ResponseFacts.objects.filter(pk=response.pk).update(
        topic_polarity={"delivery_time": 1}, is_detractor=False, primary_score=9.0
    )
    changed = _narrow(response.pk)
    ResponseFacts.objects.filter(pk=response.pk).delete()
    gone = _narrow(response.pk)
    count_after_delete = _narrow_count()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction checks them now
        cursor.execute("TRUNCATE analysis_responsefacts CASCADE")
    emptied = _narrow_count()

    # then the copy follows each: the praise no longer complains, the row goes, the copy empties
    assert changed[2:6] == (9.0, 4, ["delivery_time"], [1])
    assert gone is None
    assert count_after_delete == facts_before - 1
    assert emptied == 0


def test_a_change_of_the_keys_rewrites_the_copy(survey):
    _survey, version = survey
    response = _analysed(version, 2, LATE, {**OFFICE_PEAK, "city": "上海", "zone": "east"})

    # when a key is added in front and another dropped
    with override_settings(ANALYSIS_SEGMENT_KEYS=["zone", "city", "scenario"]):
        rewritten = slice_keys_sync()
        again = slice_keys_sync()
        columns = slices.chosen().columns()
        row = _narrow(response.pk)
    # then every row holds the new keys in their columns (a second call has nothing to do)
    assert (rewritten, again) == (True, False)
    assert columns == {"zone": "s1", "city": "s2", "scenario": "s3"}
    assert row[6:] == ("east", "上海", "peak", None, None, None, None, None)
    assert _narrow_count() == ResponseFacts.objects.count()

    # and back
    assert slice_keys_sync() is True
    assert _narrow(response.pk)[7] == "office"


def _facts_path(monkeypatch) -> None:
    """The facts themselves (GIN index, JSON), as before the narrow copy."""
    monkeypatch.setattr(slices.PostgreSQL, "columns", staticmethod(lambda: {}))


def _raw(monkeypatch) -> None:
    """The rows read and counted in Python (what SQLite runs)."""
    monkeypatch.setattr(scope_module, "in_database", lambda: False)


@pytest.mark.parametrize(
    "filters",
    [
        OFFICE_PEAK,
        {**OFFICE_PEAK, "city": "上海"},
        {"city": "北|京\\", "merchant_type": "hotpot"},
        {**OFFICE_PEAK, "store_id": "s1"},  # a key without a column: the facts
    ],
    ids=["two", "three", "escaped-value", "not-aggregated"],
)
def test_the_narrow_copy_gives_the_facts_numbers(survey, monkeypatch, filters):
    survey, _version = survey
    scope = {"survey": survey, "date_from": FROM, "date_to": TO, "filters": filters}
    narrow = scope_module.Scope(survey, FROM, TO, filters)

    def read():
        return (
            painpoints_for_scope(**scope),
            metrics_for_scope(**scope),
            tables.count_table(narrow, by_day=True),
            tables.count_table(narrow),
        )

    # when a slice is read from the narrow copy, from the facts, and counted in Python
    found = read()
    _facts_path(monkeypatch)
    from_facts = read()
    _raw(monkeypatch)
    raw = (painpoints_for_scope(**scope), metrics_for_scope(**scope))

    # then every number is the same
    assert found[0]["summary"]["responses"] > 0
    assert found[0] == from_facts[0] == raw[0]
    assert found[1] == from_facts[1] == raw[1]
    for table, expected in zip(found[2:], from_facts[2:], strict=True):
        assert table.to_dict("records") == expected.to_dict("records")


def test_office_at_peak_counts_exactly(survey):
    survey, _version = survey
    table = tables.count_table(scope_module.Scope(survey, FROM, TO, OFFICE_PEAK))
    totals = tables.totals(table)
    late = tables.topics(table)["delivery_time"]
    cities = table[(table["segment_key"] == "city") & (table["topic_key"] == "")]
    merchants = table[(table["segment_key"] == "merchant_type") & (table["topic_key"] == "delivery_time")]

    # 14 responses at office/peak: 5 late (detractors), 7 praise (promoters), 2 without a comment
    # (detractors too: 6 of 10)
    assert (totals.responses, totals.comments, totals.detractors, totals.promoters) == (14, 12, 7, 7)
    assert (late.mentions, late.detractors) == (5, 5)
    assert dict(zip(cities["segment_value"], cities["responses"], strict=True)) == {"上海": 8, "北|京\\": 6}
    late_by_merchant = zip(merchants["segment_value"], merchants["complaint_mentions"], strict=True)
    assert dict(late_by_merchant) == {"hotpot": 5}


def test_the_comment_sample_is_the_same_read_in_one_query_or_in_python(survey, monkeypatch):
    survey, _version = survey
    scope = {"survey": survey, "date_from": FROM, "date_to": TO, "filters": {}}
    found = painpoints_for_scope(**scope)
    _raw(monkeypatch)
    raw = painpoints_for_scope(**scope)

    late = next(t for t in found["topics"] if t["key"] == "delivery_time")
    assert [e["text"] for e in late["examples"]] == [LATE] * 5
    assert found == raw


def test_connections_run_without_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_filter_is_the_expression_of_the_cells_index():
    # the reads' containment must be written as the GIN index is, or PostgreSQL cannot use it
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('analysis_slicefacts_cells'::regclass)")
        definition = cursor.fetchone()[0]
    expected = slices.CELLS.replace("f.", "")
    assert "USING gin" in definition
    assert (
        definition.replace("::text", "")
        .replace("(", "")
        .replace(")", "")
        .endswith(expected.replace("(", "").replace(")", ""))
    )
    assert slices.cell("s4", "peak|rain=x") == "4=peak|rain=x"


def _drift_made(survey_id: int) -> tuple[int, int, int]:
    """Three writes the triggers do not see: a narrow row gone, one changed, one left over."""
    facts = ResponseFacts.objects.filter(survey_id=survey_id).order_by("pk").values_list("pk", flat=True)
    facts = list(facts)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM analysis_slicefacts WHERE response_id = %s", [facts[0]])
        cursor.execute("UPDATE analysis_slicefacts SET s2 = 'campus' WHERE response_id = %s", [facts[1]])
        cursor.execute(
            "INSERT INTO analysis_slicefacts (response_id, survey_id, completed_day, primary_score, flags,"
            " topics, polarities) VALUES (%s, %s, '2026-05-05', 3, 0, '{}', '{}')",
            [facts[-1] + 1000, survey_id],
        )
    return facts[0], facts[1], facts[-1] + 1000


def test_drift_of_the_copy_is_found_and_repaired_per_survey(survey):
    survey_row, _version = survey
    other, other_version = analysed_survey("other-survey")
    _analysed(other_version, 3, LATE, OFFICE_PEAK)
    assert slice_facts_drift() == {}

    # when rows of the copy are deleted, changed and added behind the triggers' back
    gone, changed, extra = _drift_made(survey_row.pk)
    wrong = painpoints_for_scope(survey=survey_row, date_from=FROM, date_to=TO, filters=OFFICE_PEAK)

    # then the check counts them per survey: the changed row twice (its old and its new values)
    assert slice_facts_drift() == {survey_row.pk: 4}
    assert slice_facts_drift(survey_row.pk) == {survey_row.pk: 4}
    assert slice_facts_drift(other.pk) == {}
    # (14 at office and peak: one gone from the copy, one moved to the campus)
    assert wrong["summary"]["responses"] == 12

    # and a refill writes the survey's rows again from its facts
    assert slice_facts_refill(survey_id=survey_row.pk) == 22
    assert slice_facts_drift() == {}
    assert _narrow(gone) is not None and _narrow(changed)[7] == "office" and _narrow(extra) is None
    right = painpoints_for_scope(survey=survey_row, date_from=FROM, date_to=TO, filters=OFFICE_PEAK)
    assert right["summary"]["responses"] == 14


def test_a_rebuild_of_the_aggregates_writes_the_copy_again(survey):
    survey_row, _version = survey
    _drift_made(survey_row.pk)
    aggregates_rebuild(survey_id=survey_row.pk)
    assert slice_facts_drift() == {}


def test_a_rebuild_with_a_trigger_off_writes_the_copy_again(survey):
    survey_row, _version = survey
    gone, changed, extra = _drift_made(survey_row.pk)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending checks first
        cursor.execute("ALTER TABLE analysis_responsefacts DISABLE TRIGGER analysis_slicefacts_update")
    aggregates_rebuild(survey_id=survey_row.pk)
    assert slice_facts_drift() == {}
    assert _narrow(gone) is not None and _narrow(changed)[7] == "office" and _narrow(extra) is None


def test_the_command_reports_drift_and_repairs_it(survey):
    survey_row, _version = survey
    out = StringIO()
    call_command("slice_facts_check", stdout=out)
    assert out.getvalue() == "1 surveys: the narrow copy holds exactly their facts\n"

    _drift_made(survey_row.pk)
    out = StringIO()
    with pytest.raises(CommandError, match="differs from the facts: run with --repair") as raised:
        call_command("slice_facts_check", stdout=out)
    assert raised.value.returncode == 1
    assert out.getvalue() == "survey after-delivery: 4 narrow rows differ from its facts\n"

    out = StringIO()
    call_command("slice_facts_check", "--survey", "after-delivery", "--repair", stdout=out)
    assert out.getvalue() == (
        "survey after-delivery: 4 narrow rows differ from its facts\n"
        "survey after-delivery: 22 narrow rows written again\n"
    )
    assert slice_facts_drift() == {}
    with pytest.raises(CommandError, match="no survey with key 'nope'"):
        call_command("slice_facts_check", "--survey", "nope")


def test_a_trigger_turned_off_is_named_by_the_system_check_and_the_command(survey):
    assert slice_triggers_off() == []
    assert slice_triggers_check(databases=["default"]) == []

    # when a trigger is disabled (as a restore or a hand might leave it)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending checks first
        cursor.execute("ALTER TABLE analysis_responsefacts DISABLE TRIGGER analysis_slicefacts_delete")

    # then the system check warns, and the command fails, naming it
    assert slice_triggers_off() == ["analysis_slicefacts_delete"]
    (warning,) = slice_triggers_check(databases=["default"])
    assert warning.id == "analysis.W001"
    assert warning.msg.endswith("off or missing: analysis_slicefacts_delete")
    assert slice_triggers_check(databases=None) == []
    err = StringIO()
    with pytest.raises(CommandError, match="triggers are off"):
        call_command("slice_facts_check", stdout=StringIO(), stderr=err)
    assert err.getvalue().startswith("the copy's triggers are off or missing: analysis_slicefacts_delete")

    # and a delete the trigger no longer sees leaves a row over, which the check finds
    ResponseFacts.objects.filter(pk=ResponseFacts.objects.order_by("pk").values("pk")[:1]).delete()
    assert slice_facts_drift() == {ResponseFacts.objects.values_list("survey_id", flat=True).first(): 1}
