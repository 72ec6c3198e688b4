"""Segments side by side: any attribute, aggregated or not, per value with the metric, its
interval and the test against the rest; the aggregated and the facts paths agree."""

import datetime as dt

import pytest

import analysis.selectors.scope as scope_module
import analysis.selectors.segments as segments_module
from analysis.selectors.scope import Scope
from analysis.selectors.segments import segment_attributes, segments_for_scope
from analysis.services import response_analyse
from tests.analysis.platform_factories import BASE, analysed_survey, completed

pytestmark = pytest.mark.django_db

FROM, TO = dt.date(2026, 5, 4), dt.date(2026, 5, 10)


@pytest.fixture
def survey():
    survey, version = analysed_survey()
    rows = (
        [(score, {"city": "上海", "store_id": "s1"}) for score in (10, 10, 9, 3)]
        + [(score, {"city": "北京", "store_id": "s2"}) for score in (0, 2, 8)]
        + [(10, {"store_id": "s2"})]
    )
    for i, (nps, attributes) in enumerate(rows):
        response = completed(
            version, nps=nps, attributes=attributes, completed_at=BASE + dt.timedelta(days=i % 5)
        )
        response_analyse(response_id=response.pk)
    return survey


def _summary(rows):
    return [
        (
            r["value"],
            r["result"]["n"],
            r["result"]["value"],
            r["result"]["small_sample"],
            None if r["versus_rest"] is None else r["versus_rest"]["difference"],
        )
        for r in rows
    ]


def test_values_side_by_side_with_the_metric_and_the_difference_to_the_rest(survey):
    # when city (aggregated) and store (not aggregated) are compared
    found = segments_for_scope(scope=Scope(survey, FROM, TO, {}), keys=["store_id", "city"])
    assert found["metric"] == "nps"
    assert list(found["segments"]) == ["store_id", "city"]
    # then each value: n, NPS, small sample, NPS points against the rest
    # 上海 3 promoters 1 detractor of 4 = 50; the rest (北京 and the response without a city)
    # 1 promoter 2 detractors of 4 = -25; 北京 -66.7 against 4 promoters 1 detractor of 5 = 60
    assert _summary(found["segments"]["city"]) == [
        ("上海", 4, 50.0, True, 75.0),
        ("北京", 3, -200 / 3, True, -200 / 3 - 60.0),
    ]
    assert _summary(found["segments"]["store_id"]) == [
        ("s1", 4, 50.0, True, 75.0),
        ("s2", 4, -25.0, True, -75.0),
    ]
    city = found["segments"]["city"][0]
    assert city["result"]["low"] == pytest.approx(-34.869, abs=1e-3)
    assert city["result"]["high"] == 100.0
    assert city["versus_rest"]["test"] == "permutation test"
    assert city["versus_rest"]["p_value"] == pytest.approx(0.4857, abs=1e-4)
    assert city["significant"] is False


def test_the_facts_path_gives_what_the_aggregates_give(survey, monkeypatch):
    scope = Scope(survey, FROM, TO, {})
    aggregated = segments_for_scope(scope=scope, keys=["city"])["segments"]["city"]
    # when city is treated as an attribute the aggregates do not hold
    monkeypatch.setattr(segments_module, "segment_keys", lambda: ())
    from_facts = segments_for_scope(scope=scope, keys=["city"])["segments"]["city"]
    assert from_facts == aggregated
    # and on the Python path
    monkeypatch.setattr(scope_module, "in_database", lambda: False)
    assert segments_for_scope(scope=scope, keys=["city"])["segments"]["city"] == aggregated


def test_a_filtered_scope_compares_inside_the_slice(survey):
    found = segments_for_scope(scope=Scope(survey, FROM, TO, {"store_id": "s2"}), keys=["city"])
    # 北京 (0, 2, 8) against the one response of s2 without a city (10)
    assert _summary(found["segments"]["city"]) == [("北京", 3, -200 / 3, True, None)]


def test_attributes_found_on_the_responses(survey):
    assert segment_attributes(Scope(survey, FROM, TO, {})) == [
        "city",
        "channel",
        "respondent_type",
        "locale",
        "store_id",
    ]
