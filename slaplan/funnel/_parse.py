"""Every canonical column of a raw export parsed, and the reasons rows are rejected.

This module owns the parsing step of :func:`slaplan.load_leads`: ids, dates (with the order of
day and month decided for the whole file, :mod:`.date_order`), status, group labels and numbers,
parsed side by side in a thread pool (Arrow and numpy release the GIL); then the row-level
rules of :mod:`.validate` and the reason each rejected row gets.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from slaplan.errors import DataError
from slaplan.funnel import columns as cols
from slaplan.funnel import validate as rules
from slaplan.funnel.date_order import decide_dayfirst, unreadable_dates
from slaplan.funnel.dates import DateOrder, ParsedDates, parse_datetimes
from slaplan.funnel.ids import IdChecks, check_ids
from slaplan.funnel.presets import ColumnMapping, apply_status_dates, map_status
from slaplan.funnel.stages import Funnel

__all__ = ["Columns", "parse_columns", "row_reasons"]


@dataclass(frozen=True, kw_only=True)
class Columns:
    """Parsed canonical columns of every source row (before rows are rejected)."""

    ids: IdChecks
    dates: dict[str, np.ndarray]
    unparseable: dict[str, np.ndarray]
    status: np.ndarray | None
    unknown_status: np.ndarray | None
    labels: dict[str, cols.Labels | None]
    numbers: dict[str, cols.Numbers]
    order: rules.Reasons
    checks: rules.DateChecks
    date_note: str | None


def parse_columns(
    frame: pd.DataFrame,
    sources: dict[str, str],
    cmap: ColumnMapping,
    funnel: Funnel,
    pool: ThreadPoolExecutor,
    *,
    name: str,
    dayfirst: bool | None,
    tz: str,
    latest_allowed: pd.Timestamp,
    tolerance_ns: int,
) -> Columns:
    """Parse every canonical column in ``pool``. Once the dates are in, the stage-order rule
    goes to the pool ahead of labels and numbers, and this thread checks the rest of the date
    rules meanwhile."""
    ids_job = pool.submit(check_ids, frame[sources["lead_id"]])
    names = ["created_at", *funnel.columns, "first_touch_at", "lost_at", "status_date_column"]
    wanted = {column: sources[column] for column in names if column in sources}
    parsed, note = _parse_dates(frame, wanted, pool, name=name, dayfirst=dayfirst, tz=tz)
    dates, unparseable, status, unknown = _collect_dates(frame, sources, cmap, funnel, parsed)
    stage_dates = {c: dates[c] for c in funnel.columns}
    order_job = pool.submit(rules.order_reasons, stage_dates, funnel.columns, tolerance_ns)
    label_jobs = {
        name: pool.submit(cols.encode_labels, frame, sources.get(name))
        for name in ("segment", "owner")
    }
    number_jobs = {
        name: pool.submit(cols.parse_numbers, frame, sources.get(name))
        for name in ("score", "amount")
    }
    checks = rules.date_checks(
        dates,
        funnel.columns,
        np.datetime64(latest_allowed.to_datetime64(), "ns"),
        backfill=funnel.skip_policy == "backfill",
    )
    return Columns(
        ids=ids_job.result(),
        dates=dates,
        unparseable=unparseable,
        status=status,
        unknown_status=unknown,
        labels={name: job.result() for name, job in label_jobs.items()},
        numbers={name: job.result() for name, job in number_jobs.items()},
        order=order_job.result(),
        checks=checks,
        date_note=note,
    )


def _parse_dates(
    frame: pd.DataFrame,
    sources: dict[str, str],
    pool: ThreadPoolExecutor,
    *,
    name: str,
    dayfirst: bool | None,
    tz: str,
) -> tuple[dict[str, ParsedDates], str | None]:
    """The date columns of ``sources`` (canonical name → source column), parsed side by side in
    ``pool`` with the order of day and month decided for the whole file (:mod:`.date_order`),
    and a note saying what was detected. A column that is mostly not dates makes the file
    unusable."""
    jobs = {
        column: pool.submit(parse_datetimes, frame[source], dayfirst=dayfirst, tz=tz)
        for column, source in sources.items()
    }
    parsed = {column: job.result() for column, job in jobs.items()}
    note = None
    if dayfirst is None:
        orders = {sources[column]: p.order for column, p in parsed.items()}
        dayfirst = decide_dayfirst(orders, source=name)
        parsed = {column: p.read(dayfirst) for column, p in parsed.items()}
        note = _order_note(orders, dayfirst)
    for column, values in parsed.items():
        source = sources[column]
        problem = unreadable_dates(source, frame[source], values, dayfirst=bool(dayfirst))
        if problem:
            raise DataError(f"{name}: {problem}")
    return parsed, note


def _order_note(orders: dict[str, DateOrder], dayfirst: bool) -> str | None:
    """What the values showed about day and month order (None when nothing had to be decided)."""
    for column, order in orders.items():
        examples = order.day_only if dayfirst else order.month_only
        if examples:
            which = "day" if dayfirst else "month"
            return f"dates read {which} first (detected from {examples[0]!r} in {column!r})"
    return None


def _collect_dates(
    frame: pd.DataFrame,
    sources: dict[str, str],
    cmap: ColumnMapping,
    funnel: Funnel,
    parsed: dict[str, ParsedDates],
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray | None, np.ndarray | None]:
    """Every canonical date column (``NaT`` when absent), the unparseable masks, and the mapped
    status with its unknown values (status exports fill stage dates from the status date)."""
    n = len(frame)
    dates: dict[str, np.ndarray] = {}
    unparseable: dict[str, np.ndarray] = {}
    for name in ["created_at", *funnel.columns, "first_touch_at", "lost_at"]:
        if name in parsed:
            dates[name], unparseable[name] = parsed[name].values, parsed[name].failed
        elif name != "lost_at" or cmap.has_status:
            dates[name] = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    status = unknown = None
    if cmap.has_status:
        status, unknown = map_status(frame[sources["status_column"]], cmap)
        if "status_date_column" in parsed:
            values = parsed["status_date_column"]
            unparseable["status_date"] = values.failed
            apply_status_dates(dates, status, values.values, funnel)
    return dates, unparseable, status, unknown


def row_reasons(columns: Columns, n: int) -> rules.Reasons:
    unknown = columns.unknown_status
    unknown_status = rules.mask_reason(
        np.zeros(n, bool) if unknown is None else unknown, "unknown status"
    )
    no_date = columns.checks.undated
    if columns.status is not None:
        no_date = no_date & pd.isna(columns.status)
    return rules.assign_reasons(
        [
            rules.mask_reason(columns.ids.empty, "empty lead_id"),
            rules.mask_reason(columns.ids.duplicate, "duplicate lead_id"),
            rules.first_column_reason(columns.unparseable, "unparseable date in {col}", n),
            unknown_status,
            columns.order,
            columns.checks.future,
            rules.mask_reason(no_date, "no date"),
        ],
        n,
    )
