"""Response-time bands and the MQL handoff threshold curve."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slaplan.capacity.calendar import BusinessCalendar
from slaplan.errors import InfeasibleTargetError
from slaplan.funnel.response_bands import RESPONSE_BANDS, response_band, response_bands
from slaplan.funnel.threshold import handoff_threshold

MQL = pd.Timestamp("2026-01-05 09:00")  # a Monday


def _touched(minutes_and_sql):
    minutes = [m for m, _ in minutes_and_sql]
    return pd.DataFrame(
        {
            "mql_at": [MQL] * len(minutes),
            "first_touch_at": [
                MQL + pd.Timedelta(minutes=m) if m is not None else pd.NaT for m in minutes
            ],
            "sql_at": [MQL + pd.Timedelta(days=3) if s else pd.NaT for _, s in minutes_and_sql],
        }
    )


def test_band_boundaries_wall_clock():
    # by hand: 4 min, 59 min, 8 h (same date), 2 days, never; a touch 1 min *before* the MQL
    frame = _touched(
        [(4, True), (59, False), (480, True), (2880, False), (None, False), (-1, True)]
    )
    table = response_bands(frame, window_days=30, as_of="2026-03-01")
    assert table["band"].tolist() == list(RESPONSE_BANDS)
    assert table["total"].tolist() == [2, 1, 1, 1, 1]
    assert table["converted"].tolist() == [2, 0, 1, 0, 0]
    assert table["share"].sum() == pytest.approx(1.0)
    assert table.loc[0, "vs_later"] == np.inf  # "later" converted 0: ratio unbounded


def test_business_hours_bands_use_open_hours():
    # Friday 16:30 MQL, touched Monday 09:20: 50 business minutes -> "< 1 h" (wall clock: later)
    calendar = BusinessCalendar(
        timezone="UTC", days=("mon", "tue", "wed", "thu", "fri"), start="09:00", end="17:00"
    )
    friday = pd.Timestamp("2026-01-09 16:30")
    frame = pd.DataFrame(
        {
            "mql_at": [friday],
            "first_touch_at": [pd.Timestamp("2026-01-12 09:20")],
            "sql_at": [pd.NaT],
        }
    )
    wall = response_bands(frame, window_days=30, as_of="2026-03-01")
    business = response_bands(frame, window_days=30, as_of="2026-03-01", calendar=calendar)
    assert wall.loc[wall["total"] == 1, "band"].item() == "later"
    assert business.loc[business["total"] == 1, "band"].item() == "< 1 h"


def test_band_kernel_edges():
    # exactly 5 min is not "< 5 min"; exactly 1 h is not "< 1 h"
    bands = response_band([5 / 60, 1.0, 7.9], [True, True, False], [True] * 3, day_hours=8.0)
    assert bands.tolist() == [1, 2, 2]


def test_fast_response_converts_better_in_simulation():
    # independent simulation: P(sql) = 0.3 if touched within 1 h else 0.1, 4,000 leads
    rng = np.random.default_rng(4)
    minutes = rng.exponential(90, 4000)
    converts = rng.uniform(size=4000) < np.where(minutes < 60, 0.3, 0.1)
    frame = _touched(list(zip(minutes, converts, strict=True)))
    table = response_bands(frame, window_days=30, as_of="2026-03-01").set_index("band")
    assert table.loc["< 1 h", "low"] > table.loc["same day", "high"]  # all touched by midnight
    assert table.loc["< 1 h", "rate"] == pytest.approx(0.3, abs=0.04)


def _scored(rng, n=6000):
    score = rng.uniform(0, 100, n)
    converts = rng.uniform(size=n) < 0.05 + 0.3 * score / 100
    mql = pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.uniform(0, 365, n), unit="D")
    return pd.DataFrame(
        {"score": score, "mql_at": mql, "sql_at": mql.where(converts) + pd.Timedelta(days=2)}
    )


def test_threshold_curve_trades_volume_for_rate():
    curve = handoff_threshold(_scored(np.random.default_rng(9)), window_days=10, as_of="2026-01-01")
    frame = curve.to_frame()
    assert frame["mqls_per_month"].is_monotonic_decreasing
    assert frame["rate"].iloc[-1] > frame["rate"].iloc[0]
    assert (frame["low"] <= frame["rate"]).all() and (frame["rate"] <= frame["high"]).all()
    # 6,000 leads over 12 months: all of them at the lowest threshold (closed form)
    assert frame["mqls_per_month"].iloc[0] == pytest.approx(6000 / 12, rel=0.01)
    pick = curve.for_volume(250)
    assert pick.mqls_per_month >= 250 and pick.threshold == pytest.approx(50, abs=6)
    floor = curve.for_rate(0.3)
    assert (
        floor.rate >= 0.3
        and floor.mqls_per_month == frame.loc[frame["rate"] >= 0.3, "mqls_per_month"].max()
    )
    with pytest.raises(InfeasibleTargetError, match="no threshold gives"):
        curve.for_volume(10_000)
    with pytest.raises(InfeasibleTargetError, match="no threshold reaches"):
        curve.for_rate(0.9, use="low")
