"""The numbers README.md quotes from a run on the bundled samples, and the command to refresh them.

README.md shows, between marker comments, what ``slaplan check`` prints on the bundled samples,
the change warnings of the one estimate behind it (the paid_social campaign of the samples;
see ``data/samples/sla.yaml``), what ``slaplan diff`` says of a copy of the SLA with one target
raised, and what ``slaplan check --fail-under`` says of an SLA asking for far too many SQLs.
All are written here from a fresh, seeded run, so they are the
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

from slaplan.repo.starter import set_targets

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
CHECK_COMMAND = ".venv/bin/slaplan check"
WARNINGS_CODE = """\
import slaplan as sp

leads = sp.load_leads("data/samples/leads.csv")
estimate = sp.estimate_funnel(leads, ["lead", "mql", "sql"])
estimate.volume("lead"), estimate.volume("mql"), estimate.transition("mql", "sql")
print(*estimate.warnings, sep="\\n")"""
BLOCKS = ("slaplan check", "change warnings", "slaplan diff", "fail-under")
SAMPLES_SLA = "data/samples/sla.yaml"
RAISED = ("sql_volume", 10)  # the diff's example: this commitment's target raised by this much
UNREACHABLE = ("sql_volume", 5000)  # the gate's example: this commitment asking for this many


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


def _samples_sla():
    """The samples' SLA file: its text and the SLA it parses to."""
    from slaplan.sla.spec import parse_sla

    text = (ROOT / SAMPLES_SLA).read_text(encoding="utf-8")
    return text, parse_sla(text, name=SAMPLES_SLA)


def _run(argv: list[str], changed_sla: str, name: str) -> tuple[int, str]:
    """``slaplan argv`` from the project root, with the changed SLA written as ``name``."""
    import tempfile

    from slaplan.cli import main

    buffer = io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(changed_sla, encoding="utf-8")
        argv = [str(path) if arg == name else arg for arg in argv]
        with (
            contextlib.chdir(ROOT),
            contextlib.redirect_stdout(buffer),
            contextlib.redirect_stderr(buffer),
        ):
            code = main(argv)
        text = buffer.getvalue().replace(str(path), name).replace(f"{ROOT}/", "")
    return code, "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def diff_output() -> str:
    """``slaplan diff`` of the samples' SLA and a copy with :data:`RAISED`'s target raised."""
    commitment, step = RAISED
    text, sla = _samples_sla()
    raised = set_targets(text, sla, {commitment: sla.commitment(commitment).target + step})
    argv = ["diff", SAMPLES_SLA, "raised.yaml"]
    code, text = _run(argv, raised, "raised.yaml")
    if code != 0:
        raise RuntimeError(f"slaplan diff exited with {code}:\n{text}")
    return f"$ slaplan {' '.join(argv)}\n{text}"


def gate_output() -> str:
    """The ``FAILED`` lines of ``slaplan check --fail-under`` on :data:`UNREACHABLE`'s SLA."""
    commitment, target = UNREACHABLE
    text, sla = _samples_sla()
    code, text = _run(
        ["check", "--sla", "sla.yaml", "--fail-under"],
        set_targets(text, sla, {commitment: target}),
        "sla.yaml",
    )
    if code != 3:
        raise RuntimeError(f"slaplan check --fail-under exited with {code}, not 3:\n{text}")
    return "\n".join(line for line in text.splitlines() if line.startswith("FAILED"))


def blocks() -> dict[str, str]:
    """Every README block this script owns, by name, as fenced Markdown."""
    return {
        "slaplan check": f"```text\n{check_output()}\n```",
        "change warnings": f"```python\n{WARNINGS_CODE}\n```\n\nprints\n\n"
        f"```text\n{change_warnings()}\n```",
        "slaplan diff": f"```text\n{diff_output()}\n```",
        "fail-under": f"```text\n{gate_output()}\n```",
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
