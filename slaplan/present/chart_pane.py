"""A dashboard's chart area: a matplotlib figure shown as a PNG in an ``ipywidgets.Image``.

Why not an ``ipywidgets.Output`` with ``display(figure)``: Voilà executes the notebook on the
server, and an Output widget filled while a cell runs makes its executor route the display and
``clear_output`` messages through the widget's state. With Voilà 0.5 the page then stalled for
good at the dashboard's cell in 3 of 36 renders of notebook 03 (2026-11-27; the open upstream
report is voila-dashboards/voila#1428, which also points at the Output widget). An Image widget is
plain widget state — the PNG bytes — and with it the same page rendered 40 times in 40, and
notebook 02's 20 in 20. The same widget works in JupyterLab, Voilà and a static export.
"""

from __future__ import annotations

import io
from typing import Any

import ipywidgets as widgets

__all__ = ["ChartPane", "figure_png"]


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
