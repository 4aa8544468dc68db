"""Multi-month Monte Carlo funnel (:class:`FunnelPlan` → :func:`simulate_funnel`).

A plan is a monthly volume at the first stage, a rate per transition, a lag distribution per
transition (the share of converting leads that convert 0, 1, 2, … months after entering the
earlier stage, e.g. from :func:`lag_pmf`) and optionally the number of leads the team can work
per month at one stage.

Model, per path (all paths at once, vectorised numpy):

1. the volume's level is drawn once per path (a fitted model's estimation error is shared by all
   months), each month's count around it (:meth:`VolumeModel.sample_paths`);
2. each stage rate is drawn once per path (rate uncertainty is shared by all months) from its
   Beta posterior;
3. **capacity**: at ``capacity_stage`` at most ``capacity_per_month`` leads are worked a month;
   leads over it wait for next month, where each is still workable with probability
   ``carryover_fraction`` (0: lost, 1: all carried) and is worked before nothing else (first come,
   first served is not modelled: the queue is a count). Only worked leads convert onward;
4. converting leads are spread over later months by the lag pmf (sequential binomials);
   conversions that land after the horizon are dropped;
5. ``warmup_months`` (default: the longest chain of lags) are simulated before month 1 at the
   first month's volume, so the plan starts with a pipeline in flight, then dropped.

Common random numbers: each component (volume, capacity, each rate, each transition) draws from
its own child stream of ``seed``, so two scenarios run with the same seed differ only where their
inputs differ.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from slaplan._checks import check_count, check_probability
from slaplan.plan.rates import ConversionRate
from slaplan.plan.volume import (
    VolumeModel,
    draw_monthly_counts,
    path_level_factors,
    within_dispersion,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FunnelPlan", "FunnelSimulation", "check_lag_pmf", "lag_pmf", "simulate_funnel"]


def lag_pmf(lags_months: Any, *, max_months: int = 12) -> np.ndarray:
    """Empirical pmf of whole-month lags (0 = same month) from observed lags, capped at the end.

    >>> lag_pmf([0, 0, 1, 2])
    array([0.5 , 0.25, 0.25])
    """
    values = np.asarray(lags_months, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0 or (values < 0).any():
        raise ValueError("lags_months must hold at least one finite value, all >= 0")
    months = np.minimum(np.floor(values).astype(int), max_months)
    return np.bincount(months) / months.size


def check_lag_pmf(name: str, pmf: Any) -> np.ndarray:
    """Return ``pmf`` as a 1-D float array of non-negative probabilities summing to 1."""
    array = np.asarray(pmf, dtype=float)
    if array.ndim != 1 or array.size == 0 or not np.isfinite(array).all() or (array < 0).any():
        raise ValueError(f"{name} must be a 1-D array of non-negative probabilities, got {pmf!r}")
    if not math.isclose(array.sum(), 1.0, abs_tol=1e-6):
        raise ValueError(f"{name} must sum to 1, got sum {array.sum():.6g}")
    return array / array.sum()


@dataclass(frozen=True, kw_only=True)
class FunnelPlan:
    """Inputs of a multi-month funnel simulation (build with :meth:`constant` or directly).

    Parameters
    ----------
    stages : tuple of str
        Stage names, first to last (``len(rates) + 1`` of them).
    volume : tuple of VolumeModel
        Volume entering the first stage, one model per month of the plan.
    rates : tuple of ConversionRate
        Rate of each transition.
    lags : tuple of numpy arrays
        Lag pmf over whole months for each transition (``(1.0,)`` = same month).
    capacity_per_month : tuple of float or None
        Leads workable per month at ``capacity_stage`` (None: no cap).
    capacity_stage : int
        Index of the worked stage (0 = the first stage).
    carryover_fraction : float
        Share of unworked leads still workable next month (0 = lost).
    warmup_months : int or None
        Months simulated before the plan starts (None: the longest chain of lags).

    Examples
    --------
    >>> plan = FunnelPlan.constant(
    ...     stages=("mql", "sql"), volume=VolumeModel.poisson(300), rates=[ConversionRate(40, 300)],
    ...     months=12, lags=[[0.6, 0.3, 0.1]])
    >>> plan.n_months
    12
    """

    stages: tuple[str, ...]
    volume: tuple[VolumeModel, ...]
    rates: tuple[ConversionRate, ...]
    lags: tuple[np.ndarray, ...]
    capacity_per_month: tuple[float, ...] | None = None
    capacity_stage: int = 0
    carryover_fraction: float = 0.0
    warmup_months: int | None = None

    def __post_init__(self) -> None:
        if len(self.stages) != len(self.rates) + 1:
            raise ValueError(
                f"stages must have one more entry than rates, got {len(self.stages)} stages and "
                f"{len(self.rates)} rates"
            )
        if len(self.lags) != len(self.rates):
            raise ValueError(f"lags must have one pmf per rate, got {len(self.lags)}")
        if not self.volume or not all(isinstance(v, VolumeModel) for v in self.volume):
            raise TypeError("volume must be a non-empty sequence of VolumeModel, one per month")
        if not all(isinstance(r, ConversionRate) for r in self.rates):
            raise TypeError("rates must be ConversionRate objects")
        lags = tuple(check_lag_pmf(f"lags[{i}]", pmf) for i, pmf in enumerate(self.lags))
        object.__setattr__(self, "lags", lags)
        if self.capacity_per_month is not None:
            if len(self.capacity_per_month) != self.n_months:
                raise ValueError("capacity_per_month must have one value per month")
            check_count("capacity_stage", self.capacity_stage)
            if self.capacity_stage >= len(self.rates):
                raise ValueError(f"capacity_stage must be < {len(self.rates)}")
        check_probability(
            "carryover_fraction", self.carryover_fraction, open_low=False, open_high=False
        )

    @classmethod
    def constant(
        cls,
        *,
        stages: Sequence[str],
        volume: VolumeModel,
        rates: Sequence[ConversionRate],
        months: int = 12,
        lags: Sequence[Any] | None = None,
        capacity_per_month: float | Sequence[float] | None = None,
        capacity_stage: int = 0,
        carryover_fraction: float = 0.0,
    ) -> FunnelPlan:
        """The same volume every month (``lags`` default: same month).

        ``capacity_per_month`` is one number for every month or one per month, e.g.
        ``slaplan.team_capacity(...).capacity_per_month`` for a roster with hires and leavers.
        """
        months = check_count("months", months, minimum=1)
        return cls(
            stages=tuple(stages),
            volume=(volume,) * months,
            rates=tuple(rates),
            lags=tuple(np.asarray(p, dtype=float) for p in (lags or [[1.0]] * len(rates))),
            capacity_per_month=_capacity_tuple(capacity_per_month, months),
            capacity_stage=capacity_stage,
            carryover_fraction=carryover_fraction,
        )

    @property
    def n_months(self) -> int:
        """Months in the plan."""
        return len(self.volume)

    @property
    def warmup(self) -> int:
        """Months simulated before month 1."""
        if self.warmup_months is not None:
            return self.warmup_months
        return sum(len(pmf) - 1 for pmf in self.lags)


def _capacity_tuple(capacity: Any, months: int) -> tuple[float, ...] | None:
    if capacity is None:
        return None
    if np.ndim(capacity) == 0:
        return (float(capacity),) * months
    return tuple(float(c) for c in capacity)


@dataclass(frozen=True, kw_only=True)
class FunnelSimulation:
    """Simulated event counts: ``events[path, stage, month]`` (leads entering a stage that month).

    ``worked[path, month]`` holds the leads worked at the capacity stage (equal to its events
    without a cap).
    """

    plan: FunnelPlan
    events: np.ndarray
    worked: np.ndarray

    @property
    def n_paths(self) -> int:
        """Number of simulated paths."""
        return self.events.shape[0]

    def stage_index(self, stage: str | int) -> int:
        """Position of ``stage`` (name or index) in the plan."""
        if isinstance(stage, int):
            return stage
        if stage not in self.plan.stages:
            raise ValueError(f"stage must be one of {self.plan.stages!r}, got {stage!r}")
        return self.plan.stages.index(stage)

    def monthly(self, stage: str | int) -> np.ndarray:
        """Per-month counts of ``stage``, shape ``(n_paths, n_months)``."""
        return self.events[:, self.stage_index(stage), :]

    def period_total(self, stage: str | int) -> np.ndarray:
        """Counts of ``stage`` summed over the plan, one per path."""
        return self.monthly(stage).sum(axis=1)

    def prob_at_least(self, stage: str | int, target: float, *, month: int | None = None) -> float:
        """Share of paths with at least ``target`` events in ``month`` (None: the whole plan)."""
        counts = self.period_total(stage) if month is None else self.monthly(stage)[:, month]
        return float((counts >= target).mean())

    def fan(self, stage: str | int, levels: Sequence[float] = (0.1, 0.5, 0.9)) -> pd.DataFrame:
        """Per-month mean and quantiles of ``stage`` (a fan chart's table)."""
        import pandas as pd

        counts = self.monthly(stage)
        table = {"month": np.arange(1, counts.shape[1] + 1), "mean": counts.mean(axis=0)}
        for level, values in zip(levels, np.quantile(counts, levels, axis=0), strict=True):
            table[f"p{round(level * 100):02d}"] = values
        return pd.DataFrame(table)

    def to_frame(self) -> pd.DataFrame:
        """Per-stage mean and 10/50/90% quantiles of the period total."""
        import pandas as pd

        rows = []
        for name in self.plan.stages:
            totals = self.period_total(name)
            p10, p50, p90 = np.quantile(totals, [0.1, 0.5, 0.9])
            rows.append({"stage": name, "mean": totals.mean(), "p10": p10, "p50": p50, "p90": p90})
        return pd.DataFrame(rows)


def simulate_funnel(
    plan: FunnelPlan, *, n_paths: int = 10_000, seed: Any = None
) -> FunnelSimulation:
    """Simulate ``n_paths`` paths of ``plan`` (see the module docstring for the model).

    Parameters
    ----------
    plan : FunnelPlan
    n_paths : int, default 10,000
    seed : int, numpy SeedSequence or None
        Root of the per-component random streams (common random numbers across scenarios).

    Examples
    --------
    >>> plan = FunnelPlan.constant(stages=("mql", "sql"), volume=VolumeModel.poisson(300),
    ...                            rates=[ConversionRate(40, 300)], months=3)
    >>> simulate_funnel(plan, n_paths=1000, seed=0).events.shape
    (1000, 2, 3)
    """
    if not isinstance(plan, FunnelPlan):
        raise TypeError(f"plan must be a FunnelPlan, got {type(plan).__name__}")
    n_paths = check_count("n_paths", n_paths, minimum=1)
    if isinstance(seed, np.random.Generator):
        raise TypeError("seed must be an int or SeedSequence (child streams are spawned from it)")
    streams = [
        np.random.default_rng(s)
        for s in np.random.SeedSequence(seed).spawn(3 + 2 * len(plan.rates))
    ]
    warmup, months = plan.warmup, plan.n_months
    total_months = warmup + months
    events = np.zeros((n_paths, len(plan.stages), total_months), dtype=np.int64)
    events[:, 0, :] = _arrivals(plan, n_paths, warmup, streams[0])
    worked = events[:, plan.capacity_stage, :]
    rate_draws = [rate.sample(n_paths, streams[3 + i]) for i, rate in enumerate(plan.rates)]
    for i, (rate, pmf) in enumerate(zip(rate_draws, plan.lags, strict=True)):
        base = events[:, i, :]
        if plan.capacity_per_month is not None and i == plan.capacity_stage:
            worked = _work_with_capacity(plan, base, warmup, streams[1])
            base = worked
        events[:, i + 1, :] = _convert(base, rate, pmf, streams[3 + len(plan.rates) + i])
    return FunnelSimulation(
        plan=plan, events=events[:, :, warmup:], worked=np.ascontiguousarray(worked[:, warmup:])
    )


def _arrivals(plan: FunnelPlan, n_paths: int, warmup: int, rng: np.random.Generator) -> np.ndarray:
    volumes = (plan.volume[0],) * warmup + plan.volume
    first = plan.volume[0]
    factors = path_level_factors(first.level_shape, n_paths, rng)
    means = factors[:, None] * np.array([v.mean for v in volumes])[None, :]
    return draw_monthly_counts(means, within_dispersion(first.dispersion, first.level_shape), rng)


def _work_with_capacity(
    plan: FunnelPlan, entered: np.ndarray, warmup: int, rng: np.random.Generator
) -> np.ndarray:
    capacity = (plan.capacity_per_month[0],) * warmup + plan.capacity_per_month
    worked = np.empty_like(entered)
    waiting = np.zeros(entered.shape[0], dtype=np.int64)
    for month, cap in enumerate(capacity):
        queue = entered[:, month] + waiting
        worked[:, month] = np.minimum(queue, math.floor(cap))
        left = queue - worked[:, month]
        if plan.carryover_fraction == 0:
            waiting = np.zeros_like(left)
        elif plan.carryover_fraction == 1:
            waiting = left
        else:
            waiting = rng.binomial(left, plan.carryover_fraction)
    return worked


def _convert(
    base: np.ndarray, rate: np.ndarray, pmf: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Binomial conversions of ``base[path, month]``, spread over later months by ``pmf``."""
    converted = rng.binomial(base, rate[:, None])
    if pmf.size == 1:
        return converted
    months = base.shape[1]
    landed = np.zeros_like(converted)
    remaining, tail = converted, 1.0
    for lag, share in enumerate(pmf):
        if lag == pmf.size - 1 or tail <= share:
            part = remaining
        else:
            part = rng.binomial(remaining, share / tail)
        if lag < months:
            landed[:, lag:] += part[:, : months - lag]
        remaining, tail = remaining - part, tail - share
        if tail <= 0:
            break
    return landed
