"""``slaplan plan`` on typed inputs and on the bundled samples, and what it refuses.

The numbers printed are compared with :func:`slaplan.plan.attainability.attainability` on the
same inputs; the refusals are the ones issue 14 asked for ("What went wrong").
"""

from __future__ import annotations

import pytest

from slaplan import ConversionRate
from slaplan.cli import main
from slaplan.cli.plan import parse_rate
from slaplan.plan.attainability import attainability


def test_typed_rates_print_the_attainability_numbers(capsys):
    assert main(["plan", "--volume", "300", "--rate", "40/300", "--target", "40"]) == 0
    out = capsys.readouterr().out
    expected = attainability(40, volume=300.0, rates=ConversionRate(40, 300))
    assert f"P(target met)          {expected.probability:.1%}\n" in out
    assert f"largest target at 80%  {expected.max_target} sql\n" in out
    assert "reverse funnel" in out


def test_typed_rates_are_named_by_stages_not_numbers(capsys):
    """issue 14: typed rates were labelled stage_0 → stage_1."""
    assert main(["plan", "--volume", "300", "--rate", "40/300", "--target", "40"]) == 0
    out = capsys.readouterr().out
    assert "rate mql → sql" in out and "stage_0" not in out
    args = ["plan", "--volume", "300", "--rate", "0.4", "--rate", "0.3", "--target", "10"]
    assert main([*args, "--stages", "lead,mql,sql"]) == 0
    out = capsys.readouterr().out
    assert "rate lead → mql" in out and "rate mql → sql" in out


@pytest.mark.parametrize(("text", "mean"), [("13%", 0.13), ("0.13", 0.13), ("40/300", 41 / 302)])
def test_a_rate_is_a_percentage_a_share_or_counts(text, mean):
    """issue 14: --rate 13% was refused."""
    assert parse_rate(text).mean == pytest.approx(mean)


def test_bad_rate_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["plan", "--rate", "abc"])
    assert info.value.code == 2
    assert "CONV/TOTAL (40/300), a percentage (13%) or a share (0.13)" in capsys.readouterr().err


def test_no_target_says_what_it_needs(capsys):
    """issue 14: plan without arguments ran on the samples with a made-up target."""
    assert main(["plan"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "--target is required" in captured.err


def test_consistency_only_with_both_sides_and_one_probability(capsys):
    """issue 14: INCONSISTENT was printed with no marketing commitment, and a second, different
    probability beside the first."""
    assert main(["plan", "--target", "50"]) == 0  # volume from the data: no marketing side
    out = capsys.readouterr().out
    assert "consistent" not in out.lower() and "rate mql → sql" in out
    assert main(["plan", "--volume", "350", "--rate", "40/300", "--target", "40"]) == 0
    out = capsys.readouterr().out
    consistency = out.strip().splitlines()[-1]
    assert consistency.startswith("marketing's 350 mql vs sales' 40 sql a month: INCONSISTENT")
    assert "%" not in consistency.replace("at 80%", "")  # no second probability
    assert out.count("79.0%") == 1


def test_a_stage_without_data_is_refused_not_planned_at_50_percent(tmp_path, capsys):
    """issue 14: empty stage columns made plan assume Beta(1, 1) for a 0/0 stage."""
    path = tmp_path / "mqls.csv"
    path.write_text("lead_id,mql_at,sql_at\na,2025-01-02,\nb,2025-02-03,\n")
    assert main(["plan", "--target", "3", "--leads", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "stage 'sql' has no timestamp" in err
    path.write_text("lead_id,mql_at,sql_at\na,2025-01-02,2025-01-20\nb,2025-02-03,\n")
    assert main(["plan", "--target", "3", "--leads", str(path), "--as-of", "2025-02-10"]) == 2
    err = capsys.readouterr().err  # the one estimate says what is missing
    assert err.count("\n") == 1 and "insufficient data" in err


def test_unknown_stage_is_a_clear_error(capsys):
    assert main(["plan", "--target", "40", "--from-stage", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--from-stage must be one of" in err and "'nope'" in err


def test_typed_rates_over_the_data_replace_its_rates_on_the_same_chain(capsys):
    """Two typed rates with the samples' volume: the chain is mql → sql → opportunity, both rates
    are the typed ones, and the lags come from the data of the same chain (this mixed run failed
    with "lags must have one pmf per rate")."""
    assert main(["plan", "--target", "50", "--rate", "13%", "--rate", "40/300"]) == 0
    out = capsys.readouterr().out
    assert "rate mql → sql          13.0% (fixed)" in out
    assert "rate sql → opportunity" in out and "40 of 300 converted" in out
    assert "target                  50 opportunity a month" in out
