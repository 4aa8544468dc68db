"""The team's notebooks: copies of the project's review and planner with their own parameters.

A team's repository runs the same notebooks as the project (no library logic is copied, only the
``parameters`` cell changes): :func:`parameterised_copy` rewrites the literal values of the
parameters cell, keeps every other cell as it is and strips outputs, so the copy is committed
clean and nbval executes it in the team's CI.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["parameterised_copy", "planner_parameters"]

_ASSIGNMENT = re.compile(r"^(?P<name>[A-Za-z_]\w*) = (?P<value>.*?)(?P<comment>\s+#.*)?$")


def parameterised_copy(source: Path, values: Mapping[str, Any], *, header: str) -> Any:
    """The notebook at ``source`` with its parameters cell set to ``values``, outputs stripped.

    Parameters
    ----------
    source : Path
        A notebook with a cell tagged ``parameters`` of one ``name = literal`` per line.
    values : mapping
        The new values (Python literals: str, int, float, bool, None) of existing parameters.
    header : str
        The comment that replaces the cell's first comment line.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ValueError
        A name of ``values`` that the parameters cell does not assign.

    Examples
    --------
    >>> from slaplan.present.report import notebook_path
    >>> nb = parameterised_copy(notebook_path(), {"sla_path": "../sla.yaml"}, header="# mine")
    >>> print(next(c for c in nb.cells if "parameters" in c.metadata.tags).source[:31])
    # mine
    sla_path = "../sla.yaml"
    """
    import nbformat

    notebook = nbformat.read(source, as_version=4)
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    lines = cell.source.split("\n")
    missing = set(values) - {m["name"] for m in map(_ASSIGNMENT.match, lines) if m}
    if missing:
        raise ValueError(f"{source.name}: the parameters cell has no {', '.join(sorted(missing))}")
    if lines and lines[0].startswith("#"):
        lines = lines[1:]
    cell.source = "\n".join([header, *(_set(line, values) for line in lines)])
    for each in notebook.cells:
        if each.cell_type == "code":
            each.outputs = []
            each.execution_count = None
    return notebook


def planner_parameters(sla: Any) -> dict[str, Any]:
    """The planner's target, stages and marketing commitment from an SLA: its first sales count
    for all segments and the marketing count on the stage before (empty when it has none)."""
    names = sla.stage_names
    sales = [c for c in sla.commitments if c.owner == "sales" and c.metric == "count"]
    sales = [c for c in sales if not c.segment and names.index(c.stage) > 0]
    if not sales:
        return {}
    to_stage = sales[0].stage
    from_stage = names[names.index(to_stage) - 1]
    values = {"from_stage": from_stage, "to_stage": to_stage, "target": int(sales[0].target)}
    for c in sla.commitments:
        if c.owner == "marketing" and c.metric == "count" and c.stage == from_stage:
            if not c.segment:
                values["marketing_commitment"] = int(c.target)
                break
    return values


def _set(line: str, values: Mapping[str, Any]) -> str:
    match = _ASSIGNMENT.match(line)
    if not match or match["name"] not in values:
        return line
    value = values[match["name"]]
    literal = json.dumps(value) if isinstance(value, str) else repr(value)
    return f"{match['name']} = {literal}{match['comment'] or ''}"
