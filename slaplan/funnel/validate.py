"""Row-level validation of a lead table: which rows are rejected, and why (vectorised).

This module owns the rejection rules and their wording. Each rule is a pure function over numpy
arrays returning a boolean mask (and, where a column or pair is named, the name per row); the
first rule in this order that a row breaks is its one ``reason``:

=====================================  =====================================================
reason                                 rule
=====================================  =====================================================
``wrong number of fields``             the CSV line splits into more or fewer fields than
                                       the header (set by the reader; ``raw_line`` holds it)
``empty lead_id``                      the id is missing or blank
``duplicate lead_id``                  the id was seen on an earlier row (the first is kept)
``unparseable date in <col>``          a non-empty date that no supported format reads
                                       (``<col>`` is canonical, or ``status_date``)
``unknown status``                     a status-column value the mapping does not know
``<later>_at before <earlier>_at``     a stage entered before an earlier stage, by more than
                                       the tolerance (``sql_at before mql_at``)
``future date in <col>``               a timestamp after the real clock (plus a day)
``no date``                            no stage date, no ``created_at`` and no status
=====================================  =====================================================

Reasons name columns and stage pairs but never values, so the report can count rows per reason;
the values are in the rejected row itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from slaplan.funnel.stages import skip_kernel

__all__ = [
    "REASON_ORDER",
    "DateChecks",
    "Reasons",
    "assign_reasons",
    "date_checks",
    "duplicate_mask",
    "future_reasons",
    "order_reasons",
    "undated_rows",
]

_NAT = np.iinfo(np.int64).min  # numpy's NaT as int64

REASON_ORDER: tuple[str, ...] = (
    "wrong number of fields",
    "empty lead_id",
    "duplicate lead_id",
    "unparseable date in <col>",
    "unknown status",
    "<later>_at before <earlier>_at",
    "future date in <col>",
    "no date",
)


def duplicate_mask(id_codes: np.ndarray) -> np.ndarray:
    """True on every row whose id was already seen on an earlier row.

    ``id_codes`` must number distinct ids in order of first appearance (``0, 1, 2, …``; what
    ``pyarrow.compute.dictionary_encode`` and ``pandas.factorize`` give), ``-1`` for an empty id.
    Then a row is a first occurrence exactly when its code exceeds every earlier code.
    """
    if len(id_codes) == 0:
        return np.zeros(0, dtype=bool)
    seen_max = np.maximum.accumulate(id_codes)
    previous_max = np.concatenate(([-1], seen_max[:-1]))
    return (id_codes >= 0) & (id_codes <= previous_max)


@dataclass(frozen=True, kw_only=True)
class Reasons:
    """Per-row reasons as integer codes: ``0`` = fine, ``k`` = ``labels[k - 1]``."""

    codes: np.ndarray
    labels: tuple[str, ...]

    @property
    def ok(self) -> np.ndarray:
        """Rows no rule rejected."""
        return self.codes == 0

    def text(self, rows: np.ndarray) -> np.ndarray:
        """Reason strings of the rows selected by ``rows`` (a mask or positions)."""
        table = np.array(("", *self.labels), dtype=object)
        return table[self.codes[rows]]


def mask_reason(mask: np.ndarray, reason: str) -> Reasons:
    """``reason`` where ``mask`` is set."""
    return Reasons(codes=np.asarray(mask, dtype=bool).view(np.uint8), labels=(reason,))


def first_column_reason(masks: Mapping[str, np.ndarray], template: str, n: int) -> Reasons:
    """``template.format(col=...)`` for the first column whose mask is set, per row."""
    codes = np.zeros(n, dtype=np.int32)
    columns = list(masks)
    for k in range(len(columns), 0, -1):
        # rows break a rule rarely: set the few positions rather than scan with a mask
        if masks[columns[k - 1]].any():
            codes[np.flatnonzero(masks[columns[k - 1]])] = k
    return Reasons(codes=codes, labels=tuple(template.format(col=c) for c in columns))


def order_reasons(
    stage_values: Mapping[str, np.ndarray], stage_columns: Sequence[str], tolerance_ns: int
) -> Reasons:
    """``"<later> before <earlier>"`` for the first out-of-order stage of each row.

    ``stage_values`` maps each column to ``datetime64[ns]`` (``NaT`` = not reached). A stage is
    compared with the latest of all earlier stages the row did reach, so skipped stages in
    between do not hide a violation.
    """
    m = len(stage_columns)
    n = len(stage_values[stage_columns[0]]) if m else 0
    labels = tuple(
        f"{stage_columns[j]} before {stage_columns[i]}" for j in range(m) for i in range(m)
    )
    codes = np.zeros(n, dtype=np.int32)
    if m < 2:
        return Reasons(codes=codes, labels=labels)
    stages = [stage_values[c].view("int64") for c in stage_columns]
    latest = stages[0].copy()
    for j in range(1, m):
        reached = stages[j] != _NAT
        if np.count_nonzero(reached) < n // 4:  # a late stage, reached by few: those rows only
            rows = np.flatnonzero(reached)
            current, before = stages[j][rows], latest[rows]
            bad = rows[(before != _NAT) & (current < before - tolerance_ns)]
            latest[rows] = np.maximum(before, current)
        else:
            bad = _dense_order_violations(stages[j], latest, tolerance_ns)
            np.maximum(latest, stages[j], out=latest)
        bad = bad[codes[bad] == 0]
        if len(bad):
            # the earlier stage holding the latest time (the first of equals, as it came first)
            earlier = np.stack([stages[i][bad] for i in range(j)]).argmax(axis=0)
            codes[bad] = j * m + earlier + 1
    return Reasons(codes=codes, labels=labels)


def _dense_order_violations(
    current: np.ndarray, latest: np.ndarray, tolerance_ns: int
) -> np.ndarray:
    """Rows whose ``current`` time is more than the tolerance before ``latest`` (int64 ns).

    Branch-free passes (NaT is the smallest int64): ``floor`` is ``latest`` less the tolerance
    less 1, the smallest int64 where ``latest`` is NaT; ``current - 1`` wraps NaT round to the
    largest int64, so a missing stage is never before the floor.
    """
    floor = np.maximum(latest, _NAT + tolerance_ns + 1)
    floor -= tolerance_ns + 1
    before = np.less(current - 1, floor)
    return np.flatnonzero(before) if before.any() else np.zeros(0, dtype=np.int64)


def undated_rows(date_values: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Rows with no date in any of the ``datetime64[ns]`` columns."""
    nat = np.iinfo(np.int64).min  # NaT, the smallest int64
    columns = [values.view("int64") for values in date_values.values()]
    if any(values.min(initial=np.iinfo(np.int64).max) != nat for values in columns[:1]):
        return np.zeros(n, dtype=bool)  # the first column dates every row (the usual case)
    undated = np.ones(n, dtype=bool)
    for values in columns:
        undated &= values == nat
    return undated


def future_reasons(date_values: Mapping[str, np.ndarray], latest_allowed: np.datetime64) -> Reasons:
    """``"future date in <col>"`` for the first column after ``latest_allowed``, per row."""
    n = len(next(iter(date_values.values()))) if date_values else 0
    limit = np.int64(np.datetime64(latest_allowed, "ns").astype("int64"))
    codes = np.zeros(n, dtype=np.int32)
    columns = list(date_values)
    for k in range(len(columns), 0, -1):
        values = date_values[columns[k - 1]].view("int64")
        # one reduction per column; rows are looked for only where a date is after the limit
        if values.max(initial=np.iinfo(np.int64).min) > limit:  # NaT is never after it
            codes[np.flatnonzero(values > limit)] = k
    return Reasons(codes=codes, labels=tuple(f"future date in {c}" for c in columns))


def assign_reasons(rules: Sequence[Reasons], n: int) -> Reasons:
    """Combine rules so that, per row, the first rule listed that fires gives the reason."""
    codes = np.zeros(n, dtype=np.int32)
    labels: list[str] = []
    offsets = []
    for rule in rules:
        offsets.append(len(labels))
        labels += rule.labels
    for rule, offset in zip(reversed(rules), reversed(offsets), strict=True):
        if not rule.codes.any():  # most rules fire on no row: one cheap pass to know
            continue
        hit = np.flatnonzero(rule.codes)
        codes[hit] = rule.codes[hit].astype(np.int32) + offset
    return Reasons(codes=codes, labels=tuple(labels))


@dataclass(frozen=True, kw_only=True)
class DateChecks:
    """What follows from the dates alone, for every row (besides the stage order, see
    :func:`order_reasons`): the future rule, the rows with no date at all, and the skip
    policy's flags and stage times."""

    future: Reasons
    undated: np.ndarray
    skipped: list[np.ndarray]
    stages: list[np.ndarray]


def date_checks(
    date_values: Mapping[str, np.ndarray],
    stage_columns: Sequence[str],
    latest_allowed: np.datetime64,
    *,
    backfill: bool,
) -> DateChecks:
    """The future and undated rules and the skips of every row."""
    stage_values = [date_values[c] for c in stage_columns]
    skipped, stages = skip_kernel(stage_values, backfill=backfill)
    return DateChecks(
        future=future_reasons(date_values, latest_allowed),
        undated=undated_rows(date_values, len(stage_values[0])),
        skipped=skipped,
        stages=stages,
    )
