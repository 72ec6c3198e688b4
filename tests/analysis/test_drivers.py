"""Driver importance: exact weights for orthogonal drivers, the known ordering on seeded data,
bootstrap repeatability, quadrants and the refusals."""

import numpy as np
import pandas as pd
import pytest

from analysis.drivers import FIX_FIRST, KEEP_UP, LOW_PRIORITY, MAINTAIN, driver_importance


def orthogonal_frame() -> pd.DataFrame:
    """x1, x2 and the noise e are orthogonal contrasts over 4 rows, repeated 5 times, and
    y = 2 x1 + x2 + 0.5 e: corr(x1, y)² = 4 / 5.25, corr(x2, y)² = 1 / 5.25, R² = 5 / 5.25."""
    x1 = [1, -1, 1, -1] * 5
    x2 = [1, 1, -1, -1] * 5
    e = [1, -1, -1, 1] * 5
    y = [2 * a + b + 0.5 * c for a, b, c in zip(x1, x2, e, strict=True)]
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2})


@pytest.mark.parametrize("method", ["relative_weights", "shapley"])
def test_orthogonal_drivers_get_their_squared_correlation(method):
    results = driver_importance(orthogonal_frame(), target="y", drivers=["x2", "x1"], n_boot=0, method=method)
    assert [r.driver for r in results] == ["x1", "x2"]
    assert [r.rank for r in results] == [1, 2]
    assert results[0].importance == pytest.approx(4 / 5.25)
    assert results[1].importance == pytest.approx(1 / 5.25)
    assert results[0].share == pytest.approx(0.8)
    assert results[0].r_squared == pytest.approx(5 / 5.25)
    assert results[0].n == 20


def synthetic(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.5 * a + rng.normal(size=n)  # correlated with a: the two share credit
    c = rng.normal(size=n)
    d = rng.normal(size=n)  # no effect
    scenario = rng.choice(["peak", "night", "normal"], n)
    y = 3 * a + 2 * b + 1 * c + np.where(scenario == "peak", -2.0, 0.0) + rng.normal(size=n) * 2
    return pd.DataFrame({"y": y, "a": a, "b": b, "c": c, "d": d, "scenario": scenario})


def test_known_ordering_on_seeded_data_and_both_methods_agree():
    frame = synthetic()
    drivers = ["d", "c", "scenario", "b", "a"]
    weights = driver_importance(frame, target="y", drivers=drivers, n_boot=50, seed=3)
    shapley = driver_importance(frame, target="y", drivers=drivers, n_boot=0, method="shapley")
    assert [r.driver for r in weights] == ["a", "b", "c", "scenario", "d"]
    assert [r.driver for r in shapley] == ["a", "b", "c", "scenario", "d"]
    by_driver = {r.driver: r.importance for r in shapley}
    for result in weights:
        assert result.importance == pytest.approx(by_driver[result.driver], abs=0.005)
        assert result.low <= result.importance <= result.high
    assert sum(r.importance for r in weights) == pytest.approx(weights[0].r_squared)
    # the useless driver's interval sits near zero, the strongest's well above it
    assert weights[-1].high < 0.02
    assert weights[0].low > 0.3


def test_bootstrap_repeats_with_the_same_seed_and_moves_with_another():
    frame = synthetic(n=120)
    first = driver_importance(frame, target="y", drivers=["a", "b", "c"], n_boot=30, seed=5)
    again = driver_importance(frame, target="y", drivers=["a", "b", "c"], n_boot=30, seed=5)
    other = driver_importance(frame, target="y", drivers=["a", "b", "c"], n_boot=30, seed=6)
    assert first == again
    assert [r.low for r in first] != [r.low for r in other]


def test_categorical_driver_has_no_performance_or_quadrant():
    results = driver_importance(synthetic(), target="y", drivers=["a", "scenario"], n_boot=0)
    scenario = next(r for r in results if r.driver == "scenario")
    assert (scenario.performance, scenario.performance_scaled, scenario.quadrant, scenario.correlation) == (
        None,
        None,
        None,
        None,
    )
    assert scenario.importance > 0


def test_importance_performance_quadrants():
    # Given four matrix items on a 1..5 scale: two matter (wait, taste), two barely (decor, music);
    # wait and decor score low on average, taste and music high
    rng = np.random.default_rng(11)
    n = 300
    wait = rng.integers(1, 4, n)  # mean about 2
    taste = rng.integers(3, 6, n)  # mean about 4
    decor = rng.integers(1, 4, n)
    music = rng.integers(3, 6, n)
    y = 2.0 * wait + 2.0 * taste + 0.1 * decor + 0.1 * music + rng.normal(size=n)
    frame = pd.DataFrame({"nps": y, "wait": wait, "taste": taste, "decor": decor, "music": music})
    results = {
        r.driver: r
        for r in driver_importance(
            frame, target="nps", drivers=["wait", "taste", "decor", "music"], n_boot=0, scale=(1, 5)
        )
    }
    assert results["wait"].quadrant == FIX_FIRST
    assert results["taste"].quadrant == KEEP_UP
    assert results["decor"].quadrant == LOW_PRIORITY
    assert results["music"].quadrant == MAINTAIN
    assert results["wait"].performance == pytest.approx(float(np.mean(wait)))
    assert results["wait"].performance_scaled == pytest.approx((np.mean(wait) - 1) / 4)


def test_missing_values_are_left_out_row_by_row():
    frame = synthetic(n=100)
    frame.loc[0:9, "a"] = np.nan
    frame.loc[5:14, "y"] = np.nan
    results = driver_importance(frame, target="y", drivers=["a", "b"], n_boot=0)
    assert results[0].n == 85


@pytest.mark.parametrize(
    ("change", "drivers", "message"),
    [
        (lambda f: f.head(19), ["a"], "too few rows for driver analysis: 19 complete row"),
        (lambda f: f.assign(d=1.0), ["a", "d"], "driver column\\(s\\) 'd' are constant"),
        (lambda f: f.assign(y=2.0), ["a"], "the target column 'y' is constant"),
        (lambda f: f.assign(y="high"), ["a"], "the target column 'y' has values that are not numbers"),
        (lambda f: f, ["a", "zz"], "column\\(s\\) 'zz' not found; columns: y, a, b, c, d, scenario"),
        (lambda f: f, [], "no driver columns given"),
        (lambda f: f, ["a", "y"], "the target 'y' cannot also be a driver"),
        (lambda f: f.head(21), ["a", "b", "c", "d", "scenario"], None),
    ],
)
def test_refusals_name_the_problem(change, drivers, message):
    frame = change(synthetic(n=60))
    if message is None:  # 21 rows, 6 model columns: enough
        assert len(driver_importance(frame, target="y", drivers=drivers, n_boot=0)) == 5
        return
    with pytest.raises(ValueError, match=message):
        driver_importance(frame, target="y", drivers=drivers, n_boot=0)


def test_more_model_columns_than_rows_is_refused():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"y": rng.normal(size=20), "city": [f"c{i}" for i in range(20)]})
    with pytest.raises(ValueError, match="20 complete rows for 19 model columns"):
        driver_importance(frame, target="y", drivers=["city"], n_boot=0)


def test_a_resample_s_correlations_from_its_row_counts_equal_those_of_its_rows():
    from analysis.drivers import _correlations, _resample_correlations

    rng = np.random.default_rng(5)
    x = np.column_stack([rng.normal(size=50), rng.integers(0, 5, 50), np.r_[np.ones(3), np.zeros(47)]])
    y = x[:, 0] * 2 + rng.normal(size=50)
    rows = np.r_[np.arange(3, 50), 3, 4, 5]  # none of the first three: the last column is constant there
    counts = np.bincount(rows, minlength=50).astype(float)

    rxx, rxy = _resample_correlations(np.ascontiguousarray(np.column_stack([x, y]).T), counts)
    expected_xx, expected_xy = _correlations(x[rows], y[rows])

    np.testing.assert_allclose(rxx, expected_xx, atol=1e-12)
    np.testing.assert_allclose(rxy, expected_xy, atol=1e-12)
    assert rxy[2] == 0.0 and rxx[2, 2] == 1.0 and rxx[0, 2] == 0.0
