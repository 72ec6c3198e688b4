"""The before/after maths of an improvement action's review (pure: no database), against values
worked out by hand."""

import datetime as dt

import pytest

from analysis.painpoints import Counts
from cases import effect

START = dt.date(2026, 5, 4)


@pytest.mark.parametrize(
    ("days", "today", "expected"),
    [
        # a full window: 28 days either side
        (28, dt.date(2026, 12, 1), ("2026-04-06", "2026-05-03", "2026-05-04", "2026-05-31")),
        # cut at today: 7 days after, so 7 before
        (28, dt.date(2026, 5, 10), ("2026-04-27", "2026-05-03", "2026-05-04", "2026-05-10")),
        # started today: one day each
        (28, START, ("2026-05-03", "2026-05-03", "2026-05-04", "2026-05-04")),
    ],
)
def test_windows_are_equal_and_the_after_one_ends_at_today_at_the_latest(days, today, expected) -> None:
    windows = effect.review_windows(START, days, today)

    got = (windows.before_from, windows.before_to, windows.after_from, windows.after_to)
    assert tuple(d.isoformat() for d in got) == expected
    assert (windows.before_to - windows.before_from) == (windows.after_to - windows.after_from)


def test_a_window_of_no_days_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        effect.review_windows(START, 0, START)


def test_topic_share_from_40_of_200_to_20_of_200() -> None:
    # given 40 of 200 comments mention the topic before, 20 of 200 after
    # when
    measure = effect.proportion_change((40, 200), (20, 200))

    # then: -10 points; pooled p = 0.15, se = sqrt(0.15 x 0.85 x 2/200) = 0.035707, z = -2.8006;
    # Wilson 20/200 = (0.065670, 0.149406), 40/200 = (0.150452, 0.260855); Newcombe:
    # -0.1 -+ sqrt(0.034330^2 + 0.060855^2) = -0.169870 and -0.1 + sqrt(0.049406^2 + 0.049548^2)
    assert measure.before.value == 0.2
    assert measure.after.value == 0.1
    assert (measure.before.count, measure.before.n) == (40, 200)
    assert measure.change.value == pytest.approx(-0.1)
    assert measure.change.low == pytest.approx(-0.169870, abs=1e-6)
    assert measure.change.high == pytest.approx(-0.030029, abs=1e-6)
    assert measure.change.p_value == pytest.approx(0.0051014, abs=1e-7)
    assert measure.change.test == "two-proportion z-test"


def test_a_small_sample_is_judged_by_fishers_test() -> None:
    measure = effect.proportion_change((3, 10), (0, 10))

    assert measure.change.value == pytest.approx(-0.3)
    # Fisher's exact two-sided p of [[0, 10], [3, 7]]: 2 x C(10,3) C(10,0) / C(20,3) = 0.2105
    assert measure.change.p_value == pytest.approx(0.2105263, abs=1e-6)
    assert measure.change.test == "fisher exact test"


def test_an_empty_window_has_no_change() -> None:
    measure = effect.proportion_change((0, 0), (5, 10))

    assert measure.before.value is None
    assert (measure.change.value, measure.change.low, measure.change.p_value) == (None, None, None)


def test_nps_and_detractor_rate_before_and_after() -> None:
    # given 80 promoters, 60 passives, 60 detractors before (NPS 10); 110/60/30 after (NPS 40)
    before = Counts(scored=200, promoters=80, passives=60, detractors=60, comments=200)
    after = Counts(scored=200, promoters=110, passives=60, detractors=30, comments=200)

    # when
    measures = effect.action_review(before, Counts(mentions=40), after, Counts(mentions=20), "nps")

    # then the detractor rate: 30 % -> 15 %, z-test p = 0.000328
    rate = measures["detractor_rate"]
    assert (rate.before.value, rate.after.value) == (0.3, 0.15)
    assert rate.change.value == pytest.approx(-0.15)
    assert rate.change.p_value == pytest.approx(0.000328, abs=1e-6)
    # NPS: var before (0.7 - 0.1^2)/200 = 0.00345, after (0.7 - 0.4^2)/200 = 0.0027;
    # se = 100 x sqrt(0.00615) = 7.8422, z = 3.8254, half = 1.959964 x 7.8422 = 15.3704
    nps = measures["metric"]
    assert (nps.before.value, nps.after.value) == (10.0, 40.0)
    assert nps.change.value == pytest.approx(30.0)
    assert nps.change.low == pytest.approx(14.6296, abs=1e-4)
    assert nps.change.high == pytest.approx(45.3704, abs=1e-4)
    assert nps.change.p_value == pytest.approx(0.00013053, abs=1e-8)
    assert nps.change.test == "nps z-test"
    assert measures["topic_share"].change.value == pytest.approx(-0.1)


def test_without_a_metric_there_is_no_metric_measure() -> None:
    measures = effect.action_review(Counts(), Counts(), Counts(), Counts(), None)

    assert sorted(measures) == ["detractor_rate", "topic_share"]


def test_a_mean_metric_has_t_intervals_and_welchs_test_from_the_sums_of_squares() -> None:
    # CES 3, 5, 3, 5 before and 5, 7, 5, 7 after: means 4 and 6, sample variances 4/3 each.
    # Sides: 4 +- t(0.975, 3) x sqrt(4/3 / 4) = 4 +- 3.182446 x 0.577350 = (2.1626, 5.8374); the
    # after side's 7.8374 is cut at the scale's 7. Change: se = sqrt(2/3) = 0.816497, Welch's
    # df = (2/3)^2 / (2 x (1/3)^2 / 3) = 6, 2 +- 2.446912 x 0.816497 = (0.0021, 3.9979),
    # t = 2.449490 on 6 df: p = 0.0498.
    before = Counts(scored=4, score_sum=16.0, score_sum_squares=68.0)
    after = Counts(scored=4, score_sum=24.0, score_sum_squares=148.0)

    measure = effect.metric_change(before, after, "ces")

    assert measure.before.as_dict() == {
        "value": 4.0,
        "low": pytest.approx(2.1626, abs=1e-4),
        "high": pytest.approx(5.8374, abs=1e-4),
        "count": 4,
        "n": 4,
    }
    assert (measure.after.value, measure.after.high) == (6.0, 7.0)
    assert measure.after.low == pytest.approx(4.1626, abs=1e-4)
    assert measure.change.as_dict() == {
        "value": 2.0,
        "low": pytest.approx(0.0021, abs=1e-4),
        "high": pytest.approx(3.9979, abs=1e-4),
        "p_value": pytest.approx(0.0498, abs=1e-4),
        "test": "welch t-test",
    }


def test_a_mean_metric_under_two_scores_a_side_has_its_change_without_an_interval() -> None:
    before = Counts(scored=4, score_sum=12.0, score_sum_squares=38.0)
    after = Counts(scored=1, score_sum=5.0, score_sum_squares=25.0)

    measure = effect.metric_change(before, after, "ces")

    assert (measure.before.value, measure.after.value, measure.change.value) == (3.0, 5.0, 2.0)
    assert (measure.after.low, measure.change.low, measure.change.p_value) == (None, None, None)
    assert measure.change.test == "welch t-test"
