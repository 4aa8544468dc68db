"""load_funnel_counts: wide and long monthly reports, rejected rows, flagged (not fixed) issues.

Expected values are read off the small reports written in each test.
"""

from __future__ import annotations

import pandas as pd
import pytest

import slaplan as sp
from slaplan import DataError, Funnel

FUNNEL = Funnel(["mql", "sql"])


def test_wide_report_with_segments(tmp_path):
    path = tmp_path / "report.csv"
    path.write_text(
        "Month;Segment;MQLs;SQLs\n2025-01;web;300;30\n2025-01;ads;120;9\n"
        "2025-02;web;280;25\n2025-02;ads;100;11\n"
    )
    counts = sp.load_funnel_counts(path, funnel=FUNNEL)
    assert counts.segments == ["ads", "web"]
    assert counts.frame.loc[(pd.Period("2025-01", "M"), "web"), "sql"] == 30
    assert counts.rejected.empty and counts.issues.empty
    totals = sp.event_counts(counts)
    assert totals["mql"].tolist() == [420, 380]
    assert sp.event_counts(counts, freq="Q")["sql"].tolist() == [75]


def test_long_report():
    long = pd.DataFrame(
        {
            "month": ["Jan 2025", "Jan 2025", "Feb 2025", "Feb 2025"],
            "stage": ["MQL", "SQL", "MQL", "SQL"],
            "count": [10, 2, 12, 3],
        }
    )
    counts = sp.load_funnel_counts(long, funnel=FUNNEL)
    assert counts.frame["mql"].tolist() == [10, 12]
    assert counts.frame.index.get_level_values("segment").unique().tolist() == ["all"]


def test_problems_are_flagged_not_fixed():
    report = pd.DataFrame(
        {
            "Month": ["2025-01", "2025-02", "2025-04", "bad", "2025-05", "2025-05", "2025-06"],
            "MQLs": ["300", "280", "-1", "3", "2.5", "1", "x"],
            "SQLs": ["30", "290", "1", "1", "1", "1", "1"],
        }
    )
    counts = sp.load_funnel_counts(report, funnel=FUNNEL)
    assert counts.rejected[["row", "reason"]].values.tolist() == [
        [3, "unparseable month"],
        [5, "duplicate month"],
        [6, "count not a number"],
    ]
    assert len(counts.frame) + len(counts.rejected) == counts.rows_read == 7
    issues = counts.issues["issue"].tolist()
    assert "negative count -1" in issues and "non-integer count 2.5" in issues
    assert "sql 290 > mql 280" in issues and issues.count("missing month") == 1
    assert counts.frame.loc[(pd.Period("2025-04", "M"), "all"), "mql"] == -1  # kept as given
    assert "flagged" in counts.report()


def test_unusable_reports_raise():
    with pytest.raises(DataError, match="no month column"):
        sp.load_funnel_counts(pd.DataFrame({"x": [1], "mql": [2], "sql": [1]}), funnel=FUNNEL)
    with pytest.raises(DataError, match=r"missing stage column\(s\) \['sql'\]"):
        sp.load_funnel_counts(pd.DataFrame({"month": ["2025-01"], "mql": [2]}), funnel=FUNNEL)
    long = pd.DataFrame({"month": ["2025-01"], "stage": ["won"], "count": [1]})
    with pytest.raises(DataError, match="not in the funnel"):
        sp.load_funnel_counts(long, funnel=FUNNEL)
