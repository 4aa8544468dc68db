"""One question through every door gives one number (issue 13, "one estimate of the funnel").

"P(at least 66 SQLs in December 2026), as of 2026-11-15" on the bundled samples (66: the sample
SLA's ``sql_volume`` target, read from the file) is asked of
the check, the review, the planner (what the dashboard and ``slaplan plan --leads`` show), the
notebook's estimate and the backtest's own machinery; the pacing of the open month likewise
through tracking and the estimate. Same data, same seed: the same number, to the last digit.
"""

from __future__ import annotations

import pandas as pd
import pytest

import slaplan as sp

AS_OF = "2026-11-15"
DECEMBER = pd.Period("2026-12", "M")
NOVEMBER = pd.Period("2026-11", "M")
TARGET = int(
    next(c.target for c in sp.load_sla(sp.samples_dir() / "sla.yaml").commitments
         if c.id == "sql_volume")
)  # fmt: skip


@pytest.fixture(scope="module")
def leads():
    return sp.load_leads(sp.samples_dir() / "leads.csv", as_of=AS_OF)


@pytest.fixture(scope="module")
def sla():
    return sp.load_sla(sp.samples_dir() / "sla.yaml")


@pytest.fixture(scope="module")
def estimate_answer(leads):
    estimate = sp.estimate_funnel(leads, ["lead", "mql", "sql", "opportunity", "customer"])
    return estimate.outlook("sql", DECEMBER).probability(TARGET)


def test_check_says_what_the_estimate_says(sla, leads, estimate_answer):
    checked = sp.check_sla(sla, leads)
    assert checked.loc["sql_volume", "target"] == TARGET == 66
    assert checked.loc["sql_volume", "probability"] == estimate_answer


def test_the_review_says_what_the_check_says(sla, leads, estimate_answer):
    review = sp.build_review(sla, leads, as_of=AS_OF)
    assert review.checked.loc["sql_volume", "probability"] == estimate_answer


def test_the_planner_says_what_the_check_says(leads, estimate_answer):
    planner = sp.Planner.from_leads(leads, stages=("mql", "sql"), target=TARGET)
    assert planner.compute().attainability.probability == estimate_answer


def test_the_two_stage_estimate_of_the_notebook_says_the_same(leads, estimate_answer):
    # notebook 04 estimates only the chain it forecasts: the answer does not depend on it
    short = sp.estimate_funnel(leads, ["mql", "sql"])
    assert short.outlook("sql", DECEMBER).probability(TARGET) == estimate_answer


def test_the_backtest_asks_the_same_engine(leads):
    # the last closed month is October: asked as of the end of September, the backtest's row
    # equals a direct estimate's
    bt = sp.backtest_counts(
        leads,
        [sp.estimate.backtest.Question(id="q", stage="sql", target=TARGET)],
        stages=["mql", "sql"],
        periods=1,
    )
    direct = sp.estimate_funnel(
        leads, ["mql", "sql"], as_of=pd.Timestamp("2026-09-30 23:59:59.999999999")
    )
    october = pd.Period("2026-10", "M")
    assert bt.frame["probability"].iloc[0] == direct.outlook("sql", october).probability(TARGET)


def test_pacing_of_the_open_month_is_the_estimates_outlook(sla, leads):
    tracked = sp.track_sla(sla, leads).xs(NOVEMBER, level="period")
    estimate = sp.estimate_funnel(leads, ["lead", "mql", "sql", "opportunity", "customer"])
    assert tracked.loc["sql_volume", "pacing_probability"] == estimate.outlook(
        "sql", NOVEMBER
    ).probability(TARGET)


def test_the_rate_every_table_shows_is_the_plans_rate(leads):
    estimate = sp.estimate_funnel(leads, ["mql", "sql"])
    plan_rate = estimate.transition("mql", "sql").posterior.mean
    stages = sp.stage_rates(leads, ["mql", "sql"])
    assert stages.loc[0, "rate"] == plan_rate
    planner = sp.Planner.from_leads(leads, stages=("mql", "sql"))
    assert planner.rates[0].mean == pytest.approx(estimate.transition("mql", "sql").predictive.mean)
