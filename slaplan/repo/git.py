"""An SLA file as it was in a git revision: ``REV:path`` read with ``git show``.

``slaplan diff HEAD~1:sla.yaml sla.yaml`` compares the committed SLA with the one being
changed. The path after the colon is relative to the current folder (``git show REV:./path``),
so the same words work from any folder of the repository.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from slaplan.errors import SpecError

__all__ = ["is_revision", "read_revision"]


def is_revision(spec: str) -> bool:
    """Whether ``spec`` names a file in a git revision (``REV:path``) rather than a file.

    >>> is_revision("HEAD~1:sla.yaml"), is_revision("sla.yaml")
    (True, False)
    """
    revision, colon, path = spec.partition(":")
    return bool(colon and revision and path) and not Path(spec).exists()


def read_revision(spec: str, *, cwd: str | Path | None = None) -> str:
    """The text of ``REV:path`` (``path`` relative to ``cwd``) in the repository of ``cwd``.

    Raises
    ------
    SpecError
        git is not installed, ``cwd`` is not in a repository, or the revision or the file in it
        does not exist: one line naming ``spec`` and git's own reason.

    Examples
    --------
    >>> read_revision("no-such-revision:sla.yaml")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    slaplan.errors.SpecError: no-such-revision:sla.yaml: git ...
    """
    git = shutil.which("git")
    if git is None:
        raise SpecError(f"{spec}: git is not installed (it reads a file as it was in a revision)")
    revision, _, path = spec.partition(":")
    relative = path if path.startswith(("./", "../", "/")) else f"./{path}"
    done = subprocess.run(
        [git, "show", f"{revision}:{relative}"],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[0] if lines else f"git show exited with {done.returncode}"
        raise SpecError(f"{spec}: git cannot show it: {reason}")
    return done.stdout
