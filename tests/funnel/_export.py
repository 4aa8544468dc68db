"""Exports as a database or a Parquet folder holds them, and how two lead tables are compared."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import slaplan as sp

AS_OF = "2026-11-15"


def typed_export(path: Path) -> pd.DataFrame:
    """The CSV export with the column types a database would give it: a column whose every
    value is a clean ``YYYY-MM-DD HH:MM:SS`` timestamp is a timestamp, whole numbers are
    integers, and everything else (ids, labels, date columns holding ``#VALUE!``) stays text."""
    raw = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""])
    columns = {}
    for name in raw.columns:
        text = raw[name]
        try:
            columns[name] = pd.to_datetime(text, format="%Y-%m-%d %H:%M:%S")
            continue
        except (TypeError, ValueError):
            pass
        numbers = pd.to_numeric(text, errors="coerce")
        whole = numbers.notna().sum() == text.notna().sum() and (numbers.dropna() % 1 == 0).all()
        columns[name] = numbers.astype("Int64") if whole else text
    return pd.DataFrame(columns)


def assert_same_table(got: sp.LeadTable, expected: sp.LeadTable) -> None:
    """Same accepted frame, rejected rows, skip flags and warnings (pandas testing).

    The rejected rows' ``line`` (of a file, as an editor shows it) is compared only where
    both sources have lines: a database or a Parquet folder has rows, not lines.
    """
    pd.testing.assert_frame_equal(got.frame, expected.frame)
    columns = ["line"] if got.rejected["line"].isna().all() else []
    got_rejected, expected_rejected = got.rejected.copy(), expected.rejected.copy()
    for name in _with_offsets(got_rejected):
        got_rejected[name] = _instants(got_rejected[name])
        expected_rejected[name] = _instants(expected_rejected[name])
    pd.testing.assert_frame_equal(
        got_rejected.drop(columns=columns), expected_rejected.drop(columns=columns)
    )
    pd.testing.assert_frame_equal(got.skipped, expected.skipped)
    assert got.warnings == expected.warnings
    assert got.funnel == expected.funnel


_OFFSET = r"[+-]\d\d:\d\d$"


def _with_offsets(rejected: pd.DataFrame) -> list[str]:
    """Columns of rejected rows whose original values carry a UTC offset: a database's
    TIMESTAMPTZ gives the instant it holds, in its session's time zone, where the CSV export
    wrote the same instant in UTC without an offset."""
    return [name for name in rejected.columns
            if rejected[name].astype("string").str.contains(_OFFSET, na=False).any()]  # fmt: skip


def _instants(values: pd.Series) -> pd.Series:
    """Timestamps as UTC instants (a value without an offset is UTC); other text unchanged."""
    parsed = pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")
    return parsed.astype(object).where(parsed.notna(), values)
