"""Scale benchmark: 10M leads from a Parquet folder through the database path into the estimate.

Ours: ``load_leads(folder)`` (DuckDB scans the hive-partitioned folder, only the mapped
columns, into Arrow; the same validation as a CSV builds the lead table), then the single
estimate of the funnel (``estimate_funnel``, in :func:`downstream_estimate`). Baselines:
pandas reading the same files, ``pd.read_parquet(folder)`` (every column, no validation), and
with ``columns=`` the mapped ones only. Each measured run is a fresh Python process, runs
interleaved; time is wall clock (and CPU of all threads), peak memory is the rise of the
process's resident set above what it held after its imports (Linux ``VmHWM``, reset through
``/proc/self/clear_refs``).

Run: ``.venv/bin/python bench/sources.py [--rows 10000000] [--repeat 3] [--steps]``. The folder
is generated (seeded) in a temporary directory: one ``month=YYYY-MM/part-0.parquet`` per month
of 36, canonical typed columns plus an ``email`` column no mapping reads, 1% skipped MQLs,
0.05% empty and 0.05% duplicate ids. A last run adds ``where=`` on the partition column, to
show what filtering in the scan saves.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from ingest import AS_OF, _machine, simulate_leads

import slaplan as sp

CANONICAL = (
    "lead_id", "created_at", "segment", "owner", "lead_at", "mql_at", "sql_at",
    "opportunity_at", "customer_at", "first_touch_at", "score", "amount",
)  # fmt: skip


#: a filter the scan applies before pandas sees a row (here it prunes 30 of 36 partitions)
LAST_SIX_MONTHS = "month >= '2025-07'"


def downstream_estimate(table: sp.LeadTable) -> sp.FunnelEstimate:
    """The step after the lead table: the single estimate of the funnel (PRODUCT.md §4)."""
    return sp.estimate_funnel(table)


def write_leads_folder(folder: Path, rows: int, *, months: int = 36, seed: int = 0) -> int:
    """A seeded hive-partitioned folder of ``rows`` leads, one file per creation month; bytes
    written."""
    per_month = np.full(months, rows // months)
    per_month[: rows % months] += 1
    first = 0
    for month, count in enumerate(per_month):
        start = pd.Timestamp("2023-01-01") + pd.DateOffset(months=month)
        span_s = int((start + pd.DateOffset(months=1) - start).total_seconds())
        rng = np.random.default_rng([seed, month])
        columns = simulate_leads(
            rng, int(count), start=start.isoformat(), span_s=span_s, first_id=first
        )
        where = folder / f"month={start:%Y-%m}"
        where.mkdir(parents=True)
        pq.write_table(_dirty_table(columns, rng), where / "part-0.parquet")
        first += int(count)
    return sum(path.stat().st_size for path in folder.rglob("*.parquet"))


def _dirty_table(columns: dict[str, np.ndarray], rng: np.random.Generator) -> pa.Table:
    """Typed Arrow columns with the dirt a typed export can hold: skipped MQLs, empty and
    duplicate ids, and an unmapped ``email`` column."""
    rows = len(columns["lead_id"])
    columns["mql_at"] = np.where(rng.random(rows) < 0.01, np.datetime64("NaT"), columns["mql_at"])
    ids = columns["lead_id"].astype(object)
    dirty = rng.choice(rows, max(2, rows // 1000), replace=False)
    ids[dirty[::2]] = None
    ids[dirty[1::2]] = ids[rng.integers(0, rows, len(dirty[1::2]))]
    email = np.char.add(columns["lead_id"], "@example.com")
    arrays = {"lead_id": pa.array(ids, pa.string())}
    for name in CANONICAL[1:]:
        values = columns[name]
        if np.issubdtype(values.dtype, np.datetime64):
            arrays[name] = pa.array(values.astype("datetime64[us]"))
        else:
            arrays[name] = pa.array(values)
    arrays["email"] = pa.array(email)
    return pa.table(arrays)


def _ours(folder: Path, where: str | None = None) -> tuple[sp.LeadTable, object]:
    table = sp.load_leads(folder, as_of=AS_OF, where=where)
    return table, downstream_estimate(table)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status (Linux only)")


def measure(name: str, folder: Path) -> dict[str, float]:
    """One run of ``name`` in this (fresh) process: seconds and peak MiB above the start."""
    from slaplan.funnel.presets import source_columns
    from slaplan.funnel.readers import read_source

    mapped = list(CANONICAL)
    runs = {
        "pandas": lambda: pd.read_parquet(folder),
        "pandas_mapped": lambda: pd.read_parquet(folder, columns=mapped),
        "slaplan": lambda: _ours(folder),
        "slaplan_where": lambda: _ours(folder, where=LAST_SIX_MONTHS),
        "read": lambda: read_source(folder, wanted_columns=lambda h: source_columns(None, None, h)),
        "load_leads": lambda: sp.load_leads(folder, as_of=AS_OF),
    }
    import duckdb  # noqa: F401 - imported before the reset, as pandas and pyarrow are

    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
    before = _status_kib("VmRSS")
    started, cpu = time.perf_counter(), time.process_time()
    result = runs[name]()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = (_status_kib("VmHWM") - before) / 1024
    counts = {}
    if name == "slaplan":
        counts = {"accepted": len(result[0].frame), "rejected": len(result[0].rejected)}
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak, **counts}


def _child(name: str, folder: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, "--folder", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _report(label: str, runs: list[dict[str, float]]) -> tuple[float, float, float]:
    """Print best wall time [median], best CPU time (all threads) and the median peak."""
    times = [r["seconds"] for r in runs]
    cpu = min(r["cpu_seconds"] for r in runs)
    peak = statistics.median(r["peak_mib"] for r in runs)
    print(
        f"{label:<44} {min(times):6.2f} s [{statistics.median(times):6.2f}]  "
        f"CPU {cpu:6.2f} s  peak +{peak:6,.0f} MiB"
    )
    return min(times), cpu, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", action="store_true", help="also time the steps alone")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, args.folder)))
        return
    names = ["pandas", "pandas_mapped", "slaplan", "slaplan_where"]
    names += ["read", "load_leads"] if args.steps else []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "leads"
        started = time.perf_counter()
        size = write_leads_folder(folder, args.rows)
        made = time.perf_counter() - started
        runs = {name: [] for name in names}
        for _ in range(args.repeat):
            for name in names:
                runs[name].append(_child(name, folder))
    print(f"machine: {_machine()}; pandas {pd.__version__}, pyarrow {pa.__version__}")
    print(
        f"folder: {args.rows:,} leads, 36 month partitions, {size / 1e6:,.0f} MB of Parquet "
        f"(written in {made:.0f} s); 13 columns, 12 mapped; accepted "
        f"{runs['slaplan'][0]['accepted']:,}, rejected {runs['slaplan'][0]['rejected']:,} "
        f"(best of {args.repeat}, fresh process each, interleaved; median in brackets)"
    )
    labels = {
        "pandas": "pandas.read_parquet(folder)",
        "pandas_mapped": "pandas.read_parquet(folder, columns=mapped)",
        "slaplan": "load_leads(folder) + estimate_funnel",
        "slaplan_where": f"  same, where={LAST_SIX_MONTHS!r}",
        "read": "  step DuckDB scan -> RawTable",
        "load_leads": "  step load_leads(folder)",
    }
    results = {name: _report(labels[name], runs[name]) for name in names}
    for base in ("pandas", "pandas_mapped"):
        pairs = zip(results["slaplan"], results[base], strict=True)
        wall, cpu, peak = (ours / theirs for ours, theirs in pairs)
        print(
            f"ratio vs {labels[base]}: time {wall:.2f}x (CPU {cpu:.2f}x), peak memory {peak:.2f}x"
        )


if __name__ == "__main__":
    main()
