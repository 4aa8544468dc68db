"""Fast exact splitting of counts with *constant* probabilities (the Monte Carlo funnel's lags).

Spreading ``n`` converting leads over lag months is a multinomial with the same probabilities on
every path and month, only ``n`` changes. numpy's ``Generator.binomial`` redoes its set-up for
every element (100–250 ns each when ``n`` varies); here the binomial distribution of every
``n = 0 … rows`` for one probability ``q`` is tabulated once and each draw is an exact inversion
of one uniform through that table:

* the cumulative distribution ``F(n, k)`` of row ``n`` comes from Pascal's recursion
  (``pmf(n + 1) = q · shift(pmf(n)) + (1 − q) · pmf(n)``, sums of non-negative terms, so no
  cancellation);
* a guide table (Chen & Asau, 1974; Devroye, *Non-Uniform Random Variate Generation*, 1986,
  §III.2.4) with ``n + 1`` buckets per row gives a start ``k`` no larger than the answer, and a few
  vectorised steps ``k += 1 while F(n, k) <= u`` finish the inversion (≈ 1 step on average).

The result is the inverse CDF at ``u`` — the same law as ``Generator.binomial``, to floating-point
resolution of the table (about 1e-15) — at about 20 ns a draw. Counts above ``MAX_TABLE_ROWS``
fall back to ``Generator.binomial`` (still exact). Tables are cached per ``(q, rows)``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = ["ALIAS_ROWS", "MAX_TABLE_ROWS", "binomial_constant", "multinomial_constant"]

MAX_TABLE_ROWS = 1024  # larger counts use Generator.binomial (the table would pass 8 MB)
ALIAS_ROWS = 256  # up to here alias tables (built in Python, ~35 ms at 256 rows, cached)
_MIN_TABLE_ROWS = 64


def binomial_constant(counts: np.ndarray, q: float, rng: np.random.Generator) -> np.ndarray:
    """``Binomial(counts, q)`` elementwise for one probability ``q`` (``counts`` int >= 0).

    >>> rng = np.random.default_rng(0)
    >>> draws = binomial_constant(np.full(100_000, 40), 0.25, rng)
    >>> round(float(draws.mean()), 1)
    10.0
    """
    counts = np.asarray(counts)
    if q <= 0.0 or counts.size == 0:
        return np.zeros(counts.shape, dtype=np.int64)
    if q >= 1.0:
        return counts.astype(np.int64, copy=True)
    largest = int(counts.max())
    if largest > MAX_TABLE_ROWS:
        return _with_fallback(counts, q, rng)
    rows = max(_MIN_TABLE_ROWS, 1 << (largest - 1).bit_length() if largest > 1 else 1)
    offsets = _row_offsets(rows)
    flat = counts.ravel()
    u = rng.random(flat.size)
    if rows <= ALIAS_ROWS:
        # Walker's alias method: bucket j of row n, kept with probability keep[j], else alias[j]
        keep, alias = _alias_tables(float(q), rows)
        scaled = u * (flat + 1)
        bucket = scaled.astype(np.int64)
        position = offsets[flat] + bucket
        return np.where(scaled - bucket < keep[position], bucket, alias[position]).reshape(
            counts.shape
        )
    cdf, guide = _tables(float(q), rows)
    start = offsets[flat]
    position = start + guide[start + (u * (flat + 1)).astype(np.int64)]
    # F(n, n) is stored as 2, so the walk stops at k = n at the latest
    index = np.flatnonzero(cdf[position] <= u)
    while index.size:
        position[index] += 1
        index = index[cdf[position[index]] <= u[index]]
    return (position - start).reshape(counts.shape)


def _with_fallback(counts: np.ndarray, q: float, rng: np.random.Generator) -> np.ndarray:
    small = counts <= MAX_TABLE_ROWS
    result = np.empty(counts.shape, dtype=np.int64)
    result[small] = binomial_constant(counts[small], q, rng)
    result[~small] = rng.binomial(counts[~small], q)
    return result


def multinomial_constant(
    counts: np.ndarray, pmf: np.ndarray, rng: np.random.Generator
) -> list[np.ndarray]:
    """Split ``counts`` over the cells of ``pmf`` (sums to 1) by sequential binomials.

    Returns one array per cell, each shaped like ``counts``; they add up to ``counts``.
    """
    remaining = np.asarray(counts, dtype=np.int64)
    parts, tail = [], 1.0
    for share in pmf[:-1]:
        part = (
            binomial_constant(remaining, min(1.0, share / tail), rng) if tail > 0 else 0 * remaining
        )
        parts.append(part)
        remaining = remaining - part
        tail -= share
    parts.append(remaining)
    return parts


@lru_cache(maxsize=8)
def _row_offsets(rows: int) -> np.ndarray:
    n = np.arange(rows + 1, dtype=np.int64)
    return n * (n + 1) // 2  # row n holds k = 0 … n


@lru_cache(maxsize=64)
def _alias_tables(q: float, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Walker alias tables (Vose, 1991) of ``Binomial(n, q)`` for rows ``n = 0 … rows``."""
    offsets = _row_offsets(rows)
    keep = np.ones(int(offsets[-1] + rows + 1))
    alias = np.empty(keep.size, dtype=np.int64)
    pmf = np.zeros(rows + 2)
    pmf[0] = 1.0
    for n in range(rows + 1):
        start = int(offsets[n])
        alias[start : start + n + 1] = np.arange(n + 1)
        scaled = (pmf[: n + 1] * (n + 1)).tolist()
        small = [k for k, v in enumerate(scaled) if v < 1.0]
        large = [k for k, v in enumerate(scaled) if v >= 1.0]
        while small and large:
            low, high = small.pop(), large[-1]
            keep[start + low], alias[start + low] = scaled[low], high
            scaled[high] += scaled[low] - 1.0
            if scaled[high] < 1.0:
                small.append(large.pop())
        pmf[1 : n + 2] = q * pmf[: n + 1] + (1.0 - q) * pmf[1 : n + 2]
        pmf[0] *= 1.0 - q
    keep.flags.writeable = False
    alias.flags.writeable = False
    return keep, alias


@lru_cache(maxsize=64)
def _tables(q: float, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Flat CDF ``F(n, k)`` (``F(n, n)`` stored as 2) and guide starts for rows ``0 … rows``."""
    offsets = _row_offsets(rows)
    size = int(offsets[-1] + rows + 1)
    cdf = np.empty(size)
    guide = np.empty(size, dtype=np.int64)
    pmf = np.zeros(rows + 2)
    pmf[0] = 1.0
    for n in range(rows + 1):
        row = np.cumsum(pmf[: n + 1])
        row[n] = 2.0
        cdf[offsets[n] : offsets[n] + n + 1] = row
        # bucket g of row n starts at the smallest k with F(n, k) > g / (n + 1)
        buckets = np.arange(n + 1) / (n + 1.0)
        guide[offsets[n] : offsets[n] + n + 1] = np.searchsorted(row, buckets, side="right")
        pmf[1 : n + 2] = q * pmf[: n + 1] + (1.0 - q) * pmf[1 : n + 2]
        pmf[0] *= 1.0 - q
    cdf.flags.writeable = False
    guide.flags.writeable = False
    return cdf, guide
