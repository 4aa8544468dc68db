"""Issue 13's "Done when", end to end at test size: export -> load_leads -> check_sla -> next month.

``WORLDS_PER_KIND`` worlds of each kind of :mod:`worlds` (seed ``SEED``, not the bench's 0, so
the test does not reuse the baseline's worlds) are run through the kit exactly as
``bench/calibration_study.py`` does (``harness``), on 2 processes. The full study (400 per kind)
is the bench script's; this is its smaller, CI-sized version.

Thresholds at this size, from binomial noise (:func:`scoring.null_quantiles`): the issue's bar is
ECE <= 0.04 and |gap| <= 0.10 in every bin of >= 30 worlds, at 400 worlds per kind. With 50 a
perfectly calibrated kit already shows ECE ~0.10-0.15 from the coin flips alone, so each check
allows the bar **plus** the noise a perfectly calibrated kit would show on these very
predictions (outcomes redrawn Bernoulli(P(met)) 100,000 times), at the quantile 1 - 0.01 / 28
(Bonferroni over the 28 ECE and gap checks below). By the triangle inequality (observed gap <=
true gap + noise, bin by bin) a kit meeting the bar fails a check with probability < 0.01 / 28,
so the whole module with probability < 1%. Bins need >= ``MIN_BIN_WORLDS_HERE`` (15) worlds
here to be judged (30 at this size would judge almost none).

Calibration alone can be gamed (P(met) = the base rate everywhere has ECE ~ 0), so the kit must
also beat the naive rules: its Brier score must not exceed the smoothed naive rule's by more
than 3.5 standard errors of the paired difference (one-sided, ~2e-4 per kind), and pooled over
kinds it must beat climatology. And "insufficient data" is only honest where the kind makes it so:
in the kinds with >= 12 months of history (stationary, seasonal, regime, drift; and the MQL count
of young funnels whose SQL stage is new on a year of MQLs) the kit may say it for at most 10% of
worlds (allowance: the 99.9% binomial quantile at this size). Where it is the honest answer
(a young funnel's SQLs, a short history) the test does not demand it: any number given there
must be calibrated like every other, which only an honest width or "insufficient data" achieves.

Power at this size: the per-kind ECE threshold comes to ~0.28-0.32 (0.04 + noise) and ~0.15
pooled over kinds, so this test catches gross miscalibration only (a young funnel's SQL rate 13%
of the truth; predictions with no resolution); the 400-world study of ``bench/calibration_study.py``
with its debiased ECE is the yardstick for finer work (bench/README.md).

Measured on main at 1624cec (seed 13, the same worlds as ``bench/calibration_study.py --worlds 50
--seed 13``): young fails (SQL ECE 0.507 > 0.04 + noise 0.177; bin 0.0-0.1 of 30 worlds predicted
0.01, observed 0.67) and the SQL predictions have no resolution (Brier 0.006 *above* climatology,
se 0.018); every other calibration and skill check passes within its allowance (closest: young's
Brier 0.108 above the naive rule's, 3.2 se). No crash in these 300 worlds (the 2,400-world study
had 2: a Holt-Winters fit in ``forecast/methods.py``). Cost: 0.84 s of CPU per world, ~4.2 CPU
minutes in all -- about 2 minutes on two idle cores; 9 min 52 s wall on the shared machine at load
5-7 under ``nice``.

Before the one estimate of the funnel (issue 13) the kit failed the calibration checks and they
were marked ``xfail``; with it they are plain tests. Scored with these very checks, a 60-world
per kind run of ``bench/calibration_study.py`` (seed 0) passed every calibration check, per kind
and pooled, and the kit's Brier score was below the smoothed naive rule's in every kind (by
0.039-0.076, 1.7-3.3 se).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from .harness import run_worlds, tasks_for
from .scoring import (
    ECE_BAR,
    MAX_BIN_GAP,
    expected_calibration_error,
    null_quantiles,
    paired_brier_excess,
    reliability_table,
)
from .worlds import KINDS, METRICS

WORLDS_PER_KIND = 50
SEED = 13
MIN_BIN_WORLDS_HERE = 15
N_CHECKS = 2 * (len(KINDS) + 1) * len(METRICS)  # ECE and largest gap, per kind and pooled
QUANTILE = 1 - 0.01 / N_CHECKS
SKILL_Z = 3.5
SUPPORTED_KINDS = ("stationary", "seasonal", "regime", "drift")
MAX_INSUFFICIENT = 0.10

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def study() -> pd.DataFrame:
    return run_worlds(tasks_for(KINDS, WORLDS_PER_KIND, seed=SEED), jobs=2)


def _scored(study: pd.DataFrame, kind: str | None, metric: str) -> pd.DataFrame:
    part = study[(study["metric"] == metric) & (study["status"] == "ok")]
    return part if kind is None else part[part["kind"] == kind]


def _calibration_failures(part: pd.DataFrame, label: str) -> list[str]:
    """ECE and largest bin gap against the bar plus the noise at this size (module docstring)."""
    p, y = part["probability"].to_numpy(float), part["met"].to_numpy(float)
    if p.size == 0:
        return []
    rng = np.random.default_rng(0)
    ece_noise, gap_noise = null_quantiles(
        p, quantile=QUANTILE, min_worlds=MIN_BIN_WORLDS_HERE, n_draws=100_000, rng=rng
    )
    table = reliability_table(p, y, min_worlds=MIN_BIN_WORLDS_HERE)
    big = table[table["n"] >= MIN_BIN_WORLDS_HERE]
    failures = []
    ece = expected_calibration_error(p, y)
    if ece > ECE_BAR + ece_noise:
        failures.append(f"{label}: ECE {ece:.3f} > {ECE_BAR} + noise {ece_noise:.3f}")
    for row in big.itertuples():
        if abs(row.gap) > MAX_BIN_GAP + gap_noise:
            failures.append(
                f"{label}: bin {row.bin} (n={row.n}) predicted {row.mean_predicted:.2f}, "
                f"observed {row.observed:.2f} > {MAX_BIN_GAP} + noise {gap_noise:.3f}"
            )
    return failures


def test_every_world_runs_through_the_kit_and_is_scored(study):
    assert len(study) == len(KINDS) * WORLDS_PER_KIND * len(METRICS)
    assert set(study["status"]) <= {"ok", "insufficient", "error"}
    crashed = study[study["status"] == "error"].drop_duplicates(["kind", "world"])
    assert crashed.empty, crashed[["kind", "world", "error"]].head().to_string()
    scored = study[study["status"] == "ok"]
    assert scored["probability"].between(0.0, 1.0).all()
    assert (study["rejected"] == 0).all()  # the generator's exports are clean


@pytest.mark.parametrize("kind", [*SUPPORTED_KINDS, "young new_sql_stage mql"])
def test_insufficient_data_is_rare_where_a_year_of_history_supports_a_number(study, kind):
    if kind.startswith("young"):  # a year of MQLs: the MQL count is supported, the SQL one not
        part = study[(study["variant"] == "new_sql_stage") & (study["metric"] == "mql")]
    else:
        part = study[study["kind"] == kind]
    allowed = stats.binom.ppf(0.999, len(part), MAX_INSUFFICIENT) / len(part)
    assert (part["status"] == "insufficient").mean() <= allowed


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_calibrated(study, kind):
    failures = [f for m in METRICS for f in _calibration_failures(_scored(study, kind, m), m)]
    assert not failures, "\n".join(failures)


def test_all_kinds_together_are_calibrated(study):
    failures = [f for m in METRICS for f in _calibration_failures(_scored(study, None, m), m)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("kind", KINDS)
def test_kit_scores_no_worse_than_the_smoothed_naive_rule(study, kind):
    part = study[(study["kind"] == kind) & (study["status"] == "ok")]
    y = part["met"].to_numpy(float)
    excess, se = paired_brier_excess(part["probability"], part["naive_smooth"], y)
    assert excess <= SKILL_Z * se, f"Brier excess over the naive rule {excess:+.3f} (se {se:.3f})"


def test_kit_has_resolution_beyond_climatology(study):
    scored = study[study["status"] == "ok"]
    for metric, part in scored.groupby("metric"):
        y = part["met"].to_numpy(float)
        climatology = np.full(y.size, y.mean())
        excess, se = paired_brier_excess(part["probability"], climatology, y)
        assert excess + SKILL_Z * se < 0, f"{metric}: Brier excess over climatology {excess:+.3f}"
