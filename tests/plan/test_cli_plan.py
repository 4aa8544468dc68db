"""``slaplan plan`` on typed inputs and on the bundled samples."""

from __future__ import annotations

import pytest

from slaplan import ConversionRate
from slaplan.cli import main
from slaplan.plan.attainability import attainability


def test_typed_rates_print_the_attainability_numbers(capsys):
    assert main(["plan", "--volume", "300", "--rate", "40/300", "--target", "40"]) == 0
    out = capsys.readouterr().out
    expected = attainability(40, volume=300.0, rates=ConversionRate(40, 300))
    assert f"{expected.probability:.1%}" in out
    assert f"largest target at 80%     {expected.max_target}\n" in out
    assert "reverse funnel" in out


def test_bad_rate_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["plan", "--rate", "abc"])
    assert info.value.code == 2
    assert "CONV/TOTAL" in capsys.readouterr().err


def test_runs_on_the_samples_without_arguments(capsys, samples_dir):
    if not (samples_dir / "leads.csv").exists():
        pytest.skip("bundled samples not generated")
    assert main(["plan", "--target", "50"]) == 0
    out = capsys.readouterr().out
    assert "rate mql → sql" in out and "volume needed at 80%" in out


def test_unknown_stage_is_a_clear_error(capsys, samples_dir):
    if not (samples_dir / "leads.csv").exists():
        pytest.skip("bundled samples not generated")
    assert main(["plan", "--from-stage", "nope"]) == 2
    assert "nope" in capsys.readouterr().err
