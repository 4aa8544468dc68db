"""Row-level validation of a lead table: which rows are rejected, and why (vectorised).

This module owns the rejection rules and their wording. Each rule is a pure function over numpy
arrays returning a boolean mask (and, where a column or pair is named, the name per row); the
first rule in this order that a row breaks is its one ``reason``:

=====================================  =====================================================
reason                                 rule
=====================================  =====================================================
``wrong number of fields``             the CSV line splits into more or fewer fields than
                                       the header (set by the reader)
``empty lead_id``                      the id is missing or blank
``duplicate lead_id``                  the id was seen on an earlier row (the first is kept)
``unparseable date in <col>``          a non-empty date that no supported format reads
``unknown status '<value>'``           a status-column value the mapping does not know
``<later>_at before <earlier>_at``     a stage entered before an earlier stage, by more than
                                       the tolerance (``sql_at before mql_at``)
``future date in <col>``               a timestamp after ``as_of``
``no date``                            no stage date, no ``created_at`` and no status
=====================================  =====================================================
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

__all__ = [
    "REASON_ORDER",
    "assign_reasons",
    "duplicate_mask",
    "future_reasons",
    "order_reasons",
]

REASON_ORDER: tuple[str, ...] = (
    "wrong number of fields",
    "empty lead_id",
    "duplicate lead_id",
    "unparseable date in <col>",
    "unknown status '<value>'",
    "<later>_at before <earlier>_at",
    "future date in <col>",
    "no date",
)


def duplicate_mask(id_codes: np.ndarray) -> np.ndarray:
    """True on every row whose id code (``-1`` = empty) already occurred on an earlier row."""
    out = np.zeros(len(id_codes), dtype=bool)
    present = np.flatnonzero(id_codes >= 0)
    if present.size:
        _, first = np.unique(id_codes[present], return_index=True)
        out[present] = True
        out[present[first]] = False
    return out


def order_reasons(
    stage_values: Mapping[str, np.ndarray], stage_columns: Sequence[str], tolerance_ns: int
) -> np.ndarray:
    """Per row, ``"<later> before <earlier>"`` for the first out-of-order stage, else ``None``.

    ``stage_values`` maps each column to ``datetime64[ns]`` (``NaT`` = not reached). A stage is
    compared with the latest of all earlier stages the row did reach, so skipped stages in
    between do not hide a violation.
    """
    n = len(next(iter(stage_values.values()))) if stage_values else 0
    out = np.full(n, None, dtype=object)
    if len(stage_columns) < 2:
        return out
    nat = np.iinfo(np.int64).min
    latest = stage_values[stage_columns[0]].view("int64").copy()
    latest_col = np.zeros(n, dtype=np.int64)
    for j in range(1, len(stage_columns)):
        current = stage_values[stage_columns[j]].view("int64")
        bad = (current != nat) & (latest != nat) & (current < latest - tolerance_ns) & (out == None)  # noqa: E711
        for i in np.unique(latest_col[bad]):
            rows = bad & (latest_col == i)
            out[rows] = f"{stage_columns[j]} before {stage_columns[i]}"
        later = current > latest
        latest = np.where(later, current, latest)
        latest_col = np.where(later, j, latest_col)
    return out


def future_reasons(date_values: Mapping[str, np.ndarray], as_of: np.datetime64) -> np.ndarray:
    """Per row, ``"future date in <col>"`` for the first column after ``as_of``, else ``None``."""
    n = len(next(iter(date_values.values()))) if date_values else 0
    out = np.full(n, None, dtype=object)
    for column in reversed(list(date_values)):
        values = date_values[column]
        out[~np.isnat(values) & (values > as_of)] = f"future date in {column}"
    return out


def assign_reasons(rules: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Combine per-rule reason arrays (object, ``None`` = fine) so the first rule listed wins."""
    out = np.full(n, None, dtype=object)
    for reasons in reversed(rules):
        hit = reasons != None  # noqa: E711 - elementwise on an object array
        out[hit] = reasons[hit]
    return out


def mask_reason(mask: np.ndarray, reason: str) -> np.ndarray:
    """An object array holding ``reason`` where ``mask`` and ``None`` elsewhere."""
    out = np.full(len(mask), None, dtype=object)
    out[mask] = reason
    return out


def first_column_reason(masks: Mapping[str, np.ndarray], template: str, n: int) -> np.ndarray:
    """``template.format(col=...)`` for the first column whose mask is set, per row."""
    out = np.full(n, None, dtype=object)
    for column in reversed(list(masks)):
        out[masks[column]] = template.format(col=column)
    return out
