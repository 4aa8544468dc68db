"""Forecasts through the funnel, bottom-up segments, the command line and the charts."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import slaplan as sp
from slaplan.cli import main
from slaplan.present import forecast_charts as charts


@pytest.fixture(scope="module")
def mql_forecast() -> sp.VolumeForecast:
    months = pd.period_range("2024-01", periods=24, freq="M")
    counts = pd.Series(np.random.default_rng(4).poisson(300, 24), index=months)
    return sp.forecast_volume(counts, horizon=4, seed=0, n_origins=2, n_paths=2000)


def test_stage_mean_is_volume_times_rate_with_same_month_lag(mql_forecast):
    # closed form: E[SQL] = E[MQL] x E[rate] for a known rate and no lag
    sqls = sp.forecast_stage(
        mql_forecast, [sp.ConversionRate.fixed(0.1)], stages=("mql", "sql"), seed=1, n_paths=20_000
    )
    expected = mql_forecast.frame["mean"].to_numpy() * 0.1
    np.testing.assert_allclose(sqls.frame["mean"], expected, rtol=0.03)
    assert list(sqls.frame.index) == list(mql_forecast.frame.index)
    assert (sqls.frame["lower_95"] >= 0).all()
    assert sqls.stage_frame("mql")["mean"].iloc[0] == pytest.approx(expected[0] * 10, rel=0.03)


def test_rate_uncertainty_widens_the_stage_interval(mql_forecast):
    known = sp.forecast_stage(
        mql_forecast, [sp.ConversionRate.fixed(0.1)], stages=("mql", "sql"), seed=1, n_paths=20_000
    )
    vague = sp.forecast_stage(
        mql_forecast,
        [sp.ConversionRate(converted=3, total=30)],
        stages=("mql", "sql"),
        seed=1,
        n_paths=20_000,
    )
    width = lambda f: (f.frame["upper_80"] - f.frame["lower_80"]).mean()  # noqa: E731
    assert width(vague) > 1.5 * width(known)


def test_funnel_inputs_from_samples_are_mature_rates_and_month_lags(samples_dir):
    leads = sp.load_leads(samples_dir / "leads.csv", as_of="2026-11-15")
    rates, lags = sp.funnel_inputs(leads, ("mql", "sql"))
    assert len(rates) == 1 and 0.05 < rates[0].mean < 0.3
    assert lags[0].sum() == pytest.approx(1.0) and lags[0].size <= 7


def test_segments_add_up_path_by_path():
    months = pd.period_range("2024-01", periods=18, freq="M")
    rng = np.random.default_rng(2)
    wide = pd.DataFrame({"web": rng.poisson(120, 18), "events": rng.poisson(30, 18)}, index=months)
    result = sp.forecast_by_segment(wide, horizon=3, seed=0, n_origins=2, n_paths=500)
    np.testing.assert_array_equal(result.total_paths, sum(f.paths for f in result.forecasts))
    np.testing.assert_allclose(result.total["mean"], sum(f.frame["mean"] for f in result.forecasts))
    long = result.to_frame()
    assert set(long.index.get_level_values("segment")) == {"web", "events", "total"}
    assert result.forecast("web").method == result.methods()["web"]


def test_segments_accept_the_event_counts_layout(samples_dir):
    leads = sp.load_leads(samples_dir / "leads.csv", as_of="2026-11-15")
    counts = sp.event_counts(leads, by="segment")["mql"]
    result = sp.forecast_by_segment(
        counts.loc[:"2026-10"],
        horizon=2,
        seed=0,
        n_origins=2,
        n_paths=300,
        methods=("seasonal_naive", "nb_glm"),
    )
    assert len(result.segments) == 4


def test_complete_months_drop_the_running_month(samples_dir):
    leads = sp.load_leads(samples_dir / "leads.csv", as_of="2026-11-15")
    assert str(sp.monthly_stage_counts(leads, "lead").index[-1]) == "2026-10"
    with pytest.raises(sp.DataError, match="stage must be one of"):
        sp.monthly_stage_counts(leads, "demo")


def test_cli_prints_forecast_backtest_and_stage_tables(capsys):
    assert main(["forecast", "--horizon", "3", "--to-stage", "sql"]) == 0
    out = capsys.readouterr().out
    assert "rolling-origin backtest" in out and "lower_95" in out and "noise floor" in out
    assert "sql per month through the funnel" in out


def test_cli_by_segment_and_bad_segment(capsys):
    assert main(["forecast", "--horizon", "2", "--by-segment", "--method", "seasonal_naive"]) == 0
    assert "total (bottom-up" in capsys.readouterr().out
    assert main(["forecast", "--segment", "nope"]) == 2
    assert "--segment must be one of" in capsys.readouterr().err


def test_charts_draw_on_given_axes(mql_forecast):
    sqls = sp.forecast_stage(
        mql_forecast,
        [sp.ConversionRate(converted=30, total=300)],
        stages=("mql", "sql"),
        seed=0,
        n_paths=1000,
    )
    fig, axes = plt.subplots(2, 2)
    assert charts.plot_forecast(mql_forecast, ax=axes[0, 0]) is axes[0, 0]
    assert charts.plot_backtest_errors(mql_forecast.backtest_detail, ax=axes[0, 1]) is axes[0, 1]
    assert charts.plot_backtest_coverage(mql_forecast.backtest_detail, ax=axes[1, 0]) is axes[1, 0]
    assert charts.plot_stage_forecast(sqls, ax=axes[1, 1]) is axes[1, 1]
    assert len(axes[0, 0].collections) == 2  # the 80% and 95% bands
    plt.close(fig)


def test_maven_export_backtest_runs_on_its_short_series(maven_dir):
    pipeline = sp.load_leads(maven_dir / "sales_pipeline.csv", mapping="maven")
    engaged = sp.monthly_stage_counts(pipeline, "engaging")
    # 2016-11..2017-12: the partial first month (data from 2016-10-20) is left out
    assert len(engaged) == 14 and str(engaged.index[0]) == "2016-11"
    usable = engaged.loc["2016-11":"2017-10"]
    result = sp.forecast_volume(usable, horizon=6, seed=0, n_origins=6)
    # the ramp-up is a level shift (about 290 a month, then about 840 from 2017-03): reported,
    # and the months since are too few for a backtest to choose, so the stated default is used
    assert [str(shift.month) for shift in result.shifts] == ["2017-03"]
    assert result.shifts[0].ratio > 2.5
    assert result.method == "level" and "fewer than 6" in result.choice
    assert (result.frame["lower_95"] >= 0).all()


def test_forecast_paths_flow_through_the_funnel_with_their_correlation(mql_forecast):
    # closed form for a known rate p and no lag: Cov(SQL_1, SQL_2) = p^2 Cov(MQL_1, MQL_2) of the
    # forecast's own paths (the engine follows each forecast path, one per simulated path)
    n_paths = mql_forecast.paths.shape[0]
    sqls = sp.forecast_stage(
        mql_forecast, [sp.ConversionRate.fixed(0.1)], stages=("mql", "sql"), seed=2, n_paths=n_paths
    )
    np.testing.assert_array_equal(sqls.paths[:, 0, :], mql_forecast.paths)
    mql = mql_forecast.paths
    expected = 0.01 * np.cov(mql[:, 0], mql[:, -1])[0, 1]
    sql = sqls.paths[:, 1, :]
    # sampling error of a covariance of 2,000 paths: a few percent of the variances
    assert np.cov(sql[:, 0], sql[:, -1])[0, 1] == pytest.approx(
        expected, abs=0.25 * sql.var(axis=0).mean()
    )


def test_backtest_charts_say_so_when_the_regime_is_too_young_to_backtest(samples_dir):
    # the samples' mql volume changed in 2026-07 (truth.yaml campaign): four months since, no
    # origin to backtest from; the charts say so instead of failing (notebook 04 draws them)
    leads = sp.load_leads(samples_dir / "leads.csv", as_of="2026-11-15")
    forecast = sp.estimate_funnel(leads, ["mql", "sql"]).volume("mql").forecast
    assert forecast.backtest_detail.points.empty
    fig, axes = plt.subplots(1, 2)
    plots = (charts.plot_backtest_errors, charts.plot_backtest_coverage)
    for plot, ax in zip(plots, axes, strict=True):
        assert plot(forecast.backtest_detail, ax=ax) is ax
        assert ax.texts[0].get_text().startswith("no backtest")
    plt.close(fig)
