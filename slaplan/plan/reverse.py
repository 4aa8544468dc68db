"""Reverse funnel with ranges (:func:`reverse_funnel` → :class:`ReverseFunnel`).

From a target at the last stage (or a revenue target and an average deal size) back to the volume
needed at each upstream stage: the classic reverse waterfall (``target / product of rate means``)
**and** the mean monthly volume that reaches the target at the chosen confidence (the smallest
volume with ``P(outcome >= target) >= confidence``, via :func:`required_volume`). The point
estimate is a coin flip; the at-confidence volume is what to plan.

Lags make it a schedule: the leads that produce month *m*'s SQLs enter earlier. With a lag pmf per
transition, the chain's lag pmf (their convolution) says which share of the needed upstream volume
must enter 0, 1, 2, … months before the target month (:meth:`ReverseFunnel.schedule`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from slaplan._checks import check_count, check_positive, check_probability
from slaplan.errors import InfeasibleTargetError
from slaplan.plan.attainability import check_rates, required_volume
from slaplan.plan.rates import ConversionRate
from slaplan.plan.simulate import check_lag_pmf
from slaplan.plan.volume import VolumeModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReverseFunnel", "reverse_funnel"]


@dataclass(frozen=True, kw_only=True)
class ReverseFunnel:
    """Volume needed at each upstream stage for one period's target at the last stage.

    Attributes
    ----------
    target : int
        Count needed at the last stage (revenue targets are converted with the deal size).
    confidence : float
    stages : tuple of str
        All stages, first to last.
    point : tuple of float
        Classic reverse waterfall: ``target / product of downstream rate means`` per stage.
    at_confidence : tuple of float
        Mean monthly volume per stage reaching the target with ``confidence`` (``inf``: never).
    lag_pmfs : tuple of numpy arrays
        Per upstream stage, the pmf of months between entering it and reaching the last stage.
    """

    target: int
    confidence: float
    stages: tuple[str, ...]
    point: tuple[float, ...]
    at_confidence: tuple[float, ...]
    lag_pmfs: tuple[np.ndarray, ...]

    def to_frame(self) -> pd.DataFrame:
        """One row per stage: point volume, volume at confidence and the safety margin."""
        import pandas as pd

        frame = pd.DataFrame(
            {
                "stage": self.stages,
                "point": [*self.point, float(self.target)],
                "at_confidence": [*self.at_confidence, float(self.target)],
            }
        )
        frame["margin"] = frame["at_confidence"] / frame["point"] - 1.0
        return frame

    def schedule(self) -> pd.DataFrame:
        """Per upstream stage and months before the target month: share and volumes needed."""
        import pandas as pd

        rows = []
        for i, pmf in enumerate(self.lag_pmfs):
            for months_before, share in enumerate(pmf):
                rows.append(
                    {
                        "stage": self.stages[i],
                        "months_before": months_before,
                        "share": share,
                        "point": share * self.point[i],
                        "at_confidence": share * self.at_confidence[i],
                    }
                )
        return pd.DataFrame(rows)


def reverse_funnel(
    target: float,
    *,
    rates: Sequence[ConversionRate | float],
    stages: Sequence[str] | None = None,
    confidence: float = 0.8,
    volume: VolumeModel | None = None,
    lags: Sequence[Any] | None = None,
    deal_size: float | None = None,
    seed: Any = 0,
) -> ReverseFunnel:
    """Volume needed upstream for ``target`` at the last stage, point and at ``confidence``.

    Parameters
    ----------
    target : float
        Count at the last stage (whole number), or revenue when ``deal_size`` is given.
    rates : sequence of ConversionRate or float
        Rates from the first stage to the last.
    stages : sequence of str, optional
        ``len(rates) + 1`` stage names (default ``stage_0``, ``stage_1``, …).
    confidence : float, default 0.8
    volume : VolumeModel, optional
        Shape of the monthly volume (its dispersion is kept; the mean is solved for).
        Default Poisson.
    lags : sequence of array-like, optional
        Lag pmf over whole months per transition (default: same month).
    deal_size : float, optional
        Average revenue per item of the last stage; ``target`` is then revenue.
    seed : int, optional
        Random source for chains with several uncertain rates.

    Examples
    --------
    >>> from slaplan import ConversionRate
    >>> r = reverse_funnel(12, rates=[ConversionRate(40, 300)], stages=["mql", "sql"])
    >>> round(r.point[0]), r.at_confidence[0] > r.point[0]
    (88, True)
    """
    rates = check_rates(rates)
    count = _target_count(target, deal_size)
    confidence = check_probability("confidence", confidence)
    stages = _check_stages(stages, len(rates))
    pmfs = [np.array([1.0])] * len(rates) if lags is None else list(lags)
    if len(pmfs) != len(rates):
        raise ValueError(f"lags must have one pmf per rate ({len(rates)}), got {len(pmfs)}")
    pmfs = [check_lag_pmf(f"lags[{i}]", pmf) for i, pmf in enumerate(pmfs)]
    shape = volume if volume is not None else VolumeModel.poisson(1.0)
    point, needed, chain_lags = [], [], []
    for i in range(len(rates)):
        downstream = rates[i:]
        mean_rate = math.prod(r.mean for r in downstream)
        point.append(count / mean_rate if mean_rate > 0 else math.inf)
        needed.append(_needed(count, shape, downstream, confidence, seed))
        chain_lags.append(_convolve_all(pmfs[i:]))
    return ReverseFunnel(
        target=count,
        confidence=confidence,
        stages=stages,
        point=tuple(point),
        at_confidence=tuple(needed),
        lag_pmfs=tuple(chain_lags),
    )


def _target_count(target: Any, deal_size: Any) -> int:
    if deal_size is None:
        return check_count("target", target)
    revenue = check_positive("target", target, allow_zero=True)
    return math.ceil(revenue / check_positive("deal_size", deal_size) - 1e-9)


def _check_stages(stages: Sequence[str] | None, n_rates: int) -> tuple[str, ...]:
    if stages is None:
        return tuple(f"stage_{i}" for i in range(n_rates + 1))
    if len(stages) != n_rates + 1:
        raise ValueError(f"stages must have {n_rates + 1} names, got {len(stages)}")
    return tuple(str(s) for s in stages)


def _needed(count, shape, downstream, confidence, seed) -> float:
    try:
        return required_volume(
            count, volume=shape, rates=list(downstream), confidence=confidence, seed=seed
        )
    except InfeasibleTargetError:
        return math.inf


def _convolve_all(pmfs: Sequence[np.ndarray]) -> np.ndarray:
    result = np.array([1.0])
    for pmf in pmfs:
        result = np.convolve(result, pmf)
    return result
