"""``slaplan diff`` (issue 16): the samples' SLA against a copy with one target raised lists that
commitment only, its P(met) before and after being check_sla's own numbers, in text and
Markdown; git revisions of one file are read with ``git show``."""

from __future__ import annotations

import re
import subprocess

import pytest

import slaplan as sp
from slaplan.cli import main
from slaplan.repo.starter import set_targets
from slaplan.sla.diff import diff_sla

AS_OF = "2026-11-15"
GIT = ["git", "-c", "user.name=slaplan test", "-c", "user.email=test@example.com"]


RAISE = 10  # SQLs a month added to sql_volume's target


@pytest.fixture(scope="module")
def targets(samples_dir) -> tuple[int, int]:
    """sql_volume's target in the samples' SLA, and raised by RAISE."""
    target = int(sp.load_sla(samples_dir / "sla.yaml").commitment("sql_volume").target)
    return target, target + RAISE


@pytest.fixture(scope="module")
def raised(tmp_path_factory, samples_dir, targets):
    """The samples' SLA with sql_volume raised by RAISE SQLs a month."""
    text = (samples_dir / "sla.yaml").read_text(encoding="utf-8")
    text = set_targets(text, sp.load_sla(samples_dir / "sla.yaml"), {"sql_volume": targets[1]})
    path = tmp_path_factory.mktemp("diff") / "raised.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def checks(samples_dir, raised):
    """check_sla of both versions: the single estimate the diff must repeat, not redo."""
    leads = sp.load_leads(samples_dir / "leads.csv", as_of=AS_OF)
    team = samples_dir / "team.csv"
    old, new = sp.load_sla(samples_dir / "sla.yaml"), sp.load_sla(raised)
    return {
        "leads": leads,
        "old": sp.check_sla(old, leads, team=team, as_of=AS_OF),
        "new": sp.check_sla(new, leads, team=team, as_of=AS_OF),
        "diff": diff_sla(old, new, leads, team=team, as_of=AS_OF),
    }


def test_only_the_raised_commitment_changes_with_check_slas_numbers(checks, targets):
    diff = checks["diff"]
    assert [c.commitment for c in diff.changed] == ["sql_volume"]
    assert diff.unchanged == 5
    change = diff.changed[0]
    assert (change.target_before, change.target_after) == targets
    assert change.probability_before == checks["old"].loc["sql_volume", "probability"]
    assert change.probability_after == checks["new"].loc["sql_volume", "probability"]
    assert change.probability_after < change.probability_before
    for kept in diff.changes[2:]:  # same seed, one estimate: the very same numbers
        assert kept.probability_after == checks["old"].loc[kept.commitment, "probability"]


OTHERS = {"mql_volume", "events_sql", "mql_to_sql", "mql_response", "mqls_worked"}


def listed(out: str) -> list[str]:
    """The commitment ids that begin a line of the output."""
    return [line.split()[0] for line in out.splitlines() if line.split()]


def test_the_text_lists_the_change_of_p_met_for_that_commitment_only(checks, samples_dir, raised,
                                                                     targets, capsys):  # fmt: skip
    assert main(["diff", str(samples_dir / "sla.yaml"), str(raised)]) == 0
    out = capsys.readouterr().out
    before, after = (checks[k].loc["sql_volume", "probability"] for k in ("old", "new"))
    row = next(line for line in out.splitlines() if line.startswith("sql_volume"))
    verdict = checks["old"].loc["sql_volume", "verdict"]
    assert re.search(
        rf"sql count\s+{targets[0]} → {targets[1]}\s+{before:.0%} → {after:.0%}\s+{verdict}", row
    )
    assert OTHERS.isdisjoint(listed(out))
    assert out.rstrip().endswith("unchanged: 5 commitments")


def test_the_markdown_is_a_table_for_a_pull_request(checks, samples_dir, raised, targets, capsys):
    assert main(["diff", str(samples_dir / "sla.yaml"), str(raised), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    before, after = (checks[k].loc["sql_volume", "probability"] for k in ("old", "new"))
    lines = out.splitlines()
    assert lines[0] == f"### SLA change: `{samples_dir / 'sla.yaml'}` → `{raised}`"
    table = [line for line in lines if line.startswith("|")]
    assert (
        table[0] == "| commitment | what | target | P(met) | verdict | consistent | SMART notes |"
    )
    assert table[1] == "|---|---|---|---|---|---|---|"
    change = f"{targets[0]} → {targets[1]} | {before:.0%} → {after:.0%} |"
    assert table[2].startswith(f"| sql_volume | sql count | {change}")
    assert len(table) == 3
    assert lines[-1] == "Unchanged: 5 commitments."


def git(folder, *args):
    done = subprocess.run([*GIT, *args], cwd=folder, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done


def test_a_git_revision_of_the_file(tmp_path, samples_dir, raised, targets, monkeypatch, capsys):
    (tmp_path / "sla.yaml").write_bytes((samples_dir / "sla.yaml").read_bytes())
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "sla.yaml")
    git(tmp_path, "commit", "-qm", "the SLA")
    (tmp_path / "sla.yaml").write_bytes(raised.read_bytes())
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")  # the path after the colon is relative to here
    assert main(["diff", "HEAD:../sla.yaml", "../sla.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("HEAD:../sla.yaml → ../sla.yaml: Northwind")
    assert OTHERS.isdisjoint(listed(out))
    assert re.search(rf"^sql_volume\s+sql count\s+{targets[0]} → {targets[1]}", out, re.M)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("HEAD~3:sla.yaml", "git cannot show it: fatal: "),
        ("HEAD:nothing.yaml", "git cannot show it: fatal: "),
    ],
)
def test_a_missing_revision_or_file_is_one_line(tmp_path, samples_dir, monkeypatch, capsys,
                                                 spec, reason):  # fmt: skip
    (tmp_path / "sla.yaml").write_bytes((samples_dir / "sla.yaml").read_bytes())
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "sla.yaml")
    git(tmp_path, "commit", "-qm", "the SLA")
    monkeypatch.chdir(tmp_path)
    assert main(["diff", spec, "sla.yaml"]) == 2
    error = capsys.readouterr().err
    assert error.startswith(f"slaplan diff: error: {spec}: {reason}")
    assert error.count("\n") == 1


def test_outside_a_repository_the_error_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert main(["diff", "HEAD:sla.yaml", "sla.yaml"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("slaplan diff: error: HEAD:sla.yaml: git cannot show it: fatal: ")
    assert "not a git repository" in error and error.count("\n") == 1


def test_without_git_the_error_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no git on it
    assert main(["diff", "HEAD:sla.yaml", "sla.yaml"]) == 2
    assert capsys.readouterr().err == (
        "slaplan diff: error: HEAD:sla.yaml: git is not installed (it reads a file as it was "
        "in a revision)\n"
    )
