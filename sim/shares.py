"""Shares written as percentages: ``15%`` wherever a share (0.15) is asked for.

A CFO writes "cost of capital 15%", not 0.15; both mean the same, so both are accepted in
scenario files and in ``--set``. Only fields whose bounds make them shares (an upper bound of
at most 2, as for shares, ratios and annual rates) read a percentage: a ``15%`` given for a
number of days or an amount of money stays an error rather than becoming 0.15 of it.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic.fields import FieldInfo

__all__ = ["is_share_field", "percent_to_share", "shares_from_percent"]

_PERCENT = re.compile(r"\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*%\s*")

#: The largest upper bound a share-like field has (penalty interest runs up to 200% a year).
SHARE_BOUND = 2.0


def percent_to_share(value: Any) -> Any:
    """``"15%"`` -> 0.15; anything else is returned unchanged (for the field to judge)."""
    if isinstance(value, str):
        match = _PERCENT.fullmatch(value)
        if match:
            return float(match.group(1)) / 100.0
    return value


def _upper_bound(metadata: list[Any]) -> float | None:
    for item in metadata:
        for name in ("le", "lt"):
            bound = getattr(item, name, None)
            if isinstance(bound, int | float):
                return float(bound)
    return None


def _is_share_annotation(annotation: Any, metadata: list[Any]) -> bool:
    """A float bounded above by at most SHARE_BOUND (possibly inside Annotated/Optional)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extra = typing.get_args(annotation)
        more: list[Any] = []
        for item in extra:
            more.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        return _is_share_annotation(inner, [*metadata, *more])
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return any(_is_share_annotation(a, metadata) for a in typing.get_args(annotation)
                   if a is not type(None))
    bound = _upper_bound(metadata)
    return annotation is float and bound is not None and bound <= SHARE_BOUND


def is_share_field(field: FieldInfo) -> bool:
    """Whether a model field asks for a share (so that it reads ``15%``)."""
    return _is_share_annotation(field.annotation, list(field.metadata))


def _share_values(field: FieldInfo) -> bool:
    """Whether a mapping field's values are shares (payer_mix, segment_shares, ...)."""
    annotation = field.annotation
    for candidate in (annotation, *typing.get_args(annotation)):
        if typing.get_origin(candidate) is dict:
            return _is_share_annotation(typing.get_args(candidate)[1], [])
    return False


def shares_from_percent(fields: dict[str, FieldInfo], data: Any) -> Any:
    """The raw input of a model with every percentage given for a share turned into one."""
    if not isinstance(data, dict):
        return data
    out = dict(data)
    for name, value in data.items():
        field = fields.get(name)
        if field is None:
            continue
        if isinstance(value, dict) and _share_values(field):
            out[name] = {k: percent_to_share(v) for k, v in value.items()}
        elif is_share_field(field):
            out[name] = percent_to_share(value)
    return out
