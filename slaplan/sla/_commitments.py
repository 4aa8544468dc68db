"""Validation of the ``commitments`` list of an SLA file (used by :mod:`slaplan.sla.spec`).

Each metric has its own required and allowed keys; a key that belongs to another metric is
rejected (``commitments[1].window_days is not a known key``) so a typo never silently changes
what is measured.
"""

from __future__ import annotations

from typing import Any

from slaplan.sla import _fields as f

__all__ = ["METRICS", "OWNERS", "parse_commitments"]

OWNERS = ("marketing", "sales")
METRICS = ("count", "rate", "response_time", "worked")
_COMMON_REQUIRED = ("id", "owner", "metric", "target")
_COMMON_OPTIONAL = ("segment", "description")
_METRIC_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # metric -> (required keys, optional keys) beyond the common ones
    "count": (("stage",), ()),
    "worked": (("stage",), ()),
    "rate": (("from_stage", "to_stage"), ("window_days",)),
    "response_time": (("stage", "within_business_hours"), ()),
}


def parse_commitments(
    raw: Any, commitment_type: type, stage_names: tuple[str, ...], segments: tuple[str, ...]
) -> tuple[Any, ...]:
    """Validate the raw list and build one ``commitment_type`` per item."""
    items = f.field_sequence("commitments", raw, min_length=1)
    parsed = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        path = f"commitments[{i}]"
        values = _one(path, f.field_mapping(path, item), stage_names, segments)
        if values["id"] in seen:
            raise f.fail(f"{path}.id", "be unique among the commitments", values["id"])
        seen.add(values["id"])
        parsed.append(commitment_type(**values))
    return tuple(parsed)


def _one(
    path: str, item: Any, stage_names: tuple[str, ...], segments: tuple[str, ...]
) -> dict[str, Any]:
    metric = item.get("metric")
    if metric is not None:
        metric = f.field_option(f"{path}.metric", metric, METRICS)
    if metric is None:  # report the missing metric rather than its keys as unknown
        every_key = tuple(k for pair in _METRIC_KEYS.values() for keys in pair for k in keys)
        extra_required, extra_optional = (), tuple(dict.fromkeys(every_key))
    else:
        extra_required, extra_optional = _METRIC_KEYS[metric]
    f.check_keys(
        path,
        item,
        required=(*_COMMON_REQUIRED, *extra_required),
        optional=(*_COMMON_OPTIONAL, *extra_optional),
    )
    values: dict[str, Any] = {
        "id": f.field_string(f"{path}.id", item["id"], identifier=True),
        "owner": f.field_option(f"{path}.owner", item["owner"], OWNERS),
        "metric": metric,
        "target": _target(f"{path}.target", item["target"], metric),
        "description": str(item.get("description", "") or ""),
    }
    for key in ("stage", "from_stage", "to_stage"):
        if key in item:
            values[key] = f.field_option(f"{path}.{key}", item[key], stage_names)
    if metric == "rate":
        _check_order(path, values, stage_names)
        if item.get("window_days") is not None:
            values["window_days"] = f.field_whole(f"{path}.window_days", item["window_days"])
    if metric == "response_time":
        values["within_business_hours"] = f.field_number(
            f"{path}.within_business_hours", item["within_business_hours"]
        )
    if item.get("segment") is not None:
        values["segment"] = _segment(f"{path}.segment", item["segment"], segments)
    return values


def _target(path: str, value: Any, metric: str) -> float:
    if metric in ("rate", "response_time"):
        return f.field_number(path, value, high=1.0, closed_high=True,
                              rule="be a share in (0, 1]")  # fmt: skip
    number = f.field_number(path, value)
    if number != int(number):
        raise f.fail(path, f"be a whole number of leads for a {metric!r} commitment", value)
    return number


def _check_order(path: str, values: dict[str, Any], stage_names: tuple[str, ...]) -> None:
    source, target = values["from_stage"], values["to_stage"]
    if stage_names.index(target) <= stage_names.index(source):
        raise f.fail(f"{path}.to_stage", f"be a later funnel stage than from_stage ({source!r})",
                     target)  # fmt: skip


def _segment(path: str, value: Any, segments: tuple[str, ...]) -> str:
    name = f.field_string(path, value)
    if segments and name not in segments:
        return f.field_option(path, name, segments)
    return name
