"""Benchmark of the one estimate of the funnel on a 1M-lead table (PRODUCT.md §7).

Target: the estimate — every transition of the funnel (censoring-aware rates, regimes, lags),
the volume of every stage that feeds another, and the outlook of next month's count of every
stage — takes no longer than reading the same CSV (``pandas.read_csv(path, engine="pyarrow")``),
timed in the same process. The table is loaded once beforehand (loading is ``bench/ingest.py``'s
subject); the CSV is generated, seeded, in a temporary directory by ``bench/ingest.py``'s writer.

The analysis date is inside the data (:data:`AS_OF_IN_DATA`): the generated leads arrive until
the end of 2025, so as of mid-December the month is running and the young leads are still
open, as in a live export. (Ingest's ``AS_OF`` falls ten months after the last lead: no lead
would be open, and the estimate would skip its costliest part, the pending conversions.)

Run: ``.venv/bin/python bench/estimate.py [--rows 1000000] [--repeat 3]``. Prints the best and
the median of the interleaved repeats and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _interleaved, _machine, write_leads_csv

import slaplan as sp

AS_OF_IN_DATA = "2025-12-15"
"""The analysis date of the benchmark: mid-month, inside the generated data."""


def one_estimate(leads) -> None:
    """The whole estimate a check of every stage count would ask for, next month: every
    volume and transition of the chain and the outlook of each stage's count, side by side on
    two threads as :func:`slaplan.check_sla` asks for them (:meth:`FunnelEstimate.outlooks`:
    the pieces first, then the questions, each waiting only for the pieces it rests on)."""
    estimate = sp.estimate_funnel(leads)
    period = pd.Period(estimate.as_of, freq="M") + 1
    estimate.outlooks([(stage, period) for stage in estimate.stages[1:]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "leads.csv"
        write_leads_csv(path, args.rows)
        leads = sp.load_leads(path, as_of=AS_OF_IN_DATA)
        times = _interleaved(
            {
                "read_csv (pyarrow)": lambda: pd.read_csv(path, engine="pyarrow"),
                "one estimate": lambda: one_estimate(leads),
            },
            args.repeat,
        )
    print(f"{args.rows:,} leads as of {AS_OF_IN_DATA}; {_machine()}")
    for name, values in times.items():
        print(f"  {name:<20} best {min(values):6.2f} s   median {statistics.median(values):6.2f} s")
    best = min(times["one estimate"]) / min(times["read_csv (pyarrow)"])
    median = statistics.median(times["one estimate"]) / statistics.median(
        times["read_csv (pyarrow)"]
    )
    print(f"ratio estimate / read_csv: best {best:.2f}, median {median:.2f} (target <= 1)")


if __name__ == "__main__":
    main()
