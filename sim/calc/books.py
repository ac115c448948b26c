"""Family 3, KPIs from a company's own figures: the receivables KPIs of an aging report.

Every KPI calls the simulator's own definition in ``sim/metrics.py`` (DSO by the average
method, countback DSO, best-possible DSO, average days delinquent, CEI), so the books and a
simulation are measured by the same formulas. What differs is only what the books know:
balances at period ends, not every day. So:

- "period-end" DSO uses the last balance; "average" DSO uses the time-average balance over
  the window, the balance taken as moving in a straight line between period ends (the
  simulator integrates its daily balance; with one period this is (opening + closing) / 2);
- best-possible DSO and average days delinquent are given on both bases; the simulator's are
  the average basis;
- CEI over several months uses either the window's total credit sales or their monthly
  average: sources differ, so the choice is explicit (``cei_sales``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from .. import metrics
from ..errors import CalcError
from .aging_csv import AgingBook, PeriodFigures
from .common import Figure

__all__ = ["BookKpis", "CeiSales", "book_kpis", "cei_over_months"]

#: Sales in the CEI over several months: their total, or their monthly average.
CeiSales = Literal["total", "monthly_average"]


def cei_over_months(beginning_receivables: float, monthly_credit_sales: list[float],
                    ending_receivables: float, ending_current_receivables: float,
                    sales: CeiSales = "total") -> float:
    """CEI in percent over one or several months, with the sales basis stated.

    ``(BR + S - ER) / (BR + S - ECR) x 100`` with ``S`` the months' total credit sales, or
    their average per month (``sales="monthly_average"``); :func:`metrics.
    collection_effectiveness_index` computes it.

    Raises:
        CalcError: No months given.
    """
    if not monthly_credit_sales:
        raise CalcError("CEI needs the credit sales of at least one month")
    total = float(sum(monthly_credit_sales))
    used = total if sales == "total" else total / len(monthly_credit_sales)
    return metrics.collection_effectiveness_index(beginning_receivables, used,
                                                  ending_receivables, ending_current_receivables)


@dataclass(frozen=True, slots=True)
class BookKpis:
    """Receivables KPIs of an aging report over a window of its last periods."""

    source: str
    period_end: str
    window_start: str
    periods: int
    window_days: float
    credit_sales: float
    has_opening: bool
    receivables: float
    current: float
    overdue: float
    overdue_share: float
    buckets: tuple[tuple[str, float], ...]
    average_receivables: float
    dso_period_end: float
    dso_average: float
    dso_countback: float
    best_possible_dso_period_end: float
    best_possible_dso_average: float
    average_days_delinquent_period_end: float
    average_days_delinquent_average: float
    cei: float
    cei_sales: CeiSales
    cei_by_period: tuple[tuple[str, float], ...]

    def figures(self) -> tuple[Figure, ...]:
        """The printed lines."""
        cei_s = "S = total credit sales" if self.cei_sales == "total" else "S = sales / months"
        lines = [
            Figure("receivables", "receivables at the period end", self.receivables, "money",
                   "column total, else current + overdue"),
            Figure("current", "not yet due", self.current, "money", "column current"),
            Figure("overdue", "past due", self.overdue, "money", "sum of bucket columns"),
            Figure("overdue_share", "overdue share of receivables", self.overdue_share,
                   "share", "overdue / receivables"),
        ]
        lines += [Figure("bucket", "past due", amount, "money", "column " + label, label)
                  for label, amount in self.buckets]
        lines += [
            Figure("credit_sales", "credit sales in the window", self.credit_sales, "money",
                   "sum of credit_sales"),
            Figure("average_receivables", "average receivables", self.average_receivables,
                   "money", "sum of days x (opening + closing) / 2 / days"),
            Figure("dso_period_end", "DSO, period-end method", self.dso_period_end, "days",
                   "closing receivables / (sales / days)"),
            Figure("dso_average", "DSO, average method", self.dso_average, "days",
                   "average receivables / (sales / days)"),
            Figure("dso_countback", "DSO, countback method", self.dso_countback, "days",
                   "latest months' days until their sales use up the closing receivables"),
            Figure("best_possible_dso_period_end", "best-possible DSO, period end",
                   self.best_possible_dso_period_end, "days", "current / (sales / days)"),
            Figure("best_possible_dso_average", "best-possible DSO, average",
                   self.best_possible_dso_average, "days",
                   "average current / (sales / days)"),
            Figure("average_days_delinquent_period_end", "average days delinquent, period end",
                   self.average_days_delinquent_period_end, "days",
                   "DSO period end - best-possible DSO period end"),
            Figure("average_days_delinquent_average", "average days delinquent, average",
                   self.average_days_delinquent_average, "days",
                   "DSO average - best-possible DSO average"),
            Figure("cei", "collection effectiveness index", self.cei / 100.0, "share",
                   f"(BR + S - ER) / (BR + S - ECR); {cei_s}"),
        ]
        lines += [Figure("cei_month", "CEI of the period", value / 100.0, "share",
                         "(BR + S - ER) / (BR + S - ECR), S = the period's sales", end)
                  for end, value in self.cei_by_period]
        return tuple(lines)

    def conventions(self) -> tuple[str, ...]:
        """The conventions behind the figures."""
        notes = [f"{self.source}: window of {self.periods} period(s) from {self.window_start} "
                 f"to {self.period_end}, {self.window_days:g} days",
                 "countback walks back over every period in the file, latest first"]
        if not self.has_opening:
            notes.append("no period end before the window: average DSO and CEI need the "
                         "opening balance (n/a)")
        unreconciled = [end for end, value in self.cei_by_period if math.isnan(value)]
        if unreconciled or (self.has_opening and math.isnan(self.cei)):
            notes.append("CEI n/a (" + (", ".join(unreconciled) or "the window")
                         + "): nothing was collectable, or receivables ended above the "
                         "opening balance plus the sales counted, figures that do not "
                         "reconcile (check the credit sales)")
        return tuple(notes)


def _average(opening: PeriodFigures, window: tuple[PeriodFigures, ...], current: bool) -> float:
    """Time-average balance, straight lines between period ends, weighted by days."""
    total = 0.0
    previous = opening
    for period in window:
        if current:
            total += period.days * (previous.current + period.current) / 2.0
        else:
            total += period.days * (previous.receivables + period.receivables) / 2.0
        previous = period
    return total / sum(period.days for period in window)


def _cei_by_period(book: AgingBook, first: int) -> tuple[tuple[str, float], ...]:
    rows = []
    for index in range(max(first, 1), len(book.periods)):
        before, period = book.periods[index - 1], book.periods[index]
        rows.append((period.period_end.isoformat(), metrics.collection_effectiveness_index(
            before.receivables, period.credit_sales, period.receivables, period.current)))
    return tuple(rows)


def book_kpis(book: AgingBook, periods: int | None = None,
              cei_sales: CeiSales = "total") -> BookKpis:
    """Receivables KPIs over the last ``periods`` periods of an aging report.

    Args:
        book: The report, e.g. from :func:`read_aging_csv`.
        periods: The window, in periods (default: every period after the first, whose
            closing balance opens the window; the whole file when it has one row).
        cei_sales: The CEI's sales: the window's total or its monthly average.

    Raises:
        CalcError: The window is not between 1 and the number of periods.
    """
    count = len(book.periods)
    size = (count - 1 if count > 1 else 1) if periods is None else periods
    if not 1 <= size <= count:
        raise CalcError(f"{book.source}: the window must be 1 to {count} periods, got {size}")
    first = count - size
    window = book.periods[first:]
    opening = book.periods[first - 1] if first > 0 else None
    last = window[-1]
    days = sum(p.days for p in window)
    sales = sum(p.credit_sales for p in window)
    nan = math.nan
    average = _average(opening, window, current=False) if opening is not None else nan
    average_current = _average(opening, window, current=True) if opening is not None else nan
    dso_end = metrics.dso_average(last.receivables, sales, days)
    dso_avg = metrics.dso_average(average, sales, days)
    best_end = metrics.best_possible_dso(last.current, sales, days)
    best_avg = metrics.best_possible_dso(average_current, sales, days)
    latest_first = book.periods[::-1]
    countback = metrics.dso_countback(last.receivables, [p.credit_sales for p in latest_first],
                                      [p.days for p in latest_first])
    cei = nan
    if opening is not None:
        cei = cei_over_months(opening.receivables, [p.credit_sales for p in window],
                              last.receivables, last.current, cei_sales)
    overdue = last.receivables - last.current
    return BookKpis(
        book.source, last.period_end.isoformat(), window[0].period_end.isoformat(), size, days,
        sales, opening is not None, last.receivables, last.current, overdue,
        overdue / last.receivables if last.receivables > 0 else nan,
        tuple(zip(book.bucket_labels, last.overdue, strict=True)), average, dso_end, dso_avg,
        countback, best_end, best_avg, metrics.average_days_delinquent(dso_end, best_end),
        metrics.average_days_delinquent(dso_avg, best_avg), cei, cei_sales,
        _cei_by_period(book, first))
