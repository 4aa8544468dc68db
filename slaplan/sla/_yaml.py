"""Reading the SLA file: ``yaml.safe_load``'s loader, except an impossible date stays text.

Only the safe loader is ever used (no Python tags, nothing executed). PyYAML raises a bare
``ValueError`` for ``2026-13-45``; keeping the text lets the field validators of
:mod:`slaplan.sla.spec` report the field path instead.
"""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["safe_load"]


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
