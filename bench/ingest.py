"""Ingest benchmark: load + validate a 1M-lead CSV and build the monthly cohort table.

Baseline: a bare ``pandas.read_csv(path, engine="pyarrow")`` of the same file, in the same
process. Target (PRODUCT.md §7): ``load_leads`` + ``cohort_table`` ≤ 2× the baseline.

Run: ``.venv/bin/python bench/ingest.py [--rows 1000000] [--repeat 7]``. The CSV is generated
(seeded) in a temporary directory, with canonical columns, ISO datetimes, skips and ~0.1 % dirty
rows, like the bundled samples but bigger.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

import slaplan as sp
from slaplan.funnel.readers import read_source

AS_OF = "2026-11-15"


def simulate_leads(
    rng: np.random.Generator,
    rows: int,
    *,
    start: str = "2023-01-01T00:00:00",
    span_s: int = 3 * 365 * 86400,
    first_id: int = 0,
) -> dict[str, np.ndarray]:
    """Typed canonical columns of ``rows`` leads created in ``span_s`` seconds from ``start``
    (ids ``L<first_id>`` on), moving down the default funnel with exponential lags."""
    created = np.datetime64(start, "s") + rng.integers(0, span_s, rows).astype("timedelta64[s]")
    columns = {"lead_id": np.char.add("L", np.arange(first_id, first_id + rows).astype(str))}
    columns["created_at"] = created
    columns["segment"] = rng.choice(["web", "paid", "events", "partner"], rows)
    columns["owner"] = rng.choice([f"rep{i}" for i in range(20)], rows)
    current, alive = created, np.ones(rows, dtype=bool)
    for stage, rate in zip(sp.DEFAULT_FUNNEL.stages, (1.0, 0.35, 0.15, 0.6, 0.3), strict=True):
        alive &= rng.random(rows) < rate
        lag = (rng.exponential(7 * 86400, rows) * (stage != "lead")).astype("timedelta64[s]")
        current = current + lag
        columns[f"{stage}_at"] = np.where(alive, current, np.datetime64("NaT"))
    columns["first_touch_at"] = created + rng.integers(60, 86400, rows).astype("timedelta64[s]")
    columns["score"] = rng.integers(0, 100, rows)
    columns["amount"] = np.where(~np.isnat(columns["customer_at"]), 12000.0, np.nan)
    return columns


def write_leads_csv(path: Path, rows: int, seed: int = 0) -> None:
    """A seeded canonical lead export with ``rows`` rows (some dirty)."""
    rng = np.random.default_rng(seed)
    columns = simulate_leads(rng, rows)
    frame = pd.DataFrame(columns)
    skip = rng.random(rows) < 0.01
    frame.loc[skip, "mql_at"] = pd.NaT
    dirty = rng.choice(rows, rows // 1000, replace=False)
    frame = frame.astype({c: "str" for c in frame.columns if c.endswith("_at")})
    frame.loc[dirty[::2], "lead_at"] = "#VALUE!"
    frame.loc[dirty[1::2], "lead_id"] = ""
    frame = frame.replace({"NaT": ""})
    frame.to_csv(path, index=False)


def _interleaved(functions: dict[str, object], repeat: int) -> dict[str, list[float]]:
    """Times of each function, runs interleaved so machine load hits all alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            started = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - started)
    return times


def _machine() -> str:
    model = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} CPU(s) ({model}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "leads.csv"
        write_leads_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6

        def ours() -> None:
            table = sp.load_leads(path, as_of=AS_OF)
            sp.cohort_table(table, "lead", "mql")

        def baseline() -> None:
            pd.read_csv(path, engine="pyarrow")

        loaded = sp.load_leads(path, as_of=AS_OF)
        steps = {
            # the CSV read as load_leads does it (Arrow, text columns, clean ISO dates typed)
            "read": lambda: read_source(path, typed_columns=_date_columns),
            "load_leads": lambda: sp.load_leads(path, as_of=AS_OF),
            "cohort_table": lambda: sp.cohort_table(loaded, "lead", "mql"),
        }
        times = _interleaved({"baseline": baseline, "ours": ours, **steps}, args.repeat)
        rejected = len(loaded.rejected)
    best = {name: min(values) for name, values in times.items()}
    median = {name: statistics.median(values) for name, values in times.items()}
    runs = f"best of {args.repeat}, interleaved; median in brackets"
    print(f"machine: {_machine()}; pandas {pd.__version__}, pyarrow {pa.__version__}")
    print(f"file: {args.rows:,} leads, {size_mb:.0f} MB; rejected {rejected:,} ({runs})")
    print(f"pandas.read_csv(engine='pyarrow'): {best['baseline']:.3f} s [{median['baseline']:.3f}]")
    print(f"load_leads + monthly cohort_table: {best['ours']:.3f} s [{median['ours']:.3f}]")
    for name in steps:
        print(f"  step {name:<13} {best[name]:.3f} s [{median[name]:.3f}]")
    ratio, ratio_median = best["ours"] / best["baseline"], median["ours"] / median["baseline"]
    print(f"ratio: {ratio:.2f}x [{ratio_median:.2f}x] (target <= 2x)")


def _date_columns(header: list[str]) -> set[str]:
    return {name for name in header if name.endswith("_at")}


if __name__ == "__main__":
    main()
