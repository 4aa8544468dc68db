"""Issue 7's done-when study: held-out accuracy and coverage of ``forecast_volume(method="auto")``.

Measured (seeded; numbers from this file's fixtures, 2 shared cores):

=====================================  ==========  ===========  ===========  ===========
data                                   MASE auto   MASE s.naive  cover 80%    cover 95%
=====================================  ==========  ===========  ===========  ===========
300 simulated series, 36-60 months     0.924       1.139         78.9%        92.8%
bundled samples, 15 series x 5 origins 0.995       1.314         84.0%        94.2%
=====================================  ==========  ===========  ===========  ===========

Targets (issue 7): MASE no worse than seasonal naive's on average; 80% intervals cover 75-85%
and 95% intervals 91-98% of held-out months. Met on both, with the level model that "auto"
now defaults to (issue 13: a method is chosen by backtest only with 6 origins, more than this
cheap configuration has). With a 2-nat bar before a volume's level may forget older months the
level model measured 0.943 / 1.139 / 73.9% / 89.7% on the simulated series (their trends went
unfollowed) and 1.051 / 1.314 / 76.7% / 91.6% on the samples; without the bar, the numbers
above. The rows below are the earlier methods' history. Before the Holt-Winters paths carried
their estimation uncertainty and "auto" chose by MASE (instead of interval score) the same
fixtures measured 0.836 / 1.139 / 78.6% / 92.6% (simulated) and 1.291 / 1.395 / 75.1% / 90.2%
(samples): Holt-Winters' 95% intervals, where it was chosen, then covered 86% of the held-out
months of the first 150 simulated series and 77% of the samples' (now 94% and 88%).

* Simulated: ``simulated.py`` (log-linear trend -25..+35 %/yr, seasonal amplitude 0-35 %, a slow
  random walk of the level up to 1 %/month, NB noise with dispersion 8-300, 20-600 a month); the
  last 6 months held out; the study's cheap configuration (3 candidates, 2 backtest origins,
  300 paths) to fit the CI budget. Choices: nb_glm 169, ets_damped 93, seasonal_naive 38.
* Samples: lead, MQL and SQL counts, total and per segment (15 series), each up to the month
  before the samples' planted campaign (``truth.yaml`` ``campaign``: paid_social's leads x3 from
  2026-07, a level shift no forecast of the months before it can foresee; noticing it is the
  change detector's job, ``tests/test_demo_story.py``): 25 complete months 2024-06..2026-06,
  each forecast from 5 origins (training 11, 13, 15, 17, 19 months; the next 6 held out), study
  configuration with 4 backtest origins. The margin is thin and the samples resolve coverage only
  to about 2 points: every training window is under two years, so no method may model the
  samples' strong seasonality (events peak in spring and autumn), and the held-out windows
  contain the planted short month 2026-06 (``truth.yaml`` ``short_mql_months``), which no method
  can foresee. On the samples before the campaign (seed 20261115, 960 leads a month, no
  campaign) the 29 months with origins 11..23 measured 1.257 / 1.395 / 75.8% / 91.3%; on the
  current samples' 29 months, campaign months held out, the 80% intervals cover 71%.
  With the default configuration
  (4 methods, 8 backtest origins, 1000 paths) and origins 0/2/4/6 months back they measured
  76.4% / 88.9% on the samples before the campaign (before: 80.3% / 91.1%, with seasonal
  naive's wide random-walk intervals chosen 28 times of 60) — that configuration is not the
  done-when study and is not asserted.
"""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

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
    truth = yaml.safe_load((samples_dir / "truth.yaml").read_text(encoding="utf-8"))
    before_campaign = pd.Period(truth["campaign"]["start"], freq="M")
    series = []
    for stage in ("lead", "mql", "sql"):
        counts = sp.monthly_stage_counts(leads, stage)
        by_segment = sp.monthly_stage_counts(leads, stage, by="segment")
        for one in (counts, *(by_segment[name] for name in by_segment.columns)):
            series.append(one[one.index < before_campaign].to_numpy())
    assert {len(one) for one in series} == {25}
    return study_summary(run_study(series, back_steps=(0, 2, 4, 6, 8), n_origins=4))


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
    # measured 0.767 and 0.916 (module docstring): inside the bands, with a thin margin
    assert 0.75 <= samples_summary["coverage_80"] <= 0.85
    assert 0.91 <= samples_summary["coverage_95"] <= 0.98
