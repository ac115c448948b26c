"""Validation errors in a CFO's words: which field, what value, what it must be.

pydantic says "Input should be less than 0.5" or "Input should be a valid tuple"; a reader
needs the field, the value given and the rule, in words ("must be below 0.5 (50%)", "give a
list, e.g. [A, B, C, D]"). Both the scenario loader and ``--set`` word errors here, once.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["describe", "plain_message", "readable_loc", "shown_value"]

_BOUNDS = {
    "less_than": ("lt", "must be below"),
    "less_than_equal": ("le", "must be at most"),
    "greater_than": ("gt", "must be above"),
    "greater_than_equal": ("ge", "must be at least"),
}

_KINDS = {
    "float_parsing": "give a number, e.g. 0.15 (a share may be written 15%)",
    "float_type": "give a number, e.g. 0.15 (a share may be written 15%)",
    "int_parsing": "give a whole number",
    "int_type": "give a whole number",
    "int_from_float": "give a whole number",
    "bool_parsing": "give true or false",
    "bool_type": "give true or false",
    "string_type": "give text (in quotes if it looks like a number)",
    "dict_type": "give a mapping of keys to values, e.g. {A: 1, B: 2}",
    "finite_number": "give a finite number (not nan or inf)",
    "missing": "is required",
}


def _number(value: float) -> str:
    """A bound or value as written, with the percentage beside a share (0.5 -> 0.5 (50%))."""
    text = f"{value:g}"
    if isinstance(value, float) and 0 < abs(value) <= 1:
        text += f" ({100 * value:g}%)"
    return text


def _as_list(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        items = [item.strip() for item in re.split(r"[,\s]+", value) if item.strip()]
        return f"give a list, e.g. [{', '.join(items)}]"
    return "give a list, e.g. [A, B, C]"


def plain_message(error: Any) -> str:
    """One pydantic error (a dict from ``ValidationError.errors()``) as a rule in words.

    The caller names the field and shows the value; this says what the value must be.
    """
    kind = str(error["type"])
    ctx = error.get("ctx") or {}
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        bound = ctx.get(key)
        if isinstance(bound, int | float):
            # a count given (customers, replications) is bounded by a count, not a share:
            # "at least 1", not "at least 1 (100%)"
            counted = isinstance(error.get("input"), int) and float(bound).is_integer()
            return f"{words} {_number(int(bound) if counted else float(bound))}"
    if kind in {"tuple_type", "list_type", "set_type"}:
        return _as_list(error.get("input"))
    if kind in _KINDS:
        return _KINDS[kind]
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected", ""))
        return f"must be one of {expected}" if expected else str(error["msg"])
    return str(error["msg"]).removeprefix("Value error, ")


def shown_value(value: Any) -> str:
    """A value given by the user, as they would recognise it (0.6 -> 0.6 (60%))."""
    if isinstance(value, float):
        return _number(value)
    return repr(value)


_TAGS = {"float", "int", "str", "none", "bool", "tuple", "list", "dict"}


def readable_loc(loc: tuple[str | int, ...]) -> str:
    """pydantic's error location as a dotted path, its union and key tags left out."""
    kept = [str(part) for part in loc
            if not (isinstance(part, str) and ("[" in part or "-" in part or part in _TAGS
                                               or (part[:1].isupper() and len(part) > 1)))]
    return ".".join(kept)


def describe(field: str, error: Any) -> str:
    """``field is value; it must be ...`` or ``field: rule (got value)``, in one line."""
    rule = plain_message(error)
    kind = str(error["type"])
    value = error.get("input")
    if kind == "value_error" or isinstance(value, dict | list) or value is None:
        return f"{field}: {rule}"
    if kind in _BOUNDS:
        return f"{field} is {shown_value(value)}; it {rule}"
    return f"{field}: {rule} (got {shown_value(value)})"
