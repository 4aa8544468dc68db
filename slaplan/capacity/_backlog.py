"""Kernel of the business-hours queue with an opening backlog (numpy/scipy only, no pandas).

The state is the distribution ``p[j]`` of the number of leads in the system (waiting or being
touched) on the business clock. Open time advances the M/M/c birth-death chain exactly by
uniformisation: with ``P = I + Q / Λ`` and ``Λ = λ + c μ``,
``p(t) = Σ_k Pois(k; Λ t) p P^k`` and its time average over a piece of length ``Δ`` is
``Σ_k P(Pois(ΛΔ) > k) / (ΛΔ) · p P^k`` (Grassmann 1977; Tijms, *A First Course in Stochastic
Models*, §5.5). Closed time adds a Poisson batch at the next opening. Arrival rates are constant
within each hour of the week, so pieces are cut at hour boundaries and every result is exact up
to the truncation of the state space (checked: the top state holds < 1e-10).

A lead that finds ``j`` in the system is touched within ``T`` with probability
``1`` if ``j < c`` else ``P(Gamma(j - c + 1, c μ) <= T)`` (FCFS, exponential touch times).
A lead that arrived while closed finds the carry-over plus the batch-mates that arrived before
it; averaged over its arrival instant within an hour piece that carried ``a`` leads after ``b``
earlier ones, the number ahead in the batch has pmf ``(F(m; b) - F(m; b + a)) / a`` with ``F``
the Poisson cdf (since ``dF/dλ = -pmf``).
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import special

HOURS_PER_WEEK = 168
MINUTES_PER_WEEK = HOURS_PER_WEEK * 60
_MAX_WEEKS = 200
_CONVERGED = 1e-10
_TAIL = 1e-10
_TRUNCATION = 1e-14


def poisson_pmf(k: np.ndarray, mean: float) -> np.ndarray:
    """Poisson pmf by ``scipy.special`` (a ``scipy.stats`` call costs ~50× more)."""
    if mean <= 0:
        return (k == 0).astype(float)
    return np.exp(special.xlogy(k, mean) - mean - special.gammaln(k + 1.0))


def poisson_cdf(k: np.ndarray, mean: float) -> np.ndarray:
    """Poisson cdf ``P(N <= k)`` via the regularised upper incomplete gamma."""
    if mean <= 0:
        return np.ones_like(k, dtype=float)
    return special.gammaincc(k + 1.0, mean)


def pieces_of_week(open_minutes: np.ndarray) -> list[tuple[bool, int, int]]:
    """The week as ``(is_open, first_minute, length)`` pieces in business-clock order.

    Pieces never cross an hour boundary or an opening/closing. The week is rotated to start at
    its first opening, so the closed gap before it comes last (it wraps to next week).
    """
    first_open = int(np.argmax(open_minutes))
    minutes = (np.arange(MINUTES_PER_WEEK) + first_open) % MINUTES_PER_WEEK
    flags = open_minutes[minutes]
    cut = np.flatnonzero((np.diff(flags.astype(np.int8)) != 0) | (minutes[1:] % 60 == 0)) + 1
    bounds = [0, *cut.tolist(), MINUTES_PER_WEEK]
    return [(bool(flags[a]), int(minutes[a]), b - a) for a, b in itertools.pairwise(bounds)]


def touch_in_time(size: int, reps: int, mu: float, within_hours: float) -> np.ndarray:
    """``P(wait <= T | j leads already in the system)`` for ``j = 0 .. size-1``."""
    ahead = np.arange(size) - reps + 1
    in_time = np.ones(size)
    queued = ahead >= 1
    in_time[queued] = special.gammainc(ahead[queued], reps * mu * within_hours)
    return in_time


def advance(
    p: np.ndarray, rate: float, mu: float, reps: int, hours: float
) -> tuple[np.ndarray, np.ndarray]:
    """State after ``hours`` of open time and its time average over the piece."""
    size = len(p)
    down = np.minimum(np.arange(size), reps) * mu
    up = np.full(size, rate)
    up[-1] = 0.0
    uniform = rate + reps * mu
    stay, up_share, down_share = 1.0 - (up + down) / uniform, up / uniform, down / uniform
    mean = uniform * hours
    terms = int(mean + 12.0 * np.sqrt(mean) + 15)
    k = np.arange(terms + 1)
    weights = poisson_pmf(k, mean)
    average_weights = (1.0 - poisson_cdf(k, mean)) / mean
    current = p
    end, average = weights[0] * p, average_weights[0] * p
    for index in range(1, terms + 1):
        weight, average_weight = weights[index], average_weights[index]
        step = current * stay
        step[1:] += current[:-1] * up_share[:-1]
        step[:-1] += current[1:] * down_share[1:]
        current = step
        end += weight * current
        average += average_weight * current
        if index > mean and average_weight < _TRUNCATION:
            break
    # the truncated Poisson weights lose ~1e-14 of mass per piece: put it back
    return end / end.sum(), average / average.sum()


def add_batch(p: np.ndarray, batch_mean: float) -> np.ndarray:
    """Distribution after a Poisson(batch_mean) batch joins (overflow kept in the last state)."""
    if batch_mean <= 0:
        return p
    result = np.convolve(p, poisson_pmf(np.arange(len(p)), batch_mean))[: len(p)]
    result[-1] += max(0.0, 1.0 - result.sum())
    return result


def batch_in_time(
    p: np.ndarray, gap: list[tuple[int, float, float]], in_time: np.ndarray
) -> list[tuple[int, float]]:
    """Expected in-time leads of each closed-hours piece ``(hour, arrived_before, arrivals)``."""
    size = len(p)
    # v[m] = Σ_j p[j] in_time[j + m]: P(in time) given m batch-mates ahead
    padded = np.concatenate([in_time, np.zeros(size)])
    ahead_value = np.correlate(padded, p, mode="valid")[:size]
    m = np.arange(size)
    credits = []
    for hour, before, count in gap:
        if count <= 0:
            continue
        ahead_pmf = (poisson_cdf(m, before) - poisson_cdf(m, before + count)) / count
        credits.append((hour, count * float(ahead_pmf @ ahead_value)))
    return credits


def run_week(
    p: np.ndarray,
    pieces: list[tuple[bool, int, int]],
    arrivals_per_minute: np.ndarray,
    model: tuple[int, float, float],
    *,
    record: bool,
) -> tuple[np.ndarray, np.ndarray, float]:
    """One week from state ``p``: end state, expected in-time leads per hour, largest top mass."""
    reps, mu, within_hours = model
    in_time = touch_in_time(len(p), reps, mu, within_hours)
    touched = np.zeros(HOURS_PER_WEEK)
    tail, gap, gap_total = 0.0, [], 0.0

    def flush(state: np.ndarray) -> np.ndarray:
        if record:
            for hour, credit in batch_in_time(state, gap, in_time):
                touched[hour] += credit
        return add_batch(state, gap_total)

    for is_open, first, length in pieces:
        arrivals = float(arrivals_per_minute[first : first + length].sum())
        if not is_open:
            gap.append((first // 60, gap_total, arrivals))
            gap_total += arrivals
            continue
        if gap:
            p, gap, gap_total = flush(p), [], 0.0
        p, average = advance(p, arrivals / length * 60.0, mu, reps, length / 60.0)
        touched[first // 60] += arrivals * float(average @ in_time)
        tail = max(tail, float(p[-1]))
    if gap:
        p = flush(p)
    return p, touched, max(tail, float(p[-1]))


def steady_week(
    rates_per_hour: np.ndarray, open_minutes: np.ndarray, model: tuple[int, float, float]
) -> np.ndarray:
    """Expected in-time leads per hour of week once the weekly cycle is periodic."""
    reps = model[0]
    pieces = pieces_of_week(open_minutes)
    per_minute = np.repeat(rates_per_hour / 60.0, 60)
    largest_batch = _largest_gap_arrivals(open_minutes, per_minute)
    size = int(reps + largest_batch + 8 * np.sqrt(largest_batch) + 4 * rates_per_hour.max() + 30)
    for _attempt in range(8):
        p = np.zeros(size)
        p[0] = 1.0
        for _week in range(_MAX_WEEKS):
            new_p, touched, tail = run_week(p, pieces, per_minute, model, record=True)
            converged = np.abs(new_p - p).sum() < _CONVERGED
            p = new_p
            if converged or tail >= _TAIL:
                break
        if tail < _TAIL:
            return touched
        size *= 2
    raise ValueError(
        f"the opening backlog does not settle within {size} leads: the load is too close to "
        f"what the reps can touch in the open hours"
    )


def _largest_gap_arrivals(open_minutes: np.ndarray, per_minute: np.ndarray) -> float:
    """Mean arrivals in the longest-loaded closed gap (the Monday-morning pile)."""
    first_open = int(np.argmax(open_minutes))
    flags = np.roll(open_minutes, -first_open)
    arrivals = np.roll(per_minute, -first_open)
    gap_id = np.cumsum(np.r_[0, np.diff(flags.astype(np.int8)) != 0])
    closed = ~flags
    if not closed.any():
        return 0.0
    return float(np.bincount(gap_id[closed], weights=arrivals[closed]).max())
