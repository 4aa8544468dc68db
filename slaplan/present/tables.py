"""Tables for people: escaped HTML with every cell already written as text, nothing cut.

Owns the *table for reading* concept used by the review report and the notebooks: a
:class:`PeopleTable` holds column labels and rows of text (each cell optionally with a
background colour, for traffic lights); :func:`frame_table` builds one from a DataFrame with a
formatter per column (:mod:`slaplan.present.formatting`). Long text wraps inside its cell
instead of being truncated (pandas cuts at 50 characters), every string from the data is
escaped, and the table shows in a notebook (``_repr_html_``), in Voilà and in the HTML report.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slaplan.present.formatting import (
    MISSING,
    format_count,
    format_number,
    format_percent,
    is_missing,
)

__all__ = ["PeopleTable", "frame_table", "readable_table", "text"]

Cell = str | tuple[str, str]  # the text, or (text, background colour)
_TABLE_STYLE = "border-collapse:collapse;margin:0.5em 0"
_HEAD_STYLE = "padding:4px 8px;text-align:left;vertical-align:bottom"
_CELL_STYLE = "padding:4px 8px;border-top:1px solid #ddd;vertical-align:top;text-align:left"
_WRAP_STYLE = "white-space:pre-line;overflow-wrap:anywhere;min-width:12em;max-width:38em"


def text(value: Any) -> str:
    """A cell for any value: a missing one is a dash, anything else ``str``.

    Examples
    --------
    >>> text(None), text("events"), text(float("nan"))
    ('–', 'events', '–')
    """
    return MISSING if is_missing(value) else str(value)


@dataclass(frozen=True, kw_only=True)
class PeopleTable:
    """Column labels and rows of text cells, rendered as one escaped HTML table.

    Attributes
    ----------
    columns : tuple of str
        The header.
    rows : tuple of tuple of Cell
        One tuple per row; a cell is its text or ``(text, background colour)``.
    css_class : str
        The table's class (the tests and stylesheets find it by this name).
    wrap : tuple of str
        Columns of long text, wrapped in their cells.

    Examples
    --------
    >>> t = PeopleTable(columns=("what", "value"), rows=(("a < b", ("53%", "#c8e6c9")),))
    >>> "a &lt; b" in t.to_html() and "background:#c8e6c9" in t.to_html()
    True
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    css_class: str = "slaplan-table"
    wrap: tuple[str, ...] = ()

    def to_html(self) -> str:
        """The table as escaped HTML."""
        wrapped = [name in self.wrap for name in self.columns]
        head = "".join(
            f'<th style="{_HEAD_STYLE}">{html.escape(name)}</th>' for name in self.columns
        )
        lines = [
            f'<table class="{html.escape(self.css_class)}" style="{_TABLE_STYLE}">',
            f"<thead><tr>{head}</tr></thead><tbody>",
        ]
        for row in self.rows:
            cells = [_cell_html(cell, wrap) for cell, wrap in zip(row, wrapped, strict=True)]
            lines.append("<tr>" + "".join(cells) + "</tr>")
        lines.append("</tbody></table>")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __len__(self) -> int:
        return len(self.rows)


def _cell_html(cell: Cell, wrap: bool) -> str:
    content, colour = (cell, "") if isinstance(cell, str) else cell
    style = _CELL_STYLE + (f";background:{colour}" if colour else "")
    style += ";" + _WRAP_STYLE if wrap else ";white-space:nowrap"
    return f'<td style="{style}">{html.escape(content)}</td>'


def frame_table(
    frame: Any,
    formats: Mapping[str, Callable[[Any], str]],
    *,
    labels: Mapping[str, str] | None = None,
    index: str | None = None,
    wrap: Sequence[str] = (),
    css_class: str = "slaplan-table",
) -> PeopleTable:
    """A :class:`PeopleTable` of ``frame``'s columns in ``formats``, each written by its formatter.

    Parameters
    ----------
    frame : pandas.DataFrame
    formats : mapping of column name to a function value → str
        The columns to show, in order, and how to write them.
    labels : mapping of column name to header label, optional
        Headers for people (default: the column name with ``_`` as spaces).
    index : str, optional
        Show the index as the first column with this header (default: no index column).
    wrap : sequence of str
        Headers (after ``labels``) of long-text columns to wrap.
    css_class : str

    Examples
    --------
    >>> import pandas as pd
    >>> from slaplan.present.formatting import format_count, format_percent
    >>> frame = pd.DataFrame({"volume": [393.75], "probability": [0.576635]}, index=["now"])
    >>> t = frame_table(frame, {"volume": format_count, "probability": format_percent},
    ...                 index="scenario")
    >>> t.columns, t.rows
    (('scenario', 'volume', 'probability'), (('now', '394', '58%'),))
    """
    labels = dict(labels or {})
    header = [labels.get(name, name.replace("_", " ")) for name in formats]
    rows = []
    for key, row in frame.iterrows():
        cells = [formatter(row[name]) for name, formatter in formats.items()]
        rows.append(tuple([text(key), *cells] if index is not None else cells))
    columns = ([index] if index is not None else []) + header
    return PeopleTable(
        columns=tuple(columns), rows=tuple(rows), css_class=css_class, wrap=tuple(wrap)
    )


def readable_table(
    frame: Any,
    *,
    percent: Sequence[str] = (),
    index: str | None = None,
    decimals: int | None = None,
    css_class: str = "slaplan-table",
) -> PeopleTable:
    """Any DataFrame written for people, each column by the kind of its values.

    Columns in ``percent`` are shares written as percentages (one decimal); other numeric
    columns are integers with thousands separators when every value is whole, else numbers with
    ``decimals`` decimals (default: by size, see :func:`format_number`); booleans are
    "yes"/"no"; missing values a dash; everything else ``str``. ``index`` is the header of an
    index column ("" for the index's own name; default None: no index column).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"leads": [4727.0, 12.0], "rate": [0.576635, float("nan")],
    ...                       "hours": [365.354331, 2.5], "met": [True, False]})
    >>> readable_table(frame, percent=["rate"]).rows
    (('4,727', '57.7%', '365', 'yes'), ('12', '–', '2.5', 'no'))
    """
    formats = {name: _formatter(frame[name], name in percent, decimals) for name in frame.columns}
    shown = frame.copy()
    shown.columns = [str(name) for name in frame.columns]
    formats = {str(name): formatter for name, formatter in formats.items()}
    label = None if index is None else (index or str(frame.index.name or ""))
    return frame_table(shown, formats, index=label, css_class=css_class)


def _formatter(column: Any, percent: bool, decimals: int | None) -> Callable[[Any], str]:
    import pandas as pd

    if percent:
        return lambda value: format_percent(value, decimals=1)
    if pd.api.types.is_bool_dtype(column):
        return lambda value: text(value) if is_missing(value) else ("yes" if value else "no")
    if pd.api.types.is_numeric_dtype(column):
        values = column.dropna().astype(float)
        if ((values % 1) == 0).all():
            return format_count
        return lambda value: format_number(value, decimals=decimals)
    return text
