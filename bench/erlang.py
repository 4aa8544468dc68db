"""Benchmark: Erlang C required-agents search (PRODUCT.md §7: < 1 ms up to 1,000 Erlangs).

Compares ``slaplan.required_agents`` (incomplete-gamma kernel + exponential/bisection search)
with a factorial-free pure-Python baseline (linear search upward from the load, Erlang B by the
recursion B(n) = A B(n-1) / (n + A B(n-1)) for every candidate) and, when installed,
pyworkforce's ``ErlangC.required_positions``. Same case at each load: 80% answered within
20 s, 3-minute handle time, max occupancy 0.85, shrinkage 0.3. Prints medians and the ratio.
Run: ``.venv/bin/python bench/erlang.py``.
"""

from __future__ import annotations

import math
import platform
import statistics
import time

import numpy as np

from slaplan.capacity.erlang import erlang_b, erlang_c_wait_probability, required_agents

HANDLE_MINUTES = 3.0
LOADS = (10.0, 100.0, 1000.0)
#: (label, target service level, answer within minutes, max occupancy)
CASES = (
    ("80% in 20 s, occupancy <= 0.85 (PRODUCT.md §6 case)", 0.8, 1 / 3, 0.85),
    ("95% in 10 s, no occupancy cap (the target binds)", 0.95, 1 / 6, 1.0),
)


def baseline_required_agents(load: float, target: float, within: float, max_occ: float) -> int:
    """Factorial-free pure Python: linear search, recursion for Erlang B at each candidate."""
    n = max(math.floor(load) + 1, math.ceil(load / max_occ))
    while True:
        blocking = 1.0
        for k in range(1, n + 1):
            blocking = load * blocking / (k + load * blocking)
        wait = n * blocking / (n - load * (1 - blocking))
        level = 1 - wait * math.exp(-(n - load) * within / HANDLE_MINUTES)
        if level >= target:
            return n
        n += 1


def _median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _pyworkforce():
    try:
        from pyworkforce.queuing import ErlangC  # type: ignore[import-not-found]
    except ImportError:
        return None
    return ErlangC


def _bench_one(load: float, target: float, within: float, max_occ: float, pyworkforce) -> None:
    rate = load * 60 / HANDLE_MINUTES

    def ours():
        return required_agents(
            rate, HANDLE_MINUTES, target, within, max_occupancy=max_occ, shrinkage=0.3
        )

    agents = ours().agents
    assert agents == baseline_required_agents(load, target, within, max_occ), load
    fast = _median_seconds(ours, repeat=200)
    slow = _median_seconds(lambda: baseline_required_agents(load, target, within, max_occ), 5)
    print(f"{load:>8g} {agents:>7d} {fast * 1e3:>9.3f} ms {slow * 1e3:>9.3f} ms", end="")
    print(f" {slow / fast:>8.1f}x")
    if pyworkforce is not None:
        model = pyworkforce(
            transactions=rate / 2, aht=HANDLE_MINUTES, asa=within, interval=30, shrinkage=0.3
        )
        other = _median_seconds(
            lambda: model.required_positions(service_level=target, max_occupancy=max_occ), 20
        )
        print(f"{'':>8} pyworkforce {other * 1e3:.3f} ms ({other / fast:.1f}x ours)")


def main() -> None:
    print(f"Python {platform.python_version()} on {platform.machine()}, numpy {np.__version__}")
    pyworkforce = _pyworkforce()
    if pyworkforce is None:
        print("pyworkforce: not installed (not a dependency); skipped")
    for label, target, within, max_occ in CASES:
        print(label)
        print(f"{'Erlangs':>8} {'agents':>7} {'slaplan':>12} {'baseline':>12} {'speed-up':>9}")
        for load in LOADS:
            _bench_one(load, target, within, max_occ, pyworkforce)
    # exactness and overflow at 10,000 agents
    wait = erlang_c_wait_probability(9_900.0, 10_000.0)
    blocking = erlang_b(10_000.0, 10_000)
    print(
        f"10,000 agents: P(wait | A=9,900) = {wait:.10f}, B(10,000, 10,000) = {blocking:.10f}, "
        f"finite: {math.isfinite(wait) and math.isfinite(blocking)}"
    )
    big = _median_seconds(
        lambda: required_agents(10_000 * 20, HANDLE_MINUTES, 0.8, 1 / 3), repeat=50
    )
    print(f"required_agents at 10,000 Erlangs: {big * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
