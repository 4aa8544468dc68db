"""Simulated worlds through the kit exactly as a user would run it, one row per commitment.

For each world (:mod:`worlds`): write the export CSV and the SLA YAML to a scratch folder, then
``load_sla`` -> ``load_leads`` -> ``check_sla(as_of=..., seed=...)``, and read P(met) of the MQL and
the SQL count commitments beside the truth (met = actual >= target). A row whose verdict is
``"insufficient data"`` or whose probability is not finite is *insufficient* (its reason kept from a
``reason`` or ``notes`` column); a world that raises is recorded (kind, seed, the last lines of the
traceback), never fatal. Each row also carries the naive baselines of :mod:`scoring` and the
seconds spent generating the world and in the kit.

Worlds are seeded by ``SeedSequence([study_seed, kind number, world index])``, so any one world of
a study can be rebuilt alone (``make_world(kind, task.seed_sequence)``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd

from .scoring import naive_probabilities
from .worlds import KINDS, METRICS, World, make_world, sla_text, write_export

__all__ = ["COMMITMENTS", "Task", "check_world", "run_world", "run_worlds", "tasks_for"]

COMMITMENTS = {"mql": "mql_count", "sql": "sql_count"}
INSUFFICIENT = "insufficient data"
_TRACEBACK_LINES = 6
WORLD_TIMEOUT_SECONDS = 600  # a world stuck this long is recorded as an error, not waited on
# what check_sla assumed, read from its ``assumptions`` text; two wordings are known (before and
# after issue 13's one estimate), anything else leaves the parsed columns empty
_VOLUME_TEXT = (
    re.compile(r"(?P<stage>\w+) volume (?P<volume>[\d.,]+) \((?P<method>[^)]*)\)"),
    re.compile(
        r"(?P<stage>\w+) volume: (?P<volume>[\d.,]+) a month in [^(]*\((?:\d+ months?; )?"
        r"(?P<method>[\w ]+)"
    ),
)
_RATE_TEXT = (
    re.compile(r"→\w+ (?P<rate>[\d.]+)% \(n=(?P<n>[\d,]+)\)"),
    re.compile(r"→\w+: (?P<rate>[\d.]+)% eventually \(cohorts [^,]*, (?P<n>[\d,]+) leads"),
)
_SPREAD_TEXT = re.compile(r"month-to-month ±(?P<spread>[\d.]+)%")


@dataclass(frozen=True, kw_only=True)
class Task:
    """One world of a study: its kind, its index within the kind and the study's seed."""

    kind: str
    index: int
    study_seed: int = 0
    diagnose: bool = False

    @property
    def seed_sequence(self) -> np.random.SeedSequence:
        """The world's own seed (independent of every other world of the study)."""
        return np.random.SeedSequence([self.study_seed, KINDS.index(self.kind), self.index])

    @property
    def check_seed(self) -> int:
        """The ``seed`` handed to ``check_sla`` (its forecast paths and Monte Carlo)."""
        return int(self.seed_sequence.generate_state(1)[0])


def tasks_for(
    kinds: Iterable[str], n_worlds: int, *, seed: int = 0, diagnose: bool = False
) -> list[Task]:
    """``n_worlds`` tasks per kind, interleaved so that a partial run covers every kind."""
    kinds = list(kinds)
    return [
        Task(kind=kind, index=index, study_seed=seed, diagnose=diagnose)
        for index in range(n_worlds)
        for kind in kinds
    ]


def check_world(world: World, directory: str | Path, *, seed: int) -> tuple[pd.DataFrame, Any]:
    """Write the world's files into ``directory`` and check its SLA with slaplan.

    Returns the ``check_sla`` table and the loaded lead table. Warnings are the kit's business
    (recorded by :func:`run_world`), not errors here.
    """
    import slaplan as sp

    directory = Path(directory)
    csv = write_export(world, directory / "leads.csv")
    sla_path = directory / "sla.yaml"
    sla_path.write_text(sla_text(world), encoding="utf-8")
    sla = sp.load_sla(sla_path)
    leads = sp.load_leads(csv, funnel=sla.funnel(), as_of=world.as_of)
    return sp.check_sla(sla, leads, as_of=world.as_of, seed=seed), leads


class WorldTimeoutError(RuntimeError):
    """A world took longer than ``WORLD_TIMEOUT_SECONDS``."""


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`WorldTimeoutError` after ``seconds`` (main thread on POSIX; else no limit)."""
    if not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise WorldTimeoutError(f"world took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_world(
    task: Task, *, timeout_seconds: float = WORLD_TIMEOUT_SECONDS
) -> list[dict[str, Any]]:
    """Generate, check and score one world: one row per metric. Never raises."""
    with _time_limit(timeout_seconds):
        try:
            return _run_world(task)
        except WorldTimeoutError:
            return _error_rows(task, "timeout", time.perf_counter())


def _run_world(task: Task) -> list[dict[str, Any]]:
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        world = make_world(task.kind, task.seed_sequence)
    except Exception:  # a generator bug must show in the study, not stop it
        return _error_rows(task, "generate", started)
    generated, cpu_generated = time.perf_counter(), time.process_time()
    try:
        with (
            tempfile.TemporaryDirectory(prefix="calib-") as scratch,
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            table, leads = check_world(world, scratch, seed=task.check_seed)
    except Exception:  # a kit crash on one world is a finding, counted in the summary
        return _error_rows(task, "kit", started, world)
    timing = {
        "seconds_generate": generated - started,
        "seconds_kit": time.perf_counter() - generated,
        "cpu_seconds": time.process_time() - cpu_started,
        "cpu_seconds_kit": time.process_time() - cpu_generated,
    }
    notes = "; ".join(sorted({f"{w.category.__name__}: {w.message}" for w in caught}))
    return [
        _row(task, world, metric, table.loc[COMMITMENTS[metric]], timing, notes, leads)
        for metric in METRICS
    ]


def _base(task: Task, world: World | None, metric: str) -> dict[str, Any]:
    row = {
        "kind": task.kind,
        "world": task.index,
        "study_seed": task.study_seed,
        "check_seed": task.check_seed,
        "metric": metric,
    }
    if world is not None:
        spec = world.spec
        row |= {
            "variant": spec.variant,
            "as_of": spec.as_of,
            "month_end": spec.as_of.day == spec.as_of.days_in_month,
            "history_months": round(spec.history_months, 2),
            "target": world.target(metric),
            "actual": world.actual(metric),
            "met": world.actual(metric) >= world.target(metric),
            "true_expected": getattr(world.truth, f"expected_{metric}"),
        }
    return row


def _error_rows(
    task: Task, stage: str, started: float, world: World | None = None
) -> list[dict[str, Any]]:
    """Rows of a world that raised (or ran out of time) in ``stage``, with the traceback's end."""
    error = sys.exc_info()[1]
    if isinstance(error, WorldTimeoutError):
        stage = "timeout"
    lines = traceback.format_exc().strip().splitlines()[-_TRACEBACK_LINES:]
    seconds = time.perf_counter() - started
    return [
        _base(task, world, metric)
        | {
            "status": "error",
            "error": f"{stage}: " + " | ".join(s.strip() for s in lines),
            "error_where": _deepest_kit_frame(error),
            "seconds_total": seconds,
        }
        for metric in METRICS
    ]


def _deepest_kit_frame(error: BaseException | None) -> str:
    """``slaplan/<module>.py:<line> in <function>`` of the last traceback frame in the kit."""
    frames = traceback.extract_tb(error.__traceback__) if error is not None else []
    inside = [f for f in frames if "/slaplan/" in f.filename.replace("\\", "/")]
    if not inside:
        return ""
    frame = inside[-1]
    module = frame.filename.replace("\\", "/").rsplit("/slaplan/", 1)[-1]
    return f"slaplan/{module}:{frame.lineno} in {frame.name}"


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _row(
    task: Task,
    world: World,
    metric: str,
    checked: pd.Series,
    timing: dict[str, float],
    notes: str,
    leads: Any,
) -> dict[str, Any]:
    probability = _number(checked.get("probability"))
    verdict = str(checked.get("verdict", ""))
    insufficient = verdict == INSUFFICIENT or not np.isfinite(probability)
    reason = checked.get("reason", checked.get("notes", "")) if insufficient else ""
    naive, smooth, last = naive_probabilities(
        world.export[f"{metric}_at"], as_of=world.as_of, target=world.target(metric)
    )
    row = _base(task, world, metric) | {
        "status": "insufficient" if insufficient else "ok",
        "probability": probability,
        "verdict": verdict,
        "reason": str(reason),
        "kit_expected": _number(checked.get("expected")),
        "kit_max_target": _number(checked.get("max_target")),
        "naive": naive,
        "naive_smooth": smooth,
        "last_month_count": last,
        "n_leads": len(world.export),
        "rejected": len(leads.rejected),
        "seconds_total": timing["seconds_generate"] + timing["seconds_kit"],
        **timing,
    }
    return row | (_diagnosis(world, metric, checked, notes) if task.diagnose else {})


def _diagnosis(world: World, metric: str, checked: pd.Series, notes: str) -> dict[str, Any]:
    """The truth of the period beside what the kit assumed (``assumptions``), for tracing."""
    spec, truth = world.spec, world.truth
    if metric == "mql":
        volume, rate = truth.lead_volume, truth.mql_rate
        spread = np.sqrt(rate * (1 - rate) / (spec.mql_concentration + 1))
    else:
        volume, rate, spread = truth.expected_mql, truth.sql_rate, truth.sql_rate_sd
    assumed = str(checked.get("assumptions", ""))
    volume_text, rate_text = _first_match(_VOLUME_TEXT, assumed), _first_match(_RATE_TEXT, assumed)
    spread_text = _SPREAD_TEXT.search(assumed)
    current = _number(checked.get("current_volume"))  # the kit's own column, where it has one
    return {
        "true_volume": volume,
        "true_rate": rate,
        "true_rate_sd": spread,
        "true_rate_cv": spread / rate if rate > 0 else np.nan,
        "true_dispersion": spec.dispersion,
        "sql_lag_days": spec.sql_lag.median_of_medians,
        "segments": len(spec.segments),
        "change_months_ago": _months_ago(spec.change_at, spec.as_of),
        "volume_factor": spec.volume_factor,
        "rate_factor": spec.rate_factor,
        "rate_stage": spec.rate_stage if spec.change_at is not None else "",
        "assumptions": assumed,
        "kit_volume": current if np.isfinite(current) else _parsed(volume_text, "volume"),
        "kit_method": volume_text["method"].strip() if volume_text else "",
        "kit_rate": _parsed(rate_text, "rate") / 100,
        "kit_rate_n": _parsed(rate_text, "n"),
        "kit_rate_spread": _parsed(spread_text, "spread") / 100,
        "warnings": notes[:1000],
    }


def _first_match(patterns: tuple[re.Pattern[str], ...], text: str) -> re.Match[str] | None:
    return next((m for m in (p.search(text) for p in patterns) if m is not None), None)


def _parsed(match: re.Match[str] | None, group: str) -> float:
    """A number of the ``assumptions`` text (thousands separators dropped), NaN if absent."""
    return _number(match[group].replace(",", "")) if match is not None else float("nan")


def _months_ago(when: pd.Timestamp | None, as_of: pd.Timestamp) -> float:
    return np.nan if when is None else round((as_of - when) / pd.Timedelta(days=30.4375), 2)


def run_worlds(
    tasks: list[Task],
    *,
    jobs: int = 2,
    on_rows: Callable[[list[dict[str, Any]]], None] | None = None,
) -> pd.DataFrame:
    """Run every task (``jobs`` processes; 1 runs in this process) into one frame of rows."""
    rows: list[dict[str, Any]] = []
    for world_rows in _results(tasks, jobs):
        rows.extend(world_rows)
        if on_rows is not None:
            on_rows(world_rows)
    frame = pd.DataFrame(rows)
    return frame.sort_values(["kind", "world", "metric"], kind="stable").reset_index(drop=True)


def warm_up() -> None:
    """Import the kit's heavy modules once, before any world is timed (and before forking)."""
    import slaplan.forecast.volume
    import slaplan.sla.check  # noqa: F401


def _results(tasks: list[Task], jobs: int) -> Iterator[list[dict[str, Any]]]:
    warm_up()
    if jobs <= 1:
        yield from map(run_world, tasks)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    with context.Pool(processes=jobs, maxtasksperchild=50) as pool:
        yield from pool.imap_unordered(run_world, tasks, chunksize=1)
