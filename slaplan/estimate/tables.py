"""The funnel-health tables, read off the one estimate: cohorts, stages and segments.

This module owns :func:`conversion_rates` (PRODUCT.md §5), :func:`stage_rates` and
:func:`segment_rates`. They show the same rates every other door uses — the censoring-aware
transitions of :mod:`slaplan.estimate.transitions` — per cohort month, per stage pair and per
segment, so a rate in the health notebook is the rate in the check.

* Per cohort, ``rate`` is the naive share so far (with its Beta interval), a lower bound while
  the cohort is young; ``mature`` says the cohort has had at least 90% of its expected
  conversions (mean completion from the lag distribution — a long lag tail does not push maturity
  out, as a "p95 lag" horizon did); ``eventual`` is the share the cohort will reach: conversions so
  far plus the open leads that will still convert, drawn from the cohort's own rate (its evidence
  and the regime's spread) and the lags, with a predictive interval of that realised share.
* Per stage pair, the current regime's eventual rate with its credible interval.
* Per segment, the segments' eventual rates pooled toward the overall one (empirical Bayes,
  :func:`slaplan.funnel.pooling.fit_beta_prior` on effective trials), small segments flagged.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from slaplan._checks import check_probability
from slaplan.estimate.outlook import PendingLeads, cohort_rates, pending_by_cohort
from slaplan.estimate.transitions import Transition, estimate_transition
from slaplan.funnel.pairs import lead_frame, resolve_as_of
from slaplan.funnel.pooling import SMALL_SEGMENT_LEADS, fit_beta_prior
from slaplan.plan.rates import beta_interval, check_prior

__all__ = ["MATURE_COMPLETION", "conversion_rates", "segment_rates", "stage_rates"]

MATURE_COMPLETION = 0.9
"""A cohort is mature once it has had this share of its expected conversions."""
_DRAWS = 2000


def _eventual(transition: Transition, level: float) -> np.ndarray:
    """Per cohort: eventual share (mean), low and high of its predictive interval."""
    cohorts = transition.cohorts
    n = len(cohorts)
    converted, effective = cohorts["converted"].to_numpy(float), cohorts["effective"].to_numpy()
    rng = np.random.default_rng(0)
    a, b = transition.posterior.cohort_draws(_DRAWS, rng, np.arange(n))
    rates = cohort_rates(a, b, converted, effective, rng)
    outside = ~cohorts["in_regime"].to_numpy()
    if outside.any():  # an earlier regime's cohorts: their own evidence under Jeffreys' prior
        rates[:, outside] = rng.beta(0.5 + converted[outside], 0.5 + effective[outside]
                                     - converted[outside], (_DRAWS, outside.sum()))  # fmt: skip
    open_leads = transition.open_leads
    done = open_leads.completion
    pending = PendingLeads(cohort=open_leads.cohort, completed=done, in_period=1.0 - done,
                           converted=converted, effective=effective)  # fmt: skip
    which, drawn, _ = pending_by_cohort(pending, rates, rng)
    future = np.zeros((_DRAWS, n))
    future[:, which] = drawn
    shares = (converted + future) / cohorts["total"].to_numpy()
    tail = (1 - level) / 2
    return np.vstack([shares.mean(axis=0), *np.quantile(shares, [tail, 1 - tail], axis=0)])


def _cohort_table(transition: Transition, level: float, prior) -> pd.DataFrame:
    cohorts = transition.cohorts
    converted, total = cohorts["converted"].to_numpy(), cohorts["total"].to_numpy()
    low, high = beta_interval(prior[0] + converted, prior[1] + total - converted, level)
    table = pd.DataFrame(
        {
            "cohort": cohorts["cohort"],
            "total": total,
            "converted": converted,
            "rate": converted / total,
            "low": low,
            "high": high,
            "mature": cohorts["completion"].to_numpy() >= MATURE_COMPLETION,
            "completion": cohorts["completion"].to_numpy(),
        }
    )
    if transition.sufficient:
        eventual, eventual_low, eventual_high = _eventual(transition, level)
    else:
        eventual = eventual_low = eventual_high = np.full(len(cohorts), np.nan)
    return table.assign(eventual=eventual, eventual_low=eventual_low, eventual_high=eventual_high)


def _groups(frame: pd.DataFrame, by: str | None):
    if by is None:
        yield None, frame
        return
    if by not in frame.columns:
        raise ValueError(f"by column {by!r} is missing; columns present: {list(frame.columns)}")
    yield from frame.groupby(frame[by].astype(str), sort=True)


def conversion_rates(
    leads: Any,
    from_stage: str,
    to_stage: str,
    *,
    by: str | None = None,
    window_days: float | None = None,
    level: float = 0.9,
    as_of: Any = None,
    prior: tuple[float, float] = (1.0, 1.0),
) -> pd.DataFrame:
    """Conversion from ``from_stage`` to ``to_stage`` per cohort month, with maturity.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        Loaded leads (canonical ``<stage>_at`` columns).
    from_stage, to_stage : str
        Stage names (``"mql"``, ``"sql"``): cohorts are months of entering ``from_stage``.
    by : str, optional
        Column to split by (``"segment"``); one row per cohort and group.
    window_days : float, optional
        Conversion window: only conversions within this many days count.
    level : float, default 0.9
        Level of the equal-tailed intervals.
    as_of : date-like, optional
        The analysis's "today" (default: the table's ``as_of``, else its latest timestamp);
        later events are treated as not yet happened.
    prior : (a0, b0), default (1, 1)
        Beta prior of the naive ``low``/``high`` interval.

    Returns
    -------
    DataFrame
        One row per cohort (and ``by`` group): ``cohort`` (month start), ``total``,
        ``converted`` (so far), ``rate`` (naive share so far), ``low``, ``high``, ``mature``,
        ``completion`` (expected share of eventual conversions already seen), ``eventual``,
        ``eventual_low``, ``eventual_high`` (the share the cohort will reach, predictive
        interval; NaN where the transition has insufficient data); with ``by``, ``small``
        (the group has fewer than 30 leads in all). ``attrs`` holds ``as_of`` and ``level``.

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> table = sp.conversion_rates(t, "mql", "sql")
    >>> bool(table["eventual"].iloc[-1] > table["rate"].iloc[-1])  # a young cohort, completed
    True
    """
    level = check_probability("level", level)
    prior = check_prior(prior)
    frame = lead_frame(leads)
    as_of_ts = resolve_as_of(leads, as_of)
    parts = []
    for name, part in _groups(frame, by):
        transition = estimate_transition(
            part, from_stage, to_stage, as_of=as_of_ts, window_days=window_days
        )
        table = _cohort_table(transition, level, prior)
        if by is not None:
            table.insert(0, by, name)
            table["small"] = table["total"].sum() < SMALL_SEGMENT_LEADS
        parts.append(table)
    table = pd.concat(parts, ignore_index=True)
    table.attrs |= {"as_of": as_of_ts, "level": level}
    return table


def stage_rates(
    leads: Any,
    stages: Any = None,
    *,
    window_days: float | None = None,
    level: float = 0.9,
    as_of: Any = None,
) -> pd.DataFrame:
    """The eventual rate of each consecutive stage pair: the rate every door plans with.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        Canonical lead frame with ``<stage>_at`` columns.
    stages : sequence of str, optional
        The stages, in order (default: the table's funnel, or the canonical stages present).
    window_days : float, optional
        Conversion window in days.
    level : float, default 0.9
        Level of the credible interval of the rate.
    as_of : date-like, optional
        The analysis's "today" (default: the table's, else its latest timestamp).

    Returns
    -------
    DataFrame
        One row per pair: ``from_stage``, ``to_stage``, ``entered`` (leads that reached
        ``from_stage``), ``total`` (leads in the cohorts the rate rests on), ``converted`` (so
        far, among them), ``rate`` (eventual rate of the current regime), ``low``, ``high``,
        ``spread`` (month-to-month coefficient of variation), ``since`` (first cohort used),
        ``reason`` (why there is no rate, else "").

    Examples
    --------
    One MQL a day, every fifth an SQL two days later:

    >>> days = pd.date_range("2026-01-01", periods=300, freq="D")
    >>> t = pd.DataFrame({"mql_at": days,
    ...                   "sql_at": (days + pd.Timedelta(days=2)).where(days.day_of_year % 5 == 0)})
    >>> stage_rates(t, ["mql", "sql"], as_of="2026-12-31")[["from_stage", "rate"]].round(2)
      from_stage  rate
    0        mql   0.2
    """
    level = check_probability("level", level)
    frame = lead_frame(leads)
    as_of_ts = resolve_as_of(leads, as_of)
    names = _stage_names(leads, frame, stages)
    rows = []
    for a, b in itertools.pairwise(names):
        transition = estimate_transition(frame, a, b, as_of=as_of_ts, window_days=window_days)
        rows.append(_stage_row(transition, level))
    return pd.DataFrame(rows)


def _stage_row(transition: Transition, level: float) -> dict[str, Any]:
    row = {
        "from_stage": transition.from_stage,
        "to_stage": transition.to_stage,
        "entered": int(transition.cohorts["total"].sum()),
        "total": transition.leads_used,
        "converted": transition.conversions_used,
    }
    if not transition.sufficient:
        nan = float("nan")
        return row | {"rate": nan, "low": nan, "high": nan, "spread": nan, "since": pd.NaT,
                      "reason": transition.reason}  # fmt: skip
    post = transition.posterior
    mu = special.expit(post.logit_mean)
    order = np.argsort(mu)
    cumulative = np.cumsum(post.weights[order])
    tail = (1 - level) / 2
    low, high = mu[order][np.searchsorted(cumulative, [tail, 1 - tail])]
    return row | {
        "rate": post.mean,
        "low": float(low),
        "high": float(high),
        "spread": post.spread,
        "since": transition.regime_start,
        "reason": "",
    }


def segment_rates(
    leads: Any,
    from_stage: str,
    to_stage: str,
    *,
    by: str = "segment",
    window_days: float | None = None,
    level: float = 0.9,
    as_of: Any = None,
    prior: tuple[float, float] = (1.0, 1.0),
) -> pd.DataFrame:
    """Eventual conversion per segment, raw and partially pooled toward the overall rate.

    Each segment's evidence is its transition's (current regime, censoring-aware): conversions so
    far over effective trials. The segments' rates are pooled with an empirical-Bayes Beta
    (:func:`slaplan.funnel.pooling.fit_beta_prior`, on the effective trials rounded to leads),
    so a small segment leans on the others; segments under 30 leads are flagged ``small``.

    Returns
    -------
    DataFrame
        One row per ``by`` value: ``total`` (leads), ``converted``, ``effective``, ``rate``
        (raw eventual), ``low``, ``high``, ``pooled``, ``pooled_low``, ``pooled_high``,
        ``small``, ``prior_strength`` (a + b of the pooling Beta).

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> sorted(sp.segment_rates(t, "mql", "sql")["segment"])[:2]
    ['events', 'paid_social']
    """
    level = check_probability("level", level)
    a0, b0 = check_prior(prior)
    frame = lead_frame(leads)
    as_of_ts = resolve_as_of(leads, as_of)
    rows = []
    for name, part in _groups(frame, by):
        t = estimate_transition(part, from_stage, to_stage, as_of=as_of_ts, window_days=window_days)
        used = t.cohorts[t.cohorts["in_regime"]] if len(t.cohorts) else t.cohorts
        rows.append(
            {
                by: name,
                "total": int(t.cohorts["total"].sum()),
                "converted": int(used["converted"].sum()),
                "effective": float(used["effective"].sum()),
            }
        )
    table = pd.DataFrame(rows)
    converted = table["converted"].to_numpy()
    trials = np.maximum(np.round(table["effective"].to_numpy()).astype(int), converted)
    a, b = fit_beta_prior(converted, trials)
    low, high = beta_interval(a0 + converted, b0 + trials - converted, level)
    pooled_low, pooled_high = beta_interval(a + converted, b + trials - converted, level)
    table = table.assign(
        rate=np.divide(converted, trials, out=np.full(len(table), np.nan), where=trials > 0),
        low=low,
        high=high,
        pooled=(a + converted) / (a + b + trials),
        pooled_low=pooled_low,
        pooled_high=pooled_high,
        small=table["total"] < SMALL_SEGMENT_LEADS,
        prior_strength=a + b,
    )
    table.attrs["as_of"] = as_of_ts
    return table


_DEFAULT_STAGES = ("lead", "mql", "sql", "opportunity", "customer")


def _stage_names(leads: Any, frame: pd.DataFrame, stages: Any) -> list[str]:
    if stages is None:
        stages = getattr(leads, "funnel", None) or _DEFAULT_STAGES
        stages = [s for s in stages if f"{s}_at" in frame.columns]
    names = [str(s) for s in stages]
    if len(names) < 2:
        raise ValueError(f"stages must name at least two stages, got {names!r}")
    return names
