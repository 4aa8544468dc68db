"""Reading the kit's YAML files (the SLA, a data source): the safe loader, one-line errors.

Only the safe loader is ever used (no Python tags, nothing executed). PyYAML raises a bare
``ValueError`` for ``2026-13-45``; keeping the text lets the field validators of
:mod:`slaplan.sla.spec` report the field path instead. :func:`parse_yaml` turns PyYAML's
multi-line error into one line naming the file and the line.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["parse_yaml", "safe_load"]


class _SafeLoader(yaml.SafeLoader):
    """``yaml.safe_load``'s loader, except an impossible date stays a string.

    PyYAML raises a bare ``ValueError`` for ``2026-13-45``; keeping the text lets the field
    validator report the field path instead.
    """


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_SafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def safe_load(text: str) -> Any:
    """Parse YAML text with the safe loader (impossible dates kept as strings).

    >>> safe_load("{start: 2026-13-45, end: 2026-12-31}")
    {'start': '2026-13-45', 'end': datetime.date(2026, 12, 31)}
    """
    return yaml.load(text, Loader=_SafeLoader)


def parse_yaml(text: str, *, name: str, error: type[Exception]) -> Any:
    """:func:`safe_load` ``text``; invalid YAML raises ``error`` in one line naming ``name``.

    >>> parse_yaml("a: [1, 2", name="x.yaml", error=ValueError)
    Traceback (most recent call last):
    ...
    ValueError: x.yaml: not valid YAML (line 1): expected ',' or ']', but got '<stream end>'
    """
    try:
        return safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"{name}: not valid YAML{line}: {problem}") from None
