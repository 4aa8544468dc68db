"""The bundled samples tell the story their SLA's comment tells (issue 14, item 8).

``data/samples/sla.yaml`` opens with what ``slaplan check`` finds on the samples: which
commitment is comfortably attainable, which a stretch, which out of reach, and what the others
are, each with its band of P(met). The check is seeded; it runs here with two seeds, so a band
holds for the data and not for one run's Monte Carlo noise. The samples' visible change, the
paid_social campaign recorded in ``truth.yaml``, must show in the change warnings of the one
estimate behind the check (what the review lists too).
"""

from __future__ import annotations

import pytest

import slaplan as sp
from slaplan.samples import SampleConfig
from slaplan.sla._data import censored_frame
from slaplan.sla._inputs import SlaEstimates, check_period
from slaplan.sla.check import check_sla
from slaplan.sla.consistency import check_consistency

# commitment -> (what the comment says of it, lowest P(met), highest P(met), verdict)
STORY = {
    "mql_volume": ("mql_volume comfortably attainable, P(met) >= 90%", 0.90, 1.0, "attainable"),
    "sql_volume": ("sql_volume a stretch, P(met) 40-80%", 0.40, 0.80, "stretch"),
    "mql_response": ("mql_response out of reach, P(met) < 20%", 0.0, 0.20, "out of reach"),
    "events_sql": ("events_sql attainable (P(met) >= 80%", 0.80, 1.0, "attainable"),
    "mql_to_sql": ("mql_to_sql a stretch (40-80%)", 0.40, 0.80, "stretch"),
    "mqls_worked": ("mqls_worked comfortably attainable (>= 90%", 0.90, 1.0, "attainable"),
}
SEEDS = (0, 1)
AS_OF = SampleConfig().as_of.isoformat()  # what `slaplan check` uses on the samples


def _comment(text: str) -> str:
    """The SLA file's opening comment as one line of words."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#"))
    return " ".join(" ".join(lines).split())


@pytest.fixture(scope="module")
def sla(samples_dir):
    return sp.load_sla(samples_dir / "sla.yaml")


@pytest.fixture(scope="module")
def comment(samples_dir) -> str:
    return _comment((samples_dir / "sla.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def leads(samples_dir, sla):
    # as `slaplan check` reads them: the SLA's funnel, as_of the samples' (the end of that day)
    return sp.load_leads(samples_dir / "leads.csv", funnel=sla.funnel(), as_of=AS_OF)


@pytest.fixture(scope="module")
def checks(sla, leads, samples_dir) -> dict:
    """``check_sla`` as `slaplan check` runs it, once per seed, with the estimates it used."""
    _, as_of = censored_frame(leads, AS_OF)
    period = check_period(None, as_of=as_of, period_months=sla.period_months)
    found = {}
    for seed in SEEDS:
        estimates = SlaEstimates(sla, leads, as_of=as_of, period=period, seed=seed)
        table = check_sla(
            sla, leads, team=samples_dir / "team.csv", as_of=AS_OF, estimates=estimates, seed=seed
        )
        found[seed] = (table, estimates)
    return found


def test_the_comment_tells_the_whole_story(sla, comment) -> None:
    assert sorted(STORY) == sorted(c.id for c in sla.commitments)
    missing = [said for said, *_ in STORY.values() if said not in comment]
    assert missing == []


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("commitment", list(STORY))
def test_p_met_is_in_the_band_the_comment_gives(checks, commitment: str, seed: int) -> None:
    table, _ = checks[seed]
    _, low, high, verdict = STORY[commitment]
    probability = table.loc[commitment, "probability"]
    assert low <= probability <= high, f"{commitment}: P(met) {probability:.1%} (seed {seed})"
    assert table.loc[commitment, "verdict"] == verdict


def test_one_attainable_one_stretch_one_out_of_reach_by_name(checks) -> None:
    """The three the comment names first, with room to spare against the verdicts' lines."""
    table, _ = checks[0]
    assert table.loc["mql_volume", "probability"] >= table.attrs["confidence"] + 0.1
    assert 0.2 + 0.2 <= table.loc["sql_volume", "probability"] <= table.attrs["confidence"] - 0.05
    assert table.loc["mql_response", "probability"] <= 0.2 - 0.1


def test_the_campaign_shows_in_the_change_warnings(checks, samples_dir) -> None:
    import yaml

    truth = yaml.safe_load((samples_dir / "truth.yaml").read_text(encoding="utf-8"))
    campaign = truth["campaign"]
    for seed in SEEDS:
        _, estimates = checks[seed]
        warnings = estimates.segment(None).warnings
        for stage in ("lead", "mql"):
            assert any(w.startswith(f"{stage} volume since {campaign['start']}:") for w in warnings)
    lift = campaign["mqls_per_month"]["after"] / campaign["mqls_per_month"]["before"]
    assert campaign["segment"] == "paid_social" and lift > 2


def test_the_comments_facts_match_the_data(comment, checks, sla, leads, samples_dir) -> None:
    import yaml

    truth = yaml.safe_load((samples_dir / "truth.yaml").read_text(encoding="utf-8"))
    campaign = truth["campaign"]
    assert campaign["start"] == "2026-07" and "In July 2026 a new paid_social campaign" in comment
    assert campaign["lead_volume_factor"] == 3.0 and "three times the leads" in comment
    assert "data as of 2026-11-15" in comment and "(for December 2026)" in comment
    table, _ = checks[0]
    assert str(table["period"].iloc[0]) == "2026-12"
    capacity = round(table.loc["mqls_worked", "capacity"])
    assert f"the team can work about {capacity} MQLs a month" in comment
    targets = {c.id: c.target for c in sla.commitments}
    assert f"{targets['sql_volume']:g} SQLs" in comment
    assert f"marketing's {targets['mql_volume']:g} promise" in comment
    pairs = check_consistency(sla, leads, as_of=AS_OF, period=table["period"].iloc[0])
    pair = pairs[(pairs["sales"] == "sql_volume") & (pairs["marketing"] == "mql_volume")]
    assert len(pair) == 1 and not pair["consistent"].iloc[0]
    assert "the check calls the pair INCONSISTENT" in comment
    quoted = 'warns "mql volume since 2026-07 ...; planning on the recent level"'
    assert quoted in comment
    # the caveat on mql_to_sql: the cohorts since the campaign convert less than the check plans
    since = [v for m, v in truth["mql_cohorts"].items() if "2026-07" <= m <= "2026-10"]
    shares = [cohort["sql_within_60_days_share"] for cohort in since]
    assert len(shares) == 4 and 0.09 <= min(shares) and max(shares) < 0.115 < targets["mql_to_sql"]
    assert "the cohorts since July reach sql within 60 days at only 9-11%" in comment
