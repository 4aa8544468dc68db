"""The import's fast paths agree with the plain rules, value by value.

The vectorised kernels (ids packed into integers, ISO dates cast chunk by chunk with odd values
masked, Arrow timestamps rescaled from their buffers, stage order on the rows that reached a
stage, skips, cohort cells by arithmetic) are checked against one-row-at-a-time Python
references written from the rules in the module docstrings, on hypothesis-generated inputs
split into Arrow chunks and slices (so buffer offsets are exercised).
"""

from __future__ import annotations

import itertools
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import example, given
from hypothesis import strategies as st

import slaplan as sp
from slaplan.funnel.cohorts import cohort_table
from slaplan.funnel.dates import parse_datetimes
from slaplan.funnel.ids import check_ids
from slaplan.funnel.stages import skip_kernel
from slaplan.funnel.validate import order_reasons

NAT = np.datetime64("NaT", "ns")


def _chunked(values: list, cuts: list[int], head: int) -> pa.ChunkedArray:
    """``values`` as large strings behind ``head`` junk values, sliced off, cut into chunks."""
    array = pa.array(["junk"] * head + values, pa.large_string()).slice(head)
    bounds = sorted({0, len(values), *(c % (len(values) + 1) for c in cuts)})
    return pa.chunked_array(
        [array.slice(a, b - a) for a, b in itertools.pairwise(bounds)] or [array],
        type=pa.large_string(),
    )


IDS = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "\t", "L1", "L1 ", " L1", "L2", "Lé", "L123456789"]),
    st.text(alphabet="AB1 é", max_size=10),
)


@given(st.lists(IDS, min_size=1, max_size=60), st.lists(st.integers(0, 60)), st.integers(0, 3))
@example(["L1", " L1", "L2\t", "L2", "L3", "Lé", "Lé", "L3"], [], 0)  # padded, non-ASCII
@example(["L1", "L2", None, "L3", "L40", "L41", "L42", "L2"], [3], 1)  # sliced, chunked
def test_id_rules_match_a_row_by_row_reference(ids, cuts, head):
    checks = check_ids(pd.Series(pd.array(_chunked(ids, cuts, head), dtype="str")))
    seen: set[str] = set()
    for row, value in enumerate(ids):
        key = None if value is None else value.strip() or None
        assert checks.empty[row] == (key is None)
        assert checks.duplicate[row] == (key is not None and key in seen)
        if key is not None:
            seen.add(key)


def _iso_reference(value: str | None) -> tuple[np.datetime64, bool]:
    """(value, failed) of one ISO-or-junk string, by pandas' strict ISO 8601 parser."""
    if value is None or not value.strip():
        return NAT, False
    try:
        return np.datetime64(pd.to_datetime(value.strip(), format="ISO8601"), "ns"), False
    except (ValueError, OverflowError):
        return NAT, True


ISO_TEXT = st.one_of(
    st.none(),
    st.sampled_from(["", "  ", "#VALUE!", "2024-02-30", "2024-13-01 10:00:00", "n/a"]),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2040, 1, 1)).map(
        lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
    ),
    st.dates(min_value=datetime(1990, 1, 1).date()).map(lambda d: d.isoformat()),
)


@given(st.lists(ISO_TEXT, min_size=1, max_size=60), st.lists(st.integers(0, 60)), st.integers(0, 3))
def test_chunked_iso_dates_match_a_value_by_value_reference(texts, cuts, head):
    parsed = parse_datetimes(_chunked(texts, cuts, head))
    for row, text in enumerate(texts):
        expected, failed = _iso_reference(text)
        assert parsed.failed[row] == failed, text
        assert (parsed.values[row] == expected) or (
            np.isnat(expected) and np.isnat(parsed.values[row])
        )


def test_typed_dates_out_of_the_nanosecond_range_are_unparseable_not_wrapped(tmp_path):
    # an ISO column the CSV reader types as timestamps; year 3024 does not fit datetime64[ns]
    path = tmp_path / "far.csv"
    path.write_text(
        "lead_id,lead_at,mql_at,sql_at,opportunity_at,customer_at\n"
        "L1,2024-01-01 00:00:00,3024-01-01 00:00:00,,,\n"
        "L2,2024-01-01 00:00:00,2024-02-01 00:00:00,,,\n"
    )
    t = sp.load_leads(path, as_of="2026-01-01")
    assert t.rejected["reason"].tolist() == ["unparseable date in mql_at"]
    assert t.rejected["mql_at"].tolist() == ["3024-01-01"]  # typed columns show in ISO form
    assert str(t.frame["mql_at"].iloc[0]) == "2024-02-01 00:00:00"


HOURS = st.one_of(st.none(), st.integers(0, 40))


@given(st.lists(st.lists(HOURS, min_size=4, max_size=4), min_size=1, max_size=30))
def test_stage_order_and_skips_match_a_row_by_row_reference(rows):
    hour = np.timedelta64(3600 * 10**9, "ns")
    start = np.datetime64("2024-01-01", "ns")
    columns = ["a_at", "b_at", "c_at", "d_at"]
    values = {
        c: np.array([NAT if r[j] is None else start + r[j] * hour for r in rows])
        for j, c in enumerate(columns)
    }
    reasons = order_reasons(values, columns, tolerance_ns=2 * 3600 * 10**9)
    skipped, filled = skip_kernel([values[c] for c in columns], backfill=True)
    for i, r in enumerate(rows):
        # order: the first stage earlier than the latest reached before it, beyond 2 hours
        expected, latest, latest_col = "", None, None
        for j, h in enumerate(r):
            if h is None:
                continue
            if latest is not None and h < latest - 2 and not expected:
                expected = f"{columns[j]} before {columns[latest_col]}"
            if latest is None or h > latest:
                latest, latest_col = h, j
        assert reasons.text(np.array([i]))[0] == expected
        # skips: no time of its own but a later stage reached; backfilled with the next one
        for j, h in enumerate(r):
            later = [x for x in r[j + 1 :] if x is not None]
            assert skipped[j][i] == (h is None and bool(later))
            want = h if h is not None else (later[0] if later else None)
            got = filled[j][i]
            assert (np.isnat(got) and want is None) or got == start + want * hour


DAYS = st.one_of(st.none(), st.integers(0, 400))


@given(
    st.lists(st.tuples(DAYS, DAYS, st.sampled_from(["x", "y"])), min_size=1, max_size=40),
    st.sampled_from([None, 0, 2]),
    st.sampled_from([None, "segment"]),
)
def test_cohort_counts_match_a_lead_by_lead_reference(leads, max_lag, by):
    day = np.timedelta64(86_400 * 10**9, "ns")
    origin = np.datetime64("2024-01-01", "ns")
    when = [[NAT if d is None else origin + d * day for d in lead[:2]] for lead in leads]
    frame = pd.DataFrame(
        {
            "lead_id": [f"L{i}" for i in range(len(leads))],
            "segment": [lead[2] for lead in leads],
            "lead_at": np.array([w[0] for w in when]),
            "mql_at": np.array([w[1] for w in when]),
        }
    )
    funnel = sp.Funnel(["lead", "mql"])
    table = cohort_table(frame, "lead", "mql", by=by, max_lag=max_lag, funnel=funnel)
    if frame["lead_at"].isna().all():
        assert table.empty
        return
    months = frame[["lead_at", "mql_at"]].apply(lambda c: c.dt.to_period("M"))
    now = max(months.max().dropna())
    for key, row in table.iterrows():
        cohort, group = key if by else (key, None)
        mine = (months["lead_at"] == cohort) & ((frame["segment"] == group) if by else True)
        assert row["entered"] == mine.sum()
        for lag in [c for c in table.columns if c != "entered"]:
            if cohort + lag > now:
                assert np.isnan(row[lag])
                continue
            gaps = [(m - cohort).n for m in months.loc[mine, "mql_at"] if not pd.isna(m)]
            last = table.columns[-1]
            within = [g for g in gaps if g <= lag or lag == last]
            assert row[lag] == len(within)


def test_many_repeated_ids_match_pandas_duplicated():
    # 100,000 short ids drawn from 20,000: thousands of repeats, so the bit table of repeated
    # ids is crowded and the exact search behind it does the work (reference: pandas)
    rng = np.random.default_rng(7)
    ids = np.char.add("C", rng.integers(0, 20_000, 100_000).astype(str)).astype(object)
    ids[rng.choice(len(ids), 500, replace=False)] = None
    checks = check_ids(pd.Series(pd.array(ids, dtype="str")))
    series = pd.Series(ids)
    expected = series.duplicated() & series.notna()
    np.testing.assert_array_equal(checks.duplicate, expected.to_numpy())
    np.testing.assert_array_equal(checks.empty, series.isna().to_numpy())
