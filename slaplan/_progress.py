"""Progress bars for long loops (``tqdm.auto``): a widget bar in Jupyter, text in a terminal.

Lives at the bottom of the package so that every domain (backtests, large Monte Carlo studies,
the review) can show progress without importing the presentation layer. Library callers expose a
``progress: bool = False`` argument and pass it through as ``enabled``; nothing is shown unless a
caller asks.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

__all__ = ["progress"]

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
