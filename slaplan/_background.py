"""A call computed in a forked child process while the caller goes on: :class:`BackgroundCall`.

Owns how slaplan uses a second core for pure-Python work that threads cannot share (the GIL):
when a process may fork (:func:`can_fork`) and the call made in a child. The review's track
record, six estimates that need nothing from the rest of the review, runs beside the check, the
tracking and the charts. A fork starts at once (the child has every module and the data already;
spawning a fresh interpreter would spend a second importing them) and sends back the pickled
result. (``slaplan review`` also makes its HTML exporter in a forked child, under the same
:func:`can_fork`: that child is sent its input later, see ``present/report.py``.)

The answer never depends on where it was computed: when the child cannot be used (no ``fork`` on
the platform, a daemonic ``multiprocessing`` worker, which may not have children) or fails in any
way (an exception, a result that does not pickle, a killed child), :meth:`BackgroundCall.result`
runs the call in the caller, which then sees its exceptions and warnings as if nothing had been
moved. Warnings the child raised are raised again in the caller.
"""

from __future__ import annotations

import functools
import multiprocessing
import sys
import threading
import warnings
from collections.abc import Callable
from typing import Any, Generic, TypeVar

__all__ = ["CHILD_WAIT_SECONDS", "BackgroundCall", "can_fork", "receive"]

T = TypeVar("T")
_NOTHING = object()


class BackgroundCall(Generic[T]):
    """``function(*args, **kwargs)`` computed in a forked child; :meth:`result` waits for it.

    Parameters
    ----------
    function : callable
        A pure computation: its result must pickle, and it must not rely on side effects in
        the caller's process (the child's are lost).
    *args, **kwargs
        Its arguments (inherited by the child, not pickled).

    Examples
    --------
    >>> call = BackgroundCall(sum, [1, 2, 3])
    >>> call.result()
    6
    >>> BackgroundCall.ready("known").result()
    'known'
    """

    def __init__(self, function: Callable[..., T], /, *args: Any, **kwargs: Any) -> None:
        self._call: Callable[[], T] = functools.partial(function, *args, **kwargs)
        self._value: Any = _NOTHING
        self._child: Any = None
        self._receiver: Any = None
        if can_fork():
            context = multiprocessing.get_context("fork")
            self._receiver, sender = context.Pipe(duplex=False)
            self._child = context.Process(target=_run_child, args=(self._call, sender), daemon=True)
            self._child.start()
            sender.close()

    @classmethod
    def ready(cls, value: T) -> BackgroundCall[T]:
        """A call whose result is already known (no child)."""
        call = cls.__new__(cls)
        call._call, call._value, call._child, call._receiver = (lambda: value), value, None, None
        return call

    def result(self) -> T:
        """The call's result: the child's, or computed here if the child could not give it."""
        if self._value is _NOTHING:
            outcome = self._collect()
            if outcome is None:
                self._value = self._call()
            else:
                self._value, caught = outcome
                for message, category, filename, lineno in caught:
                    warnings.warn_explicit(message, category, filename, lineno)
        return self._value

    def _collect(self) -> tuple[T, list[tuple[Any, ...]]] | None:
        if self._child is None:
            return None
        try:
            outcome = receive(self._receiver, self._child)
        finally:
            self._receiver.close()
            self._child.join()
            self._child = None
        return outcome


CHILD_WAIT_SECONDS = 300.0
"""How long a caller waits for a child's answer before ending it and computing in line (a child
that hangs costs this much, never the run)."""


def can_fork() -> bool:
    """Whether this process may fork a child: on Linux, outside a daemonic worker, one thread.

    fork is the safe, cheap start on Linux; macOS has it but its system frameworks may not
    survive it, and a daemonic ``multiprocessing`` worker is not allowed children. A process
    with other Python threads (a Jupyter kernel's, a thread pool still alive) is not forked:
    a lock one of them held at the fork would stay held in the child.
    """
    return (
        sys.platform.startswith("linux")
        and not multiprocessing.current_process().daemon
        and threading.active_count() == 1
    )


def receive(connection: Any, child: Any, wait: float | None = None) -> Any:
    """The child's answer on ``connection``, or None when it died or gave none within ``wait``
    seconds (default :data:`CHILD_WAIT_SECONDS`); a child that did not answer is ended."""
    try:
        if connection.poll(CHILD_WAIT_SECONDS if wait is None else wait):
            return connection.recv()
    except (EOFError, OSError):  # the child died without an answer
        return None
    child.terminate()
    return None


def _run_child(call: Callable[[], Any], sender: Any) -> None:
    """In the child: send ``(result, warnings)``, or None for the caller to compute it itself."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            value = call()
        raised = [(w.message, w.category, w.filename, w.lineno) for w in caught]
        sender.send((value, raised))
    except BaseException:  # the caller computes it again and sees the error itself
        sender.send(None)
    finally:
        sender.close()
