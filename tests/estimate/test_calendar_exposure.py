"""Calendar exposure of whole months: closed forms, and simulation with numpy.

A month's leads depend on its days: a February of 20 working days expects fewer than a March of
23 when weekends are quiet. The volume level is read per average month with each month weighed by
its exposure (:func:`slaplan.estimate.calendar_shares.month_exposures`). Checked here: the
exposures against day counts (closed form), the spread of a steady series whose months differ
only by their calendar (simulated here), and the forecast of a short month, through the whole
estimate, against the weekday pattern the leads were drawn from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import slaplan as sp
from slaplan.estimate.calendar_shares import month_exposures
from slaplan.forecast.level import fit_level

WORKDAYS_ONLY = np.array([1.4, 1.4, 1.4, 1.4, 1.4, 0.0, 0.0])  # mean 1


def test_exposures_count_the_weighted_days_of_each_month():
    """Closed form: with arrivals on working days only, a month's exposure is its working days
    over the average month's (365.25 / 12 x 5 / 7)."""
    months = pd.period_range("2025-01", periods=24, freq="M")
    workdays = np.array(
        [np.busday_count(m.start_time.date(), (m + 1).start_time.date()) for m in months]
    )
    np.testing.assert_allclose(
        month_exposures(months, WORKDAYS_ONLY), workdays / (365.25 / 12 * 5 / 7)
    )
    assert month_exposures(months, np.ones(7)) == pytest.approx(
        months.days_in_month / (365.25 / 12)
    )


def test_a_steady_level_is_not_read_as_spread_when_months_differ_by_their_days():
    """150 series simulated here: 18 months of Poisson(2,000 x exposure), no month effect. With
    the exposures the posterior spread stays near 0; without, the calendar (about 4% from month
    to month) is read as spread."""
    rng = np.random.default_rng(3)
    exposure = month_exposures(pd.period_range("2024-01", periods=18, freq="M"), WORKDAYS_ONLY)
    with_calendar, without = [], []
    for _ in range(150):
        counts = rng.poisson(2000 * exposure)
        with_calendar.append(fit_level(counts, exposure).spread)
        without.append(fit_level(counts).spread)
    assert np.mean(with_calendar) < 0.02 < 0.03 < np.mean(without)


def test_the_estimate_forecasts_a_short_month_by_its_days():
    """Leads drawn here on working days only, 400 per working day, for two years: the
    estimate's expected leads of February 2026 (20 working days) and March 2026 (22) are in the
    ratio of their working days, within 2%."""
    rng = np.random.default_rng(5)
    days = pd.date_range("2024-01-01", "2026-01-15", freq="B")
    created = np.repeat(days.values, rng.poisson(400, days.size))
    created = created + rng.integers(9 * 3600, 17 * 3600, created.size).astype("timedelta64[s]")
    leads = pd.DataFrame({"lead_id": np.arange(created.size), "created_at": created})
    leads["lead_at"] = leads["created_at"]
    for stage in ("mql", "sql", "opportunity", "customer"):
        leads[f"{stage}_at"] = pd.NaT
    table = sp.load_leads(leads, as_of="2026-01-15")
    volume = sp.estimate_funnel(table, stages=["lead"]).volume("lead")
    expected = volume.forecast.frame["mean"]
    ratio = expected[pd.Period("2026-02", "M")] / expected[pd.Period("2026-03", "M")]
    assert ratio == pytest.approx(20 / 22, rel=0.02)
