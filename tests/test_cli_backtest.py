"""``slaplan backtest`` (issue 13 item 6) prints for people: every month asked about, its
P(met), expected count, 80% interval and what happened, "insufficient data" with the reason
where the kit could not answer, Brier scores of the kit and of last month's count, the
reliability table; no ``NaN``/``e+03``; bad input is one line and exit code 2, like ``check``."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from slaplan.cli import main

UNREADABLE = re.compile(r"\bnan\b|\bNaN\b|\d[eE][+-]\d|\bNone\b|\binf\b")


def test_the_samples_backtest_is_written_for_people(capsys, tmp_path):
    path = tmp_path / "out" / "rows.csv"
    assert main(["backtest", "--periods", "2", "--csv", str(path)]) == 0
    out = capsys.readouterr().out
    assert UNREADABLE.findall(out) == [], out
    assert re.search(r"\(\d{2},\d{3} accepted, \d+ rejected\)", out)
    for commitment in ("mql_volume", "sql_volume", "events_sql", "mqls_worked"):
        assert f"\n{commitment}: " in out
    assert "2 of 2 months scored; Brier score 0." in out
    assert re.search(r"October 2026\s+\d+%\s+[\d,]+\s+[\d,]+–[\d,]+\s+[\d,]+\s+(yes|no)", out)
    assert "Reliability: when the kit said" in out and "80% intervals held" in out
    assert "not backtested (only count commitments are): mql_to_sql (rate)" in out
    rows = pd.read_csv(path)
    assert len(rows) == 8 and set(rows["period"]) == {"2026-09", "2026-10"}
    assert {"commitment", "probability", "low_80", "high_80", "naive_probability"} <= set(rows)


def test_months_without_enough_data_say_so_with_the_reason(maven_dir, capsys):
    argv = ["backtest", "--leads", str(maven_dir / "sales_pipeline.csv"), "--mapping", "maven",
            "--sla", str(maven_dir / "sla.yaml"), "--periods", "14"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert UNREADABLE.findall(out) == [], out
    # the export's first month is October 2016 (7 engagements): November cannot be forecast
    assert re.search(r"November 2016\s+insufficient data\s+–\s+–\s+115\s+no\s+7\n", out)
    assert "  November 2016: only 0 complete months of engaging arrivals" in out
    assert "14 of 14 months scored" not in out


@pytest.mark.parametrize(
    "option", ["--leads", "--sla", "--csv-dir"], ids=["leads", "sla", "unwritable csv"]
)
def test_a_missing_file_is_one_line_and_exit_code_2(option, tmp_path, capsys):
    if option == "--csv-dir":
        blocker = tmp_path / "file"
        blocker.write_text("")
        argv = ["backtest", "--periods", "1", "--csv", str(blocker / "rows.csv")]
    else:
        argv = ["backtest", option, str(tmp_path / "missing")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("slaplan backtest: error:"), err


def test_periods_must_be_a_positive_whole_number(capsys):
    with pytest.raises(SystemExit) as info:
        main(["backtest", "--periods", "0"])
    assert info.value.code == 2
    assert "--periods: must be a whole number of months >= 1" in capsys.readouterr().err
