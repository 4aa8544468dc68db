"""``slaplan._background``: a call computed in a forked child gives what the call gives in line."""

from __future__ import annotations

import os
import sys
import warnings

import pytest

from slaplan._background import BackgroundCall

LINUX = sys.platform.startswith("linux")


def _where(value: int) -> tuple[int, int]:
    return 2 * value, os.getpid()


def _fails() -> None:
    raise ValueError("periods must be at least 1, got 0")


def _warns() -> int:
    warnings.warn("only 2 closed months", UserWarning, stacklevel=2)
    return os.getpid()


def test_the_result_is_the_calls_and_on_linux_comes_from_a_child():
    doubled, pid = BackgroundCall(_where, 21).result()
    assert doubled == 42
    assert (pid != os.getpid()) is LINUX


def test_a_call_that_fails_in_the_child_raises_in_the_caller():
    with pytest.raises(ValueError, match="periods must be at least 1, got 0"):
        BackgroundCall(_fails).result()


def test_the_childs_warnings_are_raised_again_in_the_caller():
    with pytest.warns(UserWarning, match="only 2 closed months"):
        pid = BackgroundCall(_warns).result()
    assert (pid != os.getpid()) is LINUX  # not computed again here: the warning came along


def test_a_result_is_kept_and_a_ready_one_needs_no_child():
    call = BackgroundCall(_where, 1)
    assert call.result() is call.result()
    assert BackgroundCall.ready((None, "why")).result() == (None, "why")
