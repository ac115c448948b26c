"""Text and JSON for the textbook calculations (`arsim calc`, `arsim kpis`).

Each figure prints as one line: its label (English, Chinese or both), its value and the
formula that produced it; the conventions follow. Chinese labels come from calc_terms_zh.yaml.
"""

from __future__ import annotations

import dataclasses
import json
import math
import unicodedata
from datetime import date
from functools import cache
from importlib import resources
from typing import Any, ClassVar, Literal, Protocol

import yaml

from arsim.sim.calc import Figure

__all__ = ["Language", "Reported", "calc_json", "render_calc"]

Language = Literal["en", "zh", "both"]


class Reported(Protocol):
    """A calculation's result (a frozen dataclass): figures to print and their conventions."""

    __dataclass_fields__: ClassVar[dict[str, Any]]

    def figures(self) -> tuple[Figure, ...]:
        """The printed lines."""
        ...  # pragma: no cover - protocol

    def conventions(self) -> tuple[str, ...]:
        """The conventions, one per line."""
        ...  # pragma: no cover - protocol


@cache
def _zh_labels() -> dict[str, str]:
    text = resources.files("arsim.reports").joinpath("calc_terms_zh.yaml").read_text("utf-8")
    labels: dict[str, str] = yaml.safe_load(text)["calc"]
    return labels


def label(figure: Figure, lang: Language) -> str:
    """The figure's label in ``lang``, with its subject (a tier, a bucket) in front."""
    chinese = _zh_labels().get(figure.key, figure.label)
    text = {"en": figure.label, "zh": chinese, "both": f"{figure.label} / {chinese}"}[lang]
    return f"{figure.subject}: {text}" if figure.subject else text


def _value(figure: Figure) -> str:
    value = figure.value
    if math.isnan(value):
        return "n/a"
    if figure.unit == "share":
        return f"{100 * value:,.2f}%"
    if figure.unit == "days":
        return f"{value:,.2f} d"
    if figure.unit == "money":
        return f"{value:,.2f}"
    return f"{value:,.4g}" if figure.unit == "number" else f"{value:,.2f}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def render_calc(title: str, result: Reported, lang: Language = "en") -> str:
    """The result as text: a title, one line per figure with its formula, the conventions."""
    lines = [title]
    figures = result.figures()
    width = max((_width(label(f, lang)) for f in figures), default=0)
    for figure in figures:
        text = label(figure, lang)
        pad = " " * (width - _width(text))
        lines.append(f"  {text}{pad}  {_value(figure):>16}   = {figure.formula}")
    lines.append("Conventions" if lang == "en" else "Conventions / 约定")
    lines += [f"  - {note}" for note in result.conventions()]
    return "\n".join(lines)


def _plain(value: Any) -> Any:
    """JSON-ready: nan and infinities as null, dates as ISO text, tuples as lists."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _document(name: str, result: Reported) -> dict[str, Any]:
    figures = [{**dataclasses.asdict(f), "label_zh": _zh_labels().get(f.key, f.label)}
               for f in result.figures()]
    return {"calculation": name, "result": dataclasses.asdict(result), "figures": figures,
            "conventions": list(result.conventions())}


def calc_json(name: str, *results: Reported) -> str:
    """JSON: per result its fields, its figures (with both labels) and its conventions.

    One result gives one document; several (e.g. one per payment day) a list of them.
    """
    documents = [_document(name, result) for result in results]
    return json.dumps(_plain(documents[0] if len(documents) == 1 else documents), indent=2,
                      ensure_ascii=False)
