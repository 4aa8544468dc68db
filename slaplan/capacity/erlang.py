"""Queueing core: Erlang B and Erlang C (M/M/c), service level, and the staffing search.

This module owns the steady-state queue of leads waiting for a rep. Two layers:

* **Kernels** over floats or numpy arrays, in Erlang units (offered load ``A`` in Erlangs,
  ``n`` agents, times in units of the mean handle time): :func:`erlang_b`,
  :func:`erlang_c_wait_probability`, :func:`erlang_c_service_level`,
  :func:`erlang_c_average_wait`. No factorials: Erlang B uses the regularised incomplete-gamma
  form ``B(n, A) = f(n; A) / Q(n + 1, A)`` with ``f`` the Poisson (gamma-density) term in log
  space and ``Q`` = :func:`scipy.special.gammaincc`, which extends to non-integer ``n`` and
  stays finite at 10,000 agents; when ``A > n + 1`` (where ``Q`` may underflow) the continued
  fraction of the upper incomplete gamma gives ``1/B`` directly.
  Erlang C follows from B: ``C = n B / (n - A (1 - B))``; the service level is
  ``SL(t) = 1 - C exp(-(n - A) t / h)`` and the mean wait ``C h / (n - A)``
  (Cooper, *Introduction to Queueing Theory*, 2nd ed., §3.4-3.6; Jagerman 1974 for the
  incomplete-gamma extension to real ``n``).
* **Public functions** in the units of a sales team (:func:`erlang_c`, :func:`service_level`,
  :func:`average_wait_minutes`, :func:`occupancy`, :func:`required_agents`) that validate
  their arguments and return plain floats or a frozen :class:`StaffingResult`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy import special

from slaplan._checks import check_positive, check_probability

__all__ = [
    "StaffingResult",
    "average_wait_minutes",
    "erlang_b",
    "erlang_c",
    "erlang_c_average_wait",
    "erlang_c_service_level",
    "erlang_c_wait_probability",
    "occupancy",
    "required_agents",
    "service_level",
]

_CF_MAX_TERMS = 500
_CF_TINY = 1e-300


# ---- kernels (floats / arrays in Erlang units; callers guarantee valid inputs) -------------------
def _as_result(value: np.ndarray) -> Any:
    return float(value) if np.ndim(value) == 0 else value


def _inverse_b_continued_fraction(load: np.ndarray, agents: np.ndarray) -> np.ndarray:
    """``1 / B(n, A)`` = ``A · Γ(n+1, A) e^A / A^(n+1)`` by the Lentz continued fraction.

    The fraction (Numerical Recipes §6.2, ``gcf``) converges quickly for ``A > n + 1``, exactly
    where the incomplete-gamma form of B would underflow.
    """
    a = agents + 1.0
    b = load + 1.0 - a
    c = np.full_like(b, 1.0 / _CF_TINY)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, _CF_MAX_TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < _CF_TINY, _CF_TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _CF_TINY, _CF_TINY, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-15):
            break
    return load * h


def erlang_b(load_erlangs: Any, agents: Any) -> Any:
    """Erlang B blocking probability ``B(n, A)`` for real ``n >= 0`` and ``A > 0``.

    Parameters
    ----------
    load_erlangs : float or array
        Offered load ``A`` (arrivals × mean handle time), > 0.
    agents : float or array
        Number of servers ``n`` >= 0; non-integer values interpolate smoothly.

    Returns
    -------
    float or ndarray
        Probability in [0, 1] that an arrival finds every server busy in the loss system.

    Examples
    --------
    >>> round(erlang_b(10.0, 14), 10)  # recursion B(n) = A B(n-1) / (n + A B(n-1))
    0.0568191434
    """
    load = np.asarray(load_erlangs, dtype=float)
    n = np.asarray(agents, dtype=float)
    load, n = np.broadcast_arrays(load, n)
    log_term = n * np.log(load) - load - special.gammaln(n + 1.0)
    upper = special.gammaincc(n + 1.0, load)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gamma_form = np.exp(log_term) / upper
    use_fraction = load > n + 1.0
    if np.any(use_fraction):
        inverse = _inverse_b_continued_fraction(load[use_fraction], n[use_fraction])
        gamma_form = np.array(gamma_form, copy=True)
        gamma_form[use_fraction] = 1.0 / inverse
    return _as_result(np.clip(gamma_form, 0.0, 1.0))


def erlang_c_wait_probability(load_erlangs: Any, agents: Any) -> Any:
    """Erlang C probability of waiting ``C(n, A)`` for ``n > A`` (real ``n`` allowed).

    ``C = n B / (n - A (1 - B))`` with ``B`` from :func:`erlang_b`; finite at 10,000 agents.

    Examples
    --------
    >>> round(erlang_c_wait_probability(10.0, 14), 7)  # pyworkforce README: 0.1741319
    0.1741319
    """
    load = np.asarray(load_erlangs, dtype=float)
    n = np.asarray(agents, dtype=float)
    blocking = np.asarray(erlang_b(load, n))
    wait = n * blocking / (n - load * (1.0 - blocking))
    return _as_result(np.clip(wait, 0.0, 1.0))


def erlang_c_service_level(load_erlangs: Any, agents: Any, answer_within_handles: Any) -> Any:
    """Share answered within ``t`` (in units of the mean handle time): ``1 - C e^{-(n-A) t}``."""
    load = np.asarray(load_erlangs, dtype=float)
    n = np.asarray(agents, dtype=float)
    wait = np.asarray(erlang_c_wait_probability(load, n))
    level = 1.0 - wait * np.exp(-(n - load) * np.asarray(answer_within_handles, dtype=float))
    return _as_result(np.clip(level, 0.0, 1.0))


def erlang_c_average_wait(load_erlangs: Any, agents: Any) -> Any:
    """Mean wait of all arrivals in units of the mean handle time: ``C / (n - A)``."""
    load = np.asarray(load_erlangs, dtype=float)
    n = np.asarray(agents, dtype=float)
    return _as_result(np.asarray(erlang_c_wait_probability(load, n)) / (n - load))


def _wait_probability_scalar(load: float, agents: float) -> float:
    """Scalar fast path of :func:`erlang_c_wait_probability` for ``agents > load``.

    Same incomplete-gamma form on Python floats (~2 µs instead of ~30 µs through numpy arrays);
    ``n > A`` keeps ``Q(n + 1, A)`` away from underflow, so no continued fraction is needed.
    """
    log_term = agents * math.log(load) - load - math.lgamma(agents + 1.0)
    blocking = min(1.0, math.exp(log_term) / float(special.gammaincc(agents + 1.0, load)))
    return min(1.0, agents * blocking / (agents - load * (1.0 - blocking)))


def _service_level_scalar(load: float, agents: float, within_handles: float) -> float:
    wait = _wait_probability_scalar(load, agents)
    return max(0.0, 1.0 - wait * math.exp(-(agents - load) * within_handles))


# ---- public layer: validation in sales-team units ------------------------------------------------
def _load_and_agents(
    arrivals_per_hour: Any, handle_minutes: Any, agents: Any
) -> tuple[float, float]:
    rate = check_positive("arrivals_per_hour", arrivals_per_hour)
    handle = check_positive("handle_minutes", handle_minutes)
    servers = check_positive("agents", agents)
    load = rate * handle / 60.0
    if servers <= load:
        raise ValueError(
            f"agents must exceed the offered load for a stable queue: arrivals_per_hour × "
            f"handle_minutes / 60 = {load:.6g} Erlangs, got agents={agents!r} "
            f"(the queue would grow without bound; add agents or cut arrivals)"
        )
    return load, servers


def erlang_c(arrivals_per_hour: float, handle_minutes: float, agents: float) -> float:
    """Probability that a lead has to wait for a rep (Erlang C), steady state.

    Parameters
    ----------
    arrivals_per_hour : float
        Mean arrivals per hour (Poisson), > 0.
    handle_minutes : float
        Mean handle (touch) time per lead in minutes, > 0.
    agents : float
        Reps working the queue; may be non-integer (e.g. part-time); must exceed the load.

    Returns
    -------
    float
        P(wait > 0) in [0, 1].

    Raises
    ------
    ValueError
        If an input is not a positive finite number, or ``agents`` ≤ offered load.

    Examples
    --------
    >>> round(erlang_c(arrivals_per_hour=200, handle_minutes=3, agents=14), 5)
    0.17413
    """
    load, servers = _load_and_agents(arrivals_per_hour, handle_minutes, agents)
    return erlang_c_wait_probability(load, servers)


def service_level(
    arrivals_per_hour: float, handle_minutes: float, agents: float, answer_within_minutes: float
) -> float:
    """Share of leads whose wait is at most ``answer_within_minutes`` (Erlang C, steady state).

    Parameters
    ----------
    arrivals_per_hour : float
        Leads arriving per hour (> 0).
    handle_minutes : float
        Rep minutes per lead (> 0).
    agents : float
        Reps on the queue; more than the load ``arrivals_per_hour × handle_minutes / 60``.
    answer_within_minutes : float
        The answer window in minutes (>= 0).

    Examples
    --------
    >>> round(service_level(200, 3, 14, answer_within_minutes=1 / 3), 5)
    0.88835
    """
    load, servers = _load_and_agents(arrivals_per_hour, handle_minutes, agents)
    within = check_positive("answer_within_minutes", answer_within_minutes, allow_zero=True)
    return erlang_c_service_level(load, servers, within / float(handle_minutes))


def average_wait_minutes(arrivals_per_hour: float, handle_minutes: float, agents: float) -> float:
    """Mean wait of all leads in minutes (the "average speed of answer").

    Parameters
    ----------
    arrivals_per_hour, handle_minutes, agents : float
        As in :func:`service_level`.

    Examples
    --------
    >>> round(average_wait_minutes(200, 3, 14) * 60, 3)  # seconds; pyworkforce: 7.836
    7.836
    """
    load, servers = _load_and_agents(arrivals_per_hour, handle_minutes, agents)
    return erlang_c_average_wait(load, servers) * float(handle_minutes)


def occupancy(arrivals_per_hour: float, handle_minutes: float, agents: float) -> float:
    """Share of rep time spent handling leads, ``A / n``.

    Parameters
    ----------
    arrivals_per_hour, handle_minutes, agents : float
        As in :func:`service_level`.

    Examples
    --------
    >>> round(occupancy(200, 3, 14), 7)
    0.7142857
    """
    load, servers = _load_and_agents(arrivals_per_hour, handle_minutes, agents)
    return load / servers


@dataclass(frozen=True, kw_only=True)
class StaffingResult:
    """The staffing that meets a service-level target (see :func:`required_agents`).

    Attributes
    ----------
    agents : int
        Reps needed on the queue at any moment (raw, before shrinkage).
    scheduled_agents : int
        Reps to schedule so that ``agents`` are available: ``ceil(agents / (1 - shrinkage))``.
    service_level, occupancy, wait_probability : float
        At ``agents``.
    average_wait_minutes : float
        Mean wait of all leads at ``agents``.
    load_erlangs : float
        Offered load ``arrivals_per_hour × handle_minutes / 60``.
    target_service_level, answer_within_minutes, max_occupancy, shrinkage : float
        The request, echoed.

    Examples
    --------
    >>> r = required_agents(200, 3, 0.8, 1 / 3, max_occupancy=0.85, shrinkage=0.3)
    >>> r.load_erlangs, r.agents, r.scheduled_agents  # pyworkforce README: 14 raw, 20 scheduled
    (10.0, 14, 20)
    """

    agents: int
    scheduled_agents: int
    service_level: float
    occupancy: float
    wait_probability: float
    average_wait_minutes: float
    load_erlangs: float
    target_service_level: float
    answer_within_minutes: float
    max_occupancy: float
    shrinkage: float

    def to_frame(self) -> Any:
        """One-row DataFrame of the result (pandas imported lazily)."""
        import pandas as pd

        return pd.DataFrame([asdict(self)])


def _smallest_agents(load: float, within_handles: float, target: float, max_occ: float) -> int:
    """Smallest integer ``n > A`` with SL(n) >= target and A/n <= max_occ (SL rises with n)."""
    low = max(math.floor(load) + 1, math.ceil(load / max_occ - 1e-12))

    def meets(n: int) -> bool:
        return _service_level_scalar(load, float(n), within_handles) >= target

    if meets(low):
        return low
    step = max(1, math.ceil(math.sqrt(load)))
    high = low + step
    while not meets(high):
        low, step = high, step * 2
        high = low + step
    while high - low > 1:  # invariant: not meets(low), meets(high)
        middle = (low + high) // 2
        low, high = (low, middle) if meets(middle) else (middle, high)
    return high


def required_agents(
    arrivals_per_hour: float,
    handle_minutes: float,
    target_service_level: float,
    answer_within_minutes: float,
    *,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> StaffingResult:
    """Fewest reps so that ``target_service_level`` of leads wait at most ``answer_within_minutes``.

    Parameters
    ----------
    arrivals_per_hour, handle_minutes : float
        As in :func:`erlang_c`.
    target_service_level : float
        Wanted share answered in time, in (0, 1).
    answer_within_minutes : float
        The answer window in minutes, >= 0.
    max_occupancy : float, default 1.0
        Upper bound on ``A / agents`` in (0, 1]; 0.85 is a common ceiling against burnout.
    shrinkage : float, default 0.0
        Share of paid time not on the queue (meetings, breaks, leave) in [0, 1).

    Returns
    -------
    StaffingResult

    Examples
    --------
    >>> r = required_agents(200, 3, 0.8, 1 / 3, max_occupancy=0.85, shrinkage=0.3)
    >>> r.agents, r.scheduled_agents  # pyworkforce README: 14 raw, 20 scheduled
    (14, 20)
    """
    rate = check_positive("arrivals_per_hour", arrivals_per_hour)
    handle = check_positive("handle_minutes", handle_minutes)
    target = check_probability("target_service_level", target_service_level)
    within = check_positive("answer_within_minutes", answer_within_minutes, allow_zero=True)
    max_occ = check_probability("max_occupancy", max_occupancy, open_high=False)
    shrink = check_probability("shrinkage", shrinkage, open_low=False)
    load = rate * handle / 60.0
    agents = _smallest_agents(load, within / handle, target, max_occ)
    wait = _wait_probability_scalar(load, float(agents))
    return StaffingResult(
        agents=agents,
        scheduled_agents=math.ceil(agents / (1.0 - shrink) - 1e-9),
        service_level=_service_level_scalar(load, float(agents), within / handle),
        occupancy=load / agents,
        wait_probability=wait,
        average_wait_minutes=wait / (agents - load) * handle,
        load_erlangs=load,
        target_service_level=target,
        answer_within_minutes=within,
        max_occupancy=max_occ,
        shrinkage=shrink,
    )
