"""Complaints per segment value (pure, no database): which comments complain, the rate of each
value with its Wilson interval and its test against the rest."""

from collections import Counter

import pytest

from analysis.painpoints.complaints import complained_topics, complaint_rates


def test_a_topic_complains_unless_praised_or_neutral():
    assert complained_topics(["late", "rider", "taste"], {"late": -1, "rider": 1, "taste": 0}) == ["late"]
    # a topic the polarity object does not name counts as a complaint, as in the ranking
    assert complained_topics(["late"], {}) == ["late"]
    assert complained_topics([], None) == []


def test_rates_per_value_against_the_rest():
    # given peak: 6 of 10 responses complain, night: 1 of 10, and 5 responses without a scenario
    # of which 1 complains
    rows = complaint_rates(
        {"night": 10, "peak": 10},
        {"peak": 6, "night": 1},
        {"peak": Counter({"late": 5, "cold": 2}), "night": Counter({"cold": 1})},
        total=25,
        total_complaints=8,
    )
    assert [(r["value"], r["responses"], r["complaints"]) for r in rows] == [
        ("night", 10, 1),
        ("peak", 10, 6),
    ]
    peak = rows[1]
    assert peak["result"]["value"] == 0.6
    assert (peak["result"]["low"], peak["result"]["high"]) == (
        pytest.approx(0.3127, abs=1e-4),
        pytest.approx(0.8318, abs=1e-4),
    )
    # 6/10 against 2/15 (the rest holds the responses without a scenario): Fisher's exact test
    assert peak["versus_rest"]["difference"] == pytest.approx(0.6 - 2 / 15)
    assert peak["versus_rest"]["test"] == "fisher exact test"
    assert peak["versus_rest"]["p_value"] == pytest.approx(0.0280, abs=1e-4)
    assert peak["topics"] == [("late", 5), ("cold", 2)]


def test_inconsistent_counts_are_refused():
    with pytest.raises(ValueError, match="more complaining responses than responses"):
        complaint_rates({"peak": 2}, {"peak": 3}, {}, total=5, total_complaints=3)
