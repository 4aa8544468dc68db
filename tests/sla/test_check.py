"""check_sla and check_consistency on the bundled samples, and the `slaplan check` command."""

from __future__ import annotations

import dataclasses
import datetime

import pandas as pd
import pytest

import slaplan as sp
from slaplan.cli import main
from slaplan.plan.attainability import verdict_for
from slaplan.sla.check import check_sla
from slaplan.sla.consistency import check_consistency
from slaplan.sla.smart import smart_notes

AS_OF = "2026-11-15"
SMART = ["specific", "measurable", "attainable", "relevant", "timely"]


@pytest.fixture(scope="module")
def checked(sample_sla, sample_leads):
    return check_sla(sample_sla, sample_leads, as_of=AS_OF)


def test_one_row_per_commitment_with_smart_letters(checked, sample_sla):
    assert list(checked.index) == [c.id for c in sample_sla.commitments]
    for column in ["probability", "max_target", "required_volume", "verdict", "notes", *SMART]:
        assert column in checked.columns
    assert checked["probability"].between(0, 1).all()
    assert (checked["period"] == pd.Period("2026-12", freq="M")).all()  # next full month


def test_verdict_follows_probability_and_confidence(checked, sample_sla):
    attainable = checked["probability"] >= sample_sla.confidence
    assert ((checked["verdict"] == "attainable") == attainable).all()
    assert (checked["attainable"] == attainable).all()


def test_sample_sla_verdicts(checked):
    assert set(checked["verdict"]) <= {"attainable", "stretch", "out of reach"}
    assert (checked["reason"] == "").all()  # the samples support every number
    # the verdict is the probability read at the SLA's confidence (and the stretch floor)
    for _, row in checked.iterrows():
        expected = verdict_for(row["probability"], 0.8)
        assert row["verdict"] == expected


def test_max_target_is_safe_and_required_volume_reaches_target(checked, sample_sla):
    counts = checked[checked["metric"].isin(["count", "worked"])]
    # below-confidence targets have a smaller safe target and need more volume than forecast
    short = counts[counts["verdict"] != "attainable"]
    assert (short["max_target"] < short["target"]).all()
    met = counts[counts["verdict"] == "attainable"]
    assert (met["max_target"] >= met["target"]).all()


def test_timely_note_flags_an_overdue_review(checked, sample_sla, sample_leads):
    assert "next review 2027-01-01" in checked.loc["sql_volume", "notes"]
    review = dataclasses.replace(sample_sla.review, last_review=datetime.date(2026, 1, 1))
    overdue = dataclasses.replace(sample_sla, review=review)
    commitment = overdue.commitment("sql_volume")
    notes = smart_notes(overdue, commitment, sample_leads.frame, pd.Timestamp(AS_OF))
    timely = next(n for n in notes if n.criterion == "timely")
    assert not timely.passed and timely.note == "review overdue since 2026-07-01"


def test_consistency_pairs_marketing_and_sales_counts(sample_sla, sample_leads):
    table = check_consistency(sample_sla, sample_leads, as_of=AS_OF)
    assert table[["marketing", "sales"]].values.tolist() == [["mql_volume", "sql_volume"]]
    row = table.iloc[0]
    # at least marketing's MQLs at the data's rate, less what falls after the month (lags), plus
    # the SQLs the pipeline already holds: bounded by the two
    assert row["expected"] < row["marketing_target"] * row["rate"] + 40
    assert row["consistent"] == (row["probability"] >= sample_sla.confidence)
    assert row["probability"] >= 0.8 or row["sales_target_supported"] < row["sales_target"]


def test_cli_check_runs_on_samples(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "mql_volume" in out and "verdict" in out


def test_cli_check_spec_only_lists_commitments(capsys, sample_files):
    assert main(["check", "--spec-only", "--sla", str(sample_files / "sla.yaml")]) == 0
    assert "mql_to_sql" in capsys.readouterr().out


def test_cli_check_bad_sla_exits_2(tmp_path, capsys):
    bad = tmp_path / "sla.yaml"
    bad.write_text("name: x\nperiod: week\ncommitments: []\n")
    assert main(["check", "--sla", str(bad)]) == 2
    assert "period must be one of" in capsys.readouterr().err


def test_cli_check_period_before_the_data_end_exits_2(capsys):
    assert main(["check", "--period", "2026-10"]) == 2
    assert "--period must be a full period after as_of (2026-11-15)" in capsys.readouterr().err


def test_public_names():
    assert sp.check_sla is check_sla


def test_team_capacity_caps_the_leads_sales_works(sample_sla, sample_files):
    # the adapter asks the capacity model for the next month after as_of (December 2026)
    from slaplan.capacity.team import team_capacity as model
    from slaplan.sla.capacity import period_capacity

    as_of = pd.Timestamp(AS_OF)
    december = pd.Period("2026-12", "M")
    capacity = period_capacity(sample_files / "team.csv", december, as_of=as_of)
    months = pd.period_range("2026-12", periods=1, freq="M")
    expected = model(sample_files / "team.csv", months, as_of=as_of).leads_workable.sum()
    assert capacity == pytest.approx(expected)
    assert period_capacity(None, december, as_of=as_of) is None


def test_period_option_checks_a_later_full_period(checked, sample_sla, sample_leads):
    later = check_sla(sample_sla, sample_leads, as_of=AS_OF, period="2027-02")
    assert (later["period"] == pd.Period("2027-02", freq="M")).all()
    assert later["probability"].between(0, 1).all()
    # naming the default period explicitly gives the default check, number for number
    explicit = check_sla(sample_sla, sample_leads, as_of=AS_OF, period=pd.Period("2026-12", "M"))
    pd.testing.assert_frame_equal(explicit, checked)


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-11", r"full period after as_of \(2026-11-15\): 2026-12 or later, got 2026-11"),
        ("2026-06", r"2026-12 or later, got 2026-06"),
        ("2027Q1", r"period must be a month like '2027-01' \(the SLA's period\), got '2027Q1'"),
        ("December", r"period must be a month like '2027-01'"),
        (202701, r"period must be a month like '2027-01'"),
    ],
)
def test_period_option_is_validated(sample_sla, sample_leads, period, message):
    with pytest.raises(ValueError, match=message):
        check_sla(sample_sla, sample_leads, as_of=AS_OF, period=period)


def test_quarterly_sla_takes_a_quarter():
    from slaplan.sla._inputs import check_period

    as_of = pd.Timestamp(AS_OF)
    assert check_period(None, as_of=as_of, period_months=3) == pd.Period("2027Q1", "Q")
    assert check_period("2027Q3", as_of=as_of, period_months=3) == pd.Period("2027Q3", "Q")
    with pytest.raises(ValueError, match=r"a quarter like '2027Q1'.*got '2027-01'"):
        check_period("2027-01", as_of=as_of, period_months=3)
    with pytest.raises(ValueError, match=r"2027Q1 or later, got 2026Q4"):
        check_period("2026Q4", as_of=as_of, period_months=3)
