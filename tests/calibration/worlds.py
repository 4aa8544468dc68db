"""Simulated CRM histories with known truth, for the end-to-end calibration study (issue 13).

A *world* is one company's lead-level history (funnel lead -> mql -> sql). :func:`make_world`
draws its parameters (:func:`params.draw_spec` -> :class:`params.WorldSpec`), simulates every
lead's whole life to the end of the next SLA period (:func:`simulate_world`), keeps as the export
what a CRM shows on ``as_of`` (leads created later absent, events after it empty: right-censoring
exactly as an export taken that day) and, as the truth, the number of MQL and SQL *events dated
in* the next full calendar month after ``as_of``, over all leads (also those created before
``as_of``), as tracking counts them. :func:`write_export` and :func:`sla_text` give the files a
user would hand to slaplan: the CSV with canonical columns and the SLA (two monthly count
commitments, confidence 0.8).
Pure numpy + pandas; every draw comes from one passed-in ``numpy.random.Generator`` in a fixed
order, so a seed gives the same world on every machine.

Parameter ranges (drawn per world, independently; chosen to look like B2B funnels and **not**
tuned to any model -- do not narrow them to make a model pass):

=============================  ==============================================================
parameter                      range
=============================  ==============================================================
MQLs per month (base level)    log-uniform 40-2000
lead -> MQL rate               uniform 0.10-0.60 (leads per month = MQLs / rate)
MQL -> SQL rate                log-uniform 0.03-0.40
monthly volume level           Gamma(k, 1/k) multiplier per calendar month (negative binomial
                               monthly counts), k log-uniform 4-2000 (CV 50% .. 2%, ~Poisson)
weekday pattern                Mon-Fri weight 1 x U(0.85, 1.15) each, Sat/Sun U(0.05, 0.6)
hour of day                    fixed office-hours profile (``HOURLY_WEIGHTS``)
cohort rate spread             each (segment, month) cohort's rate ~ Beta(c m, c (1 - m))
                               around the month's mean m; c log-uniform 20-5000 per transition
lead -> MQL lag                lognormal, median log-uniform 1 h-5 days, sigma U(0.5, 1.5)
MQL -> SQL lag                 mixture of two lognormals: fast share U(0.3, 0.9), median
                               log-uniform 1-10 days, sigma U(0.3, 1.0); slow median log-uniform
                               10-40 days (75% of worlds) or 30-90 days (25%), sigma U(0.4, 1.0)
first touch                    90% of MQLs, lognormal after the MQL, median log-uniform 0.5-24 h
segments                       one (50%) or 2-4 (Dirichlet(2) shares), rate factors
                               exp(N(0, 0.3)) per transition; rates clipped to [0.002, 0.9]
owners                         2-8 reps, uniform
as_of                          a day in 2023-01..2026-06 at 23:59:59: the month's last day (50%)
                               or a day 5-25 (50%)
start of the history           ``as_of`` minus the kind's span; snapped back to the 1st of its
                               month (50%: up to a month more history) or left mid-month (a
                               partial first month)
targets                        round(recent monthly count x U(0.6, 1.4)), at least 1: the mean
                               count of the last <= 3 complete months in the export
                               (:func:`recent_counts`), as a team sets a target from the history
                               it sees; never from the world's truth (below)
=============================  ==============================================================

Why targets come from the export and not from the truth. A kit that reports its uncertainty
honestly is calibrated for targets chosen from what it can see. A target set from the world's
true expected count carries information the kit does not have (a high target then means a high
truth), and the bins of P(met) mix worlds the kit could not tell apart: an exactly Bayesian
forecaster of a Poisson count whose log-mean it knows to +-0.30 shows an ECE of 0.07 (too sure
in every bin) against targets from the truth and 0.01 against targets from its own
information (``test_scoring.py`` simulates it). Targets from the truth measured how much the kit
knew, not whether what it said was honest.

Kinds (``KINDS``) and what each adds; the next period follows the same process as the history:

* ``stationary`` -- span U(12, 24) months, nothing else.
* ``seasonal`` -- span U(18, 19) months; lead volume x (1 + 0.25 sin(2 pi t / year + phase)).
* ``regime`` -- span U(12, 24); at ``as_of`` minus U(3, 9) months the lead volume is multiplied
  by a factor log-uniform 0.4-3 and/or the rate of one transition (MQL -> SQL 2/3, lead -> MQL
  1/3) by a factor log-uniform 0.4-2.5 (volume, rate or both: 1/3 each); leads entering the
  source stage after the change get the new rate. The new regime continues.
* ``drift`` -- span U(12, 24); the monthly mean rate follows a random walk on the logit scale,
  steps N(0, s), s ~ U(0.05, 0.25) for MQL -> SQL and U(0, 0.15) for lead -> MQL; the walk takes
  one more step into the next period.
* ``young`` -- conversions seen only in the last 2-4 months, two variants (half each):
  ``new_funnel``: the company started U(3, 5) months before ``as_of`` and SQLs appear only in the
  last W ~ U(2, min(4, span - 0.5)) months (the MQL -> SQL lag is shifted by the history's
  length - W months);
  ``new_sql_stage``: MQL history of U(12, 24) months, the SQL stage introduced U(2, 4) months
  before ``as_of`` -- MQLs before it never become SQLs.
* ``short`` -- span U(3, 6) months in all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .params import DAYS_PER_MONTH, HOURLY_WEIGHTS, KINDS, Lag, WorldSpec, draw_spec

__all__ = [
    "EXPORT_COLUMNS",
    "KINDS",
    "METRICS",
    "RECENT_MONTHS",
    "PeriodTruth",
    "World",
    "expected_period",
    "make_world",
    "recent_counts",
    "simulate_world",
    "sla_text",
    "write_export",
]

EXPORT_COLUMNS = (
    "lead_id",
    "created_at",
    "segment",
    "owner",
    "lead_at",
    "mql_at",
    "sql_at",
    "first_touch_at",
)
METRICS = ("mql", "sql")
CONFIDENCE = 0.8
TOUCHED_SHARE = 0.9  # share of MQLs that sales ever touches
_RATE_LIMITS = (0.002, 0.9)
RECENT_MONTHS = 3
"""Complete months a target is set from (and the smoothed naive rule reads)."""
_SECOND = np.timedelta64(1, "s")


@dataclass(frozen=True, kw_only=True)
class PeriodTruth:
    """The world's mean process in the SLA period (no level or cohort noise).

    ``lead_volume`` is the mean number of leads created in the period; ``mql_rate``/``sql_rate``
    the mean rate of the period's cohorts (pooled over segments); ``sql_rate_sd`` the
    month-to-month standard deviation of the MQL -> SQL cohort rate around it; ``expected_mql``
    and ``expected_sql`` the mean event counts dated in the period (all leads).
    """

    lead_volume: float
    mql_rate: float
    sql_rate: float
    sql_rate_sd: float
    expected_mql: float
    expected_sql: float


@dataclass(frozen=True, kw_only=True)
class World:
    """One simulated world: parameters, full lives, the export on ``as_of``, truth and targets."""

    spec: WorldSpec
    lives: pd.DataFrame
    export: pd.DataFrame
    truth: PeriodTruth
    actual_mql: int
    actual_sql: int
    target_mql: int
    target_sql: int

    @property
    def as_of(self) -> pd.Timestamp:
        return self.spec.as_of

    @property
    def period(self) -> pd.Period:
        return self.spec.period

    def actual(self, metric: str) -> int:
        """Events of ``metric`` ("mql" or "sql") dated in the period."""
        return {"mql": self.actual_mql, "sql": self.actual_sql}[metric]

    def target(self, metric: str) -> int:
        """The SLA's target for ``metric``."""
        return {"mql": self.target_mql, "sql": self.target_sql}[metric]


def make_world(kind: str, seed: Any) -> World:
    """Draw and simulate one world of ``kind`` from ``seed`` (anything ``default_rng`` takes).

    Examples
    --------
    >>> world = make_world("stationary", 7)
    >>> bool((world.export["mql_at"].dropna() <= world.as_of).all())
    True
    """
    rng = np.random.default_rng(seed)
    return simulate_world(draw_spec(kind, rng), rng)


def simulate_world(spec: WorldSpec, rng: np.random.Generator) -> World:
    """Simulate every lead of ``spec`` to the end of its SLA period; export, truth, targets."""
    lives = _lives(spec, rng)
    truth = expected_period(spec)
    start, end = spec.period.start_time, (spec.period + 1).start_time
    actual = [int(lives[f"{m}_at"].between(start, end, inclusive="left").sum()) for m in METRICS]
    export = _export(lives, spec.as_of)
    targets = [
        max(1, round(_reference(recent_counts(export[f"{m}_at"], spec.as_of)) * f))
        for m, f in zip(METRICS, spec.target_factors, strict=True)
    ]
    return World(
        spec=spec,
        lives=lives,
        export=export,
        truth=truth,
        actual_mql=actual[0],
        actual_sql=actual[1],
        target_mql=int(targets[0]),
        target_sql=int(targets[1]),
    )


def _day_grid(spec: WorldSpec) -> np.ndarray:
    """Every day from the start of the history to the end of the SLA period."""
    last = (spec.period + 1).start_time
    return np.arange(
        spec.start.normalize().to_datetime64(), last.to_datetime64(), np.timedelta64(1, "D")
    ).astype("datetime64[D]")


def _month_index(spec: WorldSpec, times: np.ndarray) -> np.ndarray:
    """Calendar months since the start month (clipped to the period month; NaT -> 0)."""
    first = np.datetime64(spec.start.strftime("%Y-%m"), "M")
    months = (times.astype("datetime64[M]") - first).astype("int64")
    return np.clip(np.where(np.isnat(times), 0, months), 0, spec.n_months - 1)


def daily_lead_means(spec: WorldSpec, days: np.ndarray) -> np.ndarray:
    """Mean leads created per day: level x weekday x season x regime (no level noise)."""
    weekday = np.asarray(spec.weekday_weights)
    day_of_week = (days.astype("int64") + 3) % 7  # 1970-01-01 was a Thursday
    means = spec.leads_per_month / DAYS_PER_MONTH * weekday[day_of_week] / weekday.mean()
    years = days.astype("int64") / 365.25
    means = means * (1.0 + spec.season_amplitude * np.sin(2 * np.pi * years + spec.season_phase))
    if spec.change_at is not None:
        changed = days >= spec.change_at.normalize().to_datetime64()
        means = np.where(changed, means * spec.volume_factor, means)
    return means


def mean_rates(spec: WorldSpec, stage: str, entered: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """The mean rate into ``stage`` ("mql"/"sql") of leads entering its source stage at ``entered``.

    Base rate x segment factor x regime factor, then the drift walk on the logit scale; zero
    before the SQL stage exists (young funnel, new SQL stage) and where ``entered`` is NaT.
    """
    base = spec.mql_rate if stage == "mql" else spec.sql_rate
    field = "mql_factor" if stage == "mql" else "sql_factor"
    factors = np.array([getattr(s, field) for s in spec.segments])[segment]
    rate = base * factors
    if spec.change_at is not None and spec.rate_stage == stage:
        rate = np.where(entered >= spec.change_at.to_datetime64(), rate * spec.rate_factor, rate)
    walk = np.asarray(spec.mql_walk if stage == "mql" else spec.sql_walk)
    rate = np.clip(rate, *_RATE_LIMITS)
    if walk.size:
        logit = np.log(rate / (1 - rate)) + walk[_month_index(spec, entered)]
        rate = np.clip(1 / (1 + np.exp(-logit)), *_RATE_LIMITS)
    if stage == "sql" and spec.sql_intro_at is not None:
        rate = np.where(entered >= spec.sql_intro_at.to_datetime64(), rate, 0.0)
    return np.where(np.isnat(entered), 0.0, rate)


def _cohort_rates(
    means: np.ndarray,
    segment: np.ndarray,
    month: np.ndarray,
    concentration: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """One Beta draw per cohort around its mean rate; zero means stay zero.

    A cohort is the leads of one segment entering the source stage in one calendar month with
    one mean rate (so a regime change splits its month in two cohorts).
    """
    keys = np.column_stack([segment, month, means])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    cohort_mean = means[first]
    safe = np.where(cohort_mean > 0, cohort_mean, 0.5)
    drawn = rng.beta(concentration * safe, concentration * (1 - safe))
    return np.where(cohort_mean > 0, drawn, 0.0)[inverse.ravel()]


def _arrivals(spec: WorldSpec, rng: np.random.Generator) -> np.ndarray:
    """Creation instants of every lead up to the end of the period (sorted, datetime64[s])."""
    days = _day_grid(spec)
    level = rng.gamma(spec.dispersion, 1.0 / spec.dispersion, spec.n_months)
    counts = rng.poisson(daily_lead_means(spec, days) * level[_month_index(spec, days)])
    day = np.repeat(days, counts).astype("datetime64[s]")
    hour = rng.choice(24, size=day.size, p=HOURLY_WEIGHTS / HOURLY_WEIGHTS.sum())
    seconds = hour * 3600 + rng.integers(0, 3600, size=day.size)
    return np.sort(day + seconds * _SECOND)


def _after(start: np.ndarray, happens: np.ndarray, lag_days: np.ndarray) -> np.ndarray:
    """``start + lag`` where ``happens``, else NaT (to the second)."""
    stamps = start + np.round(lag_days * 86400).astype("int64") * _SECOND
    return np.where(happens, stamps, np.datetime64("NaT", "s"))


def _lives(spec: WorldSpec, rng: np.random.Generator) -> pd.DataFrame:
    """Every lead's whole life: creation, MQL, SQL, first touch (NaT where never)."""
    created = _arrivals(spec, rng)
    n = created.size
    segment = rng.choice(len(spec.segments), size=n, p=[s.share for s in spec.segments])
    q_mean = mean_rates(spec, "mql", created, segment)
    q = _cohort_rates(q_mean, segment, _month_index(spec, created), spec.mql_concentration, rng)
    mql_at = _after(created, rng.random(n) < q, spec.mql_lag.sample(rng, n))
    r_mean = mean_rates(spec, "sql", mql_at, segment)
    r = _cohort_rates(r_mean, segment, _month_index(spec, mql_at), spec.sql_concentration, rng)
    sql_at = _after(mql_at, rng.random(n) < r, spec.sql_lag.sample(rng, n))
    touch_hours = spec.touch_median_hours * np.exp(rng.standard_normal(n))
    touched = (rng.random(n) < TOUCHED_SHARE) & ~np.isnat(mql_at)
    touch_at = _after(mql_at, touched | ~np.isnat(sql_at), touch_hours / 24)
    touch_at = np.where(touch_at > sql_at, sql_at, touch_at)  # sales touches before accepting
    owners = np.asarray(spec.owners)[rng.integers(len(spec.owners), size=n)]
    names = np.asarray([s.name for s in spec.segments])
    return pd.DataFrame(
        {
            "lead_id": [f"L{i:07d}" for i in range(1, n + 1)],
            "created_at": created,
            "segment": names[segment],
            "owner": owners,
            "lead_at": created,
            "mql_at": mql_at,
            "sql_at": sql_at,
            "first_touch_at": touch_at,
        }
    )


def recent_counts(times: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """Event counts of the last <= :data:`RECENT_MONTHS` complete months on or before ``as_of``.

    Complete months are the calendar months wholly on or before ``as_of``, counted from the first
    month with an event (a user sees no earlier months in the CRM report); empty without events.

    >>> stamps = pd.Series(pd.to_datetime(["2025-01-10", "2025-02-03", "2025-02-20", "2025-03-02"]))
    >>> recent_counts(stamps, pd.Timestamp("2025-03-15")).tolist()
    [1, 2]
    """
    last = pd.Period(as_of + pd.Timedelta(seconds=1), freq="M") - 1
    stamps = times.dropna()
    if stamps.empty:
        return pd.Series(dtype="int64")
    first = max(pd.Period(stamps.min(), freq="M"), last - (RECENT_MONTHS - 1))
    months = pd.period_range(first, last, freq="M") if first <= last else []
    return stamps.dt.to_period("M").value_counts().reindex(months, fill_value=0)


def _reference(counts: pd.Series) -> float:
    """The monthly count a target is set from: the recent months' mean (0 with no month yet)."""
    return float(counts.mean()) if len(counts) else 0.0


def _export(lives: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """What the CRM shows on ``as_of``: leads created by then, later events not yet happened."""
    export = lives[lives["created_at"] <= as_of].copy()
    for column in ("lead_at", "mql_at", "sql_at", "first_touch_at"):
        export[column] = export[column].where(export[column] <= as_of)
    return export.reset_index(drop=True)


def _lag_pmf(lag: Lag, n_days: int) -> np.ndarray:
    """P(an event falls k days after its source's day), k = 0..n_days-1 (arrivals mid-day)."""
    return np.diff(lag.cdf(np.arange(n_days + 1) - 0.5))


def expected_period(spec: WorldSpec) -> PeriodTruth:
    """The mean process in the SLA period: volume, rates and expected event counts.

    Convolution on a daily grid of the mean lead arrivals with each transition's mean rate and
    lag distribution, per segment (the Gamma level and the Beta cohort rates have means 1 and
    the month's mean, so no noise enters).
    """
    days = _day_grid(spec)
    noon = days.astype("datetime64[s]") + 12 * 3600 * _SECOND
    in_period = pd.PeriodIndex(days, freq="M") == spec.period
    leads = daily_lead_means(spec, days)
    pmf_mql, pmf_sql = _lag_pmf(spec.mql_lag, days.size), _lag_pmf(spec.sql_lag, days.size)
    mqls = sqls = rate_mql = rate_sql = weight = 0.0
    for index, segment in enumerate(spec.segments):
        which = np.full(days.size, index)
        q, r = mean_rates(spec, "mql", noon, which), mean_rates(spec, "sql", noon, which)
        mql_daily = np.convolve(leads * segment.share * q, pmf_mql)[: days.size]
        sql_daily = np.convolve(mql_daily * r, pmf_sql)[: days.size]
        mqls, sqls = mqls + mql_daily[in_period].sum(), sqls + sql_daily[in_period].sum()
        first = np.argmax(in_period)
        rate_mql += segment.share * q[first]
        rate_sql += segment.share * q[first] * r[first]
        weight += segment.share * q[first]
    sql_rate = rate_sql / weight
    return PeriodTruth(
        lead_volume=float(leads[in_period].sum()),
        mql_rate=float(rate_mql),
        sql_rate=float(sql_rate),
        sql_rate_sd=float(np.sqrt(sql_rate * (1 - sql_rate) / (spec.sql_concentration + 1))),
        expected_mql=float(mqls),
        expected_sql=float(sqls),
    )


def write_export(world: World, path: str | Path) -> Path:
    """Write the export as a CRM would: canonical columns, ``YYYY-MM-DD HH:MM:SS``, blanks."""
    path = Path(path)
    world.export.loc[:, list(EXPORT_COLUMNS)].to_csv(
        path, index=False, date_format="%Y-%m-%d %H:%M:%S"
    )
    return path


def sla_text(world: World) -> str:
    """The world's SLA as YAML: monthly MQL (marketing) and SQL (sales) counts, confidence 0.8."""
    spec = world.spec
    return (
        f"# calibration world: {spec.kind} {spec.variant}".rstrip() + f", as_of {spec.as_of}\n"
        f"name: calibration world {spec.kind}\n"
        "period: month\n"
        f"confidence: {CONFIDENCE}\n"
        "funnel:\n  stages:\n    - {name: lead}\n    - {name: mql}\n    - {name: sql}\n"
        "commitments:\n"
        f"  - {{id: mql_count, owner: marketing, metric: count, stage: mql, "
        f"target: {world.target_mql}}}\n"
        f"  - {{id: sql_count, owner: sales, metric: count, stage: sql, "
        f"target: {world.target_sql}}}\n"
    )
