"""``slaplan init``: a team's SLA repository, ready to commit, working on the samples.

:func:`init_repository` writes::

    sla.yaml                     the SLA (the samples', targets the starting data keeps)
    source.yaml                  where the leads are and how to read them (--leads source.yaml)
    data/leads.csv, team.csv     the starting data: slaplan's synthetic samples
    notebooks/review.ipynb       the project's review notebook, parameterised for these files
    notebooks/planner.ipynb      the project's target planner, likewise
    ci.sh, Makefile              check, notebooks, review, backtest, diff REV
    .github/workflows/sla.yml    ci.sh on every push and pull request, the review as artifact
    README.md, .gitignore

The shell script is the one place the steps are written (the Makefile and the workflow call it),
and it takes ``slaplan`` and ``python`` from ``PATH``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from slaplan.repo.starter import StarterTarget

__all__ = ["InitResult", "init_repository"]

_HEADER = """\
# The marketing–sales SLA of this team, as code: change it by pull request, and CI says whether
# the change is sound (slaplan check --fail-under; slaplan diff shows what it does).
# Written by `slaplan init` from slaplan's sample SLA (Northwind, a fictional company) and the
# sample leads in data/: replace both with your own (source.yaml says where the leads are).
"""
_REVIEW_HEADER = (
    "# Parameters (papermill overrides these; paths are relative to notebooks/; how the leads\n"
    "# are read, and the analysis date, are said in ../source.yaml)"
)
_PLANNER_HEADER = (
    "# Parameters (papermill and Voilà URL queries can override these; the leads are read as\n"
    "# ../source.yaml says; target and marketing_commitment: sla.yaml's, when it was written)"
)


@dataclass(frozen=True, kw_only=True)
class InitResult:
    """What :func:`init_repository` wrote."""

    folder: Path
    files: tuple[Path, ...]  # relative to ``folder``
    targets: tuple[StarterTarget, ...]  # each commitment's target, samples' and starting


def init_repository(folder: str | Path, *, force: bool = False, seed: int = 0) -> InitResult:
    """Write a team's SLA repository into ``folder``, starting from the bundled samples.

    Parameters
    ----------
    folder : path
        Created if missing; it must be empty unless ``force``.
    force : bool
        Write into a folder that is not empty (the files listed above are overwritten, others
        are left alone).
    seed : int
        Seed of the check that sets the starting targets (same seed, same targets).

    Returns
    -------
    InitResult

    Raises
    ------
    ValueError
        ``folder`` is not empty (and not ``force``) or is a file.

    Examples
    --------
    >>> import tempfile
    >>> result = init_repository(Path(tempfile.mkdtemp()) / "sla")  # doctest: +SKIP
    >>> sorted(str(f) for f in result.files)[:3]  # doctest: +SKIP
    ['.github/workflows/sla.yml', '.gitignore', 'Makefile']
    """
    from slaplan import __version__
    from slaplan.funnel.leads import load_leads
    from slaplan.present.report import bundled_notebook, notebook_path
    from slaplan.repo.notebooks import parameterised_copy, planner_parameters
    from slaplan.repo.starter import starter_sla
    from slaplan.samples import SampleConfig, samples_dir
    from slaplan.sla.spec import parse_sla

    folder = Path(folder)
    _check_folder(folder, force=force)
    samples = Path(samples_dir())
    as_of = SampleConfig().as_of.isoformat()
    leads = load_leads(samples / "leads.csv", as_of=as_of)
    sample_text = (samples / "sla.yaml").read_text(encoding="utf-8")
    text, targets = starter_sla(
        _HEADER + _without_header(sample_text),
        leads,
        team=samples / "team.csv",
        as_of=as_of,
        seed=seed,
    )
    sla = parse_sla(text, name="sla.yaml")
    fill = {
        "{{as_of}}": as_of,
        "{{stages}}": f"[{', '.join(sla.stage_names)}]",
        "{{version}}": __version__,
        "{{name}}": sla.name,
    }
    written = _Writer(folder)
    written.text("sla.yaml", text)
    for template, target in [
        ("source.yaml", "source.yaml"),
        ("ci.sh", "ci.sh"),
        ("Makefile", "Makefile"),
        ("sla.yml", ".github/workflows/sla.yml"),
        ("gitignore", ".gitignore"),
        ("README.md", "README.md"),
    ]:
        written.text(target, _template(template, fill))
    (folder / "ci.sh").chmod(0o755)
    written.copy(samples / "leads.csv", "data/leads.csv")
    written.copy(samples / "team.csv", "team.csv")
    files = {"sla_path": "../sla.yaml", "leads_path": "../source.yaml"}
    review = parameterised_copy(
        notebook_path(),
        {**files, "team_path": "../team.csv", "as_of": None, "stages": None},
        header=_REVIEW_HEADER,
    )
    written.notebook("notebooks/review.ipynb", review)
    planner = parameterised_copy(
        bundled_notebook("02_target_planner.ipynb"),
        {"leads_path": files["leads_path"], **planner_parameters(sla)},
        header=_PLANNER_HEADER,
    )
    written.notebook("notebooks/planner.ipynb", planner)
    return InitResult(folder=folder, files=tuple(written.files), targets=targets)


def _check_folder(folder: Path, *, force: bool) -> None:
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder}: is a file, not a folder")
    entries = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    if entries and not force:
        shown = ", ".join(entries[:3]) + (", ..." if len(entries) > 3 else "")
        raise ValueError(
            f"{folder}: not empty ({shown}); choose a new folder, or pass --force to write "
            "slaplan's files into it (overwriting those of the same name)"
        )


def _without_header(text: str) -> str:
    """``text`` without its leading comment lines (the samples' own header)."""
    lines = text.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    return "".join(lines[first:])


def _template(name: str, fill: dict[str, str]) -> str:
    text = resources.files("slaplan.repo").joinpath("templates", name).read_text("utf-8")
    for key, value in fill.items():
        text = text.replace(key, value)
    return text


class _Writer:
    """Writes files under ``folder`` (creating their folders) and remembers which."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: list[Path] = []

    def _path(self, relative: str) -> Path:
        path = self.folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        self.files.append(Path(relative))
        return path

    def text(self, relative: str, text: str) -> None:
        self._path(relative).write_text(text, encoding="utf-8")

    def copy(self, source: Path, relative: str) -> None:
        shutil.copyfile(source, self._path(relative))

    def notebook(self, relative: str, notebook: object) -> None:
        import nbformat

        nbformat.write(notebook, self._path(relative))
