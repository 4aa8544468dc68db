"""A dashboard's chart area: a matplotlib figure shown as a PNG in an ``ipywidgets.Image``.

Why not an ``ipywidgets.Output`` with ``display(figure)``: Voilà executes the notebook on the
server, and an Output widget filled while a cell runs makes its executor route the display and
``clear_output`` messages through the widget's state. With Voilà 0.5 the page then stalled for
good at the dashboard's cell in 3 of 36 renders of notebook 03 (2026-11-27; the open upstream
report is voila-dashboards/voila#1428, which also points at the Output widget). An Image widget is
plain widget state — the PNG bytes — and with it the same page rendered 40 times in 40, and
notebook 02's 20 in 20. The same widget works in JupyterLab, Voilà and a static export.

:class:`Chart` is the static counterpart for notebook outputs (the review): the figure as an
HTML ``<img>`` with alternative text, which nbconvert's own PNG output cannot carry (its
template writes no ``alt`` and warns "Alternative text is missing").
"""

from __future__ import annotations

import base64
import html
import io
from typing import Any

import ipywidgets as widgets

__all__ = ["Chart", "ChartPane", "figure_png"]


def figure_png(figure: Any, *, dpi: float = 96) -> bytes:
    """The PNG bytes of a matplotlib ``figure`` (tight bounding box)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


class ChartPane:
    """An ``ipywidgets.Image`` that shows the latest figure given to :meth:`show`.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> pane = ChartPane()
    >>> figure, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> pane.show(figure)
    >>> pane.widget.value[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """

    def __init__(self) -> None:
        self.widget = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))

    def show(self, figure: Any) -> None:
        """Replace the picture by ``figure``, then close the figure (pyplot keeps no reference)."""
        import matplotlib.pyplot as plt

        self.widget.value = figure_png(figure)
        plt.close(figure)


class Chart:
    """A matplotlib figure as a notebook output: a PNG ``<img>`` with alternative text.

    The figure is rendered once and closed (so the inline backend does not show it again).

    Parameters
    ----------
    figure : matplotlib Figure (or an Axes, whose figure is used)
    alt : str
        What the chart shows, in words, for readers who cannot see it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> chart = Chart(figure, alt="a line falling from 1 to 0")
    >>> chart._repr_html_().startswith('<img alt="a line falling from 1 to 0"')
    True
    """

    def __init__(self, figure: Any, *, alt: str) -> None:
        import matplotlib.pyplot as plt

        figure = getattr(figure, "figure", figure)  # an Axes gives its Figure
        if not alt.strip():
            raise ValueError("alt must describe the chart, got an empty text")
        self.alt = alt
        self.png = figure_png(figure)
        plt.close(figure)

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.png).decode("ascii")
        return (
            f'<img alt="{html.escape(self.alt)}" src="data:image/png;base64,{data}" '
            'style="max-width:100%;height:auto">'
        )
