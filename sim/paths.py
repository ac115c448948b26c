"""Dotted paths into frozen models: read one field, or get a copy with one field replaced.

Every lever is addressable this way (``"late_penalty.rate_annual"``, ``"terms.B"``,
``"ladder.2.day"``), which is what what-ifs, sweeps and the optimiser build on.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import ArsimError
from .wording import describe, readable_loc

__all__ = ["get_path", "replace_path"]

M = TypeVar("M", bound=BaseModel)

#: Mappings that accept new keys (a grade's terms or factor may be added by a what-if).
OPEN_MAPPINGS = frozenset({"terms", "grade_factors", "ladders_by_grade", "payer_types",
                           "payer_mix", "newcomer_payer_mix", "response", "after_action",
                           "patterns", "by_grade"})


def _index(node: list[Any], part: str, path: str, error: type[ArsimError]) -> int:
    if not part.lstrip("-").isdigit() or not -len(node) <= int(part) < len(node):
        raise error(f"path '{path}': '{part}' is not an index of a list of {len(node)}")
    return int(part)


def _step(node: Any, part: str, path: str, error: type[ArsimError]) -> Any:
    if isinstance(node, dict):
        if part not in node:
            valid = ", ".join(sorted(str(k) for k in node)) or "none"
            raise error(f"no field '{path}' ('{part}' is not one of: {valid})")
        return node[part]
    if isinstance(node, list):
        return node[_index(node, part, path, error)]
    raise error(f"path '{path}' goes into a plain value at '{part}'")


def get_path(model: BaseModel, path: str, error: type[ArsimError]) -> Any:
    """Return the (JSON-form) value at a dotted path."""
    node: Any = model.model_dump(mode="json")
    for part in path.split("."):
        node = _step(node, part, path, error)
    return node


def replace_path(model: M, path: str, value: Any, error: type[ArsimError]) -> M:
    """Return a validated copy of `model` with the value at `path` replaced."""
    data: Any = model.model_dump(mode="json")
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        node = _step(node, part, path, error)
    last = parts[-1]
    if isinstance(node, list):
        node[_index(node, last, path, error)] = value
    elif isinstance(node, dict):
        if last not in node and (len(parts) < 2 or parts[-2] not in OPEN_MAPPINGS):
            valid = ", ".join(sorted(str(k) for k in node))
            raise error(f"no field '{path}' ('{last}' is not one of: {valid})")
        node[last] = value
    else:
        raise error(f"path '{path}' goes into a plain value")
    try:
        return type(model).model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = readable_loc(first["loc"]) or path
        raise error(f"{path} = {value!r}: {describe(field, first)}") from exc
