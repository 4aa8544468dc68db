"""Day first or month first, detected per file (slaplan.funnel.date_order), and the message for a
date column that is mostly not dates. Expected dates are the ones written into each file."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import slaplan as sp
from slaplan import DataError, Funnel

FUNNEL = Funnel(["mql", "sql"])


def _load(frame: pd.DataFrame, **kwargs) -> sp.LeadTable:
    return sp.load_leads(frame, funnel=FUNNEL, as_of="2026-01-01", **kwargs)


def test_a_value_that_reads_one_way_decides_every_column():
    frame = pd.DataFrame(
        {
            "lead_id": ["a", "b"],
            "mql_at": ["01/02/2025", "25/02/2025"],
            "sql_at": ["03/04/2025", None],
        }
    )
    t = _load(frame)
    assert t.frame["mql_at"].tolist() == [pd.Timestamp("2025-02-01"), pd.Timestamp("2025-02-25")]
    assert t.frame["sql_at"].iloc[0] == pd.Timestamp("2025-04-03")  # decided by mql_at
    assert "dates read day first (detected from '25/02/2025' in 'mql_at')" in t.notes


def test_an_explicit_order_is_not_second_guessed():
    frame = pd.DataFrame({"lead_id": ["a"], "mql_at": ["01/02/2025"], "sql_at": [None]})
    assert _load(frame, dayfirst=True).frame["mql_at"].iloc[0] == pd.Timestamp("2025-02-01")
    assert _load(frame, dayfirst=False).frame["mql_at"].iloc[0] == pd.Timestamp("2025-01-02")


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (["01/02/2025", "01/25/2025"], ["2025-01-02", "2025-01-25"]),  # 01/25: month first
        (["03/03/2025", "2025-01-20"], ["2025-03-03", "2025-01-20"]),  # same both ways: no choice
    ],
)
def test_evidence_or_no_need_to_decide(written, expected):
    frame = pd.DataFrame({"lead_id": ["a", "b"], "mql_at": written, "sql_at": None})
    assert _load(frame).frame["mql_at"].tolist() == [pd.Timestamp(e) for e in expected]


def test_a_bad_dayfirst_value_is_a_type_error():
    frame = pd.DataFrame({"lead_id": ["a"], "mql_at": ["2025-01-02"], "sql_at": [None]})
    with pytest.raises(TypeError, match="dayfirst must be True, False or None, got 'yes'"):
        _load(frame, dayfirst="yes")


def test_mostly_day_first_values_read_month_first_say_so():
    days = [f"{d}/01/2025" for d in range(13, 28)]
    frame = pd.DataFrame({"lead_id": [str(i) for i in range(len(days))], "mql_at": days})
    with pytest.raises(DataError) as info:
        _load(frame.assign(sql_at=None), dayfirst=False)
    message = str(info.value)
    assert message.startswith("<DataFrame>: column 'mql_at' is mostly not dates: 15 of 15 ")
    assert "NN/NN/YYYY (e.g. '13/01/2025', 15 values)" in message
    assert "most of them read day first: pass dayfirst=True (--dayfirst)" in message


def test_a_few_stray_values_are_rejected_rows_not_a_refusal():
    values = ["2025-01-02"] * 11 + ["soon"] * 9
    frame = pd.DataFrame({"lead_id": [str(i) for i in range(20)], "mql_at": values})
    t = _load(frame.assign(sql_at=None))
    assert len(t.rejected) == 9 and len(t.frame) == 11


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2025, 12, 31)),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from(["{d}/{m}/{y}", "{d:02d}-{m:02d}-{y}", "{d}.{m}.{y}"]),
)
def test_day_first_exports_are_read_as_written(dates, pattern):
    """Written day first with one day > 12 somewhere: every date reads back as written."""
    dates = [*dates, dt.date(2020, 1, 13)]
    text = [pattern.format(d=d.day, m=d.month, y=d.year) for d in dates]
    frame = pd.DataFrame({"lead_id": [str(i) for i in range(len(text))], "mql_at": text})
    t = sp.load_leads(frame.assign(sql_at=None), funnel=FUNNEL, as_of="2026-01-01")
    assert t.frame["mql_at"].dt.date.tolist() == dates
