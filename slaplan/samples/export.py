"""From full lives to the CRM export: censoring at ``as_of`` and the dirty rows put in on purpose.

The export is pulled at the start of ``as_of`` (midnight, local time): every event at or after
that instant has not happened yet. Dirty rows are *extra* rows (copies of clean ones, then spoiled)
so the clean rows, and every truth computed on them, are exactly what a validator should keep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["COLUMNS", "DIRTY_KINDS", "censor", "insert_dirty_rows", "to_strings"]

COLUMNS = (
    "lead_id", "created_at", "segment", "owner", "lead_at", "mql_at", "sql_at",
    "opportunity_at", "customer_at", "first_touch_at", "score", "amount",
)  # fmt: skip
TIME_COLUMNS = ("created_at", "lead_at", "mql_at", "sql_at", "opportunity_at", "customer_at",
                "first_touch_at")  # fmt: skip
DIRTY_KINDS = ("bad_date", "out_of_order", "duplicate_id", "future_date", "empty_id")
_BAD_DATES = ("2025-02-30 10:00:00", "2025-13-01 09:15:00", "TBD", "yesterday", "31/31/2025",
              "2025-06-31", "0000-00-00 00:00:00", "#VALUE!")  # fmt: skip
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def censor(lives: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The typed export (canonical columns but ``lead_id``) of what had happened by ``cutoff``."""
    alive = lives[lives["lead_at"] < cutoff]
    frame = pd.DataFrame({"created_at": alive["lead_at"], "segment": alive["segment"]})
    for column in (
        "lead_at",
        "mql_at",
        "sql_at",
        "opportunity_at",
        "customer_at",
        "first_touch_at",
    ):
        values = alive[column]
        frame[column] = values.where(values < cutoff)
    assigned_at = alive["mql_at"].where(~alive["sales_sourced"], alive["sql_at"])
    frame["owner"] = alive["owner"].where(assigned_at < cutoff, "")
    frame["score"] = alive["score"]
    frame["amount"] = alive["amount"].where(frame["opportunity_at"].notna())
    return frame.reset_index(drop=True)[[c for c in COLUMNS if c != "lead_id"]]


def to_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as the text written to CSV (times ``YYYY-MM-DD HH:MM:SS``, missing as "")."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in TIME_COLUMNS:
            out[column] = values.dt.strftime(_TIME_FORMAT).fillna("")
        elif column in ("score", "amount"):
            out[column] = values.map(lambda x: "" if np.isnan(x) else f"{x:.0f}")
        else:
            out[column] = values.astype(str)
    return out


def _spoil(row: pd.Series, kind: str, cutoff: pd.Timestamp, rng) -> tuple[pd.Series, str, str]:
    """One dirty copy of a clean text row: (row, spoiled column, what was done)."""
    row = row.copy()
    if kind == "bad_date":
        column = str(rng.choice([c for c in ("created_at", "lead_at", "mql_at") if row[c]]))
        row[column] = str(rng.choice(_BAD_DATES))
        return row, column, f"unparseable date {row[column]!r}"
    if kind == "out_of_order":
        sql_at = pd.Timestamp(row["sql_at"])
        row["mql_at"] = (sql_at + pd.Timedelta(days=int(rng.integers(3, 15)))).strftime(
            _TIME_FORMAT
        )
        return row, "mql_at", "mql_at after sql_at"
    if kind == "future_date":
        future = cutoff + pd.Timedelta(hours=int(rng.integers(30, 24 * 45)))
        # a typed year with its last two digits swapped (2026 -> 2062): a real-world slip that
        # stays in the future for decades, so the samples validate the same whatever today is
        year = f"{future.year:04d}"
        future = future.replace(year=int(year[:2] + year[3] + year[2]))
        for column in TIME_COLUMNS:
            row[column] = ""
        row["created_at"] = row["lead_at"] = future.strftime(_TIME_FORMAT)
        row["owner"], row["amount"] = "", ""
        return row, "lead_at", "lead_at after as_of (year digits swapped)"
    if kind == "empty_id":
        return row, "lead_id", "empty lead_id"
    return row, "lead_id", "exact copy of an earlier row"


def _candidates(text: pd.DataFrame, kind: str) -> np.ndarray:
    if kind == "out_of_order":
        return np.flatnonzero((text["sql_at"] != "") & (text["mql_at"] != "")
                              & (text["opportunity_at"] == ""))  # fmt: skip
    return np.arange(len(text))


def insert_dirty_rows(text: pd.DataFrame, per_kind: int, cutoff: pd.Timestamp, rng):
    """Mix ``per_kind`` dirty rows of each kind into the clean text rows and number the ids.

    Returns the final text frame (``lead_id`` first) and the list of dirty rows (0-based data
    row, kind, lead_id, column, detail), in row order.
    """
    keys = [np.arange(len(text), dtype=float)]
    rows, notes = [text], []
    for kind in DIRTY_KINDS:
        sources = rng.choice(_candidates(text, kind), size=per_kind, replace=False)
        spoiled = [_spoil(text.iloc[i], kind, cutoff, rng) for i in np.sort(sources)]
        rows.append(pd.DataFrame([s[0] for s in spoiled]))
        after = rng.integers(1, 40, size=per_kind) if kind == "duplicate_id" else None
        keys.append(np.sort(sources) + after - 0.5 if after is not None
                    else rng.uniform(0, len(text), size=per_kind))  # fmt: skip
        notes += [
            (kind, int(i), s[1], s[2]) for i, s in zip(np.sort(sources), spoiled, strict=True)
        ]
    frame = pd.concat(rows, ignore_index=True)
    order = np.argsort(np.concatenate(keys), kind="stable")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order))
    kinds = np.array([""] * len(text) + [n[0] for n in notes], dtype=object)
    numbered = np.cumsum(np.isin(kinds[order], ["", "bad_date", "out_of_order", "future_date"]))
    ids = np.array([f"L{k:06d}" for k in numbered], dtype=object)[position]
    sources = np.array([-1] * len(text) + [n[1] for n in notes])
    ids = np.where(kinds == "duplicate_id", ids[np.maximum(sources, 0)], ids)
    ids = np.where(kinds == "empty_id", "", ids)
    frame.insert(0, "lead_id", ids)
    dirty = [
        {"row": int(position[len(text) + j]), "kind": kind, "lead_id": str(ids[len(text) + j]),
         "column": column, "detail": detail}
        for j, (kind, _source, column, detail) in enumerate(notes)
    ]  # fmt: skip
    return frame.iloc[order].reset_index(drop=True), sorted(dirty, key=lambda d: d["row"])
