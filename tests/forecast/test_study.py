"""Issue 7's done-when study: held-out accuracy and coverage of ``forecast_volume(method="auto")``.

Measured (seeded; numbers from this file's fixtures, 2 shared cores):

=====================================  ==========  ===========  ===========  ===========
data                                   MASE auto   MASE s.naive  cover 80%    cover 95%
=====================================  ==========  ===========  ===========  ===========
300 simulated series, 36-60 months     0.825       1.139         80.6%        94.3%
bundled samples, 15 series x 5 origins 1.257       1.395         75.8%        91.3%
=====================================  ==========  ===========  ===========  ===========

Targets (issue 7): MASE no worse than seasonal naive's on average; 80% intervals cover 75-85%
and 95% intervals 91-98% of held-out months. Met on both. Before the Holt-Winters paths carried
their estimation uncertainty and "auto" chose by MASE (instead of interval score) the same
fixtures measured 0.836 / 1.139 / 78.6% / 92.6% (simulated) and 1.291 / 1.395 / 75.1% / 90.2%
(samples): Holt-Winters' 95% intervals, where it was chosen, then covered 86% of the held-out
months of the first 150 simulated series and 77% of the samples' (now 94% and 88%).

* Simulated: ``simulated.py`` (log-linear trend -25..+35 %/yr, seasonal amplitude 0-35 %, a slow
  random walk of the level up to 1 %/month, NB noise with dispersion 8-300, 20-600 a month); the
  last 6 months held out; the study's cheap configuration (3 candidates, 2 backtest origins,
  300 paths) to fit the CI budget. Choices: nb_glm 169, ets_damped 93, seasonal_naive 38.
* Samples: lead, MQL and SQL counts, total and per segment (15 series of 29 complete months),
  each forecast from 5 origins (training 11, 14, 17, 20, 23 months; the next 6 held out), study
  configuration with 4 backtest origins. The margin is thin and the samples resolve coverage only
  to about 2 points: every training window is under two years, so no method may model the
  samples' strong seasonality (events peak in spring and autumn), and two of the five held-out
  windows contain the planted short month 2026-06 (``truth.yaml`` ``short_mql_months``; 30 of
  the 450 held-out points, 14 of them outside the 95% intervals), which no method can foresee.
  Without that month the samples measure 77.9% / 94.0%. With the default configuration
  (4 methods, 8 backtest origins, 1000 paths) and origins 0/2/4/6 months back they measured
  76.4% / 88.9% (before: 80.3% / 91.1%, with seasonal naive's wide random-walk intervals chosen
  28 times of 60) — that configuration is not the done-when study and is not asserted.
"""

from __future__ import annotations

import pytest

import slaplan as sp

from .simulated import simulated_study_series
from .study import run_study, study_summary

N_SIMULATED = 300


@pytest.fixture(scope="module")
def simulated_summary():
    return study_summary(run_study(simulated_study_series(N_SIMULATED, seed=2026)))


@pytest.fixture(scope="module")
def samples_summary(samples_dir):
    leads = sp.load_leads(samples_dir / "leads.csv", as_of="2026-11-15")
    series = []
    for stage in ("lead", "mql", "sql"):
        series.append(sp.monthly_stage_counts(leads, stage).to_numpy())
        by_segment = sp.monthly_stage_counts(leads, stage, by="segment")
        series += [by_segment[name].to_numpy() for name in by_segment.columns]
    return study_summary(run_study(series, back_steps=(0, 3, 6, 9, 12), n_origins=4))


@pytest.mark.slow
@pytest.mark.parametrize("which", ["simulated_summary", "samples_summary"])
def test_chosen_method_is_no_worse_than_seasonal_naive(which, request):
    summary = request.getfixturevalue(which)
    assert summary["mase_chosen"] <= summary["mase_seasonal_naive"]


@pytest.mark.slow
def test_simulated_intervals_cover_held_out_months_at_their_level(simulated_summary):
    assert 0.75 <= simulated_summary["coverage_80"] <= 0.85
    assert 0.91 <= simulated_summary["coverage_95"] <= 0.98


@pytest.mark.slow
def test_sample_intervals_cover_held_out_months_at_their_level(samples_summary):
    # measured 0.758 and 0.913 (module docstring): inside the bands, with a thin margin
    assert 0.75 <= samples_summary["coverage_80"] <= 0.85
    assert 0.91 <= samples_summary["coverage_95"] <= 0.98
