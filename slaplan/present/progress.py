"""Feedback while the kit works: progress bars for long loops, busy state and errors in widgets.

Owns the *user feedback* concept shared by the notebooks and widgets: :func:`progress` wraps a
loop in a ``tqdm.auto`` bar (a widget bar in Jupyter and Voilà, text in a terminal, silent when
disabled), and :func:`busy` disables a widget's buttons while a callback computes and shows a
bad input (``SlaplanError``, ``ValueError``) as a short message in the widget instead of a
traceback; any other exception is a bug and is raised after the widget says so.
:func:`notice_html` lists lasting messages (a page's URL parameters that could not be used).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from slaplan._progress import progress
from slaplan.errors import SlaplanError

__all__ = ["busy", "notice_html", "progress"]


@contextmanager
def busy(
    *controls: Any,
    message: Any = None,
    working: str = "Computing…",
    errors: tuple[type[Exception], ...] = (SlaplanError, ValueError),
) -> Iterator[None]:
    """Disable ``controls`` while the block runs; show progress and errors in ``message``.

    Parameters
    ----------
    *controls : ipywidgets widgets
        Buttons and inputs to disable during the computation (restored afterwards).
    message : ipywidgets.HTML, optional
        A status line: shows ``working`` during the block, is cleared on success, and shows
        ``"<error class>: <message>"`` (escaped) if the block raises one of ``errors``. That
        error is then swallowed, because a widget callback has no caller that could handle it.
        Any other exception is a bug: the line says so and the exception is re-raised (to the
        kernel's log, where its traceback belongs).
    working : str
        Text shown while computing.
    errors : tuple of exception classes
        The errors that are the user's input, not a bug (default ``SlaplanError``,
        ``ValueError``).

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
    except errors as exc:  # UI boundary: a bad input is a message in the widget, not a traceback
        if message is None:
            raise
        text = html.escape(f"{type(exc).__name__}: {exc}")
        message.value = f'<span class="slaplan-error">{text}</span>'
    except Exception as exc:
        if message is not None:
            text = html.escape(f"internal error ({type(exc).__name__}), details in the log: {exc}")
            message.value = f'<span class="slaplan-error">{text}</span>'
        raise
    else:
        if message is not None:
            message.value = ""
    finally:
        for control, was_disabled in zip(controls, before, strict=True):
            control.disabled = was_disabled


def notice_html(notices: Sequence[str]) -> str:
    """Messages that stay above a dashboard's controls, as escaped HTML ("" for none).

    Examples
    --------
    >>> notice_html(["target must be >= 0"])
    '<div class="slaplan-error slaplan-url-error"><ul><li>target must be &gt;= 0</li></ul></div>'
    >>> notice_html([])
    ''
    """
    if not notices:
        return ""
    items = "".join(f"<li>{html.escape(notice)}</li>" for notice in notices)
    return f'<div class="slaplan-error slaplan-url-error"><ul>{items}</ul></div>'
