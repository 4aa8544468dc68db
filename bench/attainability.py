"""Benchmarks of the attainability engine (PRODUCT.md §7); results go in bench/README.md.

    .venv/bin/python bench/attainability.py            # all three
    .venv/bin/python bench/attainability.py --exact    # exact kernel vs scipy.stats loops
    .venv/bin/python bench/attainability.py --mc       # Monte Carlo path-months per second
    .venv/bin/python bench/attainability.py --planner  # planner full recompute
    .venv/bin/python bench/attainability.py --floor    # least the exact model costs in numpy

1. Exact one-stage P(outcome >= T) (``slaplan.plan.exact.prob_at_least``, a sweep over targets
   with one rate) against the *same* integral evaluated with ``scipy.stats`` per-call loops
   (one ``poisson.sf`` / ``nbinom.sf`` call per quadrature node) and, stricter, with one
   vectorised ``scipy.stats`` call per evaluation and with the beta-binomial mixture
   ``sum_n poisson.pmf(n) * betabinom.sf(T - 1, n)``. Targets: <= 20 µs, >= 20x the loop.
2. The Monte Carlo funnel (3 stages, 12 months, lags, capacity cap with carry-over): path-months
   per second of ``simulate_funnel`` against the engine before (the same model vectorised over
   paths as a chain of ``Generator.binomial`` draws, run interleaved in this process) and a
   per-path Python loop.
   Target: >= 3 million path-months per second.
3. The planner's full recompute (P(hit), max target, required volume, 12-month fan, tornado):
   median over slider moves. Target: <= 50 ms.

Times are CPU seconds of this process (``time.process_time``): the benchmark machine is shared,
and wall-clock time there measures the neighbours as much as the code.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from dataclasses import replace

import numpy as np
from scipy import stats

from slaplan import ConversionRate, VolumeModel
from slaplan.plan.exact import beta_quantiles, normal_nodes, prob_at_least
from slaplan.plan.montecarlo import class_probabilities, hypergeometric_split
from slaplan.plan.planner import Planner
from slaplan.plan.simulate import FunnelPlan, simulate_funnel
from slaplan.plan.split import binomial_constant


def _per_eval(function, calls: int, repeats: int = 5) -> float:
    """CPU seconds per call: the best of ``repeats`` blocks of ``calls`` (timeit's advice: the
    minimum is the code's cost, the excess is other processes' interference)."""
    best = math.inf
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(calls):
            function()
        best = min(best, (time.process_time() - start) / calls)
    return best


BASELINE_NODES = 32  # nodes of the baselines' integral over the rate (the kernel uses 24–64)


def _exact_case(name, mean, dispersion, alpha, beta, targets) -> None:
    z, weights = normal_nodes(BASELINE_NODES)
    rates = beta_quantiles(alpha, beta, z)

    def ours_sweep():
        for t in targets:
            prob_at_least(t, mean, dispersion, alpha, beta)

    def loop_once(t):
        if math.isinf(dispersion):
            values = [stats.poisson.sf(t - 1, mean * p) for p in rates]
        else:
            values = [
                stats.nbinom.sf(t - 1, dispersion, dispersion / (dispersion + mean * p))
                for p in rates
            ]
        return float(np.dot(weights, values))

    def vector_once(t):
        if math.isinf(dispersion):
            return float(weights @ stats.poisson.sf(t - 1, mean * rates))
        q = dispersion / (dispersion + mean * rates)
        return float(weights @ stats.nbinom.sf(t - 1, dispersion, q))

    sample = targets[:: max(1, len(targets) // 5)]
    ours = _per_eval(ours_sweep, 20) / len(targets)
    loop = _per_eval(lambda: [loop_once(t) for t in sample], 2) / len(sample)
    vector = _per_eval(lambda: [vector_once(t) for t in sample], 10) / len(sample)
    print(
        f"{name:42s} {ours * 1e6:8.1f} {loop * 1e6:9.0f} {loop / ours:6.0f}x "
        f"{vector * 1e6:8.0f} {vector / ours:5.1f}x"
    )


def bench_exact() -> None:
    cases = [
        ("Poisson 300, Beta(41, 261)", 300.0, math.inf, 41.0, 261.0, range(20, 60)),
        ("NB(300, 20), Beta(41, 261)", 300.0, 20.0, 41.0, 261.0, range(20, 60)),
        ("Poisson 30000, Beta(9000, 21000)", 3e4, math.inf, 9000.0, 21000.0, range(8800, 9200, 10)),
        ("Poisson 3000, Beta(41, 261) [rate-wide]", 3e3, math.inf, 41.0, 261.0, range(300, 520, 5)),
    ]
    print("exact P(outcome >= T): µs per evaluation (sweep over T, one rate)")
    print(f"{'case':42s} {'slaplan':>8s} {'loop':>9s} {'ratio':>7s} {'vector':>8s} {'ratio':>6s}")
    for name, mean, dispersion, alpha, beta, targets in cases:
        _exact_case(name, mean, dispersion, alpha, beta, list(targets))
    volume = np.arange(0, 700)
    pmf = stats.poisson.pmf(volume, 300.0)
    mixture = _per_eval(lambda: float(pmf @ stats.betabinom.sf(39, volume, 41, 261)), 20)
    ours = _per_eval(lambda: prob_at_least(40, 300.0, math.inf, 41.0, 261.0), 2000)
    print(
        f"beta-binomial mixture over volume (one vectorised call): {mixture * 1e6:.0f} µs, "
        f"ratio {mixture / ours:.0f}x"
    )


def _benchmark_plan() -> FunnelPlan:
    """PRODUCT.md §7's case: 3 stages, 12 months, lags, a capacity cap (with carry-over)."""
    return FunnelPlan.constant(
        stages=("mql", "sql", "opportunity"),
        volume=VolumeModel.negative_binomial(300, 30),
        rates=[ConversionRate(40, 300), ConversionRate(30, 100)],
        months=12,
        lags=[[0.6, 0.3, 0.1], [0.5, 0.5]],
        capacity_per_month=320,
        carryover_fraction=0.5,
    )


def bench_monte_carlo(n_paths: int = 100_000, repeats: int = 3) -> None:
    plan = _benchmark_plan()
    simulate_funnel(plan, n_paths=1000, seed=0)
    for label, case in (
        ("3 stages, 12 months, lags, capacity", plan),
        ("same without the capacity cap", replace(plan, capacity_per_month=None)),
    ):
        ours, chain = [], []
        for seed in range(repeats):  # interleaved, so machine load hits both alike
            start = time.process_time()
            simulate_funnel(case, n_paths=n_paths, seed=seed)
            ours.append(time.process_time() - start)
            start = time.process_time()
            _binomial_chain(case, n_paths, np.random.default_rng(seed))
            chain.append(time.process_time() - start)
        rate = n_paths * case.n_months / min(ours)
        chain_rate = n_paths * case.n_months / min(chain)
        print(
            f"Monte Carlo funnel ({label}): {rate / 1e6:.2f} M path-months/s (best of "
            f"{repeats}, {n_paths:,} paths, warm-up months included in the work); vectorised "
            f"binomial chain (the engine before) {chain_rate / 1e6:.2f} M/s, ratio "
            f"{rate / chain_rate:.2f}x; target 3 M: {rate / 3e6:.2f} of it"
        )
    loop_paths = 300
    start = time.process_time()
    _python_loop(plan, loop_paths, np.random.default_rng(0))
    loop_rate = loop_paths * plan.n_months / (time.process_time() - start)
    print(f"per-path Python loop of the capped plan: {loop_rate / 1e3:.1f} k path-months/s")


def bench_floor(n_paths: int = 100_000) -> None:
    """The least the exact model can cost with numpy's samplers: a bound, measured, not assumed.

    Per simulated path-month the model needs at least a Gamma level, one Poisson count per class
    (each path has its own rates, so each element has its own mean), where the cap binds the
    classes of the leads left waiting (two hypergeometric draws), and a lag for the converting
    leads of each class at each transition: at least one draw per split (three here; the engine
    makes five, one per lag cell but the last). Each is timed here on the benchmark plan's own
    parameters, the lag splits with the engine's table sampler; carry-over and bookkeeping are
    left out.
    """
    plan = _benchmark_plan()
    rng = np.random.default_rng(0)
    months = plan.warmup + plan.n_months
    volume, cap = plan.volume[0], int(plan.capacity_per_month[0])
    shape = (months, n_paths)
    levels = rng.standard_gamma(volume.dispersion, shape) * (volume.mean / volume.dispersion)
    probabilities = class_probabilities([rate.sample(n_paths, rng) for rate in plan.rates])
    means = probabilities[:, None, :] * levels[None]
    gamma = _per_eval(lambda: rng.standard_gamma(volume.dispersion, shape), calls=1)
    poisson = [_per_eval(lambda m=m: rng.poisson(m), calls=1) for m in means]
    classes = rng.poisson(means).reshape(len(means), -1)
    over = classes.sum(axis=0) - cap
    queue = classes[:, over > 0]
    split = _per_eval(lambda: hypergeometric_split(queue, over[over > 0], rng), calls=1)
    split /= queue.shape[1]
    binding = float((simulate_funnel(plan, n_paths=n_paths, seed=0).worked == cap).mean())
    converting = [classes[1:].ravel(), classes[2]]  # who converts at transitions 1 and 2
    lags = sum(
        _per_eval(lambda c=c, pmf=pmf: binomial_constant(c, pmf[0], rng), calls=1)
        for c, pmf in zip(converting, plan.lags, strict=True)
    )
    cells = months * n_paths
    draws = (gamma + sum(poisson)) / cells + binding * split
    per_month = draws + lags / cells
    print(
        f"floor of the exact model with numpy's samplers (per simulated path-month): gamma "
        f"{gamma / cells * 1e9:.0f} ns + Poisson classes "
        f"{' + '.join(f'{t / cells * 1e9:.0f}' for t in poisson)} ns (means "
        f"{', '.join(f'{m.mean():.0f}' for m in means)}) + {binding:.0%} binding months x "
        f"{split * 1e9:.0f} ns for who waits = {draws * 1e9:.0f} ns, at most "
        f"{plan.n_months / (months * draws) / 1e6:.2f} M plan path-months/s; + 3 lag splits at "
        f"one table draw each {lags / cells * 1e9:.0f} ns = {per_month * 1e9:.0f} ns, at most "
        f"{plan.n_months / (months * per_month) / 1e6:.2f} M/s (target 3 M)"
    )


def _binomial_chain(plan: FunnelPlan, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """The engine before: vectorised over paths, per-stage binomials, lags by binomials."""
    total = plan.warmup + plan.n_months
    volume = plan.volume[0]
    gamma = rng.gamma(volume.dispersion, plan.volume[0].mean / volume.dispersion, (n_paths, total))
    events = np.zeros((n_paths, len(plan.stages), total), dtype=np.int64)
    events[:, 0] = rng.poisson(gamma)
    cap = int(plan.capacity_per_month[0]) if plan.capacity_per_month is not None else 0
    for i, pmf in enumerate(plan.lags):
        base = events[:, i]
        if plan.capacity_per_month is not None and i == plan.capacity_stage:
            worked, waiting = np.empty_like(base), np.zeros(n_paths, dtype=np.int64)
            for m in range(total):
                queue = base[:, m] + waiting
                worked[:, m] = np.minimum(queue, cap)
                waiting = rng.binomial(queue - worked[:, m], plan.carryover_fraction)
            base = worked
        remaining = rng.binomial(base, plan.rates[i].sample(n_paths, rng)[:, None])
        tail = 1.0
        for lag, share in enumerate(pmf):
            part = remaining if lag == pmf.size - 1 else rng.binomial(remaining, share / tail)
            events[:, i + 1, lag:] += part[:, : total - lag]
            remaining, tail = remaining - part, tail - share
    return events


def _python_loop(plan: FunnelPlan, n_paths: int, rng: np.random.Generator) -> None:
    """The same model one path and one month at a time (the baseline)."""
    months = plan.warmup + plan.n_months
    volume = plan.volume[0]
    for _ in range(n_paths):
        p = [r.sample(1, rng)[0] for r in plan.rates]
        events = np.zeros((3, months + 3), dtype=int)
        waiting = 0
        for m in range(months):
            events[0, m] = volume.sample(1, rng)[0]
            queue = events[0, m] + waiting
            worked = min(queue, int(plan.capacity_per_month[0]))
            waiting = rng.binomial(queue - worked, plan.carryover_fraction)
            for stage, base in ((0, worked), (1, events[1, m])):
                converted = rng.binomial(base, p[stage])
                parts = rng.multinomial(converted, plan.lags[stage])
                for lag, count in enumerate(parts):
                    events[stage + 1, m + lag] += count


def bench_planner(moves: int = 40) -> None:
    base = Planner(
        volume=VolumeModel.fit([380, 410, 395, 420, 370, 405, 398, 415, 388, 402, 410, 395]),
        rates=(ConversionRate(1269, 9278),),
        stages=("mql", "sql"),
        target=50,
        lags=([0.65, 0.28, 0.07],),
    )
    for label, planner in (
        ("no cap", base),
        ("headcount 4 (capacity 400)", base.with_(headcount=4)),
    ):
        planner.compute()
        timings = []
        for volume in np.linspace(300, 500, moves):
            start = time.process_time()
            planner.with_(volume_per_month=float(volume)).compute()
            timings.append(time.process_time() - start)
        median = statistics.median(timings)
        print(
            f"planner full recompute ({label}): median {median * 1e3:.1f} ms over {moves} "
            f"moves (p90 {np.quantile(timings, 0.9) * 1e3:.1f} ms); target 50 ms: "
            f"{median / 0.05:.2f} of it"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exact", action="store_true")
    parser.add_argument("--mc", action="store_true")
    parser.add_argument("--planner", action="store_true")
    parser.add_argument("--floor", action="store_true")
    args = parser.parse_args()
    run_all = not (args.exact or args.mc or args.planner or args.floor)
    if args.exact or run_all:
        bench_exact()
    if args.mc or run_all:
        bench_monte_carlo()
    if args.floor or run_all:
        bench_floor()
    if args.planner or run_all:
        bench_planner()


if __name__ == "__main__":
    main()
