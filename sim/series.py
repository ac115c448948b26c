"""Time series from a ledger: the daily AR and cash, and the month-end aging."""

from __future__ import annotations

import numpy as np

from . import metrics
from .behaviour import Outcome
from .costs import owed_at
from .ledger import LedgerLike

__all__ = ["AGING_LABELS", "AgingFold", "DailyFold", "daily_series", "month_end_aging"]

AGING_LABELS = ("current", "1-30", "31-60", "61-90", "90+")


def daily_series(ledger: LedgerLike, end: float, start: float = 0.0) -> dict[str, np.ndarray]:
    """AR balance at the end of each day, with the day's credit sales and cash received.

    Invoices of an opening book (issued before day 0) are in the balance from day 0 on but
    are not the day's sales; `cash_from_opening` is the part of the day's cash they bring in
    (the rest is from sales made in the run). `in_window` marks the days the statistics cover
    (after warm-up).
    """
    fold = DailyFold(end, start)
    fold.add(ledger)
    return fold.result()


class DailyFold:
    """The daily series' sums by day, added to as rows come (in ledger order: each day's
    sum is the fold of its rows, as np.bincount's, whatever chunks the rows came in)."""

    PARTS = ("sales", "up", "credit", "down", "cash", "opening")

    def __init__(self, end: float, start: float = 0.0) -> None:
        self.start = start
        self.days = int(np.ceil(end))
        self.sums = np.zeros((len(self.PARTS), self.days))

    def add(self, ledger: LedgerLike) -> None:
        """Add rows to the sums by day."""
        issue, settle = ledger["issue_day"], ledger["settle_day"]
        amount, credited = ledger["amount"], ledger["credited"]
        credit_day = np.minimum(ledger["credited_day"], settle)
        # balance = issued so far - credits so far - remaining amounts settled so far
        remaining = owed_at(amount, credited, ledger["credited_day"], settle)
        for k, (when, weights) in enumerate(((issue, amount),
                                             (np.maximum(issue, 0.0), amount),
                                             (np.maximum(credit_day, 0.0), credited),
                                             (settle, remaining),
                                             (settle, ledger["paid"]),
                                             (settle, np.where(ledger["opening"],
                                                               ledger["paid"], 0.0)))):
            _per_day(self.sums[k], when, weights, self.days)

    def result(self) -> dict[str, np.ndarray]:
        """The series (see daily_series)."""
        sales, up, credit, down, cash, opening = (self.sums[k].copy()
                                                  for k in range(len(self.PARTS)))
        edges = np.arange(self.days + 1, dtype=float)
        return {
            "day": edges[1:],
            "in_window": edges[1:] > self.start,
            "ar_balance": np.cumsum(up - credit - down),
            "credit_sales": sales,
            "cash_received": cash,
            "cash_from_opening": opening,
        }


def _per_day(sums: np.ndarray, when: np.ndarray, weights: np.ndarray, days: int) -> None:
    """Add weights to their day's sum, by day [d, d + 1) over days 0 .. days - 1, the last
    day closed at its end (np.histogram's bins, as a fold in row order: np.add.at, like a
    bincount of the day numbers, ten times faster than the histogram); times outside
    (before 0, after the end, never) are left out."""
    inside = (when >= 0.0) & (when <= days)
    day = np.minimum(np.floor(when[inside]).astype(np.int64), days - 1)
    np.add.at(sums, day, weights[inside])


def month_end_aging(ledger: LedgerLike, end: float, days_in_year: int) -> dict[str, np.ndarray]:
    """Open receivables by days-overdue bucket at every month end up to `end`.

    Each invoice is met once for every month end it is open at (an instant just before the
    month end, as `ar_balance_at` reads it), rather than the whole ledger once per month end:
    the sums come in the same order, invoice by invoice, so they are the same bits.
    """
    fold = AgingFold(end, days_in_year)
    fold.add(ledger)
    return fold.result()


class AgingFold:
    """The month-end aging's sums by (month end, band), added to as rows come (each a fold
    in ledger order, whatever chunks the rows came in)."""

    def __init__(self, end: float, days_in_year: float) -> None:
        month = days_in_year / 12.0
        self.ends = np.arange(month, end + 1e-9, month)
        self.sums = np.zeros(self.ends.size * len(AGING_LABELS))

    def add(self, ledger: LedgerLike) -> None:
        """Add rows to the sums."""
        ends = self.ends
        at = ends - 1e-9
        # month ends m with issue <= at[m] < settle: first .. last - 1
        first = np.searchsorted(at, ledger["issue_day"], side="left")
        last = np.searchsorted(at, ledger["settle_day"], side="left")
        count = np.maximum(last - first, 0)
        inv = np.repeat(np.arange(count.size), count)
        m = (np.repeat(first, count) + np.arange(inv.size)
             - np.repeat(np.cumsum(count) - count, count))
        open_amount = owed_at(ledger["amount"][inv], ledger["credited"][inv],
                              ledger["credited_day"][inv], at[m])
        live = open_amount > 0
        m, inv = m[live], inv[live]
        bucket = metrics.aging_bucket(ends[m] - ledger["due_day"][inv])
        np.add.at(self.sums, m * len(AGING_LABELS) + bucket, open_amount[live])

    def result(self) -> dict[str, np.ndarray]:
        """The aging (see month_end_aging)."""
        totals = self.sums.reshape(self.ends.size, len(AGING_LABELS))
        out = {"month_end_day": self.ends.copy()}
        out.update({label: totals[:, k].copy() for k, label in enumerate(AGING_LABELS)})
        return out


def outcome_names() -> dict[int, str]:
    """Outcome codes as words, for ledgers written to CSV."""
    return {int(o): o.name.lower() for o in Outcome}
