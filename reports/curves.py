"""Quick figures of a sweep: cost curves and the two-lever heat map, from the SweepResult.

Each function returns a matplotlib Figure built without pyplot (no global figure state, no
window, whatever the backend); the caller saves it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import StrMethodFormatter

from arsim.optimizers.sweep import COST_PARTS, SweepResult

__all__ = ["cost_curve_figure", "cost_heatmap_figure", "sweep_figure"]

_LABELS = {"opportunity_cost": "opportunity", "management_cost": "management",
           "bad_debt_cost": "bad debt", "shortage_cost": "shortage",
           "discount_cost": "discount", "total_cost": "total"}


_THOUSANDS = StrMethodFormatter("{x:,.0f}")


def _positions(values: Sequence[Any]) -> tuple[np.ndarray, list[str] | None]:
    """Numeric lever values as themselves; choices at 0, 1, 2... with their names."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float), None
    return np.arange(len(values), dtype=float), [str(v) for v in values]


def cost_curve_figure(result: SweepResult, currency: str = "") -> Figure:
    """Each cost and the total against one lever, with bands, the total's bottom marked."""
    fig = Figure(figsize=(8, 5), layout="constrained")
    ax = fig.add_subplot()
    lever = result.levers[0]
    x, names = _positions([p.params[lever] for p in result.points])
    for part in COST_PARTS:
        mean = np.array([_get(p.estimates, part, "mean") for p in result.points])
        low = np.array([_get(p.estimates, part, "low") for p in result.points])
        high = np.array([_get(p.estimates, part, "high") for p in result.points])
        total = part == "total_cost"
        line = ax.plot(x, mean, label=_LABELS[part], linewidth=2.5 if total else 1.5,
                       color="black" if total else None)[0]
        if np.isfinite(low).any():
            ax.fill_between(x, low, high, color=line.get_color(), alpha=0.15, linewidth=0)
    bottom = result.bottom
    if bottom is not None:
        value = result.points[bottom].estimates["total_cost"].mean
        ax.plot([x[bottom]], [value], marker="v", markersize=11, color="crimson",
                linestyle="none", label=f"lowest total at {result.points[bottom].params[lever]}")
    if names is not None:
        ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_xlabel(lever)
    ax.set_ylabel(f"cost per year {currency}".strip())
    ax.yaxis.set_major_formatter(_THOUSANDS)
    ax.set_title(f"Cost against {lever} ({result.replications} replications each, "
                 f"{result.confidence:.0%} bands)")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def cost_heatmap_figure(result: SweepResult, currency: str = "") -> Figure:
    """Mean total cost over two levers, the bottom marked."""
    first, second = result.levers
    rows, cols = result.axes
    grid = np.full((len(rows), len(cols)), math.nan)
    for p in result.points:
        grid[rows.index(p.params[first]), cols.index(p.params[second])] = _get(
            p.estimates, "total_cost", "mean")
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
    fig.colorbar(image, ax=ax, label=f"total cost per year {currency}".strip(),
                 format=_THOUSANDS)
    ax.set_yticks(range(len(rows)), [str(v) for v in rows])
    ax.set_xticks(range(len(cols)), [str(v) for v in cols], rotation=45, ha="right")
    ax.set_ylabel(first)
    ax.set_xlabel(second)
    bottom = result.bottom
    if bottom is not None:
        p = result.points[bottom]
        ax.plot([cols.index(p.params[second])], [rows.index(p.params[first])], marker="*",
                markersize=16, color="crimson", linestyle="none", label="lowest total")
        ax.legend(loc="upper right", fontsize="small")
    ax.set_title(f"Total cost ({result.replications} replications each)")
    return fig


def sweep_figure(result: SweepResult, currency: str = "") -> Figure:
    """The curve for one lever, the heat map for two."""
    if len(result.levers) == 1:
        return cost_curve_figure(result, currency)
    return cost_heatmap_figure(result, currency)


def _get(estimates: Any, name: str, what: str) -> float:
    est = estimates.get(name)
    if est is None:
        return math.nan
    value = float(getattr(est, what))
    return value if math.isfinite(value) else math.nan
