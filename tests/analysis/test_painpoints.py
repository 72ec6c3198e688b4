"""Pain-point ranking: impact, detractor rates, segment lift and trend on hand-computable tables."""

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analysis import stats
from analysis.painpoints import (
    SegmentLift,
    Strength,
    TopicImpact,
    Trend,
    impact_of,
    painpoint_analyse,
    painpoint_rank,
    strength_as_dict,
    topic_impact_as_dict,
)

NAN = float("nan")


def tiny_table() -> pd.DataFrame:
    """Six responses; the last has no score but a detractor likelihood from its text."""
    return pd.DataFrame(
        {
            "topics": [["late"], ["late", "cold"], ["cold"], [], (), "late"],
            "score": [0, 6, 10, 9, 10, NAN],
            "detractor_likelihood": [NAN, NAN, NAN, NAN, NAN, 0.5],
        }
    )


def test_rank_by_impact_on_a_tiny_table_by_hand():
    # Given scored responses 0, 6, 10, 9, 10: NPS = (3 - 2) / 5 = 20
    # When the topics are ranked
    ranked = painpoint_rank(tiny_table(), metric="nps")
    # Then without the late responses (0, 6) NPS is 100: late costs 80 points;
    # without the cold ones (6, 10) the rest 0, 9, 10 give (2 - 1) / 3 = 33.33: cold costs 13.33
    assert [t.key for t in ranked] == ["late", "cold"]
    late, cold = ranked
    assert late == TopicImpact(
        key="late",
        mentions=3,
        share=0.5,
        # detractors among the scored comments: rows 0 and 1 of 2; row 5 has no score and is
        # left out (its likelihood counts only when nothing is scored)
        detractor_rate=1.0,
        # scored comments 0, 6, 10, 9, 10: 2 detractors of 5
        overall_detractor_rate=0.4,
        impact=pytest.approx(80.0),
        trend=None,
        segments=(),
        # both sides are constant (all detractors, all promoters): no spread, a point interval
        impact_low=pytest.approx(80.0),
        impact_high=pytest.approx(80.0),
        # one-sided Fisher: P(both detractors fall in 2 draws of 5) = C(2,2) / C(5,2) = 0.1
        p_value=pytest.approx(0.1),
        # Benjamini-Hochberg over (0.1, 0.7): 0.1 x 2 / 1
        p_adjusted=pytest.approx(0.2),
        significant=False,
        small_sample=True,
    )
    assert (cold.mentions, cold.share) == (2, pytest.approx(2 / 6))
    assert cold.impact == pytest.approx(100 / 3 - 20)
    assert cold.detractor_rate == pytest.approx(0.5)
    # 1 - C(3,2) / C(5,2) = 0.7
    assert cold.p_value == pytest.approx(0.7)
    # var (6, 10) = (0.5 + 0.5 - 0) / 2, var (0, 9, 10) = (2/3 + 1/3 - 1/9) / 3, in NPS points^2;
    # half width = 1.959964 x 2/5 x 100 x sqrt(0.5 + 8/27) = 69.9618
    half = 1.959964 * 0.4 * 100 * math.sqrt(0.5 + 8 / 27)
    assert (cold.impact_low, cold.impact_high) == (
        pytest.approx(100 / 3 - 20 - half, abs=1e-3),
        pytest.approx(100 / 3 - 20 + half, abs=1e-3),
    )


@pytest.mark.parametrize(
    ("metric", "scores", "mask", "expected"),
    [
        # NPS 20 -> 100 without the first two
        ("nps", [0, 6, 10, 9, 10], [1, 1, 0, 0, 0], 80.0),
        # CSAT share of 4-5: 3/5 = 60 % -> 3/3 = 100 %: 40 share points
        ("csat", [1, 2, 4, 5, 5], [1, 1, 0, 0, 0], 40.0),
        # CES mean 24 / 6 = 4.0 -> 20 / 4 = 5.0 without the 1 and 3: 1 scale point
        ("ces", [1, 3, 5, 7, 6, 2], [1, 1, 0, 0, 0, 0], 1.0),
        # rating mean 3.5 -> 3.0 without the 5: the topic is praise, it costs -0.5
        ("rating", [5, 3, 3, 3], [1, 0, 0, 0], -0.5),
        # NaN scores are left out on both sides: 20 -> 100 as in the first case
        ("nps", [0, 6, 10, NAN, 9, 10], [1, 1, 0, 1, 0, 0], 80.0),
    ],
)
def test_impact_of(metric, scores, mask, expected):
    assert impact_of(scores, np.array(mask, dtype=bool), metric=metric) == pytest.approx(expected)


def test_impact_of_is_nan_when_nothing_is_left_to_compare():
    assert math.isnan(impact_of([3, 4], [True, True], metric="csat"))
    assert math.isnan(impact_of([NAN, NAN], [True, False], metric="csat"))


def test_impact_of_refuses_a_mask_of_another_length():
    with pytest.raises(ValueError, match="mask_topic has 1 entries but there are 2 scores"):
        impact_of([1, 2], [True], metric="csat")


def test_without_scores_impact_is_none_and_rates_come_from_likelihoods():
    frame = pd.DataFrame(
        {
            "topics": [["a"], ["a"], ["b"], ["b"], ["b"]],
            "score": [NAN] * 5,
            "detractor_likelihood": [0.9, 0.7, 0.1, 0.2, NAN],
        }
    )
    ranked = painpoint_rank(frame, metric=None)
    # impact None everywhere: ranked by mentions
    assert [(t.key, t.mentions, t.impact) for t in ranked] == [("b", 3, None), ("a", 2, None)]
    assert ranked[0].detractor_rate == pytest.approx(0.15)
    assert ranked[1].detractor_rate == pytest.approx(0.8)
    assert ranked[0].overall_detractor_rate == pytest.approx(1.9 / 4)


def test_share_counts_only_rows_with_text_when_a_text_column_is_given():
    frame = pd.DataFrame(
        {
            "text": ["slow", "  ", None, "cold and slow"],
            "topics": [["late"], ["late"], [], "late;cold"],
            "score": [1, 5, 5, 2],
        }
    )
    ranked = painpoint_rank(frame, metric="csat")
    by_key = {t.key: t for t in ranked}
    # two comments have text; row 1's tag is ignored because it has no text
    assert (by_key["late"].mentions, by_key["late"].share) == (2, 1.0)
    assert (by_key["cold"].mentions, by_key["cold"].share) == (1, 0.5)
    # CSAT over all four responses: 2/4 = 50 %; without rows 0 and 3: 2/2 = 100 %
    assert by_key["late"].impact == pytest.approx(50.0)


def test_ties_and_min_mentions():
    frame = pd.DataFrame({"topics": [["b"], ["a"], ["a"], ["c"]], "score": [5, 5, 5, 5]})
    ranked = painpoint_rank(frame, metric="csat", min_mentions=1)
    # every impact is 0: ranked by mentions, then key
    assert [t.key for t in ranked] == ["a", "b", "c"]
    assert [t.key for t in painpoint_rank(frame, metric="csat", min_mentions=2)] == ["a"]


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"topics": [], "score": []}),
        pd.DataFrame({"topics": [[], [], None], "score": [1, 2, 3]}),
    ],
)
def test_no_topic_gives_an_empty_ranking(frame):
    assert painpoint_rank(frame, metric="csat") == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"segment_columns": ["city"]}, "segment column\\(s\\) 'city' not found; columns: topics, score"),
        ({"metric": "nsp"}, "unknown metric 'nsp'"),
    ],
)
def test_bad_arguments_are_named(kwargs, message):
    frame = pd.DataFrame({"topics": [["a"]], "score": [1]})
    with pytest.raises(ValueError, match=message):
        painpoint_rank(frame, **{"metric": "csat", **kwargs})


def test_a_score_outside_the_scale_is_refused():
    frame = pd.DataFrame({"topics": [["a"]], "score": [9]})
    with pytest.raises(ValueError, match=re.escape("score 9 is outside the csat scale 1..5")):
        painpoint_rank(frame, metric="csat")


def lift_table() -> pd.DataFrame:
    """100 comments: 20 at peak, 15 of them late; 80 normal, 5 of them late."""
    scenario = ["peak"] * 20 + ["normal"] * 80
    topics = [["late"]] * 15 + [[]] * 5 + [["late"]] * 5 + [[]] * 75
    return pd.DataFrame({"topics": topics, "score": [3] * 100, "scenario": scenario})


def test_segment_lift_with_fisher_test_by_hand():
    ranked = painpoint_rank(lift_table(), metric="csat", segment_columns=["scenario"])
    (late,) = ranked
    # share of late comments at peak 15/20 = 0.75, of all comments 20/100 = 0.2: lift 3.75
    # one-sided Fisher on [[15, 5], [5, 75]] = 7.0986e-10; two candidates (peak, normal), the
    # Benjamini-Hochberg adjustment doubles the smaller p-value
    fisher = sps.fisher_exact([[15, 5], [5, 75]], alternative="greater").pvalue
    assert late.segments == (
        SegmentLift(
            column="scenario",
            value="peak",
            mentions=15,
            share_in_topic=0.75,
            share_overall=0.2,
            lift=pytest.approx(3.75),
            p_value=pytest.approx(2 * fisher),
        ),
    )


def test_fisher_for_many_segments_equals_one_at_a_time():
    # given a topic's segments: (topic comments in the segment, comments in the segment)
    segments = [(15, 20), (5, 80), (0, 7), (20, 20)]
    # when their p-values are computed in one call
    many = stats.fisher_greater_many([b for b, _ in segments], 20, [s for _, s in segments], 100)
    # then each is the one-at-a-time value, exactly
    assert many == [stats.fisher_greater(b, 20, s, 100) for b, s in segments]
    assert many[0] == pytest.approx(sps.fisher_exact([[15, 5], [5, 75]], alternative="greater").pvalue)
    assert many[2] == 1.0
    assert stats.fisher_greater_many([], 20, [], 100) == []


def test_fisher_not_below_alpha_tells_only_proven_cases():
    # given tables (topic comments in the segment, topic comments, comments in the segment, all):
    # 10 expected in the segment; 5 and 10 below or at it, 14 above, 15 just past the line of
    # 0.05; 0 in both; a count past the support (p = 0)
    tables = [(5, 50, 40, 200), (10, 50, 40, 200), (14, 50, 40, 200), (15, 50, 40, 200)]
    tables += [(0, 50, 40, 200), (41, 50, 40, 200)]
    exact = [stats.fisher_greater(*t) for t in tables]
    # when the cheap bound is asked whether each p-value is at least 0.05
    sure = stats.fisher_greater_not_below(0.05, *(np.array(column) for column in zip(*tables, strict=True)))
    # then it says so where the exact p-value is at least 0.05, and only there
    assert [round(p, 4) for p in exact] == [0.9911, 0.5729, 0.079, 0.0359, 1.0, 0.0]
    assert sure.tolist() == [True, True, True, False, True, False]


def test_fisher_not_below_alpha_never_wrong_on_random_tables():
    # given many random tables, small to a million comments, counts around their expectation
    rng = np.random.default_rng(11)
    total = rng.integers(1, 1_000_000, 3000)
    in_segment = (rng.random(3000) * total).astype(int)
    in_topic = (rng.random(3000) * total).astype(int)
    mean = in_topic * in_segment / total
    in_both = np.maximum(0, mean + rng.normal(0, 3, 3000) * np.sqrt(np.maximum(mean, 1))).astype(int)
    # when the bound is asked and the exact tails computed
    sure = stats.fisher_greater_not_below(0.05, in_both, in_topic, in_segment, total)
    exact = np.asarray(
        stats.fisher_greater_each(list(in_both), list(in_topic), list(in_segment), list(total))
    )
    # then it tells exactly the tables whose p-value is at least 0.05 (1,784 of 3,000)
    assert (sure == (exact >= 0.05)).all()
    assert sure.sum() == 1784


def test_tiny_segments_do_not_top_the_list():
    # Given a segment of 3 comments, all late: lift 5 but below the support thresholds
    frame = lift_table()
    frame.loc[[20, 21, 22], "scenario"] = "rain"
    frame.loc[[20, 21, 22], "topics"] = pd.Series([["late"]] * 3, index=[20, 21, 22])
    ranked = painpoint_rank(frame, metric="csat", segment_columns=["scenario"])
    assert [s.value for s in ranked[0].segments] == ["peak"]


def test_pair_of_attributes_is_reported_when_it_concentrates_more_than_each_half():
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(1200):
        scenario = str(rng.choice(["peak", "night", "normal"]))
        district = str(rng.choice(["office", "residential", "campus"]))
        late = rng.random() < (0.6 if (scenario, district) == ("peak", "office") else 0.05)
        rows.append(
            {"topics": ["late"] if late else [], "score": 3, "scenario": scenario, "district_type": district}
        )
    ranked = painpoint_rank(pd.DataFrame(rows), metric="csat", segment_columns=["scenario", "district_type"])
    top = ranked[0].segments[0]
    assert (top.column, top.value) == ("scenario & district_type", "peak & office")
    assert top.lift > 3
    assert all(s.p_value < 0.05 for s in ranked[0].segments)
    assert len(ranked[0].segments) <= 5


def test_max_segments_keeps_the_highest_lifts():
    ranked = painpoint_rank(lift_table(), metric="csat", segment_columns=["scenario"], max_segments=0)
    assert ranked[0].segments == ()


def test_trend_two_proportion_test_by_hand():
    # Given 20 of 100 comments late now, 10 of 100 before
    now = pd.DataFrame({"topics": [["late"]] * 20 + [[]] * 80, "score": [NAN] * 100})
    before = pd.DataFrame({"topics": [["late"]] * 10 + [[]] * 90, "score": [NAN] * 100})
    (late,) = painpoint_rank(now, metric="nps", previous=before)
    # pooled 0.15, se = sqrt(0.15 * 0.85 * 0.02) = 0.050498, z = 0.1 / 0.050498 = 1.9803, p = 0.04767
    assert late.trend == Trend(
        previous_mentions=10,
        previous_share=0.1,
        share=0.2,
        change=pytest.approx(0.1),
        p_value=pytest.approx(0.047670, abs=5e-6),
        significant=True,
    )


def test_trend_for_a_new_topic_and_an_empty_previous_period():
    now = pd.DataFrame({"topics": [["new"]] * 3 + [[]] * 7, "score": [NAN] * 10})
    before = pd.DataFrame({"topics": [[]] * 10, "score": [NAN] * 10})
    (new,) = painpoint_rank(now, metric=None, previous=before)
    # small counts: Fisher's exact test, 3/10 against 0/10 -> p = 0.2105
    assert (new.trend.previous_mentions, new.trend.previous_share, new.trend.share) == (0, 0.0, 0.3)
    assert new.trend.p_value == pytest.approx(0.21053, abs=5e-5)
    assert new.trend.significant is False
    empty = pd.DataFrame({"topics": [], "score": []})
    assert painpoint_rank(now, metric=None, previous=empty)[0].trend is None


def test_topic_impact_as_dict_is_json_ready():
    (late,) = painpoint_rank(lift_table(), metric="csat", segment_columns=["scenario"])
    data = topic_impact_as_dict(late)
    assert data["key"] == "late"
    assert data["mentions"] == 20
    assert data["segments"][0]["column"] == "scenario"
    assert data["segments"][0]["value"] == "peak"
    assert data["trend"] is None


def test_topic_cells_in_every_shape_count_once_per_comment():
    frame = pd.DataFrame(
        {
            "topics": [
                ["a", "a"],
                ("a", "b"),
                {"b"},
                np.array(["a"]),
                " a ; b ;a",
                None,
                NAN,
                [],
                [None, " "],
            ],
            "score": [NAN] * 9,
        }
    )
    ranked = painpoint_rank(frame, metric=None)
    assert [(t.key, t.mentions) for t in ranked] == [("a", 4), ("b", 3)]
    assert ranked[0].share == pytest.approx(4 / 9)


def test_segment_values_are_trimmed_and_blank_is_unknown():
    frame = lift_table()
    frame["scenario"] = frame["scenario"].map({"peak": " peak ", "normal": "normal"})
    frame.loc[95:99, "scenario"] = ["", None, NAN, " ", "normal"]
    (late,) = painpoint_rank(frame, metric="csat", segment_columns=["scenario"])
    assert [(s.value, s.mentions, s.share_overall) for s in late.segments] == [("peak", 15, 0.2)]


@pytest.mark.parametrize(
    ("column", "values", "message"),
    [
        ("score", [1, "five"], "column 'score': score 'five' is not a number"),
        (
            "detractor_likelihood",
            [0.2, "high"],
            "column 'detractor_likelihood': score 'high' is not a number",
        ),
        ("detractor_likelihood", [0.2, 1.5], "detractor_likelihood must lie in 0..1, found 1.5"),
    ],
)
def test_values_that_are_not_numbers_are_named(column, values, message):
    frame = pd.DataFrame({"topics": [["a"], ["b"]], "score": [1, 2]})
    frame[column] = pd.Series(values, dtype=object)
    with pytest.raises(ValueError, match=re.escape(message)):
        painpoint_rank(frame, metric="csat")


def test_a_metric_without_detractors_ranks_by_mean_impact():
    frame = pd.DataFrame({"topics": [["a"], ["a"], ["b"], []], "score": [2.0, 3.0, 4.0, 5.0]})
    ranked = painpoint_rank(frame, metric="mean")
    # mean 3.5; without a: 4.5 (costs 1.0); without b: 3.333 (costs -0.1667)
    assert [(t.key, t.impact, t.detractor_rate) for t in ranked] == [
        ("a", pytest.approx(1.0), None),
        ("b", pytest.approx(10 / 3 - 3.5), None),
    ]


def test_a_filtered_frame_with_its_own_index_ranks_the_same():
    frame = tiny_table()
    shuffled = frame.set_axis([50, 10, 40, 30, 20, 60]).iloc[::-1]
    assert painpoint_rank(shuffled, metric="nps") == painpoint_rank(frame.iloc[::-1], metric="nps")
    assert painpoint_rank(shuffled, metric="nps")[0].impact == pytest.approx(80.0)


def test_a_topic_whose_detractor_rate_is_not_above_the_rest_never_outranks_a_significant_one():
    # Given 200 CSAT responses: 40 "taste" comments all scored 3 (no success, no detractor),
    # 20 "late" comments all scored 1 (detractors), 140 others scored 5
    frame = pd.DataFrame(
        {"topics": [["taste"]] * 40 + [["late"]] * 20 + [[]] * 140, "score": [3] * 40 + [1] * 20 + [5] * 140}
    )
    # When ranked
    late, taste = sorted(painpoint_rank(frame, metric="csat"), key=lambda t: t.key)
    ranked = painpoint_rank(frame, metric="csat")
    # Then taste costs more (CSAT 70 % -> 140/160 = 87.5 % without it) than late (-> 140/180)
    assert taste.impact == pytest.approx(17.5)
    assert late.impact == pytest.approx(140 / 180 * 100 - 70)
    # but its detractor rate (0) is not above the rest's: one-sided Fisher p = 1
    assert (taste.detractor_rate, taste.p_value, taste.significant) == (0.0, 1.0, False)
    # late's 20 detractors are all the detractors: p = 1 / C(200, 20), adjusted x 2 / 1
    assert late.p_value == pytest.approx(1 / math.comb(200, 20))
    assert late.p_adjusted == pytest.approx(2 / math.comb(200, 20))
    assert late.significant is True
    # so late ranks first
    assert [t.key for t in ranked] == ["late", "taste"]
    # 40 mentions, CSAT: var = p(1-p)/n per side in share points^2; taste has no success (0)
    # and the rest 140 of 160: half width = 1.959964 x 40/200 x 100 x sqrt(0.875 x 0.125 / 160)
    half = 1.959964 * 0.2 * 100 * math.sqrt(0.875 * 0.125 / 160)
    assert taste.impact_low == pytest.approx(17.5 - half, abs=1e-4)
    assert taste.impact_high == pytest.approx(17.5 + half, abs=1e-4)
    # 40 mentions and an interval of 1.3 points: not a small sample; late's 20 mentions are
    assert (taste.small_sample, late.small_sample) == (False, True)


def test_impact_interval_of_a_mean_metric_from_sums_of_squares():
    # CES: topic scores 1, 3; the rest 5, 7, 6, 2
    frame = pd.DataFrame({"topics": [["a"], ["a"], [], [], [], []], "score": [1, 3, 5, 7, 6, 2]})
    (a,) = painpoint_rank(frame, metric="ces")
    # impact = 2/6 x (5.0 - 2.0) = 1.0; var_topic = 2 / 2, var_rest = (70/3 - ... ) sample var / 4
    rest = [5, 7, 6, 2]
    var_rest = sum((x - 5.0) ** 2 for x in rest) / 3 / 4
    half = 1.959964 * (2 / 6) * math.sqrt(2.0 / 2 + var_rest)
    assert a.impact == pytest.approx(1.0)
    assert (a.impact_low, a.impact_high) == (
        pytest.approx(1.0 - half, abs=1e-5),
        pytest.approx(1.0 + half, abs=1e-5),
    )
    # fewer than two scores on a side: no interval, so a small sample
    (b,) = painpoint_rank(pd.DataFrame({"topics": [["b"], [], []], "score": [1, 5, 6]}), metric="ces")
    assert (b.impact_low, b.impact_high, b.small_sample) == (None, None, True)


def polarity_table(polarity) -> pd.DataFrame:
    """位置好，但隔音差 and friends: location mostly praised, noise a complaint, rooms neutral."""
    return pd.DataFrame(
        {
            "topics": [
                ["location", "noise"],
                ["location", "noise"],
                ["location"],
                ["location", "room"],
                ["noise", "room"],
                ["room"],
            ],
            "score": [6, 5, 9, 3, 2, 8],
            "topic_polarity": polarity,
        }
    )


POLARITY = [
    {"location": 1, "noise": -1},
    '{"location": 1, "noise": -1}',  # as --comments-out writes it
    {"location": 1},  # noise not named: a complaint
    {"location": -1, "room": 0},
    {"noise": -1, "room": -1},
    None,  # no polarity for this row: a complaint
]


def test_pain_points_count_complaints_and_mostly_praised_topics_are_strengths():
    # when the frame carries each mention's polarity
    result = painpoint_analyse(polarity_table(POLARITY), metric="nps")
    # then location (3 praise, 1 complaint) is a strength, never a pain point
    assert result.strengths == (Strength(key="location", mentions=3, complaint_mentions=1, share=0.5),)
    by_key = {t.key: t for t in result.topics}
    assert sorted(by_key) == ["noise", "room"]
    # noise: rows 0, 1, 4 complain; room: rows 4 and 5 (row 3's neutral mention counts in neither)
    assert (by_key["noise"].mentions, by_key["room"].mentions) == (3, 2)
    # impact over the complaint rows only: noise 6, 5, 2 (all detractors) of NPS (1 - 4) / 6 = -50;
    # without them 9, 3, 8: (1 - 1) / 3 = 0, so noise costs 50 points
    assert by_key["noise"].impact == pytest.approx(50.0)
    assert by_key["noise"].detractor_rate == 1.0
    # topic_impact_as_dict and the strength's JSON
    assert strength_as_dict(result.strengths[0]) == {
        "key": "location",
        "mentions": 3,
        "complaint_mentions": 1,
        "share": 0.5,
    }


def test_without_a_polarity_column_every_mention_is_a_complaint():
    frame = polarity_table(POLARITY).drop(columns="topic_polarity")
    result = painpoint_analyse(frame, metric="nps")
    assert result.strengths == ()
    assert [(t.key, t.mentions) for t in result.topics if t.key == "location"] == [("location", 4)]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("{not json", "column 'topic_polarity', row 5: '{not json' is not a JSON object"),
        ("[1]", "column 'topic_polarity', row 5: [1] is not an object of topic -> polarity"),
        ({"room": 2}, "column 'topic_polarity', row 5: polarity 2 of 'room' is not -1, 0 or 1"),
    ],
)
def test_a_bad_polarity_cell_is_named(cell, message):
    frame = polarity_table([*POLARITY[:5], cell])
    with pytest.raises(ValueError, match=re.escape(message)):
        painpoint_analyse(frame, metric="nps")
