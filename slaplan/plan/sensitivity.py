"""Sensitivity of P(hit) to each input (:func:`sensitivity` → :class:`Sensitivity`, a tornado).

Each input is moved to a low and a high value while the others stay as planned, and the
probability of meeting the target is recomputed (exactly where the chain allows, otherwise with
the same random draws for every bar, so bars differ by their inputs, not by noise):

* volume: the mean ``× (1 ∓ volume_swing)`` (same dispersion);
* each uncertain rate: fixed at its posterior ``rate_levels`` quantiles (default 10% / 90%) — what
  P(hit) would be if we *knew* the rate were that low or high; a fixed rate: ``× (1 ∓ rate_swing)``;
* capacity (if any): ``× (1 ∓ capacity_swing)``.

Bars are sorted by swing, largest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slaplan._checks import check_count, check_probability
from slaplan.plan.attainability import check_rates, check_volume
from slaplan.plan.outcome import build_outcome
from slaplan.plan.rates import ConversionRate
from slaplan.plan.volume import VolumeModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sensitivity", "sensitivity"]


@dataclass(frozen=True, kw_only=True)
class Sensitivity:
    """Tornado of P(hit).

    ``frame`` columns: input, low, high, probability_low, probability_high, swing.
    """

    target: int
    probability: float
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The tornado table (largest swing first)."""
        return self.frame.copy()


def sensitivity(
    target: int,
    *,
    volume: VolumeModel | float,
    rates: ConversionRate | Sequence[ConversionRate | float] | float,
    capacity_per_month: float | None = None,
    volume_swing: float = 0.2,
    rate_swing: float = 0.2,
    capacity_swing: float = 0.2,
    rate_levels: tuple[float, float] = (0.1, 0.9),
    seed: int = 0,
    stage_names: Sequence[str] | None = None,
    n_draws: int = 20_000,
) -> Sensitivity:
    """Which input moves ``P(outcome >= target)`` most (see the module docstring).

    Monte Carlo (a chain of uncertain rates or a capacity cap) uses ``n_draws`` draws from
    ``seed`` for every bar.

    Examples
    --------
    >>> from slaplan import ConversionRate
    >>> s = sensitivity(40, volume=300.0, rates=[ConversionRate(40, 300)])
    >>> list(s.frame["input"])
    ['rate 1', 'volume']
    """
    import pandas as pd

    target = check_count("target", target)
    volume, rates = check_volume(volume), list(check_rates(rates))
    for name, swing in (
        ("volume_swing", volume_swing),
        ("rate_swing", rate_swing),
        ("capacity_swing", capacity_swing),
    ):
        check_probability(name, swing)
    names = (
        list(stage_names)
        if stage_names is not None
        else [f"rate {i + 1}" for i in range(len(rates))]
    )

    def prob(vol: VolumeModel, chain: list[ConversionRate], capacity: float | None) -> float:
        cap = None if capacity is None else int(capacity)
        outcome = build_outcome(vol, chain, capacity=cap, n_draws=n_draws, rng=_rng(seed))
        return outcome.probability(target, vol.mean)[0]

    base = prob(volume, rates, capacity_per_month)
    rows = [
        _row(
            "volume",
            volume.mean * (1 - volume_swing),
            volume.mean * (1 + volume_swing),
            lambda v: prob(volume.scaled(v), rates, capacity_per_month),
        )
    ]
    for i, rate in enumerate(rates):
        low, high = _rate_range(rate, rate_levels, rate_swing)

        def with_rate(value: float, i: int = i) -> float:
            chain = [*rates[:i], ConversionRate.fixed(value), *rates[i + 1 :]]
            return prob(volume, chain, capacity_per_month)

        rows.append(_row(names[i], low, high, with_rate))
    if capacity_per_month is not None:
        rows.append(
            _row(
                "capacity",
                capacity_per_month * (1 - capacity_swing),
                capacity_per_month * (1 + capacity_swing),
                lambda c: prob(volume, rates, c),
            )
        )
    frame = pd.DataFrame(rows).sort_values("swing", ascending=False, ignore_index=True)
    return Sensitivity(target=target, probability=base, frame=frame)


def _rng(seed: int):
    import numpy as np

    return np.random.default_rng(seed)


def _rate_range(rate: ConversionRate, levels: tuple[float, float], swing: float):
    if rate.is_fixed:
        return max(0.0, rate.mean * (1 - swing)), min(1.0, rate.mean * (1 + swing))
    low, high = rate.quantile(list(levels))
    return float(low), float(high)


def _row(name: str, low: float, high: float, prob) -> dict[str, Any]:
    p_low, p_high = prob(low), prob(high)
    return {
        "input": name,
        "low": low,
        "high": high,
        "probability_low": p_low,
        "probability_high": p_high,
        "swing": abs(p_high - p_low),
    }
