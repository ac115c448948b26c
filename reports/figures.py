"""The report's figures: one function per figure, each returning a matplotlib Figure.

Figures are built on `matplotlib.figure.Figure` directly (no pyplot, no global state, never
shown) in one style, readable in greyscale and in print: grey fills told apart by hatching,
lines by dash pattern. Each takes the runs to draw (`RunData`: one for a run report, several
for a comparison) and the report's `Wording`, and draws only what the runs hold.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from arsim.sim.costs import COST_PARTS

from .rundata import RunData
from .wording import Wording, cost_components

__all__ = ["FIGURES", "aging_compare", "aging_structure", "ar_over_time", "cash_forecast",
           "cash_parts", "cash_split", "cost_breakdown", "days_to_pay", "dso_trend",
           "dunning_workload", "lost_sales", "opening_cash", "styled", "to_svg"]

#: Fills from dark to light grey (each also hatched), and dash patterns for lines.
GREYS = ("#252525", "#636363", "#969696", "#bdbdbd", "#d9d9d9", "#f0f0f0", "#ffffff")
HATCHES = ("", "//", "..", "xx", "\\\\", "--", "oo", "++")
DASHES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)))

#: Families tried in order. SVG keeps text as text, so the reader's browser draws it with the
#: first family it has: the CJK ones come first so that Chinese is drawn, not boxes.
FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
         "PingFang SC", "SimHei", "DejaVu Sans"]

STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": FONTS,
    "font.size": 9.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": cycler(color=["#000000"]),
    "lines.linewidth": 1.4,
    "hatch.color": "#000000",
    "hatch.linewidth": 0.5,
    "legend.frameon": False,
    "legend.fontsize": 8.0,
    "svg.fonttype": "none",  # text stays text: searchable, and drawn by the browser's fonts
    "svg.hashsalt": "arsim",  # the same figure gives the same file
}


@contextmanager
def styled() -> Iterator[None]:
    """The report style; missing-glyph warnings are silenced because SVG text is drawn by
    the browser, not by the font matplotlib measures it with."""
    with mpl.rc_context(STYLE), warnings.catch_warnings():  # type: ignore[arg-type]
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from")
        yield


def to_svg(figure: Figure) -> str:
    """The figure as an SVG document (text kept as text), without the XML prologue."""
    buffer = io.StringIO()
    with styled():
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.find("<svg"):]


def _figure(width: float = 7.0, height: float = 3.4) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.subplots()


def _money_axis(ax: Axes) -> None:
    ax.yaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _mean(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """The mean over replications at each `by` value."""
    return frame.drop(columns=["replication"]).groupby(by, sort=True).mean(numeric_only=True)


def _mean_estimate(run: RunData, metric: str) -> float:
    entry = run.summary.get(metric) or {}
    value = entry.get("mean")
    return float("nan") if value is None else float(value)


#: Components drawn as their parts, which add up to them: the shortage cost's three causes.
SPLIT = ("shortage_cost",)


def _stacked(run: RunData) -> list[str]:
    """The components a cost bar stacks: each one, or its parts where it is split and the
    result holds them all (results from before the split show the whole)."""
    out = []
    for component in cost_components(run.summary, _inventory_counted(run)):
        parts = COST_PARTS.get(component, ())
        whole = component not in SPLIT or not all(p in run.summary for p in parts)
        out += [component] if whole else list(parts)
    return out


def cost_breakdown(runs: Sequence[RunData], words: Wording) -> Figure:
    """Yearly cost by component, stacked, one bar per run (penalty income below zero, the
    shortage cost in its three parts, each below zero where it is a gain)."""
    with styled():
        figure, ax = _figure(7.0, 3.2 + 0.2 * len(runs))
        components = _stacked(runs[0])
        x = np.arange(len(runs))
        up, down = np.zeros(len(runs)), np.zeros(len(runs))
        for i, metric in enumerate(components):
            sign = -1.0 if metric == "penalty_income" else 1.0
            values = sign * np.array([_mean_estimate(r, metric) for r in runs])
            values = np.nan_to_num(values)
            base = np.where(values >= 0, up, down)
            ax.bar(x, values, 0.55, bottom=base, color=GREYS[i % len(GREYS)],
                   hatch=HATCHES[i % len(HATCHES)], edgecolor="#000000", linewidth=0.5,
                   label=words.metric(metric))
            up, down = np.where(values >= 0, up + values, up), np.where(values < 0,
                                                                         down + values, down)
        totals = [_mean_estimate(r, "total_cost") for r in runs]
        ax.plot(x, totals, "D", color="#000000", markerfacecolor="#ffffff",
                label=words.metric("total_cost"))
        ax.axhline(0.0, color="#000000", linewidth=0.6)
        handles, labels = ax.get_legend_handles_labels()
        # the legend lists the components top down as they are stacked, the total last
        total = labels.index(words.metric("total_cost"))
        order = [*(i for i in reversed(range(len(handles))) if i != total), total]
        ax.set_xticks(x, [r.label for r in runs])
        ax.set_xlim(-0.8, len(runs) - 0.2)
        ax.set_ylabel(words.figure("money", currency=runs[0].currency))
        _money_axis(ax)
        ax.set_title(words.figure("costs" if len(runs) == 1 else "costs_compare"))
        ax.legend([handles[i] for i in order], [labels[i] for i in order],
                  loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def _inventory_counted(run: RunData) -> bool:
    conventions = run.document["scenario"].get("conventions") or {}
    return bool(conventions.get("include_inventory_carrying", True))


def ar_over_time(runs: Sequence[RunData], words: Wording) -> Figure | None:
    """AR balance and the cash collected over the last 30 days, day by day (mean of runs)."""
    if any(r.daily is None for r in runs):
        return None
    with styled():
        figure = Figure(figsize=(7.0, 4.2), layout="constrained")
        top, bottom = figure.subplots(2, 1, sharex=True)
        for i, run in enumerate(runs):
            assert run.daily is not None
            daily = _mean(run.daily, "day")
            cash = daily["cash_received"].rolling(30, min_periods=30).sum()
            label = run.label if len(runs) > 1 else None
            top.plot(daily.index, daily["ar_balance"], linestyle=DASHES[i % len(DASHES)],
                     label=label)
            bottom.plot(daily.index, cash, linestyle=DASHES[i % len(DASHES)], label=label)
        _window(top, runs[0])
        _window(bottom, runs[0])
        top.set_title(words.figure("ar_time"))
        top.set_ylabel(words.figure("ar_balance"))
        bottom.set_ylabel(words.figure("collections"))
        bottom.set_xlabel(words.figure("day"))
        for ax in (top, bottom):
            _money_axis(ax)
        if len(runs) > 1:
            top.legend()
    return figure


def _window(ax: Axes, run: RunData) -> None:
    """Shade the warm-up, which the statistics leave out."""
    warmup = float(run.document["scenario"]["horizon"]["warmup_days"])
    if warmup > 0:
        ax.axvspan(0.0, warmup, color="#eeeeee", linewidth=0, zorder=0)


def aging_structure(run: RunData, words: Wording) -> Figure | None:
    """Month-end aging: open receivables by aging bucket, stacked, month by month."""
    if run.aging is None:
        return None
    with styled():
        figure, ax = _figure(7.0, 3.4)
        aging = _mean(run.aging, "month_end_day")
        bottom = np.zeros(len(aging))
        for i, (column, metric) in enumerate(_aging_columns(aging)):
            values = aging[column].to_numpy(float)
            ax.bar(aging.index, values, width=_month_width(aging), bottom=bottom,
                   color=GREYS[(i + 2) % len(GREYS)], hatch=HATCHES[i % len(HATCHES)],
                   edgecolor="#000000", linewidth=0.3, label=words.metric(metric))
            bottom += values
        _window(ax, run)
        ax.set_title(words.figure("aging"))
        ax.set_xlabel(words.figure("day"))
        ax.set_ylabel(words.figure("money_plain", currency=run.currency))
        _money_axis(ax)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def _aging_columns(aging: pd.DataFrame) -> list[tuple[str, str]]:
    """(column of aging.csv, metric naming the bucket): "1-30" is the bucket aging_1_30."""
    return [(c, "aging_" + c.replace("-", "_").replace("+", "_plus")) for c in aging.columns]


def _month_width(aging: pd.DataFrame) -> float:
    steps = np.diff(aging.index.to_numpy(float))
    return float(0.8 * steps.min()) if steps.size else 24.0


def aging_compare(runs: Sequence[RunData], words: Wording) -> Figure | None:
    """Overdue receivables at each month end, one line per run, overlaid."""
    if any(r.aging is None for r in runs):
        return None
    with styled():
        figure, ax = _figure()
        for i, run in enumerate(runs):
            assert run.aging is not None
            aging = _mean(run.aging, "month_end_day")
            overdue = aging.drop(columns=[aging.columns[0]]).sum(axis=1)
            ax.plot(aging.index, overdue, linestyle=DASHES[i % len(DASHES)], marker="o",
                    markersize=2.5, label=run.label)
        _window(ax, runs[0])
        ax.set_title(words.figure("aging_compare"))
        ax.set_xlabel(words.figure("day"))
        ax.set_ylabel(words.figure("overdue"))
        _money_axis(ax)
        ax.legend()
    return figure


#: DSO by the average method over a trailing quarter, as seed 004 p.116 uses 92 days.
DSO_WINDOW_DAYS = 91


def dso_trend(runs: Sequence[RunData], words: Wording) -> Figure | None:
    """DSO by the average method on each day: AR over the trailing quarter's daily sales."""
    if any(r.daily is None for r in runs):
        return None
    with styled():
        figure, ax = _figure(7.0, 3.0)
        for i, run in enumerate(runs):
            assert run.daily is not None
            daily = _mean(run.daily, "day")
            sales = daily["credit_sales"].rolling(DSO_WINDOW_DAYS,
                                                  min_periods=DSO_WINDOW_DAYS).sum()
            dso = daily["ar_balance"] / (sales / DSO_WINDOW_DAYS).replace(0.0, np.nan)
            ax.plot(daily.index, dso, linestyle=DASHES[i % len(DASHES)],
                    label=run.label if len(runs) > 1 else None)
        _window(ax, runs[0])
        ax.set_title(words.figure("dso"))
        ax.set_xlabel(words.figure("day"))
        ax.set_ylabel(words.figure("dso_days"))
        if len(runs) > 1:
            ax.legend()
    return figure


#: The treasurer's horizon: cash in over the next 13 weeks.
FORECAST_WEEKS = 13


def _weekly_cash(run: RunData, column: str = "cash_received") -> pd.DataFrame:
    """Cash received per replication (rows) and week of the measured window (columns), for
    the first 13 whole weeks after the warm-up (from day 0 where an opening book is worked);
    ``column`` is all the cash, or the part of it from the opening book."""
    assert run.daily is not None
    start = float(run.document["scenario"]["horizon"]["warmup_days"])
    daily = run.daily[(run.daily["day"] > start)
                      & (run.daily["day"] <= start + 7 * FORECAST_WEEKS)]
    # day d is the day ending at d: days start+1 .. start+7 make week 1
    week = np.ceil((daily["day"] - start) / 7.0).astype(int)
    weekly = daily.assign(week=week).pivot_table(index="replication", columns="week",
                                                 values=column, aggfunc="sum")
    last = float(daily["day"].max() - start) if len(daily) else 0.0
    return weekly[[w for w in weekly.columns if 7 * int(w) <= last]]  # whole weeks only


def opening_cash(run: RunData) -> pd.DataFrame | None:
    """The weekly cash from the opening book (as `_weekly_cash`), where the daily series
    tells it apart (daily.csv from before it did does not) and the book brings any in."""
    if run.daily is None or "cash_from_opening" not in run.daily.columns:
        return None
    weekly = _weekly_cash(run, "cash_from_opening")
    return weekly if not weekly.empty and float(weekly.to_numpy().sum()) > 0 else None


def cash_forecast(runs: Sequence[RunData], words: Wording) -> Figure | None:
    """Cash collected week by week over the first 13 weeks: the mean, and the band between
    the lowest and the highest replication. For one run whose opening book brings cash in,
    bars split the mean into the cash from the opening book and from new sales; for several
    runs where any opening book does, panels under the totals split each run's band the
    same way (`cash_parts`)."""
    if any(r.daily is None for r in runs):
        return None
    tables = [_weekly_cash(r) for r in runs]
    if any(t.empty for t in tables):
        return None
    if len(runs) > 1:
        books = [opening_cash(r) for r in runs]
        if any(b is not None for b in books):
            return cash_parts(runs, tables, words)
    book = opening_cash(runs[0]) if len(runs) == 1 else None
    with styled():
        figure, ax = _figure(7.0, 3.0)
        if book is not None:
            weeks = tables[0].columns.to_numpy(int)
            old = book.reindex(columns=tables[0].columns).mean(axis=0).to_numpy(float)
            new = tables[0].mean(axis=0).to_numpy(float) - old
            ax.bar(weeks, old, 0.6, color=GREYS[1], edgecolor="#000000", linewidth=0.4,
                   hatch=HATCHES[1], label=words.figure("cash_opening"))
            ax.bar(weeks, new, 0.6, bottom=old, color=GREYS[4], edgecolor="#000000",
                   linewidth=0.4, label=words.figure("cash_new"))
        for i, (run, weekly) in enumerate(zip(runs, tables, strict=True)):
            label = run.label if len(runs) > 1 else (
                words.figure("cash_total") if book is not None else None)
            _band(ax, weekly, i, label, words.figure("cash_range") if book is not None
                  else None, 0.6 if book is None else 0.35)
        ax.set_title(words.figure("cash", replications=len(runs[0].document["replications"])))
        _cash_axes(ax, runs[0], words)
        if len(runs) > 1:
            ax.legend()
        elif book is not None:
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return figure


def _band(ax: Axes, weekly: pd.DataFrame, i: int, label: str | None, band: str | None,
          alpha: float) -> None:
    """One run's weekly cash: the band from its lowest to its highest replication, and the
    mean as a line in the run's dash pattern."""
    weeks = weekly.columns.to_numpy(int)
    ax.fill_between(weeks, weekly.min(axis=0), weekly.max(axis=0), color=GREYS[4 - i % 3],
                    alpha=alpha, linewidth=0, zorder=0, label=band)
    ax.plot(weeks, weekly.mean(axis=0), linestyle=DASHES[i % len(DASHES)], marker="o",
            markersize=2.5, label=label)


def _cash_axes(ax: Axes, run: RunData, words: Wording) -> None:
    ax.set_xlabel(words.figure("week"))
    ax.set_ylabel(words.figure("money_plain", currency=run.currency))
    ax.set_xticks(range(1, FORECAST_WEEKS + 1))
    _money_axis(ax)


def cash_split(run: RunData, weekly: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """A run's weekly cash (replications by weeks) in its two parts: from the opening book,
    and from new sales (the rest), each replication's own; None where the daily series does
    not tell them apart (a daily.csv from before the split)."""
    if run.daily is None or "cash_from_opening" not in run.daily.columns:
        return None
    old = _weekly_cash(run, "cash_from_opening").reindex(index=weekly.index,
                                                          columns=weekly.columns)
    return old, weekly - old


def cash_parts(runs: Sequence[RunData], tables: Sequence[pd.DataFrame],
               words: Wording) -> Figure:
    """The 13 weeks of cash of several runs, overlaid, in three panels: all the cash, the
    cash from the opening book and the cash from new sales, each run's mean with the band of
    its replications. A run whose daily series does not tell the parts apart is in the first
    panel only."""
    with styled():
        figure = Figure(figsize=(7.0, 6.6), layout="constrained")
        axes = figure.subplots(3, 1, sharex=True)
        for i, (run, weekly) in enumerate(zip(runs, tables, strict=True)):
            _band(axes[0], weekly, i, run.label, None, 0.45)
            parts = cash_split(run, weekly)
            if parts is None:
                continue
            for ax, part in zip(axes[1:], parts, strict=True):
                _band(ax, part, i, run.label, None, 0.45)
        axes[0].set_title(words.figure("cash", replications=len(runs[0].document[
            "replications"])))
        for ax, key in zip(axes, ("cash_all_panel", "cash_opening_panel", "cash_new_panel"),
                           strict=True):
            _cash_axes(ax, runs[0], words)
            ax.set_ylabel(words.figure(key, currency=runs[0].currency))
        for ax in axes[:-1]:
            ax.set_xlabel("")
        axes[0].legend()
    return figure


def days_to_pay(run: RunData, words: Wording) -> Figure | None:
    """Histogram of the days from invoice to payment (needs the ledger)."""
    if run.days_to_pay is None or run.days_to_pay.size == 0:
        return None
    with styled():
        figure, ax = _figure(7.0, 3.0)
        days = run.days_to_pay
        top = float(np.quantile(days, 0.995))
        ax.hist(np.clip(days, 0.0, top), bins=60, color=GREYS[2], edgecolor="#000000",
                linewidth=0.3)
        median = float(np.median(days))
        ax.axvline(median, color="#000000", linestyle="--",
                   label=words.figure("median", value=f"{median:.0f}"))
        ax.set_title(words.figure("days_to_pay"))
        ax.set_xlabel(words.figure("days_to_pay_x"))
        ax.set_ylabel(words.figure("invoices"))
        ax.legend()
    return figure


def _bars(run: RunData, prefix: str, words: Wording, title: str, xlabel: str) -> Figure:
    """Horizontal bars of the metrics named ``prefix*``, each with its 95% interval."""
    metrics = [m for m in run.summary if m.startswith(prefix)]
    means = np.nan_to_num([_mean_estimate(run, m) for m in metrics])
    errors = np.nan_to_num([float((run.summary[m] or {}).get("half_width") or 0.0)
                            for m in metrics])
    with styled():
        figure, ax = _figure(7.0, 1.0 + 0.28 * len(metrics))
        y = np.arange(len(metrics))[::-1]
        ax.barh(y, means, xerr=errors, color=GREYS[3], edgecolor="#000000", linewidth=0.5,
                ecolor="#000000", error_kw={"elinewidth": 0.8, "capsize": 2})
        for cap in ax.lines:  # the caps take the colour cycle's first colour, not ecolor
            cap.set_color("#000000")
        ax.set_yticks(y, [words.metric(m) for m in metrics])
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    return figure


def dunning_workload(run: RunData, words: Wording) -> Figure:
    """Dunning actions per year by kind; the title gives the collectors' utilisation."""
    utilisation = run.summary.get("collector_utilisation") or {}
    value = utilisation.get("mean")
    shown = "n/a" if value is None else f"{100 * float(value):.1f}%"
    title = f"{words.figure('work')} · {words.figure('utilisation', value=shown)}"
    return _bars(run, "actions_", words, title, words.figure("actions"))


def lost_sales(run: RunData, words: Wording) -> Figure:
    """Sales lost per year by cause."""
    return _bars(run, "lost_sales_", words, words.figure("lost"),
                 words.figure("money", currency=run.currency))


#: The figures of a run report, in order: (key, function of the run).
FIGURES: tuple[tuple[str, Callable[[RunData, Wording], Figure | None]], ...] = (
    ("costs", lambda run, words: cost_breakdown([run], words)),
    ("ar_time", lambda run, words: ar_over_time([run], words)),
    ("dso", lambda run, words: dso_trend([run], words)),
    ("cash", lambda run, words: cash_forecast([run], words)),
    ("aging", aging_structure),
    ("days_to_pay", days_to_pay),
    ("work", dunning_workload),
    ("lost", lost_sales),
)

