"""A notebook's code cells run in this process's IPython shell: :func:`execute_in_process`.

Owns the review's execution without a Jupyter kernel. ``slaplan review`` has read the inputs,
imported pandas and most of slaplan before the notebook runs; a kernel would start a second
Python and import them all again (≈ 2 s of CPU, more of waiting). Here the cells run in an
IPython shell of the command's own process, and what they display is collected as the kernel's
messages would have been by the notebook client: ``display_data`` and ``execute_result`` outputs
with the same MIME bundles (the shell's formatters are the kernel's), stdout and stderr as
``stream`` outputs, a failing cell as an ``error`` output and papermill's
``PapermillExecutionError``. The notebook stays the source of the report: it is parameterized by
papermill exactly as for a kernel, and its ``%matplotlib inline`` line sets up the same backend.

Only for a process with nothing else to do: the cells run in IPython's one global shell (so not
inside a Jupyter kernel, which has its own; :func:`can_execute_in_process`), in the notebook's
folder; matplotlib's backend is put back afterwards when this process had chosen one.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.jsonutil import json_default
from nbformat.v4 import new_output
from traitlets.config import Config

from slaplan._progress import progress as progress_bar

__all__ = ["can_execute_in_process", "execute_in_process"]


def can_execute_in_process() -> bool:
    """Whether no IPython shell runs in this process yet (none of a kernel, none of ours)."""
    return not InteractiveShell.initialized()


def execute_in_process(notebook: Any, *, cwd: str | Path, progress: bool = False) -> Any:
    """Execute the code cells of ``notebook`` (in place) in an IPython shell of this process.

    Parameters
    ----------
    notebook : NotebookNode
        A notebook ready to run (parameterized); its cells' outputs are replaced.
    cwd : path
        The working directory of the cells (restored afterwards).
    progress : bool
        A ``tqdm.auto`` bar over the code cells.

    Returns
    -------
    NotebookNode
        The same notebook, executed.

    Raises
    ------
    papermill.exceptions.PapermillExecutionError
        When a cell raises: the cells after it are not run.
    RuntimeError
        When an IPython shell already runs in this process (see :func:`can_execute_in_process`).
    """
    if not can_execute_in_process():
        raise RuntimeError("an IPython shell already runs in this process: use a kernel")
    main_module, folder = sys.modules.get("__main__"), os.getcwd()
    config = Config({"HistoryManager": {"enabled": False}})  # no history file for a report
    shell = _NotebookShell.instance(config=config)
    # a fresh kernel would show again a warning this process has shown already
    with warnings.catch_warnings(), _matplotlib_backend_kept():
        try:
            _run_cells(shell, notebook, cwd, progress)
        finally:
            os.chdir(folder)
            _NotebookShell.clear_instance()  # and InteractiveShell's, its parent
            _forget_inline_formats()
            if main_module is not None:  # the shell put its own namespace there
                sys.modules["__main__"] = main_module
    return notebook


def _run_cells(shell: Any, notebook: Any, cwd: str | Path, progress: bool) -> None:
    from papermill.exceptions import PapermillExecutionError

    os.chdir(cwd)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for cell in progress_bar(cells, desc="review", enabled=progress):
        cell.outputs = shell.display_pub.outputs = []
        with _streams_into(cell.outputs):
            result = shell.run_cell(cell.source, store_history=True)
        cell.execution_count = result.execution_count
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            shown = next((o for o in cell.outputs if o.output_type == "error"), None)
            raise PapermillExecutionError(
                cell_index=notebook.cells.index(cell),
                exec_count=cell.execution_count,
                source=cell.source,
                ename=type(error).__name__,
                evalue=str(error),
                traceback=shown.traceback if shown is not None else [],
            )


class _Outputs(DisplayPublisher):
    """Turns what the cells display into ``display_data`` outputs of the current cell."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.outputs: list[Any] = []  # the current cell's, set by _run_cells

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kw):
        if update:  # no review cell updates a display by id; a kernel's client would
            raise NotImplementedError("display updates are not supported without a kernel")
        self.outputs.append(
            new_output("display_data", data=_json(data), metadata=_json(metadata or {}))
        )

    def clear_output(self, wait=False):
        self.outputs.clear()


class _Results(DisplayHook):
    """Turns a cell's last expression into an ``execute_result`` output (no ``Out[n]:`` print)."""

    def start_displayhook(self):
        self._bundle: tuple[dict, dict] | None = None

    def write_output_prompt(self):
        pass

    def write_format_data(self, format_dict, md_dict=None):
        self._bundle = (format_dict, md_dict or {})

    def finish_displayhook(self):
        if self._bundle is not None:
            data, metadata = self._bundle
            self.shell.display_pub.outputs.append(
                new_output(
                    "execute_result",
                    data=_json(data),
                    metadata=_json(metadata),
                    execution_count=self.prompt_count,
                )
            )


class _NotebookShell(InteractiveShell):
    """IPython's shell with the notebook client's outputs instead of a terminal's prints."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(display_pub_class=_Outputs, displayhook_class=_Results, **kwargs)

    def enable_gui(self, gui=None):
        # %matplotlib inline asks for no event loop (gui None); a window has no place here
        if gui is not None:
            raise NotImplementedError(f"no GUI event loop without a kernel, got {gui!r}")

    def _showtraceback(self, etype, evalue, stb):
        self.display_pub.outputs.append(
            new_output("error", ename=etype.__name__, evalue=str(evalue), traceback=stb)
        )


class _Stream(io.TextIOBase):
    """A text stream whose writes become ``stream`` outputs (consecutive writes joined)."""

    def __init__(self, name: str, outputs: list[Any]) -> None:
        self.name_, self.outputs = name, outputs

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == self.name_:
            last.text += text
        elif text:
            self.outputs.append(new_output("stream", name=self.name_, text=text))
        return len(text)


@contextlib.contextmanager
def _streams_into(outputs: list[Any]):
    with (
        contextlib.redirect_stdout(_Stream("stdout", outputs)),
        contextlib.redirect_stderr(_Stream("stderr", outputs)),
    ):
        yield


def _forget_inline_formats() -> None:
    """Let the next shell of this process set up figure formats, as a fresh kernel's does.

    ``%matplotlib inline`` registers the PNG formatter on the shell only the first time in a
    process (a mark on ``configure_inline_support``, ipython/ipykernel#29): a second review in
    the same process would show figures left open as text only.
    """
    module = sys.modules.get("matplotlib_inline.backend_inline")
    if module is not None and hasattr(module.configure_inline_support, "current_backend"):
        del module.configure_inline_support.current_backend


@contextlib.contextmanager
def _matplotlib_backend_kept():
    """Put back the backend ``%matplotlib inline`` replaces, if one was chosen before."""
    before = None
    if "matplotlib" in sys.modules:
        import matplotlib

        before = matplotlib.get_backend(auto_select=False)
    try:
        yield
    finally:
        if before is not None and "matplotlib.pyplot" in sys.modules:
            import matplotlib.pyplot as plt

            plt.switch_backend(before)


def _json(bundle: dict) -> dict:
    # what the kernel's JSON messages carry: bytes (a PNG) as base64 text, tuples as lists
    return json.loads(json.dumps(bundle, default=json_default))
