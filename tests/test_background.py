"""``slaplan._background``: a call computed in a forked child gives what the call gives in line."""

from __future__ import annotations

import os
import sys
import warnings

import pytest

from slaplan._background import BackgroundCall, can_fork

LINUX = sys.platform.startswith("linux")


def _where(value: int) -> tuple[int, int]:
    return 2 * value, os.getpid()


def _fails() -> None:
    raise ValueError("periods must be at least 1, got 0")


def _warns() -> int:
    warnings.warn("only 2 closed months", UserWarning, stacklevel=2)
    return os.getpid()


def test_the_result_is_the_calls_and_comes_from_a_child_where_one_may_be_forked():
    forks = can_fork()  # False when an earlier test left a thread alive in this process
    doubled, pid = BackgroundCall(_where, 21).result()
    assert doubled == 42
    assert (pid != os.getpid()) is forks


@pytest.mark.skipif(not LINUX, reason="fork is used on Linux only")
def test_a_fresh_single_threaded_process_computes_in_a_child():
    """In a new interpreter (one thread, as ``slaplan review`` is when it forks)."""
    import subprocess

    code = (
        "import os; from slaplan._background import BackgroundCall; "
        "print(BackgroundCall(os.getpid).result() != os.getpid())"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_a_call_that_fails_in_the_child_raises_in_the_caller():
    with pytest.raises(ValueError, match="periods must be at least 1, got 0"):
        BackgroundCall(_fails).result()


def test_the_childs_warnings_are_raised_again_in_the_caller():
    forks = can_fork()
    with pytest.warns(UserWarning, match="only 2 closed months"):
        pid = BackgroundCall(_warns).result()
    assert (pid != os.getpid()) is forks  # not computed again here: the warning came along


def test_a_result_is_kept_and_a_ready_one_needs_no_child():
    call = BackgroundCall(_where, 1)
    assert call.result() is call.result()
    assert BackgroundCall.ready((None, "why")).result() == (None, "why")


def test_a_process_with_another_thread_computes_in_line():
    """A lock held by another thread at a fork would stay held in the child: no fork then."""
    import threading

    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        doubled, pid = BackgroundCall(_where, 21).result()
    finally:
        release.set()
        other.join()
    assert (doubled, pid) == (42, os.getpid())


@pytest.mark.skipif(not LINUX, reason="fork is used on Linux only")
def test_a_child_that_does_not_answer_in_time_is_ended_and_gives_nothing():
    import multiprocessing
    import time

    from slaplan._background import receive

    context = multiprocessing.get_context("fork")
    mine, _sender = context.Pipe(duplex=False)  # kept open: the child never writes
    child = context.Process(target=time.sleep, args=(60,), daemon=True)
    child.start()
    assert receive(mine, child, wait=0.2) is None
    child.join(timeout=10)
    assert child.exitcode is not None  # ended, not left running
