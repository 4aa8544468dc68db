"""Measured response-time compliance: open clocks, Beta intervals, P50/P90, breach lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import slaplan as sp
from slaplan.capacity.compliance import kaplan_meier_quantile, response_compliance
from slaplan.errors import DataError


@pytest.fixture(scope="module")
def sample_leads(samples_dir):
    return sp.load_leads(samples_dir / "leads.csv")


@pytest.fixture(scope="module")
def sample_compliance(samples_dir, sample_leads):
    leads = sample_leads
    sla = sp.load_sla(samples_dir / "sla.yaml")
    return response_compliance(leads, calendar=sla, as_of="2026-11-15", within_business_hours=1)


def test_samples_match_response_truth_within_sampling_error(samples_dir, sample_compliance):
    """truth.yaml `response.by_month` (the generator's uncensored shares on the SLA calendar):
    complete months agree within 1 point (the few extra leads are sales-sourced SQLs that the
    skip policy backfills into mql); the open month, measured with open clocks, has the truth
    inside its 90% Beta interval; overall within 0.5 point."""
    truth = yaml.safe_load((samples_dir / "truth.yaml").read_text())["response"]
    summary = sample_compliance.summary
    for period, row in summary.iterrows():
        expected = truth["by_month"][str(period)]["share"]
        if str(period) == "2026-11":
            assert row["low"] <= expected <= row["high"]
            assert row["pending"] > 0
        else:
            assert row["share_within"] == pytest.approx(expected, abs=0.01), period
            assert row["pending"] == 0
    assert sample_compliance.share_within == pytest.approx(truth["overall"]["share"], abs=0.005)
    # never-touched MQLs are counted as misses, not dropped (truth: 205 never touched)
    assert sample_compliance.overall["open_breach"] == pytest.approx(truth["never_touched"], abs=5)


def test_breach_list_24_hours(sample_compliance):
    breaches = sample_compliance.breaches(24)
    assert len(breaches) > 0
    assert (breaches["elapsed_hours"] > 24).all()
    assert breaches["elapsed_hours"].is_monotonic_decreasing
    business = sample_compliance.breaches(24, clock="business")
    assert (business["response_business_hours"] > 24).all()


def test_by_owner_and_segment(sample_leads):
    by = response_compliance(sample_leads, as_of="2026-11-15", by=["segment", "owner"])
    assert by.summary.index.names == ["period", "segment", "owner"]
    assert by.summary["leads"].sum() == len(by.per_lead)


def _two_leads(touch):
    return pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "mql_at": pd.to_datetime(["2026-11-13 16:30", "2026-11-13 16:45"]),  # a Friday
            "first_touch_at": pd.to_datetime(touch),
        }
    )


def test_open_clock_runs_on_business_hours_and_is_not_dropped():
    """Friday 16:30 and 16:45 MQLs, Mon-Fri 9-17: at Monday 09:20 lead b (untouched) has an
    open clock of 0.25 + 0.333 h (pending); by Monday 10:00 it is an open breach."""
    frame = _two_leads(["2026-11-13 16:50", None])
    early = response_compliance(frame, as_of="2026-11-16 09:20")
    assert early.per_lead["status"].tolist() == ["within", "pending"]
    assert early.per_lead["response_business_hours"].iloc[1] == pytest.approx(0.25 + 1 / 3)
    assert early.share_within == 1.0  # the pending lead is not decided yet
    late = response_compliance(frame, as_of="2026-11-16 10:00")
    assert late.per_lead["status"].tolist() == ["within", "open_breach"]
    assert late.share_within == 0.5
    assert late.overall["leads"] == 2


def test_touch_after_as_of_is_not_yet_known():
    frame = _two_leads(["2026-11-13 16:50", "2026-11-16 09:10"])
    result = response_compliance(frame, as_of="2026-11-16 09:05")
    assert result.per_lead["touched"].tolist() == [True, False]


def test_beta_interval_is_the_posterior_beta_1_1():
    """3 within, 1 late: Beta(4, 2) equal-tailed 90% interval (scipy.stats.beta.ppf)."""
    from scipy import stats

    frame = pd.DataFrame(
        {
            "mql_at": pd.to_datetime(["2026-11-02 10:00"] * 4),
            "first_touch_at": pd.to_datetime(["2026-11-02 10:10"] * 3 + ["2026-11-02 15:00"]),
        }
    )
    row = response_compliance(frame, as_of="2026-11-10").summary.iloc[0]
    assert row["low"] == pytest.approx(stats.beta.ppf(0.05, 4, 2), abs=1e-10)
    assert row["high"] == pytest.approx(stats.beta.ppf(0.95, 4, 2), abs=1e-10)


def test_kaplan_meier_without_censoring_is_the_empirical_quantile():
    values = np.arange(1.0, 11.0)
    assert kaplan_meier_quantile(values, np.ones(10, bool), 0.5) == 5.0
    assert kaplan_meier_quantile(values, np.ones(10, bool), 0.9) == 9.0


def test_kaplan_meier_censoring_pushes_quantiles_up():
    """Textbook example (Kleinbaum & Klein): 1, 2+, 3, 4+ ... S(1)=3/4, S(3)=3/4·1/2=3/8."""
    assert kaplan_meier_quantile([1, 2, 3, 4], [True, False, True, False], 0.5) == 3.0
    assert np.isinf(kaplan_meier_quantile([1, 2, 3, 4], [True, False, True, False], 0.9))


@given(st.lists(st.tuples(st.floats(0, 100), st.booleans()), min_size=1, max_size=40))
def test_kaplan_meier_quantiles_are_ordered(pairs):
    times, observed = zip(*pairs, strict=True)
    p50 = kaplan_meier_quantile(times, observed, 0.5)
    p90 = kaplan_meier_quantile(times, observed, 0.9)
    assert np.isnan(p50) or p50 <= p90


def test_missing_columns_is_a_data_error():
    with pytest.raises(DataError, match=r"needs columns \['first_touch_at'\]"):
        response_compliance(pd.DataFrame({"mql_at": pd.to_datetime(["2026-01-01"])}))


def test_bad_options():
    frame = _two_leads(["2026-11-13 16:50", None])
    with pytest.raises(ValueError, match="by must be one of"):
        response_compliance(frame, by="region")
    with pytest.raises(ValueError, match="within_business_hours must be > 0"):
        response_compliance(frame, within_business_hours=0)
