"""The words and number formats of a report, in English or Chinese.

Every phrase lives in ``terms_en.yaml`` / ``terms_zh.yaml`` (package data): the code names a
phrase by key and fills its ``{placeholders}``. A metric's label comes from the file's
``metrics`` section and falls back to the metric's own name, and its unit is read from the
name (``*_cost`` is money, ``dso*`` days, ``*_share`` a share...), so a metric the engines add
later appears in every table without a change here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml

from arsim.sim.costs import COST_PARTS
from arsim.sim.errors import ArsimError

__all__ = ["COST_COMPONENTS", "LANGUAGES", "Unit", "Wording", "cost_components", "format_value",
           "unit_of", "wording"]

LANGUAGES = ("en", "zh")

Unit = Literal["money", "days", "share", "percent", "count"]

_MONEY_ENDINGS = ("_cost", "_sales", "_margin", "_income", "receivables", "rebates",
                  "_written_off", "_expense")
_SHARE_ENDINGS = ("_share", "_ratio", "_rate", "_utilisation", "_take_up")


#: The cost components in the order of the material's cost curve [004 p.101], then the rest.
COST_COMPONENTS = ("opportunity_cost", "management_cost", "bad_debt_cost", "shortage_cost",
                   "discount_cost", "penalty_income", "inventory_carrying_cost")


def cost_components(metrics: Iterable[str], inventory: bool = True) -> list[str]:
    """The components of total cost among ``metrics``: the known ones in their order, then any
    other ``*_cost`` metric (a component the engines add later), never the total itself;
    the inventory carrying cost only where the scenario counts it (``inventory``)."""
    names = [m for m in metrics if inventory or m != "inventory_carrying_cost"]
    known = [m for m in COST_COMPONENTS if m in names]
    parts = {p for group in COST_PARTS.values() for p in group}  # within a component
    return known + [m for m in names if m.endswith("_cost") and m != "total_cost"
                    and m not in known and m not in parts]


def unit_of(metric: str) -> Unit:
    """The unit of a metric, read from its name (the engines name metrics this way)."""
    # a grade's or a segment's KPI has the unit of the whole's (dso_grade_A, ...)
    metric = re.sub(r"_(grade_[A-D]|segment_\d+)$", "", metric)
    if metric == "cei":  # the collection effectiveness index is already in percent
        return "percent"
    if metric.startswith(("aging_", "lost_sales", "allowance_")) or metric.endswith(
            _MONEY_ENDINGS):
        return "money"
    if metric.endswith(_SHARE_ENDINGS) or metric.startswith("share_"):
        return "share"
    if "dso" in metric or metric.endswith(("_days", "_period", "days_delinquent")):
        return "days"
    return "count"


def format_value(value: float | None, unit: Unit) -> str:
    """A number as the report prints it (money to the unit, days to a tenth, shares in %)."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if unit == "money":
        return f"{value:,.0f}"
    if unit == "days":
        return f"{value:,.1f}"
    if unit == "share":
        return f"{100 * value:,.2f}%"
    if unit == "percent":
        return f"{value:,.2f}%"
    return f"{value:,.2f}"


@dataclass(frozen=True)
class Wording:
    """The phrases of one language."""

    language: str
    metrics: dict[str, str]
    units: dict[str, str]
    words: dict[str, str]
    figures: dict[str, str]

    def metric(self, name: str) -> str:
        """A metric's label; its own name where the terms file has none. A grade's or a
        segment's KPI (dso_grade_A, dso_segment_0) is the whole's label with its group."""
        group = re.fullmatch(r"(.+)_(grade|segment)_([A-D]|\d+)", name)
        if group is not None and name not in self.metrics:
            base, kind, which = group.groups()
            key = "grade_group" if kind == "grade" else "segment_group"
            return self.word(key, metric=self.metric(base), grade=which, segment=which)
        return self.metrics.get(name, name.replace("_", " "))

    def word(self, key: str, **values: Any) -> str:
        """A report phrase with its placeholders filled."""
        return self.words[key].format(**values)

    def figure(self, key: str, **values: Any) -> str:
        """A figure title or axis label with its placeholders filled."""
        return self.figures[key].format(**values)

    def value(self, metric: str, value: float | None) -> str:
        """A metric's value with its unit, as a table cell shows it."""
        unit = unit_of(metric)
        text = format_value(value, unit)
        if unit == "days" and text != "n/a":
            return f"{text} {self.units['days']}"
        return text


@cache
def wording(language: str = "en") -> Wording:
    """The phrases of ``language`` ("en" or "zh").

    Raises:
        ArsimError: No terms file for that language.
    """
    if language not in LANGUAGES:
        raise ArsimError(f"no report language '{language}'; choose one of "
                         f"{', '.join(LANGUAGES)}")
    text = resources.files("arsim.reports").joinpath(f"terms_{language}.yaml").read_text(
        encoding="utf-8")
    data = yaml.safe_load(text)
    return Wording(language=language, metrics=dict(data["metrics"]), units=dict(data["units"]),
                   words=dict(data["words"]), figures=dict(data["figures"]))
