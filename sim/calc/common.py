"""What every textbook calculation returns beside its typed result: figures to print.

A :class:`Figure` is one printed line: an English label, the value, its unit and the formula
that produced it, in the symbols the docs use (docs/textbook.md). Chinese labels live in
``reports/calc_terms_zh.yaml``, keyed by :attr:`Figure.key`, so the library stays monolingual.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from ..errors import CalcError

__all__ = ["Figure", "Unit", "check_finite", "check_positive", "check_share"]

#: "share": a fraction printed in percent; "days"; "money"; "units": a count of goods;
#: "number": a plain figure.
Unit = Literal["share", "days", "money", "units", "number"]


@dataclass(frozen=True, slots=True)
class Figure:
    """One result line, as ``arsim calc`` and ``arsim kpis`` print it.

    Attributes:
        key: Stable name of the figure (the JSON key and the key of its Chinese label).
        label: English label.
        value: The figure; nan where it does not exist (e.g. no break-even).
        unit: How to print it.
        formula: The formula that produced it, in the docs' symbols.
        subject: What the figure is about when a calculation repeats it (a discount tier
            "2/10", a period end); empty otherwise.
    """

    key: str
    label: str
    value: float
    unit: Unit
    formula: str
    subject: str = ""


def check_finite(name: str, value: float) -> None:
    """Raise :class:`CalcError` unless ``value`` is a finite number."""
    if not math.isfinite(value):
        raise CalcError(f"{name} must be a finite number, got {value!r}")


def check_positive(name: str, value: float) -> None:
    """Raise :class:`CalcError` unless ``value`` is finite and above zero."""
    check_finite(name, value)
    if value <= 0:
        raise CalcError(f"{name} must be above zero, got {value!r}")


def check_share(name: str, value: float, *, allow_one: bool = False) -> None:
    """Raise :class:`CalcError` unless ``value`` lies in [0, 1) (or [0, 1] with allow_one)."""
    check_finite(name, value)
    upper_ok = value <= 1 if allow_one else value < 1
    if value < 0 or not upper_ok:
        bound = "1" if allow_one else "below 1"
        raise CalcError(f"{name} must be a share from 0 to {bound} (0.02 = 2%), got {value!r}")
