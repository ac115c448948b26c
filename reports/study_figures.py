"""Figures of the sweep and optimisation reports, drawn from sweep.json and optimize.json.

They follow the run report's style (figures.py: greys, hatching and dash patterns, text kept
as text in SVG) and its wording, so that they print in greyscale and read in Chinese. The
sweep.png/svg that `arsim sweep --out` writes and the frontier.png/svg of `arsim optimize
--frontier` are these figures, in the language of `--lang`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from arsim.optimizers.sweep import COST_PARTS

from .figures import DASHES, GREYS, _figure, _money_axis, styled
from .wording import Wording

__all__ = ["frontier_chart", "frontier_kpi", "lever_axes", "no_points", "objective_metric",
           "search_trace", "sweep_curves", "sweep_heatmap", "sweep_parts"]


def _number(value: Any) -> float:
    """A JSON value as a float (None and missing as NaN)."""
    return float(value) if isinstance(value, int | float) else math.nan


def _positions(values: Sequence[Any]) -> tuple[np.ndarray, list[str] | None]:
    """Numeric lever values as themselves; choices (named grades...) at 0, 1, 2 with names."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.asarray(values, dtype=float), None
    return np.arange(len(values), dtype=float), [str(v) for v in values]


def _ran(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in document["points"] if not p.get("error")]


def sweep_parts(document: Mapping[str, Any]) -> list[str]:
    """The costs a sweep shows, total last, which add up to the total: sweep.json's own list,
    else (a file from before it kept one) those of COST_PARTS its points hold."""
    listed = document.get("cost_parts")
    if listed:
        return [str(p) for p in listed]
    points = document.get("points") or [{}]
    return [p for p in COST_PARTS if p in points[0]] or ["total_cost"]


def sweep_curves(document: dict[str, Any], words: Wording) -> Figure | None:
    """Each cost and the total against the lever, with confidence bands; the bottom of the
    total marked."""
    points = _ran(document)
    if not points:
        return None
    lever = document["levers"][0]
    x, names = _positions([p[lever] for p in points])
    with styled():
        figure, ax = _figure(7.0, 4.2)
        for i, part in enumerate(sweep_parts(document)):
            total = part == "total_cost"
            mean = np.array([_number(p.get(part)) for p in points])
            low = np.array([_number(p.get(f"{part}_low")) for p in points])
            high = np.array([_number(p.get(f"{part}_high")) for p in points])
            ax.plot(x, mean, color="#000000", linewidth=2.4 if total else 1.2,
                    linestyle="-" if total else DASHES[(i + 1) % len(DASHES)],
                    marker="o" if total else None, markersize=3,
                    label=words.metric(part))
            if np.isfinite(low).any():
                ax.fill_between(x, low, high, color=GREYS[3 if total else 4],
                                alpha=0.35 if total else 0.25, linewidth=0)
        bottom = document.get("bottom")
        if bottom is not None:
            best = document["points"][bottom]
            where = points.index(best)
            ax.plot([x[where]], [_number(best["total_cost"])], marker="v", markersize=10,
                    color="#000000", markerfacecolor="#ffffff", linestyle="none",
                    label=words.figure("lowest_at", value=best[lever]))
        if names is not None:
            ax.set_xticks(x, names)
        ax.axhline(0.0, color="#000000", linewidth=0.6)
        ax.set_xlabel(lever)
        ax.set_ylabel(words.figure("money", currency=_currency(document)))
        _money_axis(ax)
        ax.set_title(words.figure("sweep_curve", lever=lever,
                                  replications=document["replications"],
                                  confidence=f"{document['confidence']:.0%}"))
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def no_points(words: Wording) -> Figure:
    """The figure of a sweep where no point ran: it says so (each point's reason is in
    sweep.csv and the report), rather than drawing empty axes."""
    with styled():
        figure, ax = _figure(7.0, 1.2)
        ax.set_axis_off()
        ax.text(0.5, 0.5, words.word("sweep_no_bottom"), ha="center", va="center",
                transform=ax.transAxes)
    return figure


def _currency(document: dict[str, Any]) -> str:
    return str((document.get("scenario") or {}).get("currency", ""))


def lever_axes(document: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    """The two levers' values (sweep.json's axes, else the values in the order first seen)."""
    axes = document.get("axes")
    if axes and len(axes) == 2:
        return list(axes[0]), list(axes[1])
    first, second = document["levers"]
    rows = list(dict.fromkeys(p[first] for p in document["points"]))
    cols = list(dict.fromkeys(p[second] for p in document["points"]))
    return rows, cols


def sweep_heatmap(document: dict[str, Any], words: Wording) -> Figure | None:
    """Mean total cost over two levers as a grey heat map, each cell labelled where the grid
    is small enough to read, the bottom starred."""
    points = _ran(document)
    if not points:
        return None
    first, second = document["levers"]
    rows, cols = lever_axes(document)
    grid = np.full((len(rows), len(cols)), math.nan)
    for p in points:
        grid[rows.index(p[first]), cols.index(p[second])] = _number(p.get("total_cost"))
    with styled():
        figure, ax = _figure(7.0, 1.6 + 0.35 * max(len(rows), 4))
        # light is cheap: the bottom is the palest cell, in colour and in greyscale alike
        image = ax.imshow(grid, origin="lower", aspect="auto", cmap="Greys")
        figure.colorbar(image, ax=ax, label=words.figure("money", currency=_currency(document)),
                        format="{x:,.0f}")
        ax.grid(False)
        ax.set_yticks(range(len(rows)), [str(v) for v in rows])
        ax.set_xticks(range(len(cols)), [str(v) for v in cols])
        ax.set_ylabel(first)
        ax.set_xlabel(second)
        if grid.size <= 144:
            middle = np.nanmean(grid) if np.isfinite(grid).any() else 0.0
            for (r, c), value in np.ndenumerate(grid):
                if math.isfinite(value):
                    ax.text(c, r, f"{value / 1000:,.0f}k", ha="center", va="center",
                            fontsize=7, color="#ffffff" if value > middle else "#000000")
        bottom = document.get("bottom")
        if bottom is not None:
            best = document["points"][bottom]
            # in the cell's corner, clear of its label
            ax.plot([cols.index(best[second]) + 0.32], [rows.index(best[first]) + 0.3],
                    marker="*", markersize=11, color="#000000", markerfacecolor="#ffffff",
                    linestyle="none",
                    label=words.figure("lowest_at", value=f"{best[first]}, {best[second]}"))
            figure.legend(loc="outside lower center")
        ax.set_title(words.figure("sweep_heatmap", replications=document["replications"]))
    return figure


def search_trace(document: dict[str, Any], words: Wording, metric_label: str
                 ) -> Figure | None:
    """Each candidate's objective in the order evaluated, and the best so far as a step."""
    rows = document.get("candidates") or []
    if not rows:
        return None
    number = np.arange(1, len(rows) + 1)
    value = np.array([_number(r.get("objective_mean")) for r in rows])
    best = np.array([_number(r.get("best_so_far")) for r in rows])
    feasible = np.array([r.get("feasible") in (True, "True", "true", 1) for r in rows])
    with styled():
        figure, ax = _figure(7.0, 3.2)
        ax.plot(number[feasible], value[feasible], "o", color="#000000", markersize=3.5,
                markerfacecolor=GREYS[2], markeredgewidth=0.5,
                label=words.figure("trace_candidate"))
        if (~feasible).any():
            ax.plot(number[~feasible], value[~feasible], "x", color="#000000", markersize=4,
                    label=words.figure("trace_infeasible"))
        ax.step(number, best, where="post", color="#000000", linewidth=1.6,
                label=words.figure("best_so_far"))
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(words.figure("trace_x"))
        ax.set_ylabel(metric_label)
        _money_axis(ax)
        ax.set_title(words.figure("trace"))
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def objective_metric(document: Mapping[str, Any]) -> str:
    """The metric the optimisation's objective reads: total cost, or margin less costs."""
    objective = str(document["spec"].get("objective", "min_total_cost"))
    return "total_cost" if objective == "min_total_cost" else "net_margin"


def frontier_kpi(document: Mapping[str, Any]) -> str | None:
    """The KPI an optimize.json's frontier traces: as it says, or (a file written before it
    said) the one ``*_mean`` column of its points that is not the objective's; None where
    there is no frontier of the document's objective."""
    points = document.get("frontier") or []
    metric = objective_metric(document)
    if not points or f"{metric}_mean" not in points[0]:
        return None  # no frontier, or not one of this objective
    stated = document.get("frontier_kpi")
    if stated:
        return str(stated)
    others = [k.removesuffix("_mean") for k in points[0]
              if k.endswith("_mean") and k != f"{metric}_mean"]
    return others[0] if len(others) == 1 else None


def frontier_chart(document: Mapping[str, Any], words: Wording) -> Figure | None:
    """The trade-off between the objective and one KPI: the best policy at each level of the
    KPI (the frontier's points, each with both intervals, joined in KPI order), and where
    their re-check measured the KPI, the best policy and the incumbent marked."""
    kpi = frontier_kpi(document)
    points = sorted(document.get("frontier") or [],
                    key=lambda p: _number(p.get(f"{kpi}_mean")))
    if kpi is None or not points:
        return None
    metric = objective_metric(document)
    x = np.array([_number(p.get(f"{kpi}_mean")) for p in points])
    y = np.array([_number(p.get(f"{metric}_mean")) for p in points])
    xerr = np.nan_to_num([_number(p.get(f"{kpi}_half_width")) for p in points])
    yerr = np.nan_to_num([_number(p.get(f"{metric}_half_width")) for p in points])
    with styled():
        figure, ax = _figure(7.0, 3.8)
        ax.errorbar(x, y, xerr=xerr, yerr=yerr, color="#000000", marker="o", markersize=4,
                    markerfacecolor=GREYS[2], elinewidth=0.7, capsize=2,
                    label=words.figure("frontier_points"))
        for who, marker in (("incumbent", "s"), ("winner", "D")):
            finding = document.get(who) or {}
            estimates = finding.get("estimates") or {}
            if kpi in estimates and metric in estimates:
                ax.plot([_number(estimates[kpi].get("mean"))],
                        [_number(estimates[metric].get("mean"))], marker=marker,
                        markersize=8, color="#000000", markerfacecolor="#ffffff",
                        linestyle="none", label=words.figure(f"frontier_{who}"))
        ax.set_xlabel(words.metric(kpi))
        ax.set_ylabel(f"{words.metric(metric)} · "
                      f"{words.figure('money', currency=_currency(dict(document)))}")
        _money_axis(ax)
        ax.set_title(words.figure("frontier", objective=words.metric(metric),
                                  kpi=words.metric(kpi)))
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure
