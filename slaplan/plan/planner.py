"""The target planner's state, without widgets (:class:`Planner` → :class:`PlannerResult`).

One frozen object holds every input a planning meeting moves (volume, rates, target, confidence,
capacity as a number or as headcount × leads per rep-month) and :meth:`Planner.compute` returns
every output the dashboard shows: P(hit), the largest safe target, the volume needed, a 12-month
fan of the target stage and the sensitivity tornado. ``slaplan.present.planner_widget`` is a thin
ipywidgets layer over it; tests and benchmarks drive this object directly.

Capacity: ``capacity_per_month`` (leads workable a month at the first stage) if given, else
``headcount × leads_per_rep_month`` if a headcount is given (default 100 MQLs per rep per month,
HubSpot's own SLA practice, PRODUCT.md §6), else no cap.

A planner made from leads (:meth:`Planner.from_leads`, i.e.
:meth:`slaplan.FunnelEstimate.planner`) carries its ``data``: while its rates are the data's,
P(hit), the largest safe target and the volume needed come from the one estimate's outlook of
the planned period (the pipeline already there and the arrivals to come, at the volume the
slider sets) — the same number as :func:`slaplan.check_sla` for the same question. Typed rates
switch to the steady-state model of one month (``volume x rates``): a what-if, not a forecast.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from slaplan._checks import check_count, check_positive, check_probability
from slaplan.plan.attainability import Attainability, attainability, check_rates
from slaplan.plan.rates import ConversionRate
from slaplan.plan.sensitivity import sensitivity
from slaplan.plan.simulate import FunnelPlan, simulate_funnel
from slaplan.plan.volume import VolumeModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["LEADS_PER_REP_MONTH", "MAX_LAG_MONTHS", "Planner", "PlannerResult"]

LEADS_PER_REP_MONTH = 100.0  # HubSpot: about 100 MQLs per rep per month (PRODUCT.md §6)
_CAPPED_DRAWS = 4000  # Monte Carlo draws with a capacity cap (keeps a recompute interactive)
_CAPPED_TORNADO_DRAWS = 1000  # per tornado bar with a cap: bars share the draws (see compute)
MAX_LAG_MONTHS = 6  # longer lags are counted in the last month of the fitted lag pmf
_CHAIN_DRAWS = 20_000  # rate draws for a chain of uncertain rates (standard error <= 0.0035)


@dataclass(frozen=True, kw_only=True)
class PlannerResult:
    """Everything the planner shows for one set of inputs."""

    planner: Planner
    attainability: Attainability
    fan: pd.DataFrame
    tornado: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """One row (a saved scenario): the inputs that move and the headline outputs."""
        import pandas as pd

        p, a = self.planner, self.attainability
        row = {
            "volume_per_month": p.volume.mean,
            "rates": " × ".join(f"{r.mean:.1%}" for r in p.rates),
            "target": p.target,
            "confidence": p.confidence,
            "capacity_per_month": p.capacity if p.capacity is not None else math.nan,
            "probability": a.probability,
            "verdict": a.verdict,
            "max_target": a.max_target,
            "required_volume": a.required_volume,
            "expected": a.expected,
        }
        return pd.DataFrame([row])


@dataclass(frozen=True, kw_only=True)
class Planner:
    """Inputs of the target planner (change one with :meth:`with_`).

    Parameters
    ----------
    volume : VolumeModel
        Monthly volume entering the first stage.
    rates : tuple of ConversionRate
        Rates from the first stage to the target stage.
    stages : tuple of str
        Stage names (``len(rates) + 1``); the target is on the last.
    target : int
        Count wanted at the last stage in one month.
    confidence : float, default 0.8
    capacity_per_month : float, optional
        Leads workable a month at the first stage.
    headcount : float, optional
        Reps working the first stage (used when ``capacity_per_month`` is None).
    leads_per_rep_month : float, default 100
    months : int, default 12
        Horizon of the fan chart.
    lags : tuple of array-like, optional
        Lag pmfs per transition for the fan chart (default: same month).
    n_paths : int, default 2000
        Monte Carlo paths of the fan chart.
    data : optional
        The estimate behind a planner made from leads (see the module docstring); an object
        with ``rates``, ``volume_mean`` and ``outlook(capacity_per_month, volume_scale)``.
    seed : int, default 0
        Seed shared by every recompute (common random numbers: moving a slider changes the
        numbers only through the model).

    Examples
    --------
    >>> from slaplan import ConversionRate, VolumeModel
    >>> p = Planner(volume=VolumeModel.poisson(300), rates=(ConversionRate(40, 300),),
    ...             stages=("mql", "sql"), target=40)
    >>> r = p.compute()
    >>> r.attainability.max_target, len(r.fan)
    (33, 12)
    """

    volume: VolumeModel
    rates: tuple[ConversionRate, ...]
    stages: tuple[str, ...] = ("mql", "sql")
    target: int = 10
    confidence: float = 0.8
    capacity_per_month: float | None = None
    headcount: float | None = None
    leads_per_rep_month: float = LEADS_PER_REP_MONTH
    months: int = 12
    lags: tuple[Any, ...] | None = None
    n_paths: int = 2000
    seed: int = 0
    data: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.volume, VolumeModel):
            raise TypeError(f"volume must be a VolumeModel, got {type(self.volume).__name__}")
        object.__setattr__(self, "rates", check_rates(list(self.rates)))
        if len(self.stages) != len(self.rates) + 1:
            raise ValueError(
                f"stages must have {len(self.rates) + 1} names for {len(self.rates)} rates, "
                f"got {len(self.stages)}"
            )
        check_count("target", self.target)
        check_probability("confidence", self.confidence)
        for name in ("capacity_per_month", "headcount"):
            if getattr(self, name) is not None:
                check_positive(name, getattr(self, name), allow_zero=True)
        check_positive("leads_per_rep_month", self.leads_per_rep_month)
        check_count("months", self.months, minimum=1)
        check_count("n_paths", self.n_paths, minimum=100)

    def with_(self, **changes: Any) -> Planner:
        """A copy with some inputs changed (``volume_per_month=`` rescales the volume)."""
        if "volume_per_month" in changes:
            mean = changes.pop("volume_per_month")
            if mean is not None:
                changes["volume"] = self.volume.scaled(mean)
        return replace(self, **changes)

    @property
    def from_data(self) -> bool:
        """True while P(hit) comes from the data's outlook (rates not typed over)."""
        return self.data is not None and tuple(self.rates) == tuple(self.data.rates)

    @property
    def capacity(self) -> float | None:
        """Leads workable per month (see the module docstring), or None for no cap."""
        if self.capacity_per_month is not None:
            return self.capacity_per_month
        if self.headcount is not None:
            return self.headcount * self.leads_per_rep_month
        return None

    def compute(self) -> PlannerResult:
        """P(hit), max target, required volume, the fan of the target stage and the tornado.

        With a capacity cap the numbers are Monte Carlo (Rao–Blackwellised: exact given each
        (volume, rate) draw): P(hit) and the searches use 4,000 draws, whose standard error is
        reported as ``attainability.standard_error`` (at most 0.5 / sqrt(4000) = 0.008, usually
        well under half that); the tornado's bars use 1,000 draws shared by every bar (common
        random numbers), so the *differences* between bars are much more precise than the
        ±0.016 bound of one bar. The searches read a survival curve built once per volume
        (:class:`slaplan.plan.outcome.CappedOutcome`), and volume draws are inversions of fixed
        uniforms cached across recomputes, so a slider move re-uses most of the work.
        """
        capacity = self.capacity
        chain = sum(not r.is_fixed for r in self.rates) > 1
        draws = _CAPPED_DRAWS if capacity is not None else (_CHAIN_DRAWS if chain else None)
        if self.from_data:
            scale = self.volume.mean / self.data.volume_mean if self.data.volume_mean else 1.0
            outlook = self.data.outlook(capacity, scale if capacity is not None else 1.0)
            shift = 1.0 if capacity is not None else scale
            result = outlook.attainability(self.target, self.confidence, volume_scale=shift)
        else:
            result = attainability(
                self.target,
                volume=self.volume,
                rates=list(self.rates),
                confidence=self.confidence,
                seed=self.seed,
                capacity_per_month=capacity,
                n_draws=draws,
            )
        plan = FunnelPlan.constant(
            stages=self.stages,
            volume=self.volume,
            rates=self.rates,
            months=self.months,
            lags=self.lags,
            capacity_per_month=capacity,
        )
        simulation = simulate_funnel(plan, n_paths=self.n_paths, seed=self.seed)
        tornado = sensitivity(
            self.target,
            volume=self.volume,
            rates=list(self.rates),
            capacity_per_month=capacity,
            seed=self.seed,
            n_draws=_CAPPED_TORNADO_DRAWS if capacity is not None else draws or _CHAIN_DRAWS,
            stage_names=[f"{a} → {b}" for a, b in itertools.pairwise(self.stages)],
        )
        return PlannerResult(
            planner=self,
            attainability=result,
            fan=simulation.fan(self.stages[-1]),
            tornado=tornado.frame,
        )

    @classmethod
    def from_leads(
        cls,
        leads: Any,
        *,
        stages: Sequence[str] = ("mql", "sql"),
        target: int | None = None,
        as_of: Any = None,
        period: Any = None,
        segment: str | None = None,
        seed: int = 0,
        **kwargs: Any,
    ) -> Planner:
        """A planner on the one estimate of a lead table (``LeadTable`` or DataFrame).

        Same as ``slaplan.estimate_funnel(leads, stages, segment=..., as_of=..., seed=...)
        .planner(target=..., period=...)``: the volume is the first stage's predictive for
        ``period`` (default the month after ``as_of``), the rates are each transition's rate
        of a new cohort (current regime, with its month-to-month spread), the lags the
        transitions' lag distributions in calendar months. ``target`` defaults to the expected
        count of the last stage. Raises :class:`~slaplan.errors.DataError` naming what is
        missing when the data cannot support a plan.
        """
        from slaplan.estimate.funnel_estimate import estimate_funnel

        estimate = estimate_funnel(leads, stages, segment=segment, as_of=as_of, seed=seed)
        return estimate.planner(target=target, period=period, **kwargs)
