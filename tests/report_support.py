"""Checks shared by the report tests: every number shown agrees with the JSON it came from."""

from __future__ import annotations

import html
import math
import re
from pathlib import Path
from typing import Any

from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from arsim.reports.wording import unit_of

CELL = re.compile(r'<td class="num" data-key="([^"]+)">([^<]*)</td>')


def resolve(document: Any, key: str) -> Any:
    """The value at a dotted path of a JSON document (list indices as numbers)."""
    value = document
    for part in key.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def metric_of(document: dict[str, Any], key: str) -> str:
    """The metric a cell's key names: summary.<metric>..., metrics.<i>..., an optimisation's
    <finding>.estimates.<metric>..., a sweep's points.<i>.<metric>[_low|_high], or an
    optimisation's frontier.<i>.<metric>_mean|_half_width."""
    parts = key.split(".")
    if parts[0] == "summary":
        return parts[1]
    if parts[0] == "metrics":
        return str(document["metrics"][int(parts[1])]["metric"])
    if "estimates" in parts:
        return parts[parts.index("estimates") + 1]
    return re.sub(r"_(low|high|mean|half_width)$", "", parts[-1])


def _parse(text: str, unit: str) -> tuple[float, float]:
    """The number a cell shows and the rounding step of its format."""
    number = text.replace(",", "").removesuffix("%").split()[0]
    decimals = len(number.split(".")[1]) if "." in number else 0
    value, step = float(number), 10.0**-decimals
    if unit == "share":
        return value / 100, step / 100
    return value, step


def assert_numbers_agree(page: str, document: dict[str, Any]) -> int:
    """Every numeric cell equals, to its shown precision, the JSON value its key names.

    Returns the number of cells checked.
    """
    cells = CELL.findall(page)
    for key, raw in cells:
        text = html.unescape(raw)
        expected = resolve(document, key)
        if expected is None or (isinstance(expected, float) and not math.isfinite(expected)):
            assert text == "n/a", (key, text)
            continue
        shown, step = _parse(text, unit_of(metric_of(document, key)))
        assert abs(shown - float(expected)) <= step / 2 + 1e-9 * abs(float(expected)), (
            key, text, expected)
    return len(cells)


def report_files(path: Path) -> tuple[str, str]:
    """The HTML report and its Markdown twin."""
    return (path.read_text(encoding="utf-8"),
            path.with_suffix(".md").read_text(encoding="utf-8"))


def assert_grey(figure: Figure) -> None:
    """Every line, bar, band and marker of the figure is a grey (prints in greyscale)."""
    found = []
    for ax in figure.axes:
        found += [to_rgba(p.get_facecolor()) for p in ax.patches]
        found += [to_rgba(c) for line in ax.lines
                  for c in (line.get_color(), line.get_markerfacecolor())]
        found += [tuple(c) for col in ax.collections for c in col.get_facecolor()]
        found += [tuple(c) for col in ax.collections for c in col.get_edgecolor()]
    assert found
    for r, g, b, _ in found:
        assert abs(r - g) < 1e-9 and abs(g - b) < 1e-9, (r, g, b)
