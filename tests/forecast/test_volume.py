"""forecast_volume end to end: frame, paths, volume model, fallbacks, reproducibility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import slaplan as sp
from slaplan.forecast import methods as methods_module
from slaplan.forecast.methods import MethodFitError
from slaplan.forecast.volume import interval_scale, widen_paths


@pytest.fixture(scope="module")
def history() -> pd.Series:
    months = pd.period_range("2023-01", periods=30, freq="M")
    rng = np.random.default_rng(11)
    return pd.Series(rng.poisson(250 * (1 + 0.2 * np.sin(np.arange(30) / 1.9))), index=months)


@pytest.fixture(scope="module")
def forecast(history) -> sp.VolumeForecast:
    return sp.forecast_volume(history, horizon=4, seed=0, n_origins=3, n_paths=1000)


def test_frame_is_indexed_by_the_next_months_with_the_contract_columns(forecast):
    assert list(forecast.frame.columns) == ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]
    assert isinstance(forecast.frame.index, pd.PeriodIndex)
    assert [str(m) for m in forecast.frame.index] == ["2025-07", "2025-08", "2025-09", "2025-10"]
    assert forecast.method in {"level", "seasonal_naive", "ets", "ets_damped", "nb_glm"}


def test_intervals_are_whole_nested_and_non_negative(forecast):
    frame = forecast.frame
    assert (frame["lower_95"] >= 0).all()
    assert (frame["lower_95"] <= frame["lower_80"]).all()
    assert (frame["lower_80"] <= frame["mean"]).all() and (frame["mean"] <= frame["upper_80"]).all()
    assert (frame["upper_80"] <= frame["upper_95"]).all()
    bounds = frame.drop(columns="mean").to_numpy()
    np.testing.assert_array_equal(bounds, np.round(bounds))


def test_paths_are_the_source_of_the_frame(forecast):
    assert forecast.paths.shape == (1000, 4) and forecast.paths.dtype == np.int64
    np.testing.assert_allclose(forecast.frame["mean"], forecast.paths.mean(axis=0))


def test_backtest_table_lists_seasonal_naive_and_the_chosen_method(forecast):
    assert "seasonal_naive" in forecast.backtest.index
    assert forecast.method in forecast.backtest.index


def test_same_seed_same_forecast(history):
    one = sp.forecast_volume(history, horizon=3, seed=5, n_origins=2, n_paths=500)
    two = sp.forecast_volume(history, horizon=3, seed=5, n_origins=2, n_paths=500)
    pd.testing.assert_frame_equal(one.frame, two.frame)


def test_volume_model_matches_the_paths_mean_and_variance(forecast):
    model = forecast.volume_model(1)
    counts = forecast.paths[:, 1]
    assert model.mean == pytest.approx(counts.mean())
    assert model.variance == pytest.approx(counts.var(ddof=1), rel=1e-9)
    assert forecast.volume_model("2025-08") == model  # by month label too
    with pytest.raises(ValueError, match="month_index must be < horizon 4"):
        forecast.volume_model(4)


def test_volume_model_feeds_attainability(forecast):
    result = sp.attainability(
        20,
        volume=forecast.volume_model(0),
        rates=[sp.ConversionRate(converted=30, total=300)],
        seed=0,
    )
    assert 0 <= result.probability <= 1


def test_explicit_method_is_used(history):
    result = sp.forecast_volume(history, horizon=3, method="seasonal_naive", seed=0, n_origins=2)
    assert result.method == "seasonal_naive"
    assert set(result.backtest.index) == {"seasonal_naive"}


def test_a_method_that_fails_falls_back_and_says_so(history, monkeypatch):
    def broken(*_args, **_kwargs):
        raise MethodFitError("optimiser did not converge (simulated)")

    monkeypatch.setitem(methods_module.METHODS, "ets", broken)
    result = sp.forecast_volume(history, horizon=3, method="ets", seed=0, n_origins=2)
    assert result.method == "seasonal_naive"
    assert result.fallbacks == ("ets: optimiser did not converge (simulated)",)


def test_widening_is_never_narrowing_and_keeps_whole_counts():
    assert interval_scale(0.6) == 1.0 and interval_scale(float("nan")) == 1.0
    assert interval_scale(1.4) == 1.4 and interval_scale(9.0) == 3.0
    paths = np.array([[90], [100], [110]])
    np.testing.assert_array_equal(widen_paths(paths, 2.0), [[80], [100], [120]])
    np.testing.assert_array_equal(widen_paths(np.array([[0], [10]]), 3.0), [[0], [20]])


def test_fill_missing_is_recorded(history):
    gappy = history.drop(history.index[10])
    result = sp.forecast_volume(
        gappy, horizon=2, seed=0, fill_missing=True, n_origins=2, methods=("seasonal_naive",)
    )
    assert result.filled_months == (str(history.index[10]),)


def test_short_censored_series_still_forecasts_with_honest_width():
    # six months is the minimum: every method is fitted on what little there is
    result = sp.forecast_volume([40, 52, 47, 60, 55, 58], start="2025-01", horizon=3, seed=0)
    assert (result.frame["upper_95"] - result.frame["lower_95"] > 0).all()
