"""Validation of monthly count series: every bad input names the month that is wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slaplan import DataError, forecast_volume
from slaplan.forecast.series import check_forecast_args, monthly_counts


def _series(values, start="2024-01"):
    return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"))


def test_period_index_series_is_accepted_and_sorted():
    shuffled = _series([5, 6, 7, 8, 9, 10]).iloc[::-1]
    months, counts, filled = monthly_counts(shuffled)
    assert str(months[0]) == "2024-01" and counts.tolist() == [5, 6, 7, 8, 9, 10]
    assert filled == ()


def test_datetime_index_series_becomes_monthly_periods():
    index = pd.date_range("2024-01-01", periods=7, freq="MS")
    months, _, _ = monthly_counts(pd.Series(np.arange(7), index=index))
    assert isinstance(months, pd.PeriodIndex) and str(months[-1]) == "2024-07"


def test_array_needs_start_and_gets_monthly_index():
    with pytest.raises(ValueError, match="start"):
        monthly_counts([1, 2, 3, 4, 5, 6])
    months, _, _ = monthly_counts([1, 2, 3, 4, 5, 6], start="2023-11")
    assert str(months[2]) == "2024-01"


def test_fewer_than_three_months_is_a_clear_error():
    with pytest.raises(DataError, match="at least 3 months to forecast, got 2"):
        forecast_volume(_series([10, 11]))


def test_an_explicit_method_needing_more_months_than_the_regime_has_is_refused():
    with pytest.raises(DataError, match="method 'ets' needs at least 6 months"):
        forecast_volume(_series([10, 11, 12, 13]), method="ets")


def test_gaps_are_listed_and_filled_only_when_asked():
    gappy = _series(list(range(10, 20))).drop(
        [pd.Period("2024-03", "M"), pd.Period("2024-07", "M")]
    )
    with pytest.raises(DataError, match="missing month\\(s\\) 2024-03, 2024-07"):
        monthly_counts(gappy)
    months, counts, filled = monthly_counts(gappy, fill_missing=True)
    assert filled == ("2024-03", "2024-07")
    assert len(months) == 10 and counts[2] == 0 and counts[6] == 0


@pytest.mark.parametrize(
    ("value", "rule"),
    [(-3, "negative"), (np.nan, "NaN"), (np.inf, "infinite"), (2.5, "whole")],
)
def test_bad_values_name_the_month(value, rule):
    values = [10.0, 11.0, 12.0, value, 14.0, 15.0]
    with pytest.raises(DataError, match=rf"{rule}.*2024-04"):
        monthly_counts(_series(values))


def test_duplicate_months_are_an_error():
    index = pd.DatetimeIndex(["2024-01-05", "2024-01-20", "2024-02-01", "2024-03-01"])
    with pytest.raises(DataError, match=r"more than one value.*2024-01"):
        monthly_counts(pd.Series([1, 2, 3, 4], index=index))


def test_non_month_index_is_rejected():
    with pytest.raises(DataError, match="indexed by month"):
        monthly_counts(pd.Series([1, 2, 3, 4, 5, 6]))


@pytest.mark.parametrize(
    ("horizon", "levels", "message"),
    [
        (0, (0.8,), "horizon must be >= 1"),
        (True, (0.8,), "horizon must be an integer"),
        (6, (1.2,), "levels must be in \\(0, 1\\)"),
        (40, (0.8,), "at most 36"),
    ],
)
def test_forecast_arguments_are_checked(horizon, levels, message):
    with pytest.raises((ValueError, TypeError), match=message):
        check_forecast_args(horizon, levels, 0)


def test_unknown_method_lists_the_valid_ones():
    with pytest.raises(ValueError, match="method must be one of 'auto', 'level', 'seasonal_naive'"):
        forecast_volume(_series(list(range(10, 22))), method="prophet")
