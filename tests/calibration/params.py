"""The drawn parameters of a simulated world: :class:`WorldSpec` and :func:`draw_spec`.

The ranges and the kinds are documented in :mod:`worlds` (the generator's front door); this module
only draws them, from one passed-in ``numpy.random.Generator`` in a fixed order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

__all__ = [
    "DAYS_PER_MONTH",
    "HOURLY_WEIGHTS",
    "KINDS",
    "Lag",
    "Segment",
    "WorldSpec",
    "draw_spec",
]

KINDS: tuple[str, ...] = ("stationary", "seasonal", "regime", "drift", "young", "short")
DAYS_PER_MONTH = 365.25 / 12
SEASON_AMPLITUDE = 0.25
# relative lead arrivals per hour of the day: an office-hours hump and a long evening tail
HOURLY_WEIGHTS = np.array(
    [
        0.3,
        0.2,
        0.15,
        0.1,
        0.1,
        0.2,
        0.5,
        1.0,
        1.8,
        2.4,
        2.6,
        2.5,
        2.2,
        2.4,
        2.5,
        2.3,
        2.0,
        1.5,
        1.1,
        0.9,
        0.8,
        0.7,
        0.6,
        0.45,
    ]
)
_SEGMENT_NAMES = ("web", "paid", "events", "partner")
_SPANS = {
    "stationary": (12, 24),
    "seasonal": (18, 19),
    "regime": (12, 24),
    "drift": (12, 24),
    "short": (3, 6),
}


@dataclass(frozen=True, kw_only=True)
class Lag:
    """A lag in days: ``shift_days`` plus a mixture of lognormals (weights sum to 1)."""

    weights: tuple[float, ...]
    median_days: tuple[float, ...]
    sigma: tuple[float, ...]
    shift_days: float = 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` lags in days."""
        component = rng.choice(len(self.weights), size=size, p=np.asarray(self.weights))
        log_median = np.log(np.asarray(self.median_days))[component]
        sigma = np.asarray(self.sigma)[component]
        return self.shift_days + np.exp(log_median + sigma * rng.standard_normal(size))

    def cdf(self, days: np.ndarray) -> np.ndarray:
        """P(lag <= ``days``)."""
        erf = np.frompyfunc(_erf, 1, 1)
        positive = np.maximum(np.asarray(days, float) - self.shift_days, 1e-12)
        total = np.zeros(positive.shape)
        for weight, median, sigma in zip(self.weights, self.median_days, self.sigma, strict=True):
            z = (np.log(positive) - np.log(median)) / (sigma * np.sqrt(2.0))
            total += weight * 0.5 * (1.0 + erf(z).astype(float))
        return np.where(np.asarray(days, float) > self.shift_days, total, 0.0)

    @property
    def median_of_medians(self) -> float:
        """The weighted median lag of the components plus the shift (a summary for reports)."""
        return self.shift_days + float(np.dot(self.weights, self.median_days))


def _erf(x: float) -> float:
    return math.erf(x)


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A segment: its share of leads and its rate factors for lead -> MQL and MQL -> SQL."""

    name: str
    share: float
    mql_factor: float
    sql_factor: float


@dataclass(frozen=True, kw_only=True)
class WorldSpec:
    """Every drawn parameter of one world (the truth); :mod:`lives` simulates it.

    Dates are :class:`pandas.Timestamp`; ``mql_walk``/``sql_walk`` are logit offsets of the
    monthly mean rate per calendar month from the start month to the period month (empty: none).
    """

    kind: str
    variant: str
    as_of: pd.Timestamp
    start: pd.Timestamp
    leads_per_month: float
    mql_rate: float
    sql_rate: float
    dispersion: float
    mql_concentration: float
    sql_concentration: float
    weekday_weights: tuple[float, ...]
    mql_lag: Lag
    sql_lag: Lag
    touch_median_hours: float
    segments: tuple[Segment, ...]
    owners: tuple[str, ...]
    target_factors: tuple[float, float]
    season_amplitude: float = 0.0
    season_phase: float = 0.0
    change_at: pd.Timestamp | None = None
    volume_factor: float = 1.0
    rate_factor: float = 1.0
    rate_stage: str = "sql"
    mql_walk: tuple[float, ...] = ()
    sql_walk: tuple[float, ...] = ()
    sql_intro_at: pd.Timestamp | None = None

    @property
    def period(self) -> pd.Period:
        """The next full calendar month after ``as_of``: the SLA period whose truth is kept."""
        return pd.Period(self.as_of, freq="M") + 1

    @property
    def n_months(self) -> int:
        """Calendar months from the start month to the period month, both included."""
        return int((self.period - pd.Period(self.start, freq="M")).n) + 1

    @property
    def history_months(self) -> float:
        """Length of the exported history in months (``as_of - start``)."""
        return (self.as_of - self.start) / pd.Timedelta(days=DAYS_PER_MONTH)


def draw_spec(kind: str, rng: np.random.Generator) -> WorldSpec:
    """Draw the parameters of one world of ``kind`` (ranges: module docstring).

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    WorldSpec
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    variant = ("new_funnel", "new_sql_stage")[int(rng.integers(2))] if kind == "young" else ""
    as_of = _draw_as_of(rng)
    span, visible = _draw_span(kind, variant, rng)
    start = _draw_start(as_of, span, rng)
    # a new funnel's SQLs appear only in its last `visible` months: the lag starts that late
    history = (as_of - start) / pd.Timedelta(days=DAYS_PER_MONTH)
    shift = (history - visible) * DAYS_PER_MONTH if variant == "new_funnel" else 0.0
    common = _draw_common(rng, sql_shift_days=shift)
    spec = WorldSpec(kind=kind, variant=variant, as_of=as_of, start=start, **common)
    return _with_kind(spec, rng)


def _draw_as_of(rng: np.random.Generator) -> pd.Timestamp:
    month = pd.Period("2023-01", freq="M") + int(rng.integers(0, 42))
    day = month.days_in_month if rng.random() < 0.5 else int(rng.integers(5, 26))
    return pd.Timestamp(year=month.year, month=month.month, day=day, hour=23, minute=59, second=59)


def _draw_span(kind: str, variant: str, rng: np.random.Generator) -> tuple[float, float]:
    """History span in months and, for a new funnel, the months in which SQLs are visible."""
    if variant == "new_funnel":
        span = rng.uniform(3.0, 5.0)
        return span, rng.uniform(2.0, min(4.0, span - 0.5))
    low, high = _SPANS.get(kind, (12, 24))
    return rng.uniform(low, high), 0.0


def _draw_start(as_of: pd.Timestamp, span_months: float, rng: np.random.Generator) -> pd.Timestamp:
    start = (as_of - pd.Timedelta(days=span_months * DAYS_PER_MONTH)).normalize()
    return start.replace(day=1) if rng.random() < 0.5 else start


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _draw_common(rng: np.random.Generator, *, sql_shift_days: float) -> dict:
    """Volumes, rates, noise, lags, segments, owners and target factors (module docstring)."""
    mqls, mql_rate = _log_uniform(rng, 40, 2000), rng.uniform(0.10, 0.60)
    weekdays = np.r_[rng.uniform(0.85, 1.15, 5), rng.uniform(0.05, 0.6, 2)]
    return {
        "leads_per_month": mqls / mql_rate,
        "mql_rate": mql_rate,
        "sql_rate": _log_uniform(rng, 0.03, 0.40),
        "dispersion": _log_uniform(rng, 4, 2000),
        "mql_concentration": _log_uniform(rng, 20, 5000),
        "sql_concentration": _log_uniform(rng, 20, 5000),
        "weekday_weights": tuple(float(w) for w in weekdays),
        "mql_lag": Lag(
            weights=(1.0,),
            median_days=(_log_uniform(rng, 1 / 24, 5),),
            sigma=(rng.uniform(0.5, 1.5),),
        ),
        "sql_lag": _draw_sql_lag(rng, sql_shift_days),
        "touch_median_hours": _log_uniform(rng, 0.5, 24),
        "segments": _draw_segments(rng),
        "owners": tuple(f"rep{i:02d}" for i in range(int(rng.integers(2, 9)))),
        "target_factors": (rng.uniform(0.6, 1.4), rng.uniform(0.6, 1.4)),
    }


def _draw_sql_lag(rng: np.random.Generator, shift_days: float) -> Lag:
    fast = rng.uniform(0.3, 0.9)
    slow_range = (10, 40) if rng.random() < 0.75 else (30, 90)
    return Lag(
        weights=(fast, 1.0 - fast),
        median_days=(_log_uniform(rng, 1, 10), _log_uniform(rng, *slow_range)),
        sigma=(rng.uniform(0.3, 1.0), rng.uniform(0.4, 1.0)),
        shift_days=shift_days,
    )


def _draw_segments(rng: np.random.Generator) -> tuple[Segment, ...]:
    n = 1 if rng.random() < 0.5 else int(rng.integers(2, 5))
    if n == 1:
        return (Segment(name="inbound", share=1.0, mql_factor=1.0, sql_factor=1.0),)
    shares = rng.dirichlet(np.full(n, 2.0))
    factors = np.exp(rng.normal(0.0, 0.3, (n, 2)))
    return tuple(
        Segment(
            name=_SEGMENT_NAMES[i],
            share=float(shares[i]),
            mql_factor=float(factors[i, 0]),
            sql_factor=float(factors[i, 1]),
        )
        for i in range(n)
    )


def _with_kind(spec: WorldSpec, rng: np.random.Generator) -> WorldSpec:
    """The kind's own parameters (module docstring) on top of the common ones."""
    if spec.kind == "seasonal":
        return replace(
            spec, season_amplitude=SEASON_AMPLITUDE, season_phase=rng.uniform(0, 2 * np.pi)
        )
    if spec.kind == "regime":
        return replace(spec, **_draw_regime(spec, rng))
    if spec.kind == "drift":
        mql_step, sql_step = rng.uniform(0.0, 0.15), rng.uniform(0.05, 0.25)
        walk = np.cumsum(rng.normal(0.0, 1.0, (2, spec.n_months)), axis=1)
        walk -= walk[:, :1]  # the base rates are those of the start month
        return replace(spec, mql_walk=tuple(mql_step * walk[0]), sql_walk=tuple(sql_step * walk[1]))
    if spec.variant == "new_sql_stage":
        intro = spec.as_of - pd.Timedelta(days=rng.uniform(2, 4) * DAYS_PER_MONTH)
        return replace(spec, sql_intro_at=intro)
    return spec


def _draw_regime(spec: WorldSpec, rng: np.random.Generator) -> dict:
    change_at = spec.as_of - pd.Timedelta(days=rng.uniform(3, 9) * DAYS_PER_MONTH)
    mode = ("volume", "rate", "both")[int(rng.integers(3))]
    volume = _log_uniform(rng, 0.4, 3.0)
    rate = _log_uniform(rng, 0.4, 2.5)
    stage = "sql" if rng.random() < 2 / 3 else "mql"
    return {
        "change_at": change_at,
        "volume_factor": volume if mode != "rate" else 1.0,
        "rate_factor": rate if mode != "volume" else 1.0,
        "rate_stage": stage,
    }
