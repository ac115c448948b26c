"""Time series from a ledger: the daily AR and cash, and the month-end aging."""

from __future__ import annotations

import numpy as np

from . import metrics
from .behaviour import Outcome
from .costs import ar_balance_at
from .ledger import LedgerLike

__all__ = ["AGING_LABELS", "daily_series", "month_end_aging"]

AGING_LABELS = ("current", "1-30", "31-60", "61-90", "90+")


def daily_series(ledger: LedgerLike, end: float, start: float = 0.0) -> dict[str, np.ndarray]:
    """AR balance at the end of each day, with the day's credit sales and cash received.

    Invoices of an opening book (issued before day 0) are in the balance from day 0 on but
    are not the day's sales. `in_window` marks the days the statistics cover (after warm-up).
    """
    days = int(np.ceil(end))
    edges = np.arange(days + 1, dtype=float)
    issue, settle = ledger["issue_day"], ledger["settle_day"]
    amount, credited = ledger["amount"], ledger["credited"]
    credit_day = np.minimum(ledger["credited_day"], settle)
    # balance = issued so far - credits so far - remaining amounts settled so far
    sales = np.histogram(issue, bins=edges, weights=amount)[0]
    up = np.histogram(np.maximum(issue, 0.0), bins=edges, weights=amount)[0]
    has_credit = np.isfinite(credit_day)
    credit = np.histogram(np.maximum(credit_day[has_credit], 0.0), bins=edges,
                          weights=credited[has_credit])[0]
    finite = np.isfinite(settle)
    remaining = np.where(ledger["credited_day"] <= settle, amount - credited, amount)
    down = np.histogram(settle[finite], bins=edges, weights=remaining[finite])[0]
    paid = ledger["paid"]
    cash = np.histogram(settle[finite], bins=edges, weights=paid[finite])[0]
    return {
        "day": edges[1:],
        "in_window": edges[1:] > start,
        "ar_balance": np.cumsum(up - credit - down),
        "credit_sales": sales,
        "cash_received": cash,
    }


def month_end_aging(ledger: LedgerLike, end: float, days_in_year: int) -> dict[str, np.ndarray]:
    """Open receivables by days-overdue bucket at every month end up to `end`."""
    month = days_in_year / 12.0
    ends = np.arange(month, end + 1e-9, month)
    table: dict[str, list[float]] = {label: [] for label in AGING_LABELS}
    for when in ends:
        open_amount = ar_balance_at(ledger, float(when) - 1e-9)
        live = open_amount > 0
        buckets = metrics.aging_buckets(open_amount[live], when - ledger["due_day"][live])
        for label in AGING_LABELS:
            table[label].append(buckets[label])
    out = {"month_end_day": ends}
    out.update({label: np.asarray(v) for label, v in table.items()})
    return out


def outcome_names() -> dict[int, str]:
    """Outcome codes as words, for ledgers written to CSV."""
    return {int(o): o.name.lower() for o in Outcome}
