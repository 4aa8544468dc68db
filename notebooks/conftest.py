"""What a reader sees in a notebook is for people (issue 14): checked on every cell nbval runs.

nbval (``--nbval-lax``) executes each cell and keeps what it printed or displayed in
``item.test_outputs``; after a cell has run, this hook fails it when that output shows a warning,
a missing value written as ``NaN``/``nan``/``<NA>``, a number in scientific notation
(``1.6e+05``) or a decimal with more than three places (``0.576635``). Images are not read.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

_UNREADABLE = {
    "a warning": re.compile(r"\b\w*Warning\b|\bWARNING\b"),
    "a missing value written for a program": re.compile(r"\bNaN\b|\bnan\b|<NA>|\bNaT\b"),
    "scientific notation": re.compile(r"\d[eE][+-]\d"),
    "more than three decimals": re.compile(r"(?<![\w.])\d+\.\d{4,}\b"),
}
_MARKUP = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def _texts(outputs: list[Any]) -> list[str]:
    """The text a reader sees in a cell's outputs (streams, plain text and HTML, not images)."""
    texts = []
    for output in outputs:
        if output.get("output_type") == "stream":
            texts.append(output.get("text", ""))
            continue
        data = output.get("data", {})
        if "text/html" in data:
            texts.append(html.unescape(_MARKUP.sub(" ", "".join(data["text/html"]))))
        elif "text/plain" in data and not any(kind.startswith("image/") for kind in data):
            texts.append("".join(data["text/plain"]))
    return texts


def _problems(outputs: list[Any]) -> list[str]:
    problems = []
    for text in _texts(outputs):
        for what, pattern in _UNREADABLE.items():
            if match := pattern.search(text):
                start = max(match.start() - 40, 0)
                context = " ".join(text[start : match.end() + 40].split())
                problems.append(f"{what}: …{context}…")
    return problems


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    result = yield
    problems = _problems(getattr(item, "test_outputs", None) or [])
    if problems:
        pytest.fail("output a reader would have to decode:\n" + "\n".join(problems))
    return result
