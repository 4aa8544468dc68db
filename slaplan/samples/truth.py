"""The realised truths of the sample data, computed on the full (uncensored) lives.

Definitions follow the default skip policy of the funnel: a lead with ``sql_at`` but no ``mql_at``
(sales-sourced) counts as reaching ``mql`` at its ``sql_at``. "Reached stage s" means the lead has
a timestamp at s or any later stage. Months are calendar months of local time, ``YYYY-MM``.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

__all__ = ["DEFINITIONS", "campaign_truth", "compute_truth", "reached_stages"]

STAGES = ("lead", "mql", "sql", "opportunity", "customer")
DEFINITIONS = {
    "reached": "a lead reached stage s if it has a timestamp at s or a later stage; a lead with "
    "sql_at and no mql_at (sales-sourced) reached mql at its sql_at (the default skip policy)",
    "stage_rates": "full-life (uncensored) share of leads created before as_of that reached s "
    "and then reached the next stage: what the data will show once every lead has converted",
    "mql_cohorts": "MQLs by month of reaching mql (before as_of); eventual_sql_share is the "
    "uncensored share that ever reaches sql, sql_within_60_days_share within 60 days of mql",
    "monthly_counts": "events per calendar month as seen at as_of (final for complete months); "
    "mqls_worked: MQLs whose first touch fell in the month",
    "response": "MQLs (with mql_at) by month of mql_at; within = first touch at most "
    "within_business_hours business hours after mql_at on the SLA's calendar, uncensored "
    "(a touch after as_of counts when it happens); never-touched MQLs count as not within",
    "campaign": "the paid campaign behind the visible change: from its start month on, its "
    "segment's mean lead volume is x lead_volume_factor; leads_per_month and mqls_per_month "
    "(mql as in monthly_counts) of the segment are means over the complete months since the "
    "start (after) and over the 12 months before it without the short months (before)",
    "dirty_rows": "row is the 0-based data row of leads.csv (header excluded); every dirty row "
    "is an extra row, so the clean rows are exactly what a validator should keep",
}


def _month(times: pd.Series) -> pd.Series:
    return times.dt.strftime("%Y-%m")


def reached_stages(lives: pd.DataFrame) -> pd.DataFrame:
    """Reached-stage flags per lead; a later stage implies the earlier ones (the backfill policy).

    >>> t = pd.DataFrame({"mql_at": [None], "sql_at": [None],
    ...                   "opportunity_at": [pd.Timestamp("2026-01-02")], "customer_at": [None]})
    >>> reached_stages(t).iloc[0].tolist()
    [True, True, True, True, False]
    """
    reached = pd.DataFrame({"customer": lives["customer_at"].notna()}, index=lives.index)
    reached["opportunity"] = lives["opportunity_at"].notna() | reached["customer"]
    reached["sql"] = lives["sql_at"].notna() | reached["opportunity"]
    reached["mql"] = lives["mql_at"].notna() | reached["sql"]
    reached["lead"] = True
    return reached[list(STAGES)]


def _rates(reached: pd.DataFrame) -> dict:
    rates = {}
    for earlier, later in itertools.pairwise(STAGES):
        total, converted = int(reached[earlier].sum()), int(reached[later].sum())
        rate = round(converted / total, 6) if total else None
        rates[f"{earlier}_to_{later}"] = {"total": total, "converted": converted, "rate": rate}
    return rates


def _cohorts(lives: pd.DataFrame, reached: pd.DataFrame, cutoff: pd.Timestamp) -> dict:
    mql_event = lives["mql_at"].fillna(lives["sql_at"])
    in_cohort = reached["mql"] & (mql_event < cutoff)
    lag = lives["sql_at"] - mql_event
    frame = pd.DataFrame({
        "month": _month(mql_event[in_cohort]),
        "sql": reached["sql"][in_cohort],
        "sql_60": (lag[in_cohort] <= pd.Timedelta(days=60)).fillna(False),
    })  # fmt: skip
    table = frame.groupby("month").agg(mqls=("sql", "size"), sql=("sql", "sum"),
                                       sql_60=("sql_60", "sum"))  # fmt: skip
    return {
        month: {"mqls": int(r.mqls), "eventual_sqls": int(r.sql),
                "eventual_sql_share": round(r.sql / r.mqls, 6),
                "sql_within_60_days_share": round(r.sql_60 / r.mqls, 6)}
        for month, r in table.iterrows()
    }  # fmt: skip


def _monthly_counts(export: pd.DataFrame, months: list[str]) -> dict:
    mql_event = export["mql_at"].fillna(export["sql_at"])
    series = {
        "lead": export["lead_at"], "mql": mql_event, "sql": export["sql_at"],
        "opportunity": export["opportunity_at"], "customer": export["customer_at"],
        "events_sql": export["sql_at"].where(export["segment"] == "events"),
        "mqls_worked": export["first_touch_at"].where(export["mql_at"].notna()),
    }  # fmt: skip
    counts = {name: _month(values.dropna()).value_counts() for name, values in series.items()}
    return {m: {name: int(c.get(m, 0)) for name, c in counts.items()} for m in months}


def _response(lives, cutoff, within_hours: float) -> dict:
    mqls = lives[lives["mql_at"].notna() & (lives["mql_at"] < cutoff)]
    hours = mqls["response_hours"]
    frame = pd.DataFrame({"month": _month(mqls["mql_at"]), "touched": hours.notna(),
                          "within": hours <= within_hours})  # fmt: skip

    def summary(group: pd.DataFrame) -> dict:
        n, touched, within = len(group), int(group["touched"].sum()), int(group["within"].sum())
        share_of_touched = round(within / touched, 6) if touched else None
        return {"mqls": n, "touched": touched, "within": within,
                "share": round(within / n, 6), "share_of_touched": share_of_touched}  # fmt: skip

    by_month = {month: summary(group) for month, group in frame.groupby("month")}
    never = int((~frame["touched"]).sum())
    return {"within_business_hours": within_hours, "overall": summary(frame),
            "never_touched": never, "by_month": by_month}  # fmt: skip


def campaign_truth(export, *, segment, start, factor, months, short_months) -> dict:
    """The campaign's realised lift: its segment's leads and MQLs a month, before and after.

    ``months`` are the simulated months ``YYYY-MM`` (the last one is partial, left out). A
    side without a complete month (a short history) has no months and ``None`` means.

    >>> t = pd.DataFrame({"segment": ["a"] * 3, "lead_at": pd.to_datetime(
    ...     ["2026-01-05", "2026-02-05", "2026-02-06"]), "mql_at": pd.NaT, "sql_at": pd.NaT})
    >>> campaign_truth(t, segment="a", start="2026-02", factor=2.0,
    ...                months=["2026-01", "2026-02", "2026-03"], short_months=())["leads_per_month"]
    {'before': 1.0, 'after': 2.0}
    """
    part = export[export["segment"] == segment]
    mql_event = part["mql_at"].fillna(part["sql_at"])
    complete = months[:-1]
    after = [m for m in complete if m >= start]
    before = [m for m in complete if m < start and m not in short_months][-12:]

    def per_month(times: pd.Series, chosen: list[str]) -> float | None:
        if not chosen:
            return None
        counts = _month(times.dropna()).value_counts()
        return round(float(np.mean([counts.get(m, 0) for m in chosen])), 1)

    return {
        "segment": segment, "start": start, "lead_volume_factor": factor,
        "months_before": before[:1] + before[1:][-1:], "months_after": after[:1] + after[1:][-1:],
        "leads_per_month": {"before": per_month(part["lead_at"], before),
                            "after": per_month(part["lead_at"], after)},
        "mqls_per_month": {"before": per_month(mql_event, before),
                           "after": per_month(mql_event, after)},
    }  # fmt: skip


def compute_truth(lives, export, *, cutoff, months, mql_target, effective_year, within_hours):
    """The realised-truth part of ``truth.yaml`` (plain types, ready for YAML)."""
    alive = lives[lives["lead_at"] < cutoff].reset_index(drop=True)
    reached = reached_stages(alive)
    by_segment = {seg: _rates(reached[alive["segment"] == seg])
                  for seg in sorted(alive["segment"].unique())}  # fmt: skip
    counts = _monthly_counts(export, months)
    complete = months[:-1]
    below = [m for m in complete if counts[m]["mql"] < mql_target]
    sales_sourced = int(alive["sales_sourced"].sum())
    return {
        "stage_rates": {"overall": _rates(reached), "by_segment": by_segment},
        "stage_skips": {"sql_without_mql": sales_sourced,
                        "share_of_sqls": round(sales_sourced / int(reached["sql"].sum()), 6)},
        "mql_cohorts": _cohorts(alive, reached, cutoff),
        "monthly_counts": counts,
        "months_below_mql_target": {
            "mql_target": mql_target, "all_complete_months": below,
            "in_effective_period": [m for m in below if m.startswith(str(effective_year))],
        },
        "response": _response(alive, cutoff, within_hours),
        "overdispersion": _overdispersion(counts, complete),
    }  # fmt: skip


def _overdispersion(counts: dict, months: list[str]) -> dict:
    leads = np.array([counts[m]["lead"] for m in months], dtype=float)
    return {"lead_variance_to_mean": round(float(leads.var(ddof=1) / leads.mean()), 3)}
