"""Feedback while the kit works: progress bars for long loops, busy state and errors in widgets.

Owns the *user feedback* concept shared by the notebooks and widgets: :func:`progress` wraps a
loop in a ``tqdm.auto`` bar (a widget bar in Jupyter and Voilà, text in a terminal, silent when
disabled), and :func:`busy` disables a widget's buttons while a callback computes and shows a
failure as a short message in the widget instead of a traceback in the server log.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from tqdm.auto import tqdm

__all__ = ["busy", "progress"]

T = TypeVar("T")


def progress(
    iterable: Iterable[T],
    *,
    desc: str,
    total: int | None = None,
    enabled: bool = True,
) -> Iterator[T]:
    """Iterate over ``iterable`` with a ``tqdm.auto`` progress bar labelled ``desc``.

    The bar disappears when the loop ends (``leave=False``) and is skipped entirely when
    ``enabled`` is false (library callers pass their ``progress=`` argument through).

    Examples
    --------
    >>> [step for step in progress(range(3), desc="backtest", enabled=False)]
    [0, 1, 2]
    """
    if not enabled:
        yield from iterable
        return
    with tqdm(iterable, desc=desc, total=total, leave=False, dynamic_ncols=True) as bar:
        yield from bar


@contextmanager
def busy(*controls: Any, message: Any = None, working: str = "Computing…") -> Iterator[None]:
    """Disable ``controls`` while the block runs; show progress and errors in ``message``.

    Parameters
    ----------
    *controls : ipywidgets widgets
        Buttons and inputs to disable during the computation (restored afterwards).
    message : ipywidgets.HTML, optional
        A status line: shows ``working`` during the block, is cleared on success, and shows
        ``"<error class>: <message>"`` (escaped) if the block raises. The error is then
        swallowed, because a widget callback has no caller that could handle it.
    working : str
        Text shown while computing.

    Examples
    --------
    >>> import ipywidgets as widgets
    >>> button, status = widgets.Button(), widgets.HTML()
    >>> with busy(button, message=status):
    ...     raise ValueError("target must be > 0, got -1")
    >>> status.value
    '<span class="slaplan-error">ValueError: target must be &gt; 0, got -1</span>'
    >>> button.disabled
    False
    """
    before = [control.disabled for control in controls]
    for control in controls:
        control.disabled = True
    if message is not None:
        message.value = f'<span class="slaplan-busy">{html.escape(working)}</span>'
    try:
        yield
    except Exception as exc:  # UI boundary: a callback's error goes to the widget, not a log
        if message is None:
            raise
        text = html.escape(f"{type(exc).__name__}: {exc}")
        message.value = f'<span class="slaplan-error">{text}</span>'
    else:
        if message is not None:
            message.value = ""
    finally:
        for control, was_disabled in zip(controls, before, strict=True):
            control.disabled = was_disabled
