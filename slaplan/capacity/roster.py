"""The team roster: who is on the team, in which role, from when to when, at what throughput.

This module owns reading and validating a roster (``rep, role, start_date, end_date,
hours_per_week, leads_per_hour`` — the columns of ``data/samples/team.csv``) and the hiring
scenarios built on it; :mod:`slaplan.capacity.team` turns a roster into capacity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from slaplan._checks import check_count, check_positive
from slaplan.errors import DataError

__all__ = ["DEFAULT_RAMP_MONTHS", "STANDARD_HOURS_PER_WEEK", "Roster", "load_roster"]

#: Bridge Group surveys (secondary sources), PRODUCT.md §6: SDR ramp ≈ 3 months, AE ≈ 5 months.
DEFAULT_RAMP_MONTHS: Mapping[str, float] = {"SDR": 3.0, "AE": 5.0}
STANDARD_HOURS_PER_WEEK = 40.0
_COLUMNS = ("rep", "role", "start_date", "end_date", "hours_per_week", "leads_per_hour")


# ---- reading and validating ------------------------------------------------------------------
def _read_table(source: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        return source.copy(), "<DataFrame>"
    path = Path(source)
    if not path.exists():
        raise DataError(f"{path}: roster file not found")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False), str(path)
        if suffix in (".xlsx", ".xls"):
            return pd.read_excel(path, dtype=str).fillna(""), str(path)
        if suffix == ".parquet":
            return pd.read_parquet(path), str(path)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path}: cannot read the roster ({exc})") from exc
    raise DataError(f"{path}: roster must be .csv, .xlsx or .parquet, got {suffix!r}")


def _bad_rows(name: str, frame: pd.DataFrame, bad: pd.Series, column: str, rule: str) -> None:
    if bad.any():
        rows = np.flatnonzero(bad.to_numpy())[:5].tolist()
        values = [frame[column].iloc[r] for r in rows]
        raise DataError(f"{name}: {column} {rule}; bad rows (0-based) {rows}: {values!r}")


def _clean_roster(raw: pd.DataFrame, name: str, roles: Mapping[str, float]) -> pd.DataFrame:
    missing = [c for c in _COLUMNS if c not in raw.columns and c != "end_date"]
    if missing:
        raise DataError(
            f"{name}: roster is missing columns {missing}; present: {list(raw.columns)}; "
            f"required: {list(_COLUMNS)} (end_date may be empty)"
        )
    if len(raw) == 0:
        raise DataError(f"{name}: roster has no rows")
    frame = pd.DataFrame({"rep": raw["rep"].astype(str).str.strip()})
    frame["role"] = raw["role"].astype(str).str.strip().str.upper()
    _bad_rows(
        name, frame, ~frame["role"].isin(list(roles)), "role", f"must be one of {list(roles)}"
    )
    _bad_rows(name, frame, frame["rep"].duplicated(), "rep", "must be unique")
    for column in ("start_date", "end_date"):
        text = (
            raw[column].astype(str).str.strip() if column in raw else pd.Series("", index=raw.index)
        )
        # pandas 3 keeps a missing value missing through astype(str): None/NaN/NaT are empty too
        empty = text.isna() | text.isin(["", "nan", "NaT", "None"])
        frame[column] = pd.to_datetime(text.where(~empty), format="ISO8601", errors="coerce")
        frame[column] = frame[column].dt.normalize()
        required = ~empty if column == "end_date" else pd.Series(True, index=raw.index)
        _bad_rows(name, raw, required & frame[column].isna(), column, "must be a date YYYY-MM-DD")
    _bad_rows(
        name, raw, frame["end_date"] < frame["start_date"], "end_date", "is before start_date"
    )
    for column in ("hours_per_week", "leads_per_hour"):
        values = pd.to_numeric(raw[column], errors="coerce")
        frame[column] = values.astype(float)
        _bad_rows(
            name,
            raw,
            ~(values > 0) | values.isna() | (values > 168),
            column,
            "must be a number > 0 (and <= 168)",
        )
    return frame.reset_index(drop=True)


@dataclass(frozen=True, kw_only=True)
class Roster:
    """A validated team roster (one row per rep).

    ``frame`` columns: rep, role (``SDR``/``AE``), start_date, end_date (NaT = still on the
    team), hours_per_week, leads_per_hour. Build it with :func:`load_roster`.

    Examples
    --------
    >>> from slaplan.samples import samples_dir
    >>> roster = load_roster(samples_dir() / "team.csv")
    >>> sorted(set(roster.frame["role"]))
    ['AE', 'SDR']
    """

    frame: pd.DataFrame

    def with_hires(
        self,
        count: int,
        month: Any,
        *,
        role: str = "SDR",
        hours_per_week: float = STANDARD_HOURS_PER_WEEK,
        leads_per_hour: float | None = None,
    ) -> Roster:
        """A hiring scenario: ``count`` new reps of ``role`` starting on the first of ``month``.

        ``leads_per_hour`` defaults to the median of the role's current reps.

        Examples
        --------
        >>> roster = load_roster(pd.DataFrame({"rep": ["a"], "role": ["SDR"],
        ...     "start_date": ["2026-01-05"], "hours_per_week": [40], "leads_per_hour": [0.6]}))
        >>> len(roster.with_hires(2, "2027-01").frame)
        3
        """
        n = check_count("count", count, minimum=1)
        start = pd.Period(month, freq="M").start_time
        role = str(role).upper()
        same_role = self.frame.loc[self.frame["role"] == role, "leads_per_hour"]
        if leads_per_hour is None and same_role.empty:
            raise ValueError(f"leads_per_hour must be given: the roster has no {role} to copy")
        rate = float(same_role.median()) if leads_per_hour is None else leads_per_hour
        hires = pd.DataFrame(
            {
                "rep": [f"new {role} {i + 1} ({start:%Y-%m})" for i in range(n)],
                "role": role,
                "start_date": start,
                "end_date": pd.NaT,
                "hours_per_week": check_positive("hours_per_week", hours_per_week),
                "leads_per_hour": check_positive("leads_per_hour", rate),
            }
        )
        return Roster(frame=pd.concat([self.frame, hires], ignore_index=True))


def load_roster(source: Any, *, roles: Mapping[str, float] = DEFAULT_RAMP_MONTHS) -> Roster:
    """Read and validate a roster (path to .csv/.xlsx/.parquet, DataFrame, or a Roster).

    Parameters
    ----------
    source : path, DataFrame or Roster
        Columns rep, role, start_date, end_date (may be empty), hours_per_week, leads_per_hour.
    roles : mapping role -> ramp months
        The roles allowed (default SDR and AE).

    Raises
    ------
    DataError
        Naming the file, the column, the rule and the bad rows: missing columns (listing the
        present ones), unknown roles, unparsable dates, end before start, non-positive hours
        or rates, duplicate rep names.

    Examples
    --------
    >>> frame = pd.DataFrame({"rep": ["Ana"], "role": ["sdr"], "start_date": ["2026-01-05"],
    ...                       "end_date": [None], "hours_per_week": [40], "leads_per_hour": [2.5]})
    >>> load_roster(frame).frame["role"].tolist()
    ['SDR']
    """
    if isinstance(source, Roster):
        return source
    raw, name = _read_table(source)
    return Roster(frame=_clean_roster(raw, name, roles))
