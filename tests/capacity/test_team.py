"""Roster → effective FTE and leads workable per month; headcount; hiring scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from slaplan.capacity.team import (
    Roster,
    TeamAssumptions,
    headcount_needed,
    leads_workable,
    load_roster,
    monthly_effective_fte,
    ramp_factor,
    team_capacity,
)
from slaplan.errors import DataError

SAMPLE_MONTHS = pd.period_range("2024-06", "2026-11", freq="M")


def _one_rep(**overrides):
    row = {
        "rep": "a",
        "role": "SDR",
        "start_date": "2026-01-01",
        "end_date": "",
        "hours_per_week": "40",
        "leads_per_hour": "0.6",
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_sample_capacity_matches_generator_truth(samples_dir):
    """truth.yaml's sdr_capacity_per_month (generator: mid-month linear 3-month ramp): within
    1% in months without a start or exit, within 13% in months where a rep joins or leaves
    (we average over the days of the month, the generator samples the 15th)."""
    truth = yaml.safe_load((samples_dir / "truth.yaml").read_text())["parameters"]
    expected = np.array([truth["sdr_capacity_per_month"][str(m)] for m in SAMPLE_MONTHS])
    got = team_capacity(samples_dir / "team.csv", SAMPLE_MONTHS).leads_workable
    np.testing.assert_allclose(got, expected, rtol=0.13)
    sdrs = load_roster(samples_dir / "team.csv").frame.query("role == 'SDR'")
    events = pd.concat([sdrs["start_date"], sdrs["end_date"]]).dropna()
    steady = ~SAMPLE_MONTHS.isin(events.dt.to_period("M").unique())
    assert steady.sum() >= 20
    # mid-ramp months differ only by day-average vs 15th-of-month and 30.44 vs 30.4 days/month
    np.testing.assert_allclose(got[steady], expected[steady], rtol=0.01)
    assert got.sum() == pytest.approx(expected.sum(), rel=0.01)


def test_full_month_arithmetic_closed_form():
    """A ramped 40 h/week rep at 0.6 leads/h works 40 × 52/12 × 0.6 = 104 leads a month."""
    roster = load_roster(_one_rep(start_date="2025-01-01"))
    capacity = team_capacity(roster, ["2026-03"], assumptions=TeamAssumptions(shrinkage=0.25))
    assert capacity.leads_workable[0] == pytest.approx(104 * 0.75)
    assert capacity.effective_fte[0] == pytest.approx(1.0)


def test_ramp_linear_and_s_curve_share_the_endpoints_and_mean():
    tenure = np.linspace(0, 3, 3001)
    linear, s_curve = ramp_factor(tenure, 3.0), ramp_factor(tenure, 3.0, "s_curve")
    assert linear[0] == s_curve[0] == 0 and linear[-1] == s_curve[-1] == 1
    assert linear.mean() == pytest.approx(s_curve.mean(), abs=1e-3)  # both average 1/2
    assert s_curve[300] < linear[300]  # slow start
    assert ramp_factor(-1.0, 3.0) == 0


def test_ae_ramps_slower_than_sdr_by_default():
    frame = pd.concat([_one_rep(), _one_rep(rep="b", role="AE", leads_per_hour="0.6")])
    capacity = team_capacity(frame, ["2026-03"], role=None)
    per_rep = capacity.by_rep.iloc[0]
    assert per_rep["a"] > per_rep["b"] > 0


def test_attrition_only_after_as_of_and_only_for_open_ended_reps():
    months = pd.period_range("2026-01", "2027-06", freq="M")
    frame = _one_rep(start_date="2020-01-01")
    none = team_capacity(frame, months).leads_workable
    decayed = team_capacity(frame, months, as_of="2026-06-30").leads_workable
    np.testing.assert_allclose(decayed[:6], none[:6])
    assert np.all(np.diff(decayed[6:]) < 0)
    # one year after as_of, an SDR is still there with probability (13/14)^12 (tenure 14 months)
    assert decayed[-1] / none[-1] == pytest.approx(
        (13 / 14) ** ((365.25 - 15) / (365.25 / 12)), rel=0.02
    )


def test_hiring_scenario_adds_ramped_capacity():
    roster = load_roster(_one_rep(start_date="2020-01-01"))
    months = pd.period_range("2027-01", "2027-08", freq="M")
    base = team_capacity(roster, months).leads_workable
    hired = team_capacity(roster.with_hires(2, "2027-03"), months).leads_workable
    extra = hired - base
    np.testing.assert_allclose(extra[:2], 0)
    assert np.all(np.diff(extra[2:6]) > 0)  # ramping over ~3 months
    assert extra[-1] == pytest.approx(2 * 104)


def test_leads_workable_is_the_attainability_capacity_array(samples_dir):
    per_month = leads_workable(samples_dir / "team.csv", months=SAMPLE_MONTHS[-3:])
    assert isinstance(per_month, np.ndarray) and per_month.shape == (3,)


def test_headcount_for_volume_and_response():
    """Volume: ceil(300 / 104) = 3. Response: 2 reps on shift (response model) / 0.8 → 3."""
    from slaplan.capacity.response import arrival_profile

    result = headcount_needed(
        300,
        leads_per_hour=0.6,
        shrinkage=0.2,
        response={
            "arrivals_per_hour_of_week": arrival_profile(200, out_of_hours_share=0.25),
            "handle_minutes": 10,
            "within_business_hours": 1,
            "target_share": 0.9,
        },
    )
    assert result.for_volume == 4  # 300 / (104 × 0.8) = 3.6
    assert result.reps_on_shift == 2 and result.for_response == 3
    assert result.needed == 4


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (_one_rep().drop(columns=["role"]), r"missing columns \['role'\]; present"),
        (_one_rep(role="CEO"), "role must be one of"),
        (_one_rep(start_date="01/32/2026"), "start_date must be a date"),
        (_one_rep(end_date="2025-01-01"), "end_date is before start_date"),
        (_one_rep(hours_per_week="-4"), "hours_per_week must be a number > 0"),
        (_one_rep(leads_per_hour="lots"), "leads_per_hour must be a number > 0"),
        (pd.concat([_one_rep(), _one_rep()]), "rep must be unique"),
        (_one_rep().iloc[:0], "roster has no rows"),
    ],
)
def test_bad_rosters_raise_data_error(frame, message):
    with pytest.raises(DataError, match=message):
        load_roster(frame)


def test_bad_roster_files(tmp_path):
    with pytest.raises(DataError, match="roster file not found"):
        load_roster(tmp_path / "nope.csv")
    text = tmp_path / "team.txt"
    text.write_text("rep\n")
    with pytest.raises(DataError, match=r"must be \.csv"):
        load_roster(text)


def test_sample_roster_loads(samples_dir):
    roster = load_roster(samples_dir / "team.csv")
    assert isinstance(roster, Roster)
    assert set(roster.frame["role"]) == {"SDR", "AE"}
    assert roster.frame["end_date"].notna().sum() == 3


@given(
    hours=st.floats(1, 60),
    shrink=st.floats(0, 0.9),
    start=st.integers(0, 1200),
    shape=st.sampled_from(["linear", "s_curve"]),
)
def test_fte_never_negative_nor_above_full_time_and_rises_while_ramping(
    hours, shrink, start, shape
):
    """Kernel property: a rep with no end date ramps up and never exceeds full_time_share."""
    edges = np.arange(0, 1500, 30)
    fte = monthly_effective_fte(
        start_day=np.array([start]),
        end_day=np.array([10**9]),
        full_time_share=np.array([hours / 40]),
        ramp_months=np.array([3.0]),
        monthly_attrition=np.array([0.0]),
        attrition_from_day=10**9,
        month_edges=edges,
        shape=shape,
    )[0]
    assert np.all(fte >= 0)
    assert np.all(fte <= hours / 40 * (1 + 1e-12))
    assert np.all(np.diff(fte) >= -1e-12)


def test_maven_workload_by_owner_adds_up(maven_dir):
    """Maven export README: 8,300 engaged opportunities (8,800 minus 500 Prospecting)."""
    import slaplan as sp
    from slaplan.capacity.workload import workload_by_owner

    table = sp.load_leads(maven_dir / "sales_pipeline.csv", mapping="maven")
    workload = workload_by_owner(
        table, date_column="engaging_at", teams=maven_dir / "sales_teams.csv"
    )
    assert workload["count"].sum() == 8300
    assert workload["owner"].nunique() == 30
    assert set(workload["regional_office"]) == {"Central", "East", "West"}


def test_workload_missing_column_is_a_data_error():
    with pytest.raises(DataError, match=r"missing columns \['engaging_at'\]"):
        from slaplan.capacity.workload import workload_by_owner

        workload_by_owner(pd.DataFrame({"owner": ["a"]}), date_column="engaging_at")


def test_roster_frame_with_missing_end_dates_is_accepted():
    # pandas 3 keeps None/NaN missing through astype(str); an open-ended rep is not a bad date
    frame = pd.DataFrame({"rep": ["Ana", "Bo"], "role": ["SDR", "AE"],
                          "start_date": ["2026-01-05", "2026-02-02"], "end_date": [None, np.nan],
                          "hours_per_week": [40, 40], "leads_per_hour": [2.5, 1.0]})  # fmt: skip
    assert load_roster(frame).frame["end_date"].isna().all()
