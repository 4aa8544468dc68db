"""The SLA review report: execute the review notebook with papermill, export it to HTML.

:func:`render_review` runs ``notebooks/05_sla_review.ipynb`` with its ``parameters`` cell
overridden (papermill), then exports the executed notebook with nbconvert's ``HTMLExporter``:
code cells and prompts hidden, widget outputs and widget state removed, images embedded as data
URIs and every script removed (the template's load MathJax and mermaid from a CDN), so the file
opens in any browser offline, without a kernel. The page's pieces (the brief, the tables, the
footer) are built by :mod:`slaplan.present.review_html`.

The kernel talks to papermill over IPC (Unix sockets in the Jupyter runtime folder) rather than
TCP on loopback: ipykernel warns on every run that unencrypted TCP can be read by anyone on the
machine, and IPC has nothing to read (:class:`IPCKernelManager`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from slaplan._background import CHILD_WAIT_SECONDS, can_fork, receive
from slaplan.present.in_process import can_execute_in_process, execute_in_process

__all__ = [
    "IPCKernelManager",
    "bundled_notebook",
    "notebook_path",
    "render_review",
    "strip_interactive",
]

REVIEW_NOTEBOOK = "05_sla_review.ipynb"
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)


class IPCKernelManager(AsyncKernelManager):
    """A kernel manager whose kernels listen on IPC sockets (Unix), not TCP on loopback.

    Examples
    --------
    >>> IPCKernelManager().transport == ("ipc" if os.name == "posix" else "tcp")
    True
    """

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc" if os.name == "posix" else "tcp"  # Windows has no IPC transport


def bundled_notebook(name: str) -> Path:
    """One of the project's notebooks (``notebooks/`` beside the package, or inside it).

    >>> bundled_notebook("02_target_planner.ipynb").name
    '02_target_planner.ipynb'
    """
    import slaplan

    package = Path(slaplan.__file__).resolve().parent
    for candidate in (package.parent / "notebooks", package / "notebooks"):
        if (candidate / name).exists():
            return candidate / name
    raise FileNotFoundError(package.parent / "notebooks" / name)


def notebook_path() -> Path:
    """The review notebook template (the repository's ``notebooks/`` beside the package)."""
    return bundled_notebook(REVIEW_NOTEBOOK)


def strip_interactive(notebook: Any) -> Any:
    """Remove widget outputs and saved widget state from an executed notebook (in place)."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _WIDGET_MIME in data:
                data.pop(_WIDGET_MIME)
                if not any(k for k in data if k != "text/plain"):
                    continue
            kept.append(output)
        cell["outputs"] = kept
    return notebook


def _html_exporter() -> Any:
    """nbconvert's HTML exporter of the report, its template compiled by a first small export.

    :func:`render_review` makes it on a thread while the kernel runs the notebook (importing
    nbconvert and compiling the template take about a second that the command would otherwise
    wait for after the kernel is done).
    """
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    v4 = nbformat.v4
    output = v4.new_output("display_data", data={"text/html": "<p>x</p>", "text/plain": "x"})
    exporter.from_notebook_node(
        v4.new_notebook(cells=[v4.new_markdown_cell("# x"), v4.new_code_cell(outputs=[output])])
    )
    return exporter


def _export_html(notebook: Any, exporter: Any) -> str:
    body, _ = exporter.from_notebook_node(notebook)
    # the template's scripts (MathJax, mermaid) load from a CDN; the report is static tables and
    # embedded images, needs no script, and must open offline without touching the network
    return _SCRIPT.sub("", body)


def render_review(
    out: str | Path = "reports/review.html",
    *,
    sla_path: str | Path,
    leads_path: str | Path,
    team_path: str | Path | None = None,
    as_of: str | None = None,
    segment: str | None = None,
    mapping: str | dict | None = None,
    dayfirst: bool | None = None,
    stages: list[str] | None = None,
    timeout_seconds: int = 600,
    progress: bool = False,
    notebook: str | Path | None = None,
    in_process: bool = False,
) -> Path:
    """Execute the review notebook on the given files and write the HTML report.

    Parameters
    ----------
    out : path
        The HTML file to write (its folder is created).
    sla_path, leads_path, team_path : path
        The SLA YAML, the lead export and (optionally) the roster.
    as_of : str, optional
        The review's "today" (``YYYY-MM-DD``); default the latest timestamp in the data.
    segment : str, optional
        Review one segment only.
    mapping, dayfirst, stages : optional
        How the lead export is read (:func:`slaplan.load_leads`'s ``mapping`` and ``dayfirst``;
        ``stages``: the funnel's stages, default the SLA's).
    timeout_seconds : int
        Per-cell execution timeout (of a kernel; the cells run in process have none).
    progress : bool
        Show a ``tqdm.auto`` bar of the executed cells (on stderr in a terminal); off by
        default so that tests and scripts stay quiet.
    notebook : path, optional
        The review notebook to run (default the project's, :func:`notebook_path`): a team's
        own copy with the same parameters (``slaplan init``), executed in its own folder.
    in_process : bool
        Run the cells in this process instead of a Jupyter kernel
        (:func:`slaplan.present.in_process.execute_in_process`: no second Python to start and
        import into; the same report). For a process that only makes the report, as
        ``slaplan review`` does: the cells run in its global IPython shell and in the
        notebook's folder. Ignored where an IPython shell already runs (inside a Jupyter
        kernel).

    Returns
    -------
    Path
        The written HTML file.

    Examples
    --------
    >>> import slaplan as sp
    >>> sp.render_review("reports/review.html", sla_path=sp.samples_dir() / "sla.yaml",
    ...                  leads_path=sp.samples_dir() / "leads.csv",
    ...                  as_of="2026-11-15")  # doctest: +SKIP
    PosixPath('reports/review.html')
    """
    template = notebook_path() if notebook is None else Path(notebook).resolve()
    parameters = {
        "sla_path": str(Path(sla_path).resolve()),
        "leads_path": str(Path(leads_path).resolve()),
        "team_path": str(Path(team_path).resolve()) if team_path else None,
        "as_of": as_of,
        "segment": segment,
        "mapping": mapping,
        "dayfirst": dayfirst,
        "stages": stages,
    }
    if in_process and can_execute_in_process():
        body = _report_in_process(template, parameters, progress=progress)
    else:
        body = _report_by_kernel(template, parameters, progress=progress, timeout=timeout_seconds)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out


def _report_by_kernel(template: Path, parameters: dict, *, progress: bool, timeout: int) -> str:
    import papermill

    with ThreadPoolExecutor(max_workers=1) as pool:
        exporter = pool.submit(_html_exporter)  # made while the kernel works (see its docstring)
        # no output path: papermill keeps the executed notebook in memory and returns it,
        # instead of writing (and validating) the whole notebook before and after every cell
        notebook = papermill.execute_notebook(
            str(template),
            None,
            parameters=parameters,
            cwd=str(template.parent),
            progress_bar={"desc": "review", "leave": False} if progress else False,
            kernel_name="python3",
            kernel_manager_class=IPCKernelManager,
            execution_timeout=timeout,
        )
        return _export_html(strip_interactive(notebook), exporter.result())


def _report_in_process(template: Path, parameters: dict, *, progress: bool) -> str:
    import papermill

    # the same parameterized notebook papermill would hand a kernel
    prepared = papermill.execute_notebook(
        str(template), None, parameters=parameters, prepare_only=True,
        kernel_name="python3", progress_bar=False,
    )  # fmt: skip
    with _ForkedExport() as export:
        notebook = execute_in_process(prepared, cwd=template.parent, progress=progress)
        return export.html(strip_interactive(notebook))


class _ForkedExport:
    """The HTML export, its exporter made in a forked child while the cells run in this process.

    Making the exporter (importing nbconvert, compiling its templates and the CSS selectors of
    its accessibility pass) takes about a second of a core, which a thread would take from the
    cells (the GIL) and, being alive, would make the review's own fork copy a process with two
    threads. The child is forked before the cells, with this process's one thread; it is sent
    the executed notebook and sends back the page. Without fork, or if the child fails, the
    export is made here.
    """

    def __init__(self) -> None:
        self._connection: Any = None
        if can_fork():
            context = multiprocessing.get_context("fork")
            self._connection, theirs = context.Pipe()
            self._child = context.Process(
                target=_export_in_child, args=(theirs, self._connection), daemon=True
            )
            self._child.start()
            theirs.close()

    def __enter__(self) -> _ForkedExport:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        # also when a cell failed: the child, waiting for the notebook, sees the end and exits
        if self._connection is not None:
            self._connection.close()
            self._child.join(CHILD_WAIT_SECONDS)
            if self._child.is_alive():  # stuck before reading its input: not waited for longer
                self._child.terminate()
                self._child.join()
            self._connection = None

    def html(self, notebook: Any) -> str:
        """The page of the executed ``notebook``."""
        if self._connection is not None:
            try:
                self._connection.send(notebook)
            except OSError:  # the child died: export here
                pass
            else:
                page = receive(self._connection, self._child)
                if page is not None:
                    return page
        return _export_html(notebook, _html_exporter())


def _export_in_child(connection: Any, parents_end: Any) -> None:
    # the fork copied the parent's end too: closed here, so that the parent closing its own
    # (a cell failed) reaches this end as the end of the input
    parents_end.close()
    # on any failure the parent sees the connection close, exports itself and sees the error
    with connection, contextlib.suppress(Exception):
        exporter = _html_exporter()
        connection.send(_export_html(connection.recv(), exporter))
