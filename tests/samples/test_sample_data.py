"""The bundled samples: deterministic, and their truth file matches the data they hold.

Every expected value here comes from ``truth.yaml`` (the generator's uncensored record) and is
recomputed independently from ``leads.csv`` with plain pandas, not with slaplan's loaders.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from slaplan.capacity.calendar import BusinessCalendar
from slaplan.cli import main
from slaplan.samples import SampleConfig, generate_samples, samples_dir, write_samples
from slaplan.samples.generate import FILE_NAMES
from slaplan.samples.truth import reached_stages

TIME_COLUMNS = ["created_at", "lead_at", "mql_at", "sql_at", "opportunity_at", "customer_at",
                "first_touch_at"]  # fmt: skip
K_STANDARD_ERRORS = 4.0  # tolerance of sampling-error comparisons: 4 binomial standard errors


@pytest.fixture(scope="module")
def truth() -> dict:
    return yaml.safe_load((samples_dir() / "truth.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return pd.read_csv(samples_dir() / "leads.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def clean(raw, truth) -> pd.DataFrame:
    dirty = [d["row"] for d in truth["dirty_rows"]]
    frame = raw.drop(index=dirty)
    for column in TIME_COLUMNS:
        frame[column] = pd.to_datetime(frame[column], format="%Y-%m-%d %H:%M:%S")
    frame["score"] = frame["score"].astype(float)
    return frame


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    sla = yaml.safe_load((samples_dir() / "sla.yaml").read_text(encoding="utf-8"))
    return BusinessCalendar.from_spec(sla["business_hours"])


def test_samples_dir_holds_the_four_files():
    assert sorted(p.name for p in samples_dir().iterdir() if p.is_file()) == sorted(FILE_NAMES)


def test_regenerating_with_the_default_seed_is_byte_identical(tmp_path):
    write_samples(tmp_path)
    for name in FILE_NAMES:
        assert (tmp_path / name).read_bytes() == (samples_dir() / name).read_bytes(), name


def test_leads_csv_is_under_three_megabytes():
    assert (samples_dir() / "leads.csv").stat().st_size < 3_000_000


def test_truth_header_and_row_counts(raw, truth):
    assert truth["seed"] == SampleConfig().seed == 20261115
    assert str(truth["as_of"]) == "2026-11-15"
    assert truth["rows"]["total"] == len(raw)
    assert truth["rows"]["clean"] + truth["rows"]["dirty"] == len(raw)
    assert 30 <= truth["rows"]["dirty"] <= 60


def _detect_dirty(raw: pd.DataFrame, cutoff: pd.Timestamp) -> dict[int, str]:
    """Independent detection of each kind of dirty row, first match wins per row."""
    found: dict[int, str] = {}
    parsed = {c: pd.to_datetime(raw[c], format="%Y-%m-%d %H:%M:%S", errors="coerce")
              for c in TIME_COLUMNS}  # fmt: skip
    checks = {
        "empty_id": raw["lead_id"] == "",
        "bad_date": np.logical_or.reduce([(raw[c] != "") & parsed[c].isna() for c in TIME_COLUMNS]),
        "future_date": np.logical_or.reduce([parsed[c] >= cutoff for c in TIME_COLUMNS]),
        "out_of_order": parsed["mql_at"] > parsed["sql_at"],
        "duplicate_id": raw["lead_id"].duplicated() & (raw["lead_id"] != ""),
    }
    for kind, mask in checks.items():
        for row in np.flatnonzero(np.asarray(mask)):
            found.setdefault(int(row), kind)
    return found


def test_dirty_rows_in_truth_are_exactly_those_in_the_file(raw, truth):
    listed = {d["row"]: d["kind"] for d in truth["dirty_rows"]}
    assert _detect_dirty(raw, pd.Timestamp(truth["as_of"])) == listed
    assert {d["kind"] for d in truth["dirty_rows"]} == {
        "bad_date", "out_of_order", "duplicate_id", "future_date", "empty_id"
    }  # fmt: skip


@pytest.mark.parametrize("segment", ["overall", "web_inbound", "paid_social", "events",
                                     "partner_referral"])  # fmt: skip
def test_rates_of_mature_cohorts_are_within_sampling_error_of_truth(clean, truth, segment):
    # leads older than 240 days have finished converting (the longest lag chain is ~150 days),
    # so their observed rates are a sample of the full-life rates recorded in truth
    cutoff = pd.Timestamp(truth["as_of"])
    mature = clean[clean["lead_at"] < cutoff - pd.Timedelta(days=240)]
    if segment != "overall":
        mature = mature[mature["segment"] == segment]
        expected = truth["stage_rates"]["by_segment"][segment]
    else:
        expected = truth["stage_rates"]["overall"]
    reached = reached_stages(mature)
    stages = ["lead", "mql", "sql", "opportunity", "customer"]
    for earlier, later in itertools.pairwise(stages):
        n = int(reached[earlier].sum())
        observed = reached[later].sum() / n
        true_rate = expected[f"{earlier}_to_{later}"]["rate"]
        standard_error = math.sqrt(true_rate * (1 - true_rate) / n)
        assert abs(observed - true_rate) <= K_STANDARD_ERRORS * standard_error, (earlier, later)


def test_monthly_volumes_are_overdispersed(clean, truth):
    months = pd.PeriodIndex(clean["lead_at"], freq="M")
    counts = pd.crosstab(months, clean["segment"]).iloc[:-1]  # drop the partial last month
    ratios = counts.var(ddof=1) / counts.mean()
    assert (ratios > 1).all(), ratios
    assert truth["overdispersion"]["lead_variance_to_mean"] > 1


def test_monthly_counts_and_short_months_match_the_data(clean, truth):
    mql_event = clean["mql_at"].fillna(clean["sql_at"])
    counts = mql_event.dt.strftime("%Y-%m").value_counts()
    recorded = {m: c["mql"] for m, c in truth["monthly_counts"].items()}
    assert recorded == {m: int(counts.get(m, 0)) for m in recorded}
    below = truth["months_below_mql_target"]
    assert below["in_effective_period"] == truth["short_mql_months"] == ["2026-06"]
    assert all(recorded[m] < below["mql_target"] for m in below["all_complete_months"])


def test_response_share_matches_the_data_for_touched_leads(clean, truth, calendar):
    mqls = clean[clean["mql_at"].notna()]
    hours = calendar.business_hours_between(mqls["mql_at"], mqls["first_touch_at"])
    frame = pd.DataFrame({"month": mqls["mql_at"].dt.strftime("%Y-%m"),
                          "touched": hours.notna(), "within": hours <= 1.0})  # fmt: skip
    by_month = frame.groupby("month")[["touched", "within"]].sum()
    recorded = truth["response"]["by_month"]
    # touches come within days, so months before the last are fully observed: exact equality
    for month in list(recorded)[:-1]:
        assert by_month.loc[month, "within"] == recorded[month]["within"], month
        assert by_month.loc[month, "touched"] == recorded[month]["touched"], month
    overall = truth["response"]["overall"]
    share_of_touched = frame["within"].sum() / frame["touched"].sum()
    assert share_of_touched == pytest.approx(overall["share_of_touched"], abs=0.005)
    # the 90% response commitment is out of reach: the campaign's MQLs swamp the SDRs
    assert 0.5 < overall["share"] < 0.75


def test_old_mql_cohorts_have_reached_their_eventual_share(clean, truth):
    mql_event = clean["mql_at"].fillna(clean["sql_at"])
    reached_sql = reached_stages(clean)["sql"]
    observed = reached_sql[mql_event.notna()].groupby(mql_event.dt.strftime("%Y-%m")).mean()
    cohorts = truth["mql_cohorts"]
    old = [m for m in cohorts if pd.Period(m, "M") <= pd.Period("2026-03", "M")]
    for month in old:  # lags beyond 7 months have probability < 1e-12
        assert observed[month] == pytest.approx(cohorts[month]["eventual_sql_share"], abs=1e-6)
    young = list(cohorts)[-2:]  # the youngest cohorts are still converting: naive < eventual
    assert all(observed[m] < cohorts[m]["eventual_sql_share"] for m in young)


def test_response_time_slows_conversion(clean, calendar):
    # the generator's speed factor (HBR 2011): MQLs touched within an hour convert more often
    mqls = clean[clean["mql_at"].notna() & (clean["mql_at"] < pd.Timestamp("2026-06-01"))]
    hours = calendar.business_hours_between(mqls["mql_at"], mqls["first_touch_at"])
    converted = mqls["sql_at"].notna()
    assert converted[hours <= 1].mean() > 1.3 * converted[hours > 8].mean()


def test_score_predicts_conversion(clean):
    mqls = clean[clean["mql_at"].notna() & (clean["mql_at"] < pd.Timestamp("2026-06-01"))]
    converted = mqls["sql_at"].notna()
    assert converted[mqls["score"] >= 75].mean() > converted[mqls["score"] < 65].mean()


def test_owners_are_on_the_roster_when_they_own_the_lead(clean):
    team = pd.read_csv(samples_dir() / "team.csv", dtype=str, keep_default_na=False)
    sdrs = team[team["role"] == "SDR"].set_index("rep")
    mqls = clean[clean["mql_at"].notna() & clean["owner"].isin(sdrs.index)]
    start = pd.to_datetime(sdrs.loc[mqls["owner"], "start_date"]).to_numpy()
    end = pd.to_datetime(sdrs.loc[mqls["owner"], "end_date"].replace("", "2200-01-01")).to_numpy()
    day = mqls["mql_at"].dt.normalize().to_numpy()
    assert ((day >= start) & (day <= end)).all()
    assert set(team.columns) == {"rep", "role", "start_date", "end_date", "hours_per_week",
                                 "leads_per_hour"}  # fmt: skip


def test_a_different_seed_gives_different_data():
    small = SampleConfig(seed=1, months=8, dirty_rows_per_kind=2)
    other = generate_samples(SampleConfig(seed=2, months=8, dirty_rows_per_kind=2))
    assert not generate_samples(small).leads.equals(other.leads)
    assert len(other.truth["dirty_rows"]) == 10


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [({"seed": -1}, ValueError), ({"months": 3}, ValueError), ({"dispersion": 0}, ValueError),
     ({"seed": True}, TypeError), ({"as_of": "2026-11-15"}, TypeError)],
)  # fmt: skip
def test_sample_config_rejects_bad_values(kwargs, error):
    with pytest.raises(error):
        SampleConfig(**kwargs)


def test_cli_writes_and_does_not_overwrite_silently(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["sample", "--out", str(out), "--seed", "5"]) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(FILE_NAMES)
    assert main(["sample", "--out", str(out)]) == 2
    assert "--force" in capsys.readouterr().err
    assert main(["sample", "--out", str(samples_dir())]) == 2  # never the bundled ones silently


def test_campaign_lift_matches_the_data(clean, truth):
    """The visible change: the campaign segment's leads and MQLs a month, before and after."""
    campaign = truth["campaign"]
    part = clean[clean["segment"] == campaign["segment"]]
    events = {"leads_per_month": part["lead_at"],
              "mqls_per_month": part["mql_at"].fillna(part["sql_at"])}  # fmt: skip
    first, last = campaign["months_after"]
    after = pd.period_range(first, last, freq="M").strftime("%Y-%m")
    start, end = campaign["months_before"]
    before = [m for m in pd.period_range(start, end, freq="M").strftime("%Y-%m")
              if m not in truth["short_mql_months"]]  # fmt: skip
    assert first == campaign["start"] and len(before) == 12
    for name, times in events.items():
        counts = times.dropna().dt.strftime("%Y-%m").value_counts()
        for side, months in (("before", before), ("after", after)):
            mean = np.mean([counts.get(m, 0) for m in months])
            assert campaign[name][side] == pytest.approx(mean, abs=0.051), (name, side)  # 0.1
    # the lift is the campaign's factor, give or take growth, seasons and count noise
    lift = campaign["leads_per_month"]["after"] / campaign["leads_per_month"]["before"]
    assert campaign["lead_volume_factor"] * 0.8 < lift < campaign["lead_volume_factor"] * 1.4
