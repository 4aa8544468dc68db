"""event_counts, cohort_table, time_to_convert on a hand-made table (counted by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import slaplan as sp
from slaplan import Funnel

FUNNEL = Funnel(["mql", "sql"])


@pytest.fixture
def leads():
    raw = pd.DataFrame(
        {
            "lead_id": ["a", "b", "c", "d", "e"],
            "segment": ["x", "x", "y", "y", "x"],
            "mql_at": ["2025-01-05", "2025-01-20", "2025-02-03", "2025-03-10", "2025-03-11"],
            "sql_at": ["2025-01-15", "2025-03-02", None, "2025-03-12", None],
        }
    )
    return sp.load_leads(raw, funnel=FUNNEL, as_of="2025-04-30")


def test_event_counts_per_month(leads):
    counts = sp.event_counts(leads)
    assert [str(p) for p in counts.index] == ["2025-01", "2025-02", "2025-03"]
    assert counts["mql"].tolist() == [2, 1, 2]
    assert counts["sql"].tolist() == [1, 0, 2]


def test_event_counts_by_segment_fill_empty_cells(leads):
    counts = sp.event_counts(leads, by="segment")
    assert counts.loc[(pd.Period("2025-02", "M"), "x"), "mql"] == 0
    assert counts.loc[(pd.Period("2025-03", "M"), "x"), "mql"] == 1
    assert counts["mql"].sum() == 5


def test_event_counts_quarterly(leads):
    assert sp.event_counts(leads, freq="Q")["mql"].tolist() == [5]


def test_cohort_table_cumulative_and_censored(leads):
    table = sp.cohort_table(leads, "mql", "sql", as_of="2025-03-31")
    # Jan cohort: a converts in Jan (lag 0), b in Mar (lag 2); as_of March -> lags 0..2 seen
    assert table.loc[pd.Period("2025-01", "M")].tolist() == [2, 1, 1, 2]
    # Feb cohort: lags 0, 1 observable, lag 2 is April -> NaN
    feb = table.loc[pd.Period("2025-02", "M")]
    assert feb["entered"] == 1 and feb[0] == 0 and np.isnan(feb[2])
    assert table.loc[pd.Period("2025-03", "M"), 0] == 1


def test_cohort_table_max_lag_and_groups(leads):
    table = sp.cohort_table(leads, "mql", "sql", by="segment", max_lag=1, as_of="2025-12-31")
    assert table.columns.tolist() == ["entered", 0, 1]
    assert table.loc[(pd.Period("2025-01", "M"), "x"), 1] == 2  # lag 2 folded into max_lag
    assert table["entered"].sum() == 5


def test_time_to_convert_days(leads):
    ttc = sp.time_to_convert(leads, "mql", "sql", by="segment")
    assert ttc["lead_id"].tolist() == ["a", "b", "d"]
    assert ttc["days"].tolist() == [10.0, 41.0, 2.0]
    assert ttc["segment"].tolist() == ["x", "x", "y"]


def test_stage_order_is_checked(leads):
    with pytest.raises(ValueError, match="must come after"):
        sp.cohort_table(leads, "sql", "mql")
    with pytest.raises(ValueError, match="freq must be one of"):
        sp.event_counts(leads, freq="Y")
    with pytest.raises(ValueError, match="by must be a column"):
        sp.event_counts(leads, by="region")


def test_empty_inputs_give_empty_tables():
    raw = pd.DataFrame(
        {"lead_id": ["a"], "mql_at": [None], "sql_at": [None], "created_at": ["2025-01-01"]}
    )
    t = sp.load_leads(raw, funnel=FUNNEL, as_of="2025-12-31")
    assert sp.cohort_table(t, "mql", "sql").empty
    assert sp.event_counts(t).empty
    assert sp.time_to_convert(t, "mql", "sql").empty
