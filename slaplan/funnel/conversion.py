"""Cohort conversion rates with maturity and a censoring-aware *eventual* rate.

This module owns :func:`conversion_rates` (PRODUCT.md §2, §4, §5): of the leads that entered
stage A in month m, the share that reached stage B. Young cohorts are still converting, so their
naive share ``converted / total`` is biased low; each row says whether the cohort is ``mature``
(every lead has had the conversion window, or the 95th percentile lag, to convert) and gives an
``eventual`` estimate of the share the cohort will reach.

How ``eventual`` is estimated (Bornhuetter–Ferguson in Bayesian form, cf. Verrall 2004):

1. The lag distribution ``F`` of conversions (share of eventual conversions within k days) is
   estimated from all cohorts with the truncation-corrected Lynden-Bell product-limit estimator
   (:mod:`slaplan.funnel.lags`). A lead of age ``t`` that will convert has already done so with
   probability ``F(t)``; the cohort's *completion* is the mean of ``F`` over its leads.
2. Cohort rates vary from month to month as ``p_m ~ Beta(a, b)``, fitted by method of moments on
   the **mature** cohorts (:func:`slaplan.funnel.pooling.fit_beta_prior`): this is the "expected
   rate" of Bornhuetter–Ferguson.
3. Given a cohort's conversions so far, the likelihood of ``p`` is
   ``p^c * prod_open (1 - p F(t_i))`` — a lead not yet converted either never will, or will
   later. The posterior of ``p`` (prior × likelihood, on a grid) is close to the prior for a
   brand-new cohort (completion ≈ 0) and to the cohort's own data once it is complete, which is
   the BF credibility weighting without an ad-hoc weight.
4. ``eventual`` is the posterior expected share of the cohort's leads that will ever convert:
   ``(c + sum_open p (1 - F_i) / (1 - p F_i)) / n``, averaged over the posterior. Its interval is
   a *predictive* interval of that realised share: the number of future conversions is a
   posterior mixture of Poisson counts (rate uncertainty and the luck of the remaining leads).

With ``window_days`` every quantity is "within the window": later conversions do not count.
Leads closed as lost (a ``lost_at`` column, e.g. the Maven preset) are complete: they stay in
the cohort's total but are known never to convert.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from slaplan._checks import check_probability
from slaplan.funnel._mature import mature_pairs, rate_columns
from slaplan.funnel.lags import LagDistribution, maturity_horizon_days, pair_distribution
from slaplan.funnel.pairs import lead_frame, resolve_as_of, stage_pairs
from slaplan.funnel.pooling import SMALL_SEGMENT_LEADS, fit_beta_prior
from slaplan.plan.rates import check_prior

__all__ = ["conversion_rates", "eventual_share", "stage_rates"]

_GRID_POINTS = 400
_BLOCK = 8  # grid points per block in the predictive mixture (400 / 8 = 50 Poisson components)
_MIN_CONVERTERS_FOR_OWN_LAGS = 30


def eventual_share(
    converted: int,
    total: int,
    open_completion: Any,
    prior_a: float,
    prior_b: float,
    level: float,
) -> tuple[float, float, float]:
    """Posterior expected eventual share of one cohort and its ``level`` interval.

    Parameters
    ----------
    converted, total : int
        Conversions so far and leads in the cohort (``total > 0``).
    open_completion : array_like
        ``F(age)`` for each lead that has not converted yet, in [0, 1].
    prior_a, prior_b : float
        Beta prior of the cohort's eventual rate (> 0).
    level : float
        Interval level in (0, 1).

    Returns
    -------
    (eventual, low, high) : tuple of float

    Examples
    --------
    >>> # a complete cohort (F = 1 for all open leads): the eventual share is what it has
    >>> [round(x, 3) for x in eventual_share(30, 200, np.ones(170), 15.0, 85.0, 0.9)]
    [0.15, 0.15, 0.15]
    >>> # a brand-new cohort (F = 0): the prior's mean, 15%
    >>> round(eventual_share(0, 200, np.zeros(200), 15.0, 85.0, 0.9)[0], 3)
    0.15
    """
    completion, weight = np.unique(
        np.round(np.asarray(open_completion, float), 4), return_counts=True
    )
    grid = _rate_grid(converted, float(converted + np.sum(weight * completion)), prior_a, prior_b)
    log_post = (prior_a + converted - 1) * np.log(grid) + (prior_b - 1) * np.log1p(-grid)
    log_post += np.log1p(-np.outer(grid, completion)) @ weight
    posterior = np.exp(log_post - log_post.max())
    posterior /= posterior.sum()
    # expected future conversions of the open leads if the cohort's rate is p
    future = (grid[:, None] * (1 - completion) / (1 - np.outer(grid, completion))) @ weight
    share = (converted + future) / total
    low, high = _future_quantiles(posterior, future, int(weight.sum()), level)
    return float(posterior @ share), (converted + low) / total, (converted + high) / total


def _future_quantiles(
    posterior: np.ndarray, expected: np.ndarray, open_leads: int, level: float
) -> tuple[int, int]:
    """Equal-tailed quantiles of the number of future conversions, a posterior mixture of Poissons.

    Poisson is the small-probability limit of the Poisson-binomial count of the open leads that
    will still convert; it slightly overstates the variance (by 1 / (1 - q) for per-lead
    probability q), so the interval errs on the wide side.
    """
    # coarsen the smooth posterior to blocks of grid points: the mixture barely changes
    weight = posterior.reshape(-1, _BLOCK).sum(axis=1)
    mean = expected.reshape(-1, _BLOCK).mean(axis=1)
    most = float(mean.max())
    k = np.arange(min(open_leads, int(np.ceil(most + 10 * np.sqrt(most) + 10))) + 1)
    cdf = weight @ special.pdtr(k[None, :], mean[:, None])
    tail = (1 - level) / 2
    low = int(np.searchsorted(cdf, tail - 1e-12, side="left"))
    high = int(np.searchsorted(cdf, 1 - tail - 1e-12, side="left"))
    return min(low, k[-1]), min(high, k[-1])


def _rate_grid(converted: int, exposure: float, prior_a: float, prior_b: float) -> np.ndarray:
    """Grid on (0, 1) covering the posterior: around Beta(a + c, b + exposure - c), widened."""
    a = prior_a + converted
    b = prior_b + max(exposure - converted, 0.0)
    low, high = special.betaincinv(a, b, [1e-9, 1 - 1e-9])
    span = high - low
    low, high = max(low - span, 1e-9), min(high + span, 1 - 1e-9)
    return np.linspace(low, high, _GRID_POINTS)


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
        A :class:`~slaplan.funnel.leads.LeadTable` or a canonical lead frame with
        ``<stage>_at`` datetime columns.
    from_stage, to_stage : str
        Stage names (``"mql"``, ``"sql"``): cohorts are months of entering ``from_stage``.
    by : str, optional
        Column to split by (``"segment"``); one row per cohort and group.
    window_days : float, optional
        Conversion window: only conversions within this many days count. Without it, a cohort
        is mature once its youngest possible lead is older than the 95th percentile lag.
    level : float, default 0.9
        Level of the equal-tailed intervals.
    as_of : date-like, optional
        The "today" of the analysis; default the latest timestamp in the data. Later events are
        ignored, so an earlier ``as_of`` replays the past.
    prior : (a0, b0), default (1, 1)
        Beta prior of the naive ``low``/``high`` interval.

    Returns
    -------
    DataFrame
        One row per cohort (and ``by`` group): ``cohort`` (month start), ``total``,
        ``converted`` (so far, within the window), ``rate`` (= converted / total, the naive
        share), ``low``, ``high`` (Beta(prior + counts) interval of that share), ``mature``,
        ``completion`` (expected share of eventual conversions already seen), ``eventual``,
        ``eventual_low``, ``eventual_high``; with ``by``, ``small`` (the group has fewer than
        30 leads over all its cohorts, as in :func:`~slaplan.funnel.pooling.segment_rates`).
        ``attrs`` holds ``as_of``, ``horizon_days`` and the
        fitted cohort prior. Read ``rate`` of an immature cohort as a lower bound only.

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv")  # doctest: +SKIP
    >>> sp.conversion_rates(t, "mql", "sql").tail(3)  # doctest: +SKIP
    """
    level = check_probability("level", level)
    a0, b0 = check_prior(prior)
    pairs = stage_pairs(leads, from_stage, to_stage, by=by, window_days=window_days, as_of=as_of)
    as_of_ts = resolve_as_of(leads, as_of)
    overall = pair_distribution(pairs)
    horizon = maturity_horizon_days(overall, window_days)
    parts = []
    for group, part in pairs.groupby("group", sort=True):
        own = pair_distribution(part)
        dist = own if own.n_converted >= _MIN_CONVERTERS_FOR_OWN_LAGS else overall
        parts.append(
            _group_table(part, dist, horizon, as_of_ts, level, (a0, b0)).assign(group=group)
        )
    columns = ["group", *_COLUMNS]
    table = pd.concat(parts, ignore_index=True)[columns] if parts else pd.DataFrame(columns=columns)
    if by is None:
        table = table.drop(columns="group")
    else:  # as segment_rates: a group with few leads in all has noisy rates in every cohort
        leads_in_group = table.groupby("group")["total"].transform("sum")
        table = table.assign(small=leads_in_group < SMALL_SEGMENT_LEADS)
        table = table.rename(columns={"group": by})
    table.attrs |= {"as_of": as_of_ts, "horizon_days": horizon, "level": level}
    return table


_COLUMNS = [
    "cohort",
    "total",
    "converted",
    "rate",
    "low",
    "high",
    "mature",
    "completion",
    "eventual",
    "eventual_low",
    "eventual_high",
]


def _group_table(
    pairs: pd.DataFrame,
    dist: LagDistribution,
    horizon: float,
    as_of: pd.Timestamp,
    level: float,
    prior: tuple[float, float],
) -> pd.DataFrame:
    """Cohort rows of one group: naive counts and interval, maturity, eventual estimate."""
    # a lead closed as lost has finished: it counts as complete (it will never convert)
    completion = np.where(pairs["closed"], 1.0, dist.cdf_at(pairs["observed_days"].to_numpy()))
    pairs = pairs.assign(completion=completion)
    cohorts = pairs.groupby("cohort", sort=True).agg(
        total=("converted", "size"),
        converted=("converted", "sum"),
        completion=("completion", "mean"),
    )
    total, converted = cohorts["total"].to_numpy(), cohorts["converted"].to_numpy()
    cohort_end = cohorts.index + pd.offsets.MonthBegin(1)
    mature = ((as_of - cohort_end) / pd.Timedelta(days=1)).to_numpy() >= horizon
    # BF's "expected rate": the spread of the mature cohorts (too few of them: the user's prior)
    cohort_prior = fit_beta_prior(converted[mature], total[mature]) if mature.sum() >= 2 else prior
    code = pairs["cohort"].to_numpy()
    still_open = ~pairs["converted"].to_numpy()
    completion = pairs["completion"].to_numpy()
    eventual = [
        eventual_share(
            int(c), int(n), completion[still_open & (code == month)], *cohort_prior, level
        )
        for c, n, month in zip(converted, total, cohorts.index.to_numpy(), strict=True)
    ]
    estimate = np.array(eventual).reshape(-1, 3)
    table = rate_columns(converted, total, prior=prior, level=level).assign(
        mature=mature,
        completion=cohorts["completion"].to_numpy(),
        eventual=estimate[:, 0],
        eventual_low=estimate[:, 1],
        eventual_high=estimate[:, 2],
    )
    table.insert(0, "cohort", cohorts.index.to_numpy())
    return table


def stage_rates(
    leads: Any,
    stages: Any = None,
    *,
    window_days: float | None = None,
    level: float = 0.9,
    as_of: Any = None,
    prior: tuple[float, float] = (1.0, 1.0),
) -> pd.DataFrame:
    """Conversion between each pair of consecutive stages, on mature leads, with intervals.

    ``stages`` defaults to the LeadTable's funnel (or lead → mql → sql → opportunity → customer
    for a plain DataFrame, keeping the stages whose columns exist). For each pair, only leads that
    entered the earlier stage at least that pair's maturity horizon before ``as_of`` count.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        Canonical lead frame with ``<stage>_at`` columns.
    stages : sequence of str, optional
        The stages, in order; default the funnel's.
    window_days : float, optional
        Conversion window in days; default the p95 lag of each pair decides maturity.
    level : float, default 0.9
        Level of the equal-tailed intervals.
    as_of : date-like, optional
        The "today" of the analysis; default the latest timestamp.
    prior : (a0, b0), default (1, 1)
        Beta prior of the interval.

    Returns
    -------
    DataFrame
        One row per pair: ``from_stage``, ``to_stage``, ``entered`` (all leads that reached
        ``from_stage``), ``total``, ``converted`` (mature leads), ``rate``, ``low``, ``high``,
        ``horizon_days``.

    Examples
    --------
    >>> t = pd.DataFrame({"mql_at": pd.to_datetime(["2026-01-05"] * 4),
    ...                   "sql_at": pd.to_datetime(["2026-01-07", None, None, None])})
    >>> stage_rates(t, ["mql", "sql"], as_of="2026-06-01")[["from_stage", "rate"]].values.tolist()
    [['mql', 0.25]]
    """
    level = check_probability("level", level)
    a0, b0 = check_prior(prior)
    frame = lead_frame(leads)
    names = _stage_names(leads, frame, stages)
    rows = []
    for from_stage, to_stage in itertools.pairwise(names):
        pairs = stage_pairs(frame, from_stage, to_stage, window_days=window_days, as_of=as_of)
        mature, horizon = mature_pairs(pairs, window_days)
        counts = rate_columns([mature["converted"].sum()], [len(mature)], prior=(a0, b0),
                              level=level)  # fmt: skip
        rows.append(
            {"from_stage": from_stage, "to_stage": to_stage, "entered": len(pairs)}
            | counts.iloc[0].to_dict()
            | {"horizon_days": horizon}
        )
    table = pd.DataFrame(rows)
    return table.astype({"total": int, "converted": int}) if rows else table


_DEFAULT_STAGES = ("lead", "mql", "sql", "opportunity", "customer")


def _stage_names(leads: Any, frame: pd.DataFrame, stages: Any) -> list[str]:
    if stages is None:
        stages = getattr(leads, "funnel", None) or _DEFAULT_STAGES
        stages = [s for s in stages if f"{s}_at" in frame.columns]
    names = [str(s) for s in stages]
    if len(names) < 2:
        raise ValueError(f"stages must name at least two stages, got {names!r}")
    return names
