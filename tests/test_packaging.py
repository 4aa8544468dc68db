"""The install story: one dependency list (pyproject.toml), a conda file that defers to it,
a public door whose ``__all__`` resolves, and a command line that answers."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

import slaplan
from slaplan.cli import SUBCOMMANDS, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_environment_yml_installs_the_package_with_every_extra(pyproject: dict) -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda_deps = [d for d in env["dependencies"] if isinstance(d, str)]
    pip_blocks = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    # conda brings only the interpreter and pip; every library comes from pyproject.toml
    assert sorted(re.split(r"[=<>]", d)[0] for d in conda_deps) == ["pip", "python"]
    python_pin = next(d for d in conda_deps if d.startswith("python"))
    minimum = pyproject["project"]["requires-python"].removeprefix(">=")
    assert python_pin.split("=")[1].startswith(minimum)
    assert len(pip_blocks) == 1 and len(pip_blocks[0]) == 1
    match = re.fullmatch(r"(?:-e|--editable) \.\[(.*)\]", pip_blocks[0][0])
    assert match, pip_blocks[0][0]
    extras = set(match.group(1).split(","))
    assert extras == set(pyproject["project"]["optional-dependencies"])


def test_packages_found_are_only_slaplan(pyproject: dict) -> None:
    assert pyproject["tool"]["setuptools"]["packages"]["find"]["include"] == ["slaplan*"]


def test_version_is_single_sourced(pyproject: dict) -> None:
    assert slaplan.__version__ == pyproject["project"]["version"]


def test_every_public_name_resolves() -> None:
    missing = [name for name in slaplan.__all__ if not hasattr(slaplan, name)]
    assert missing == []


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        slaplan.nonexistent  # noqa: B018


def test_error_tree() -> None:
    for error in (slaplan.DataError, slaplan.SpecError, slaplan.InfeasibleTargetError):
        assert issubclass(error, slaplan.SlaplanError)
        assert issubclass(error, ValueError)


def test_cli_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


def test_cli_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"slaplan {slaplan.__version__}"


def test_console_script_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "slaplan", "--version"], capture_output=True, text=True, check=True
    )
    assert slaplan.__version__ in done.stdout


def test_cli_bad_argument_is_a_message_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    # a confidence of 1.5 is rejected by the library's validation (ValueError)
    code = main(
        ["plan", "--target", "12", "--volume", "300", "--rate", "0.1", "--confidence", "1.5"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "confidence" in err and "Traceback" not in err


def test_no_tracked_file_reads_outside_the_repository() -> None:
    """A user's clone has nothing beside it: no tracked file may point at the folder beside it."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    pattern = re.compile(rb"\.\./(?:\.\./)*shared\b")
    offenders = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path.is_file() and path.stat().st_size < 5_000_000:
            offenders += [
                f"{name.decode()}:{n}"
                for n, line in enumerate(path.read_bytes().splitlines(), 1)
                if pattern.search(line)
            ]
    assert not offenders, f"tracked files refer to a folder beside the project: {offenders}"


def test_the_real_export_is_in_the_repository_with_its_source() -> None:
    maven = ROOT / "data" / "examples" / "maven_crm"
    assert (maven / "sales_pipeline.csv").stat().st_size > 500_000
    readme = (maven / "README.md").read_text(encoding="utf-8")
    assert "mavenanalytics.io" in readme and "public domain" in readme.lower()
