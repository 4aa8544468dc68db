"""Conversion by speed of first response: the evidence behind a response-time SLA.

This module owns *response bands* (issue 4, step 4 of an SLA): MQLs grouped by how long sales
took to first touch them (``first_touch_at - mql_at``) — under 5 minutes, under 1 hour, the same
day, later, never — and the MQL → SQL rate of each band with its Beta interval. It is the kit's
local version of the lead-response finding (Oldroyd, McElheran & Elkington, HBR March 2011:
firms contacting a web lead within an hour were about 7× as likely to qualify it as those that
waited an hour longer). Correlation, not proof: fast-touched leads may differ in other ways.

Only *mature* MQLs count (entered at least the maturity horizon before ``as_of``), so young
leads do not depress the rates of the bands they crowd into. A touch after ``as_of`` counts as
"never" (not touched yet).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slaplan._checks import check_probability
from slaplan.funnel._mature import mature_pairs, rate_columns
from slaplan.funnel.pairs import as_calendar, lead_frame, resolve_as_of, stage_pairs, timestamps
from slaplan.plan.rates import check_prior

__all__ = ["RESPONSE_BANDS", "response_band", "response_bands"]

RESPONSE_BANDS: tuple[str, ...] = ("< 5 min", "< 1 h", "same day", "later", "never")
"""Band labels, fastest first."""


def response_band(
    elapsed_hours: Any, same_day: Any, touched: Any, *, day_hours: float | None = None
) -> np.ndarray:
    """Band index (into :data:`RESPONSE_BANDS`) of each lead, vectorised.

    ``elapsed_hours``: hours from MQL to first touch (wall-clock or business); ``same_day``:
    whether the touch fell on the MQL's calendar day; ``touched``: whether there was a touch.
    With ``day_hours`` (business hours per day) "same day" means within one business day.

    >>> response_band([0.05, 0.5, 3.0, 30.0, np.nan], [True, True, True, False, False],
    ...               [True, True, True, True, False]).tolist()
    [0, 1, 2, 3, 4]
    """
    hours = np.asarray(elapsed_hours, dtype=float)
    within_day = np.asarray(same_day, bool) if day_hours is None else hours < day_hours
    band = np.select(
        [hours < 5 / 60, hours < 1.0, within_day], [0, 1, 2], default=3
    )  # NaN compares False: falls to "later" and is then overwritten by "never"
    return np.where(np.asarray(touched, bool), band, 4)


def response_bands(
    leads: Any,
    *,
    from_stage: str = "mql",
    to_stage: str = "sql",
    calendar: Any = None,
    by: str | None = None,
    window_days: float | None = None,
    level: float = 0.9,
    as_of: Any = None,
    prior: tuple[float, float] = (1.0, 1.0),
) -> pd.DataFrame:
    """MQL → SQL conversion by response-time band, with intervals.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        Needs ``<from_stage>_at``, ``<to_stage>_at`` and ``first_touch_at``.
    calendar : BusinessCalendar, SLA or business_hours mapping, optional
        Measure response in business hours ("< 1 h" = one open hour; "same day" = within one
        business day). Default: wall-clock time, "same day" = same calendar date.
    by, window_days, level, as_of, prior
        As in :func:`slaplan.conversion_rates`.

    Returns
    -------
    DataFrame
        One row per band (and ``by`` group): ``band``, ``total``, ``converted``, ``rate``,
        ``low``, ``high``, ``share`` (of the group's MQLs), ``vs_later`` (rate / rate of "later").

    Examples
    --------
    >>> t = pd.DataFrame({"mql_at": pd.to_datetime(["2026-01-05 09:00"] * 3),
    ...                   "first_touch_at": pd.to_datetime(["2026-01-05 09:02", None, None]),
    ...                   "sql_at": pd.to_datetime(["2026-01-09", None, None])})
    >>> response_bands(t, window_days=30, as_of="2026-03-01")[["band", "total"]].values.tolist()
    [['< 5 min', 1], ['< 1 h', 0], ['same day', 0], ['later', 0], ['never', 2]]
    """
    level = check_probability("level", level)
    a0, b0 = check_prior(prior)
    frame = lead_frame(leads)
    as_of_ts = resolve_as_of(leads, as_of)
    pairs = stage_pairs(leads, from_stage, to_stage, by=by, window_days=window_days, as_of=as_of)
    touch = timestamps(frame, "first_touch_at").loc[pairs.index].to_numpy()
    bands = _bands(pairs["entered_at"], touch, as_of_ts, as_calendar(calendar))
    pairs = pairs.assign(band=bands)
    mature, horizon = mature_pairs(pairs, window_days)
    counts = (
        mature.groupby(["group", "band"])["converted"]
        .agg(["size", "sum"])
        .reindex(pd.MultiIndex.from_product([sorted(set(pairs["group"])), range(5)]), fill_value=0)
    )
    table = rate_columns(
        counts["sum"].to_numpy(), counts["size"].to_numpy(), prior=(a0, b0), level=level
    )
    table.insert(0, "band", np.array(RESPONSE_BANDS)[counts.index.get_level_values(1)])
    table.insert(0, "group", counts.index.get_level_values(0))
    group_total = table.groupby("group")["total"].transform("sum")
    later = table["rate"].where(table["band"] == "later").groupby(table["group"]).transform("max")
    table = table.assign(share=table["total"] / group_total, vs_later=table["rate"] / later)
    table.attrs |= {"as_of": as_of_ts, "horizon_days": horizon, "level": level}
    return table.drop(columns="group") if by is None else table.rename(columns={"group": by})


def _bands(entered: pd.Series, touch: np.ndarray, as_of: pd.Timestamp, calendar: Any) -> np.ndarray:
    entered_ts = pd.DatetimeIndex(entered)
    touch_ts = pd.DatetimeIndex(touch)
    # a touch before the MQL stamp (worked as a lead already) counts as an immediate response
    touch_ts = touch_ts.where(touch_ts >= entered_ts, entered_ts).where(~np.isnat(touch))
    touched = ~np.isnat(touch) & np.asarray(touch_ts <= as_of)
    same_day = np.asarray(touch_ts.normalize() == entered_ts.normalize())
    if calendar is None:
        hours = (touch_ts - entered_ts).total_seconds().to_numpy() / 3600
        return response_band(hours, same_day, touched)
    safe_touch = pd.Series(touch_ts.where(touched, entered_ts))
    hours = np.asarray(calendar.business_hours_between(pd.Series(entered_ts), safe_touch), float)
    return response_band(hours, same_day, touched, day_hours=calendar.open_hours_per_day)
