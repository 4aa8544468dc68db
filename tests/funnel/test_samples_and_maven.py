"""The bundled samples and the real Maven export load with zero unexplained rejections.

Samples: the expected rejections are the dirty rows the generator listed in truth.yaml.
Maven: counts from data/examples/maven_crm/README.md (Won 4,238, Lost 2,473, Engaging 1,589,
Prospecting 500).
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

import slaplan as sp

KIND_TO_REASON = {
    "future_date": "future date in ",
    "out_of_order": " before ",
    "bad_date": "unparseable date in ",
    "duplicate_id": "duplicate lead_id",
    "empty_id": "empty lead_id",
}


@pytest.fixture(scope="module")
def samples(samples_dir):
    truth = yaml.safe_load((samples_dir / "truth.yaml").read_text())
    table = sp.load_leads(samples_dir / "leads.csv", as_of=str(truth["as_of"]))
    return table, truth


def test_sample_rejections_are_exactly_the_dirty_rows(samples):
    table, truth = samples
    dirty = pd.DataFrame(truth["dirty_rows"]).set_index("row").sort_index()
    rejected = table.rejected.set_index("row").sort_index()
    assert rejected.index.tolist() == dirty.index.tolist()
    for row, kind in dirty["kind"].items():
        assert KIND_TO_REASON[kind] in rejected.loc[row, "reason"], (row, kind)
    assert len(table.frame) == truth["rows"]["clean"]


def test_sample_frame_is_canonical(samples):
    table, _ = samples
    frame = table.frame
    assert frame["lead_id"].is_unique
    assert frame.columns.tolist()[:4] == ["lead_id", "created_at", "segment", "owner"]
    assert all(str(frame[c].dtype) == "datetime64[ns]" for c in table.funnel.columns)


def test_sample_event_counts_equal_truth_monthly_counts(samples):
    # truth.yaml monthly_counts: events per calendar month as the generator wrote them
    table, truth = samples
    expected = pd.DataFrame(truth["monthly_counts"]).T
    expected.index = pd.PeriodIndex(expected.index.astype(str), freq="M")
    counts = sp.event_counts(table)
    stages = list(table.funnel.stages)
    pd.testing.assert_frame_equal(
        counts.loc[expected.index, stages], expected[stages].astype("int64"), check_names=False
    )


@pytest.fixture(scope="module")
def maven(maven_dir):
    return sp.load_leads(maven_dir / "sales_pipeline.csv", mapping="maven", as_of="2017-12-31")


def test_maven_loads_with_nothing_rejected(maven):
    assert len(maven.frame) == 8800 and maven.rejected.empty
    assert maven.funnel.stages == ("prospecting", "engaging", "won")
    status = maven.frame["status"].value_counts()
    assert status.to_dict() == {"won": 4238, "lost": 2473, "engaging": 1589, "prospecting": 500}


def test_maven_mapping_semantics(maven):
    frame = maven.frame
    won = frame[frame["status"] == "won"]
    assert won["won_at"].notna().all() and won["amount"].notna().all()
    lost = frame[frame["status"] == "lost"]
    assert lost["lost_at"].notna().all() and lost["won_at"].isna().all()
    prospecting = frame[frame["status"] == "prospecting"]
    assert prospecting[maven.funnel.columns].isna().all().all()  # no date in the export
    # the creation date is not exported: every engaged deal's prospecting is a recorded skip
    audit = maven.skip_audit(by=None).set_index("stage")
    assert audit.loc["prospecting", "skipped"] == 8300 and audit.loc["engaging", "skipped"] == 0


def test_maven_engagements_by_month_match_readme(maven):
    engaged = sp.event_counts(maven)["engaging"]
    assert engaged.loc[pd.Period("2016-10", "M")] == 7
    assert engaged.loc[pd.Period("2017-07", "M")] == 1198
    assert engaged.sum() == 8300


def test_maven_cycle_times_and_cohorts(maven):
    days = sp.time_to_convert(maven, "engaging", "won")["days"]
    assert len(days) == 4238 and days.min() >= 0
    table = sp.cohort_table(maven, "engaging", "won")
    assert table["entered"].sum() == 8300
    assert table.iloc[-1].isna().sum() == len(table.columns) - 2  # Dec 2017: only lag 0 seen
