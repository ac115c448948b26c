"""Each figure function returns a Figure (Agg, never shown), grey only, text kept as text."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from report_support import assert_grey

from arsim.reports import figures
from arsim.reports.rundata import RunData, from_result
from arsim.reports.wording import wording
from arsim.sim.loader import apply_overrides, load
from arsim.sim.replicate import run

TINY = Path(__file__).resolve().parents[1] / "data" / "tiny.yaml"


@pytest.fixture(scope="module")
def tiny_run() -> RunData:
    scenario, policy = load(TINY)
    return from_result(run(scenario, policy, replications=2, jobs=1, keep_ledgers=True), "tiny")


def _colours(figure: Figure) -> list[tuple[float, ...]]:
    found = []
    for ax in figure.axes:
        for patch in ax.patches:
            found.append(to_rgba(patch.get_facecolor()))
        for line in ax.lines:
            found.append(to_rgba(line.get_color()))
    return found


def test_every_run_figure_is_a_grey_figure(tiny_run: RunData) -> None:
    assert matplotlib.get_backend().lower() == "agg"  # no display needed, nothing shown
    for language in ("en", "zh"):
        words = wording(language)
        for key, make in figures.FIGURES:
            figure = make(tiny_run, words)
            assert isinstance(figure, Figure), key
            assert figure.axes and figure.axes[0].get_title(), key
            for r, g, b, _ in _colours(figure):
                assert r == pytest.approx(g) == pytest.approx(b), (key, r, g, b)


def test_comparison_figures_overlay_every_run(tiny_run: RunData) -> None:
    other = RunData("other", tiny_run.document, tiny_run.daily, tiny_run.aging)
    words = wording("en")
    costs = figures.cost_breakdown([tiny_run, other], words)
    assert [t.get_text() for t in costs.axes[0].get_xticklabels()] == ["tiny", "other"]
    aging = figures.aging_compare([tiny_run, other], words)
    assert aging is not None
    styles = {line.get_linestyle() for line in aging.axes[0].lines}
    assert len(styles) == 2  # told apart in greyscale by the dash pattern


def test_stacked_costs_add_up_to_the_total(tiny_run: RunData) -> None:
    figure = figures.cost_breakdown([tiny_run], wording("en"))
    heights = sum(p.get_height() for p in figure.axes[0].patches)
    total = tiny_run.summary["total_cost"]["mean"]
    assert heights == pytest.approx(total, rel=1e-9)


def test_figures_without_series_are_left_out(tiny_run: RunData) -> None:
    bare = RunData("bare", tiny_run.document)
    words = wording("en")
    assert figures.ar_over_time([bare], words) is None
    assert figures.aging_structure(bare, words) is None
    assert figures.days_to_pay(bare, words) is None
    assert isinstance(figures.cost_breakdown([bare], words), Figure)


def test_days_to_pay_come_from_paid_invoices_of_the_window(tiny_run: RunData) -> None:
    days = tiny_run.days_to_pay
    assert days is not None and days.size > 0 and np.all(days >= 0)


def test_svg_keeps_chinese_as_text(tiny_run: RunData) -> None:
    svg = figures.to_svg(figures.cost_breakdown([tiny_run], wording("zh")))
    assert svg.startswith("<svg") and "各项年成本" in svg and "机会成本" in svg
    assert "Noto Sans CJK SC" in svg  # the browser tries CJK fonts first
    again = figures.to_svg(figures.cost_breakdown([tiny_run], wording("zh")))
    assert svg == again  # the same figure gives the same file


def test_cash_forecast_sums_the_daily_cash_of_each_week(tiny_run: RunData) -> None:
    figure = figures.cash_forecast([tiny_run], wording("en"))
    assert figure is not None
    line = figure.axes[0].lines[0]
    weeks, means = line.get_xdata(), line.get_ydata()
    # the tiny scenario measures 120 days after a 30-day warm-up: 13 whole weeks fit
    assert list(weeks) == list(range(1, 14))
    daily = tiny_run.daily
    assert daily is not None
    for week, mean in zip(weeks, means, strict=True):
        days = daily[(daily["day"] > 30 + 7 * (week - 1)) & (daily["day"] <= 30 + 7 * week)]
        per_replication = days.groupby("replication")["cash_received"].sum()
        assert mean == pytest.approx(per_replication.mean())
    short = RunData("short", tiny_run.document, daily[daily["day"] <= 40])
    assert figures.cash_forecast([short], wording("en")) is not None  # one whole week
    none = RunData("none", tiny_run.document, daily[daily["day"] <= 35])
    assert figures.cash_forecast([none], wording("en")) is None


def test_the_shortage_cost_is_stacked_in_its_three_parts(tiny_run: RunData) -> None:
    words = wording("zh")
    figure = figures.cost_breakdown([tiny_run], words)
    legend = figure.axes[0].get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    parts = ("shortage_terms_cost", "shortage_held_cost", "shortage_customers_lost_cost")
    assert words.metric("shortage_cost") not in labels
    for part in parts:
        assert words.metric(part) in labels, part
    bars = {c.get_label(): c.patches[0].get_height() for c in figure.axes[0].containers}
    for part in parts:
        assert bars[words.metric(part)] == pytest.approx(tiny_run.summary[part]["mean"])
    # a result from before the split still shows the shortage cost whole
    summary = {k: v for k, v in tiny_run.summary.items() if k not in parts}
    old = RunData("old", {**tiny_run.document, "summary": summary})
    labels = [t.get_text() for t in figures.cost_breakdown([old], words).axes[0]
              .get_legend().get_texts()]
    assert words.metric("shortage_cost") in labels


@pytest.fixture(scope="module")
def booked() -> RunData:
    """The tiny scenario opening with a book of receivables and no warm-up."""
    return _booked([], "book")


def _booked(changes: list[str], label: str) -> RunData:
    data = TINY.parent
    scenario, policy = apply_overrides(*load(TINY), [
        f"scenario.opening_book={{ledger_csv: {data / 'opening_ledger.csv'}}}",
        "scenario.horizon.warmup_days=0", *changes])
    return from_result(run(scenario, policy, replications=2, jobs=1), label)


def _week_sums(run_data: RunData) -> pd.DataFrame:
    """Each replication's cash, all and from the opening book, in each of the 13 weeks."""
    daily = run_data.daily
    assert daily is not None
    week = np.ceil(daily["day"] / 7.0).astype(int)
    sums = daily.assign(week=week)[week <= 13].groupby(["week", "replication"])[
        ["cash_received", "cash_from_opening"]].sum()
    return sums.assign(cash_new=sums["cash_received"] - sums["cash_from_opening"])


def test_the_cash_of_the_opening_book_is_split_from_new_sales(booked: RunData) -> None:
    words = wording("zh")
    figure = figures.cash_forecast([booked], words)
    assert figure is not None
    ax = figure.axes[0]
    old, new = ax.containers  # the opening book's bars, and new sales' stacked on them
    assert old.get_label() == words.figure("cash_opening")
    assert new.get_label() == words.figure("cash_new")
    daily = booked.daily
    assert daily is not None
    for week, (low, high) in enumerate(zip(old.patches, new.patches, strict=True), start=1):
        days = daily[(daily["day"] > 7 * (week - 1)) & (daily["day"] <= 7 * week)]
        by_run = days.groupby("replication")[["cash_from_opening", "cash_received"]].sum()
        assert low.get_height() == pytest.approx(by_run["cash_from_opening"].mean())
        assert low.get_height() + high.get_height() == pytest.approx(
            by_run["cash_received"].mean())
    assert sum(p.get_height() for p in old.patches) > 0
    # the line is still all the cash; a comparison, or a daily.csv from before the split,
    # draws the totals alone
    assert list(ax.lines[0].get_ydata()) == pytest.approx(
        [p.get_y() + p.get_height() for p in new.patches])
    older = RunData("old", booked.document, daily.drop(columns=["cash_from_opening"]))
    plain = figures.cash_forecast([older], words)
    assert plain is not None and not plain.axes[0].containers


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_comparison_splits_each_policys_cash_band(booked: RunData, language: str) -> None:
    longer = _booked(["terms.B=N/60"], "n60")
    words = wording(language)
    figure = figures.cash_forecast([booked, longer], words)
    assert figure is not None
    every, opening, new = figure.axes
    assert_grey(figure)
    assert [ax.get_ylabel() for ax in figure.axes] == [
        words.figure(k, currency="CNY") for k in ("cash_all_panel", "cash_opening_panel",
                                                  "cash_new_panel")]
    for ax, column in ((every, "cash_received"), (opening, "cash_from_opening"),
                       (new, "cash_new")):
        # one line and one band per policy, overlaid, told apart by the dash pattern
        assert [line.get_label() for line in ax.lines] == ["book", "n60"]
        assert len({str(line.get_linestyle()) for line in ax.lines}) == 2
        for line, band, run_data in zip(ax.lines, ax.collections, (booked, longer),
                                        strict=True):
            sums = _week_sums(run_data)[column].unstack("replication")
            assert list(line.get_xdata()) == list(range(1, 14))
            assert list(line.get_ydata()) == pytest.approx(list(sums.mean(axis=1)))
            edges = band.get_paths()[0].vertices[:, 1]
            assert edges.min() == pytest.approx(sums.min(axis=1).min())
            assert edges.max() == pytest.approx(sums.max(axis=1).max())
    # the opening book is the same under both policies; its cash differs by how it is chased
    assert sum(opening.lines[0].get_ydata()) > 0
    # a run whose daily.csv does not tell the parts apart is in the totals only
    daily = longer.daily
    assert daily is not None
    older = RunData("old", longer.document, daily.drop(columns=["cash_from_opening"]))
    mixed = figures.cash_forecast([booked, older], words)
    assert mixed is not None
    assert [len(ax.lines) for ax in mixed.axes] == [2, 1, 1]
    # where no run's opening book brings cash in, the comparison is one panel of totals
    bare = [RunData(r.label, r.document, d.assign(cash_from_opening=0.0))
            for r in (booked, longer) if (d := r.daily) is not None]
    totals = figures.cash_forecast(bare, words)
    assert totals is not None and len(totals.axes) == 1 and len(totals.axes[0].lines) == 2
