"""What a Voilà page runs: the dashboard cells only, its URL parameters, and how it ends.

Owns the *dashboard page* concept. Voilà 0.5 executes every cell of a notebook on each page
request; its templates can only hide a cell's output (the lab template marks each cell with a
``celltag_<tag>`` class), so the analysis below a dashboard would still run and show numbers of
the initial state that the widgets never update. The project's Voilà configuration
(``etc/voila.py``) installs :func:`prelaunch_hook`, which hands Voilà a copy of the notebook with
only the cells tagged ``dashboard`` (and the ``parameters`` cell): the page is the dashboard,
every number on it answers to the widgets, and the page renders in a few seconds. In JupyterLab,
papermill and nbval the whole notebook runs as written.

The hook also gives the page its ``_xsrf`` cookie. Voilà's front end ends the page's kernel when
the tab closes (a ``beforeunload`` beacon to ``/voila/api/shutdown/<kernel>``), and that POST
carries the cookie's value; Voilà's page handler never sets the cookie, so every shutdown was
refused with "'_xsrf' argument missing" and each closed tab left its kernel running.

:func:`url_parameters` reads the page's query string (Voilà puts it in the kernel's
``QUERY_STRING``) into typed notebook parameters and keeps what could not be read as messages,
so a dashboard can show them on the page instead of failing.
"""

from __future__ import annotations

import ast
import copy
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from slaplan.errors import SpecError

__all__ = [
    "DASHBOARD_TAG",
    "UrlParameters",
    "dashboard_notebook",
    "notebook_defaults",
    "prelaunch_hook",
    "query_parameters",
    "url_parameters",
]

DASHBOARD_TAG = "dashboard"
_KEPT_TAGS = frozenset({DASHBOARD_TAG, "parameters"})
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _tags(cell: Any) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def dashboard_notebook(notebook: Any) -> Any:
    """A copy of ``notebook`` with only its dashboard cells, if it has any.

    A notebook with at least one cell tagged ``dashboard`` keeps those cells and its
    ``parameters`` cell, in order; a notebook without the tag is returned unchanged (a copy).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     nbformat.v4.new_code_cell("target = 50", metadata={"tags": ["parameters"]}),
    ...     nbformat.v4.new_code_cell("board", metadata={"tags": ["dashboard"]}),
    ...     nbformat.v4.new_code_cell("analysis")])
    >>> [cell.source for cell in dashboard_notebook(nb).cells]
    ['target = 50', 'board']
    >>> len(nb.cells)  # the notebook itself is left alone
    3
    """
    page = copy.deepcopy(notebook)
    if any(DASHBOARD_TAG in _tags(cell) for cell in page.cells):
        page.cells = [cell for cell in page.cells if _tags(cell) & _KEPT_TAGS]
    return page


def prelaunch_hook(request_handler: Any, notebook: Any, cwd: str) -> Any:
    """Voilà's ``VoilaConfiguration.prelaunch_hook``: set the XSRF cookie, keep the dashboard.

    Reading ``xsrf_token`` makes tornado set the ``_xsrf`` cookie on the page's response, which
    Voilà's close-tab shutdown request needs (see the module docstring).
    """
    del cwd  # the notebook runs in its own folder; nothing to change here
    _ = request_handler.xsrf_token
    return dashboard_notebook(notebook)


def notebook_defaults(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The literal values of a notebook's ``parameters`` cell: what a page runs with by default.

    Examples
    --------
    >>> from slaplan.present.voila import voila_config_dir
    >>> notebook = voila_config_dir().parent / "notebooks" / "02_target_planner.ipynb"
    >>> notebook_defaults(notebook)["target"]
    66
    """
    import nbformat

    cells = nbformat.read(Path(path), as_version=4).cells
    cell = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    return {
        target.id: ast.literal_eval(statement.value)
        for statement in ast.parse(cell.source).body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
    }


@dataclass(frozen=True, kw_only=True)
class UrlParameters:
    """Notebook parameters overridden by a page's URL query (see :func:`url_parameters`).

    Attributes
    ----------
    values : dict
        Every parameter: the URL's value where it was given and readable, else the default.
    given : dict
        Only the parameters the URL set (already converted to their default's type).
    problems : tuple of str
        One message per URL value that could not be read (its default is kept).
    """

    values: dict[str, Any]
    given: dict[str, Any] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def url_parameters(query_string: str | None = None, /, **defaults: Any) -> UrlParameters:
    """Read the page's URL query into notebook parameters, keeping unreadable values as messages.

    Under Voilà the query string of the request is in the kernel's ``QUERY_STRING`` environment
    variable; elsewhere (JupyterLab, papermill, nbval) it is absent and the defaults come back
    unchanged. Each value is converted to the type of its default (``int``, ``float``, ``bool``
    from ``1/0/true/false/yes/no/on/off``, ``str``); keys that are not parameters are ignored.

    Parameters
    ----------
    query_string : str, optional
        The query to read (``"target=15&volume_per_month=320"``); default ``$QUERY_STRING``.
    **defaults
        Parameter names and their default values, as set in the notebook's parameters cell.

    Examples
    --------
    >>> p = url_parameters("target=15&confidence=high&x=1", target=12, confidence=0.8)
    >>> p.values, p.given
    ({'target': 15, 'confidence': 0.8}, {'target': 15})
    >>> p.problems
    ("URL parameter confidence must be a finite float, got 'high'",)
    """
    raw = os.environ.get("QUERY_STRING", "") if query_string is None else query_string
    query = parse_qs(raw, keep_blank_values=False)
    values, given, problems = dict(defaults), {}, []
    for name, default in defaults.items():
        if name not in query:
            continue
        try:
            given[name] = values[name] = _convert(name, query[name][-1], default)
        except SpecError as exc:
            problems.append(str(exc))
    return UrlParameters(values=values, given=given, problems=tuple(problems))


def query_parameters(query_string: str | None = None, /, **defaults: Any) -> dict[str, Any]:
    """The values of :func:`url_parameters`, raising on the first value that cannot be read.

    Raises
    ------
    SpecError
        A query value cannot be read as its parameter's type.

    Examples
    --------
    >>> query_parameters("target=15&x=1", target=12, confidence=0.8)
    {'target': 15, 'confidence': 0.8}
    """
    parameters = url_parameters(query_string, **defaults)
    if parameters.problems:
        raise SpecError(parameters.problems[0])
    return parameters.values


def _convert(name: str, text: str, default: Any) -> Any:
    if isinstance(default, bool):
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        rule = "one of 1/0/true/false/yes/no/on/off"
    elif isinstance(default, int | float):
        kind = type(default)
        try:
            number = kind(text)
        except ValueError:
            number = None
        if number is not None and number == number and abs(number) != float("inf"):
            return number
        rule = f"a finite {kind.__name__}"
    else:
        return text
    raise SpecError(f"URL parameter {name} must be {rule}, got {text!r}")
