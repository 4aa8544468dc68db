"""The numbers README.md quotes from a run on the bundled samples, and the command to refresh them.

README.md shows, between marker comments, what ``slaplan check`` prints on the bundled samples
and the change warnings of the one estimate behind it (the paid_social campaign of the samples;
see ``data/samples/sla.yaml``). Both are written here from a fresh, seeded run, so they are the
same on every machine; ``tests/test_readme_numbers.py`` recomputes them and fails, naming this
command, when the README is stale::

    .venv/bin/python tools/readme_numbers.py          # rewrite the blocks in README.md
    .venv/bin/python tools/readme_numbers.py --check  # exit 1 if README.md is stale

Every number the README quotes from the samples is inside these blocks; its prose names
commitments and verdicts only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CHECK_COMMAND = ".venv/bin/slaplan check"
WARNINGS_CODE = """\
import slaplan as sp

leads = sp.load_leads("data/samples/leads.csv")
estimate = sp.estimate_funnel(leads, ["lead", "mql", "sql"])
estimate.volume("lead"), estimate.volume("mql"), estimate.transition("mql", "sql")
print(*estimate.warnings, sep="\\n")"""
BLOCKS = ("slaplan check", "change warnings")


def _marker(name: str, end: bool = False) -> str:
    return f"<!-- {'/' if end else ''}readme_numbers: {name} -->"


def check_output() -> str:
    """What ``slaplan check`` prints on the bundled samples (stdout and stderr in order).

    The samples' absolute path is written relative to the project root, as the README's
    commands are run from there.

    Returns
    -------
    str
        The command line, then its output, without trailing spaces.
    """
    from slaplan.cli import main

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        code = main(["check"])
    if code != 0:
        raise RuntimeError(f"slaplan check exited with {code}:\n{buffer.getvalue()}")
    text = buffer.getvalue().replace(f"{ROOT}/", "")
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return "\n".join([f"$ {CHECK_COMMAND}", *lines])


def change_warnings() -> str:
    """The change warnings of the one estimate of the samples' funnel (all leads).

    Runs :data:`WARNINGS_CODE` from the project root, so the README shows the code and the
    output one gets from it.

    Returns
    -------
    str
        What the code prints: one warning a line.
    """
    buffer = io.StringIO()
    with contextlib.chdir(ROOT), contextlib.redirect_stdout(buffer):
        exec(compile(WARNINGS_CODE, "<readme_numbers>", "exec"), {"__name__": "readme_numbers"})
    return buffer.getvalue().strip("\n")


def blocks() -> dict[str, str]:
    """Every README block this script owns, by name, as fenced Markdown."""
    return {
        "slaplan check": f"```text\n{check_output()}\n```",
        "change warnings": f"```python\n{WARNINGS_CODE}\n```\n\nprints\n\n"
        f"```text\n{change_warnings()}\n```",
    }


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"({re.escape(_marker(name))})(.*?)({re.escape(_marker(name, end=True))})", re.DOTALL
    )


def readme_blocks(text: str) -> dict[str, str]:
    """The blocks as README.md holds them now (a missing block is missing from the dict)."""
    found = {}
    for name in BLOCKS:
        match = _pattern(name).search(text)
        if match:
            found[name] = match.group(2).strip("\n")
    return found


def updated_readme(text: str, fresh: dict[str, str]) -> str:
    """``text`` with every block replaced by its fresh content.

    Raises
    ------
    ValueError
        If a block's markers are missing from ``text``.
    """
    for name, content in fresh.items():
        pattern = _pattern(name)
        if not pattern.search(text):
            raise ValueError(f"README.md has no block {_marker(name)} ... {_marker(name, True)}")
        text = pattern.sub(lambda m, c=content: f"{m.group(1)}\n{c}\n{m.group(3)}", text)
    return text


def main(argv: list[str] | None = None) -> int:
    """Rewrite the README's blocks, or with ``--check`` report whether they are current."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if README.md is stale")
    args = parser.parse_args(argv)
    text = README.read_text(encoding="utf-8")
    fresh = updated_readme(text, blocks())
    if args.check:
        stale = fresh != text
        print("README.md is stale: run .venv/bin/python tools/readme_numbers.py" if stale
              else "README.md numbers are current")  # fmt: skip
        return int(stale)
    README.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
