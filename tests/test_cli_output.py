"""What the command line prints is for people (issue 14): counts with thousands separators,
percentages, no ``NaN``/``nan``/``e+03``, no label cut off, on the bundled samples."""

from __future__ import annotations

import re

import pytest

from slaplan.cli import main
from slaplan.samples import samples_dir

UNREADABLE = re.compile(r"\bnan\b|\bNaN\b|\d[eE][+-]\d|\bNone\b|\binf\b")
COMMANDS = {
    "check": ["check"],
    "plan": ["plan", "--target", "50"],
    "forecast": ["forecast", "--horizon", "3"],
    "forecast by segment": ["forecast", "--horizon", "2", "--by-segment"],
    "validate": ["validate"],
    "diff": ["diff", str(samples_dir() / "sla.yaml"), str(samples_dir() / "sla.yaml"), "--all"],
}


@pytest.mark.parametrize("argv", COMMANDS.values(), ids=COMMANDS.keys())
def test_no_number_a_reader_has_to_decode(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # validate writes reports/ here
    assert main(argv) in (0, 1)
    out = capsys.readouterr().out
    assert UNREADABLE.findall(out) == [], out


def test_check_prints_counts_and_percentages(capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\(\d{2},\d{3} accepted, \d+ rejected\)", out)
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert re.search(r"\bmql count\s+300\s+\d+%\s+\d+\s+[\d,]+\s+lead\b", lines["mql_volume"])
    assert re.search(r"\b12\.0%\s+\d+%\s+\d+\.\d%\s+–\s+–\s", lines["mql_to_sql"])
    assert "mql touched within 1 business hour " in lines["mql_response"]  # not "business h"
