"""track_sla on the bundled samples, checked against the generator's truth (truth.yaml)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import slaplan as sp
from slaplan.sla.tracking import track_sla

AS_OF = "2026-11-15"


@pytest.fixture(scope="module")
def tracked(sample_sla, sample_leads):
    return track_sla(sample_sla, sample_leads, as_of=AS_OF)


def _closed(tracked, commitment_id):
    rows = tracked.xs(commitment_id, level="commitment")
    return rows[rows["status"] == "closed"]


def test_one_row_per_period_and_commitment(tracked, sample_sla):
    periods = tracked.index.get_level_values("period").unique()
    assert len(tracked) == len(periods) * len(sample_sla.commitments)
    assert str(periods[-1]) == "2026-11"  # the open period
    end_of_day = pd.Timestamp(AS_OF) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    assert tracked.attrs["as_of"] == end_of_day  # a date means the end of that day


def test_mql_months_flagged_are_the_months_the_generator_made_short(tracked, sample_truth):
    missed = _closed(tracked, "mql_volume")
    flagged = sorted(str(p) for p in missed.index[~missed["met"].astype(bool)])
    assert flagged == sorted(sample_truth["months_below_mql_target"]["in_effective_period"])


@pytest.mark.parametrize(
    ("commitment_id", "truth_key"),
    [("mql_volume", "mql"), ("sql_volume", "sql"), ("events_sql", "events_sql")],
)  # fmt: skip
def test_closed_month_counts_equal_the_generated_counts(tracked, sample_truth, commitment_id,
                                                         truth_key):  # fmt: skip
    rows = _closed(tracked, commitment_id)
    truth = sample_truth["monthly_counts"]
    expected = [truth[str(p)][truth_key] for p in rows.index]
    np.testing.assert_array_equal(rows["actual"].to_numpy(), expected)


def test_worked_counts_are_the_generated_counts_plus_sales_sourced_leads(
    tracked, sample_truth, sample_leads
):
    # the generator counts touches of leads with an mql timestamp; the skip policy also makes
    # sales-sourced SQLs MQLs (reached at sql_at, their first touch), so slaplan counts those too
    rows = _closed(tracked, "mqls_worked")
    frame = sample_leads.frame
    sales_sourced = frame[(frame["mql_at"] == frame["sql_at"]) & frame["first_touch_at"].notna()]
    extra = sales_sourced["first_touch_at"].dt.strftime("%Y-%m").value_counts()
    expected = np.array(
        [sample_truth["monthly_counts"][str(p)]["mqls_worked"] + extra.get(str(p), 0)
         for p in rows.index]
    )  # fmt: skip
    np.testing.assert_array_equal(rows["actual"].to_numpy(), expected)


def test_response_share_matches_the_generated_share(tracked, sample_truth):
    rows = _closed(tracked, "mql_response")
    truth = sample_truth["response"]["by_month"]
    expected = np.array([truth[str(p)]["share"] for p in rows.index])
    # truth counts touches after as_of too; the closed months are long settled
    np.testing.assert_allclose(rows["actual"].to_numpy(), expected, atol=0.01)


def test_open_period_has_nowcast_and_pro_rating(tracked):
    open_rows = tracked[tracked["status"] == "open"]
    counts = open_rows[open_rows["metric"].isin(["count", "worked"])]
    assert counts["pacing_probability"].between(0, 1).all()
    assert counts["pro_rated"].notna().all() and counts["met"].isna().all()
    assert (counts["expected"] >= counts["actual"]).all()


def test_earlier_as_of_replays_the_past(sample_sla, sample_leads, tracked):
    # at 2026-06-10 June is open; the months before are identical to today's view
    past = track_sla(sample_sla, sample_leads, as_of="2026-06-10")
    may = pd.Period("2026-05", freq="M")
    pd.testing.assert_series_equal(
        past.xs(may, level="period")["actual"].drop("mql_to_sql"),
        tracked.xs(may, level="period")["actual"].drop("mql_to_sql"),
    )
    june = past.xs(pd.Period("2026-06", freq="M"), level="period")
    assert june.loc["mql_volume", "status"] == "open"


def test_short_month_is_seen_early_by_the_nowcast(sample_sla, sample_leads):
    # June 2026 was generated short of MQLs (220 against 300): by mid-June the nowcast says so
    june = track_sla(sample_sla, sample_leads, as_of="2026-06-16").xs(
        pd.Period("2026-06", freq="M"), level="period"
    )
    assert june.loc["mql_volume", "pacing_probability"] < 0.2


def test_public_name():
    assert sp.track_sla is track_sla


def test_quarterly_sla_sums_the_months(sample_sla, sample_leads, tracked):
    import dataclasses

    quarterly = dataclasses.replace(sample_sla, period="quarter")
    by_quarter = track_sla(quarterly, sample_leads, as_of=AS_OF)
    monthly = tracked.xs("mql_volume", level="commitment")["actual"]
    q2 = monthly[[pd.Period(m, freq="M") for m in ("2026-04", "2026-05", "2026-06")]].sum()
    assert by_quarter.loc[(pd.Period("2026Q2", freq="Q"), "mql_volume"), "actual"] == q2
    assert by_quarter.xs("mql_volume", level="commitment")["status"].iloc[-1] == "open"
