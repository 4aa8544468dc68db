"""The README's commands and pictures stay true to the code (cheap checks, nothing is executed).

The commands themselves are run on a fresh clone by hand before a release; these tests catch the
drift in between: a renamed option, a moved notebook, a missing screenshot or make target.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from slaplan.cli import _build_parser

README = Path(__file__).resolve().parents[2] / "README.md"
_BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)
_REPO_PATH = re.compile(r"(?<![\w/.])((?:notebooks|data/samples|tools|docs/img)/[\w./-]+\w)")


def _command_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    lines = []
    for block in _BLOCK.findall(text):
        joined = block.replace("\\\n", " ")  # a command continued over lines is one command
        lines.extend(line.split(" #")[0].strip() for line in joined.splitlines())
    return [line for line in lines if line]


def _slaplan_commands() -> list[list[str]]:
    prefix = ".venv/bin/slaplan "
    return [
        shlex.split(line[len(prefix) :]) for line in _command_lines() if line.startswith(prefix)
    ]


def test_readme_shows_slaplan_commands() -> None:
    assert len(_slaplan_commands()) >= 4


@pytest.mark.parametrize("argv", _slaplan_commands(), ids=" ".join)
def test_readme_slaplan_command_parses(argv: list[str]) -> None:
    args = _build_parser().parse_args(argv)  # exits (fails the test) on an unknown option
    assert args.command == argv[0]


def test_readme_make_targets_exist(project_root: Path) -> None:
    makefile = (project_root / "Makefile").read_text(encoding="utf-8")
    targets = [line.split()[1] for line in _command_lines() if line.startswith("make ")]
    assert targets, "README shows no make command"
    missing = [target for target in targets if not re.search(rf"^{target}:", makefile, re.M)]
    assert missing == []


def test_readme_paths_exist(project_root: Path) -> None:
    text = README.read_text(encoding="utf-8")
    paths = set(_REPO_PATH.findall(text))
    assert any(path.startswith("docs/img/") for path in paths)
    missing = sorted(path for path in paths if not (project_root / path).exists())
    assert missing == []


def test_readme_images_are_pngs(project_root: Path) -> None:
    images = re.findall(r"!\[[^\]]+\]\(([^)]+)\)", README.read_text(encoding="utf-8"))
    assert len(images) >= 3
    for image in images:
        assert (project_root / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image
