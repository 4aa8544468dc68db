"""Aggregated funnel counts (month × segment × stage) for teams that only have a report.

This module owns :func:`load_funnel_counts` and :class:`FunnelCounts`. Two layouts are read:

* **wide**: one row per month (and segment), one column per stage (``month, segment, lead,
  mql, sql``; stage headers match ignoring case and a trailing ``s``/``_count``: ``MQLs``);
* **long**: ``month, [segment,] stage, count``.

Validation follows the lead table's policy: a row whose month or count cannot be read, or that
repeats an earlier month of the same segment, goes to ``rejected`` (row, reason, original text),
so ``len(frame) + len(rejected) == rows read`` for the wide layout. Suspicious values are
**flagged, not fixed**, in ``issues``: negative counts, non-integer counts, months missing between
the first and last, and a later stage larger than an earlier one in the same month.

**Limits of cohort-free rates.** Counts say how many leads entered each stage in a month, not
which leads. A rate computed from them (SQLs in m / MQLs in m, or with a lag shift) is a ratio of
event counts: it cannot see conversion lags inside the month, it is biased when volume trends
and lags span months, it cannot tell immature months from poor ones, and it can exceed 1. Volume
models, stage rates with lags assumed, attainability and tracking accept counts through
:func:`slaplan.event_counts` (which takes a :class:`FunnelCounts`); cohort tables, lag
distributions and censoring-aware rates need the lead-level export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from slaplan.errors import DataError
from slaplan.funnel.readers import read_source
from slaplan.funnel.stages import DEFAULT_FUNNEL, Funnel

__all__ = ["FunnelCounts", "load_funnel_counts"]

_MONTH_NAMES = ("month", "period", "date", "month_start", "mes", "monat")
_SEGMENT_NAMES = ("segment", "source", "persona", "region", "channel")
_MONTH_FORMATS = ("%Y-%m", "%Y-%m-%d", "%Y/%m", "%m/%Y", "%b %Y", "%B %Y", "%m/%d/%Y", "%Y%m")


@dataclass(frozen=True, kw_only=True)
class FunnelCounts:
    """Monthly stage counts read from a report (see :func:`load_funnel_counts`).

    Attributes
    ----------
    frame : DataFrame
        Index ``(period, segment)`` (monthly ``Period``; ``segment`` ``"all"`` without one),
        one float column per stage (values exactly as given; see ``issues``).
    funnel : Funnel
    rejected : DataFrame
        ``row``, ``reason``, original values of rows that could not be read.
    issues : DataFrame
        ``period``, ``segment``, ``stage``, ``issue``: flagged, kept values.
    source_name : str
    """

    frame: pd.DataFrame
    funnel: Funnel
    rejected: pd.DataFrame
    issues: pd.DataFrame
    source_name: str
    rows_read: int = field(default=0)

    @property
    def segments(self) -> list[str]:
        """Segment labels in the report."""
        return sorted(self.frame.index.get_level_values("segment").unique())

    def report(self) -> str:
        """Text summary: rows read, rejected by reason, flagged issues."""
        lines = [
            f"{self.source_name}: funnel counts, {len(self.frame)} month×segment rows, "
            f"{len(self.rejected)} rejected, {len(self.issues)} flagged"
        ]
        for reason, n in self.rejected["reason"].value_counts().items():
            lines.append(f"  rejected {n:>4}  {reason}")
        for issue, n in self.issues["issue"].value_counts().items():
            lines.append(f"  flagged  {n:>4}  {issue}")
        return "\n".join(lines)


def load_funnel_counts(
    source: str | Path | pd.DataFrame,
    *,
    funnel: Funnel | None = None,
    mapping: dict[str, str] | None = None,
) -> FunnelCounts:
    """Read month × (segment ×) stage counts, wide or long, and flag suspicious values.

    Parameters
    ----------
    source : path or DataFrame
        CSV / Excel / Parquet report or a DataFrame.
    funnel : Funnel, optional
        Stages to read (default :data:`DEFAULT_FUNNEL`); every stage must be present.
    mapping : dict, optional
        ``{"month": ..., "segment": ..., "<stage>": ...}`` for headers not found automatically
        (long layout: ``"stage"`` and ``"count"``).

    Returns
    -------
    FunnelCounts

    Raises
    ------
    DataError
        No month column, a stage missing, or nothing readable.

    Examples
    --------
    >>> report = pd.DataFrame({"Month": ["2025-01", "2025-02"], "MQLs": [300, 280],
    ...                        "SQLs": [30, 25]})
    >>> c = load_funnel_counts(report, funnel=Funnel(["mql", "sql"]))
    >>> c.frame["sql"].tolist()
    [30.0, 25.0]
    """
    funnel = funnel or DEFAULT_FUNNEL
    mapping = dict(mapping or {})
    raw = read_source(source, header_hints=["month", "period", mapping.get("month", "month")])
    table, name = raw.frame, raw.name
    month_col = _find(table, mapping.get("month"), _MONTH_NAMES)
    if month_col is None:
        raise DataError(
            f"{name}: no month column (looked for {list(_MONTH_NAMES)}); "
            f"present columns: {list(table.columns)}"
        )
    segment_col = _find(table, mapping.get("segment"), _SEGMENT_NAMES)
    stage_col = _find(table, mapping.get("stage"), ("stage",))
    count_col = _find(table, mapping.get("count"), ("count", "value", "n", "leads"))
    if stage_col is not None and count_col is not None:
        table = _long_to_wide(table, month_col, segment_col, stage_col, count_col, funnel, name)
        stage_cols = {s: s for s in funnel.stages}
    else:
        stage_cols = _stage_columns(table, funnel, mapping, name)
    return _build(table, name, month_col, segment_col, stage_cols, funnel, raw.rows_read)


def _norm(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "_", str(name).casefold()).strip("_")
    return re.sub(r"(_count|_counts|s)$", "", text)


def _find(table: pd.DataFrame, wanted: str | None, names: tuple[str, ...]) -> str | None:
    if wanted is not None:
        return wanted if wanted in table.columns else None
    for column in table.columns:
        if _norm(column) in {_norm(n) for n in names}:
            return column
    return None


def _stage_columns(
    table: pd.DataFrame, funnel: Funnel, mapping: dict[str, str], name: str
) -> dict[str, str]:
    found = {}
    for stage in funnel.stages:
        column = mapping.get(stage) or next(
            (c for c in table.columns if _norm(c) in (stage, f"{stage}_at")), None
        )
        if column is not None and column in table.columns:
            found[stage] = column
    missing = [s for s in funnel.stages if s not in found]
    if missing:
        raise DataError(
            f"{name}: missing stage column(s) {missing} for funnel "
            f"{list(funnel.stages)}; present columns: {list(table.columns)}"
        )
    return found


def _long_to_wide(
    table: pd.DataFrame,
    month_col: str,
    segment_col: str | None,
    stage_col: str,
    count_col: str,
    funnel: Funnel,
    name: str,
) -> pd.DataFrame:
    """Long rows (``month, [segment,] stage, count``) → one row per month, a column per stage."""
    stages = table[stage_col].astype("str").map(_norm)
    unknown = sorted(set(stages.dropna()) - set(funnel.stages))
    if unknown:
        raise DataError(
            f"{name}: stage values {unknown} are not in the funnel {list(funnel.stages)}"
        )
    keys = [month_col] + ([segment_col] if segment_col else [])
    long = table.assign(**{stage_col: stages})
    wide = long.pivot_table(
        index=keys, columns=stage_col, values=count_col, aggfunc="first", sort=False
    )
    missing = [s for s in funnel.stages if s not in wide.columns]
    if missing:
        raise DataError(f"{name}: no rows for stage(s) {missing}")
    return wide.reset_index()


def _parse_months(values: pd.Series) -> pd.PeriodIndex:
    text = values.astype("str").str.strip()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in _MONTH_FORMATS:
        todo = out.isna() & text.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    return pd.PeriodIndex(out, freq="M")


def _build(
    table: pd.DataFrame,
    name: str,
    month_col: str,
    segment_col: str | None,
    stage_cols: dict[str, str],
    funnel: Funnel,
    rows_read: int,
) -> FunnelCounts:
    """Parse months and counts, reject unreadable or repeated rows, flag the rest."""
    months = _parse_months(table[month_col])
    counts = pd.DataFrame(
        {
            s: pd.to_numeric(table[c].astype("str").str.replace(",", ""), errors="coerce")
            for s, c in stage_cols.items()
        },
        index=table.index,
    )
    given = table[list(stage_cols.values())].notna().to_numpy()
    unreadable = (counts.isna().to_numpy() & given).any(axis=1)
    bad_month = np.asarray(months.isna())
    reasons = np.where(
        bad_month, "unparseable month", np.where(unreadable, "count not a number", None)
    )
    segments = (
        table[segment_col].astype("str").fillna("all")
        if segment_col
        else pd.Series("all", index=table.index)
    )
    keys = pd.MultiIndex.from_arrays([months, segments.to_numpy()], names=["period", "segment"])
    ok = reasons == None  # noqa: E711
    duplicate = np.zeros(len(table), dtype=bool)
    duplicate[ok] = keys[ok].duplicated(keep="first")
    reasons = np.where(duplicate, "duplicate month", reasons)
    keep = reasons == None  # noqa: E711
    rejected = table.loc[~keep].astype("str").reset_index(names="row")
    rejected.insert(1, "reason", reasons[~keep])
    frame = counts.loc[keep].set_axis(keys[keep]).astype(float)
    issues, frame = _issues(frame, funnel)
    if frame.empty:
        raise DataError(f"{name}: no readable month × stage counts")
    return FunnelCounts(
        frame=frame.sort_index(),
        funnel=funnel,
        rejected=rejected,
        issues=issues,
        source_name=name,
        rows_read=rows_read,
    )


def _issues(frame: pd.DataFrame, funnel: Funnel) -> tuple[pd.DataFrame, pd.DataFrame]:
    found: list[tuple] = []
    values = frame.to_numpy()
    for j, stage in enumerate(funnel.stages):
        col = values[:, j]
        for i in np.flatnonzero(col < 0):
            found.append((*frame.index[i], stage, f"negative count {col[i]:g}"))
        for i in np.flatnonzero((col >= 0) & (col != np.floor(col))):
            found.append((*frame.index[i], stage, f"non-integer count {col[i]:g}"))
        if j:
            earlier = funnel.stages[j - 1]
            for i in np.flatnonzero(col > values[:, j - 1]):
                message = f"{stage} {col[i]:g} > {earlier} {values[i, j - 1]:g}"
                found.append((*frame.index[i], stage, message))
    for segment in frame.index.get_level_values("segment").unique():
        periods = frame.xs(segment, level="segment").index
        full = pd.period_range(periods.min(), periods.max(), freq="M")
        found += [(p, segment, "", "missing month") for p in full.difference(periods)]
    issues = pd.DataFrame(found, columns=["period", "segment", "stage", "issue"])
    return issues, frame
