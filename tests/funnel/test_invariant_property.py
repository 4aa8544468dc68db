"""Property: accepted + rejected == rows read, on hypothesis-generated dirty exports."""

from __future__ import annotations

import pandas as pd
from hypothesis import example, given
from hypothesis import strategies as st

import slaplan as sp
from slaplan import DataError, Funnel
from slaplan.funnel.leads import FUTURE_GRACE

FUNNEL = Funnel(["lead", "mql", "sql"])
DATES = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["garbage", "2024-02-30", "13/13/2024", "2099-01-01", "  "]),
    st.datetimes(
        min_value=pd.Timestamp("2020-01-01").to_pydatetime(),
        max_value=pd.Timestamp("2026-12-31").to_pydatetime(),
    ).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    st.dates(
        min_value=pd.Timestamp("2020-01-01").date(), max_value=pd.Timestamp("2026-12-31").date()
    ).map(lambda d: f"{d.month}/{d.day}/{d.year}"),
)
IDS = st.one_of(st.none(), st.just(" "), st.sampled_from(list("abcdefgh")), st.text(max_size=4))
ROW = st.fixed_dictionaries(
    {
        "lead_id": IDS,
        "segment": st.sampled_from([None, "web", "ads"]),
        "lead_at": DATES,
        "mql_at": DATES,
        "sql_at": DATES,
    }
)


@given(st.lists(ROW, min_size=1, max_size=40))
@example([{"lead_id": "a", "segment": None, "lead_at": None, "mql_at": None, "sql_at": "7/1/2026"}])
def test_nothing_is_lost(rows):
    raw = pd.DataFrame(rows, columns=["lead_id", "segment", "lead_at", "mql_at", "sql_at"])
    try:  # month first on purpose: the generated slash dates are M/D/YYYY
        t = sp.load_leads(raw, funnel=FUNNEL, dayfirst=False, as_of="2026-06-30")
    except DataError as exc:  # a column that is mostly junk refuses the file as a whole
        assert "is mostly not dates" in str(exc)
        return
    assert len(t.frame) + len(t.rejected) == len(raw) == t.rows_read
    assert sorted(t.frame.index.tolist() + t.rejected["row"].tolist()) == list(range(len(raw)))
    assert t.frame["lead_id"].is_unique
    ordered = t.frame[FUNNEL.columns].dropna()
    slack = pd.Timedelta(hours=1)
    assert (ordered["mql_at"] >= ordered["lead_at"] - slack).all()
    # "future" means after the real clock (plus a day's grace); as_of only censors
    latest = pd.Timestamp.now("UTC").tz_localize(None) + FUTURE_GRACE
    assert (t.frame[FUNNEL.columns].max(axis=1) <= latest).all()
