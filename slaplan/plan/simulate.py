"""Multi-month Monte Carlo funnel (:class:`FunnelPlan` → :func:`simulate_funnel`).

A plan is a monthly volume at the first stage (a :class:`VolumeModel` per month, or simulated
arrival paths such as ``VolumeForecast.paths``), a rate per transition, a lag distribution per
transition (the share of converting leads that convert 0, 1, 2, … months after entering the
earlier stage, e.g. from :func:`lag_pmf`) and optionally the number of leads the team can work
per month at one stage.

Model, per path (all paths at once, vectorised numpy):

1. the volume's level is drawn once per path (a fitted model's estimation error is shared by all
   months), each month's count around it (:meth:`VolumeModel.sample_paths`); or, with
   ``arrival_paths``, each path is one row of the given paths (its month-to-month correlation
   carried over exactly);
2. each stage rate is drawn once per path (rate uncertainty is shared by all months) from its
   Beta posterior; given the rates, each lead converts independently at each transition;
3. **capacity**: at ``capacity_stage`` at most ``capacity_per_month`` leads are worked a month;
   leads over it wait for next month, where each is still workable with probability
   ``carryover_fraction`` (0: lost, 1: all carried) and is worked before nothing else (first come,
   first served is not modelled: the queue is a count, and which leads wait is a uniformly random
   choice). Only worked leads convert onward;
4. converting leads are spread over later months by the lag pmf (a multinomial);
   conversions that land after the horizon are dropped;
5. ``warmup_months`` (default: the longest chain of lags) are simulated before month 1 at the
   first month's volume, so the plan starts with a pipeline in flight, then dropped.

How it is sampled (:mod:`slaplan.plan.montecarlo`; same model and law as the straightforward
chain of per-stage binomials, checked against it in ``tests/plan/test_simulate_law.py``): each
lead's fate is summarised by the stage where it stops; given a path's rates and the month's
volume level those class counts are independent Poisson (Poisson thinning), so one vectorised
Poisson call replaces the binomial conversions. Lags and carry-over have probabilities that are
the same on every path, drawn by exact inversion through cached tables
(:mod:`slaplan.plan.split`, ~30 ns instead of numpy's 100–250 ns per varying-``n`` binomial);
the capacity cap picks the leads left waiting by a multivariate hypergeometric draw over the
classes in the queue. Arrays are ``[class, month, path]`` so month slices are contiguous.
(Before this, the engine drew ~8 binomial/Poisson/Gamma variates per path-month and ran at
~0.9 M path-months per second on the benchmark plan; see ``bench/README.md``.)

Common random numbers: each component draws from its own child stream of ``seed`` — volume and
the leads' classes, capacity (which leads wait, carry-over), each rate, the lags of each
transition — so two scenarios run with the same seed differ only where their inputs differ.
Arrivals are identical across scenarios that change capacity or lags; a scenario that changes a
rate redraws the class counts from the same stream (coupled, nearly equal arrivals, not
identical: the price of drawing classes instead of arrivals then binomials).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from slaplan._checks import check_count, check_probability, spawn_streams
from slaplan.plan.montecarlo import (
    capacity_by_month,
    class_probabilities,
    classes_from_counts,
    classes_from_levels,
    counts_from_paths,
    spread_over_lags,
    work_with_capacity,
)
from slaplan.plan.rates import ConversionRate
from slaplan.plan.volume import VolumeModel, path_level_factors, within_dispersion

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FunnelPlan",
    "FunnelSimulation",
    "check_arrival_paths",
    "check_lag_pmf",
    "lag_pmf",
    "simulate_funnel",
]


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
    volume: tuple[VolumeModel, ...] = ()
    rates: tuple[ConversionRate, ...]
    lags: tuple[np.ndarray, ...]
    capacity_per_month: tuple[float, ...] | None = None
    capacity_stage: int = 0
    carryover_fraction: float = 0.0
    warmup_months: int | None = None
    arrival_paths: np.ndarray | None = None

    def __post_init__(self) -> None:
        if len(self.stages) != len(self.rates) + 1:
            raise ValueError(
                f"stages must have one more entry than rates, got {len(self.stages)} stages and "
                f"{len(self.rates)} rates"
            )
        if len(self.lags) != len(self.rates):
            raise ValueError(f"lags must have one pmf per rate, got {len(self.lags)}")
        if self.arrival_paths is not None:
            if self.volume:
                raise ValueError("give either volume or arrival_paths, not both")
            object.__setattr__(self, "arrival_paths", check_arrival_paths(self.arrival_paths))
        elif not self.volume or not all(isinstance(v, VolumeModel) for v in self.volume):
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

    @classmethod
    def from_paths(
        cls,
        *,
        stages: Sequence[str],
        arrival_paths: Any,
        rates: Sequence[ConversionRate],
        lags: Sequence[Any] | None = None,
        capacity_per_month: float | Sequence[float] | None = None,
        capacity_stage: int = 0,
        carryover_fraction: float = 0.0,
    ) -> FunnelPlan:
        """Arrivals given as simulated paths, shape ``(n_paths, n_months)`` of whole counts.

        E.g. ``VolumeForecast.paths``: each row's month-to-month correlation flows through the
        funnel as it is (see :func:`simulate_funnel` for how rows are used).

        >>> plan = FunnelPlan.from_paths(stages=("mql", "sql"), arrival_paths=[[300, 310]] * 50,
        ...                              rates=[ConversionRate(40, 300)])
        >>> plan.n_months
        2
        """
        paths = check_arrival_paths(arrival_paths)
        return cls(
            stages=tuple(stages),
            arrival_paths=paths,
            rates=tuple(rates),
            lags=tuple(np.asarray(p, dtype=float) for p in (lags or [[1.0]] * len(rates))),
            capacity_per_month=_capacity_tuple(capacity_per_month, paths.shape[1]),
            capacity_stage=capacity_stage,
            carryover_fraction=carryover_fraction,
        )

    @property
    def n_months(self) -> int:
        """Months in the plan."""
        if self.arrival_paths is not None:
            return self.arrival_paths.shape[1]
        return len(self.volume)

    @property
    def warmup(self) -> int:
        """Months simulated before month 1."""
        if self.warmup_months is not None:
            return self.warmup_months
        return sum(len(pmf) - 1 for pmf in self.lags)


def check_arrival_paths(paths: Any) -> np.ndarray:
    """Return ``paths`` as a read-only int64 array ``(n_paths, n_months)`` of whole counts >= 0."""
    array = np.asarray(paths)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"arrival_paths must hold numbers, got dtype {array.dtype}")
    if array.ndim != 2 or array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"arrival_paths must have shape (n_paths, n_months), got {array.shape}")
    values = array.astype(float)
    if not np.isfinite(values).all() or (values < 0).any() or (values != np.round(values)).any():
        bad = values[~np.isfinite(values) | (values < 0) | (values != np.round(values))][0]
        raise ValueError(f"arrival_paths must be whole counts >= 0, got {bad!r}")
    result = values.astype(np.int64)
    result.flags.writeable = False
    return result


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
        With ``plan.arrival_paths``: equal to its number of rows to use each row once, otherwise
        rows are resampled with replacement (whole rows, so a path keeps its months together).
    seed : int, numpy SeedSequence, numpy Generator or None
        Root of the per-component random streams (common random numbers across scenarios): the
        streams are spawned from it (``Generator.spawn`` for a Generator), so two scenarios run
        with the same int seed, or with fresh Generators made from it, share their draws.

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
    n_rates, warmup = len(plan.rates), plan.warmup
    streams = spawn_streams(seed, 3 + 2 * n_rates)
    rate_draws = [rate.sample(n_paths, streams[3 + i]) for i, rate in enumerate(plan.rates)]
    classes = _arrival_classes(plan, n_paths, class_probabilities(rate_draws), streams[0])
    events = np.empty((n_rates + 1, *classes.shape[1:]), dtype=np.int64)  # [stage, month, path]
    worked = None
    for i, pmf in enumerate(plan.lags):
        np.sum(classes, axis=0, out=events[i])
        if plan.capacity_per_month is not None and i == plan.capacity_stage:
            capacity = capacity_by_month(plan.capacity_per_month, warmup)
            classes = work_with_capacity(classes, capacity, plan.carryover_fraction, streams[1])
            worked = classes.sum(axis=0)
        # leads that stop at stage i drop out; the others enter stage i + 1 after their lag
        classes = spread_over_lags(classes[1:], pmf, streams[3 + n_rates + i])
    events[n_rates] = classes[0]
    if worked is None:
        worked = events[plan.capacity_stage]
    return FunnelSimulation(
        plan=plan,
        events=np.ascontiguousarray(events[:, warmup:, :].transpose(2, 0, 1)),
        worked=np.ascontiguousarray(worked[warmup:, :].T),
    )


def _arrival_classes(
    plan: FunnelPlan, n_paths: int, probabilities: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Arrivals ``[class, month, path]``, warm-up months first (see :mod:`.montecarlo`)."""
    if plan.arrival_paths is not None:
        counts = counts_from_paths(plan.arrival_paths, n_paths, plan.warmup, rng)
        return classes_from_counts(counts, probabilities, rng)
    volumes = (plan.volume[0],) * plan.warmup + plan.volume
    first = plan.volume[0]
    factors = path_level_factors(first.level_shape, n_paths, rng)
    levels = np.array([v.mean for v in volumes])[:, None] * factors[None, :]
    dispersion = within_dispersion(first.dispersion, first.level_shape)
    if not math.isinf(dispersion):
        levels = rng.standard_gamma(dispersion, size=levels.shape) * (levels / dispersion)
    return classes_from_levels(levels, probabilities, rng)
