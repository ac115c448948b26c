"""What pricing a replication reads from its ledger, summed as the rows come, in their order.

The costs, the KPIs, the daily series and the month-end aging need only sums over invoices:
money by window, by month, by day, by grade and segment, by aging band. `LedgerTotals` keeps
those sums and adds a ledger's rows to them in the order given, a block of rows at a time,
so that a replication's ledger can be priced a piece at a time and each piece let go: the
fast engine hands over its invoices customer by customer in chunks, and a run of 1,000,000
customers never holds its ledger whole (docs/design.md, "Memory").

Every sum is a sequential fold: each row's value is added to the running total, one row
after another, in ledger order (`np.add.at`, which adds in the order of its indices, without
buffering; a sum by day or by group is the same fold per bin, as `np.bincount` is). So the
totals do not depend on where the ledger was cut: chunks of 37 customers give the same bits
as the whole ledger at once. NumPy's `sum` adds in pairs (its blocks and pairs follow the
array's length), which a chunked run could not reproduce; the pricing of a whole ledger
therefore uses these folds too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from . import metrics
from .behaviour import Outcome
from .costs import ar_balance_at, ar_parts, settled_in
from .ledger import Columns, Ledger, LedgerLike
from .scenario import Scenario
from .series import AgingFold, DailyFold

__all__ = ["BLOCK_ROWS", "PAYMENT_OUTCOMES", "LedgerTotals", "PricingFold", "blocks",
           "totals_of"]

#: Rows priced at a time: the temporary columns of a block (a few dozen, 8 bytes a row)
#: stay within a few tens of megabytes whatever the ledger's length.
BLOCK_ROWS = 1 << 16

#: Outcomes that are a payment (for the collection period and the share paid late)
PAYMENT_OUTCOMES = [int(o) for o in (Outcome.PAID, Outcome.PAID_DUNNED, Outcome.DISCOUNT,
                                     Outcome.AGENCY, Outcome.LAWSUIT)]

#: The sums kept as single numbers, by name (see PricingFold._add)
SCALARS = ("ar_full", "ar_reduced", "current_full", "current_reduced", "sales",
           "agency_fee", "written_off", "discount", "penalty", "paid", "allowance_start",
           "allowance_end", "at_end", "current_end", "begin", "acp_amount_days",
           "acp_amount", "discounted", "disputed_sales", "disputed_ar")
#: The sums kept by grade and by segment (see kpis._by_group)
GROUP_PARTS = ("sales", "ar", "current", "written", "at_end", "overdue")
GRADES = np.asarray(list("ABCD"))


def blocks(ledger: LedgerLike, rows: int = BLOCK_ROWS) -> Iterator[Columns]:
    """A ledger's rows, `rows` at a time, in order, each block's fields as contiguous
    copies (ledger.Columns: a block is priced field by field, many times over)."""
    whole = ledger.ledger if isinstance(ledger, Columns) else ledger
    for first in range(0, max(len(whole), 1), rows):
        yield Columns(whole[first:first + rows])


class PricingFold:
    """The sums the costs and KPIs read, over the statistics window (start, end)."""

    def __init__(self, window: tuple[float, float], days_in_year: float,
                 provision_rates: tuple[tuple[float, float], ...], segments: int) -> None:
        self.window = window
        self.rates = provision_rates
        start, end = window
        month = days_in_year / 12.0
        self.months = max(1, int((end - start) // month))
        # month k of the countback: [end - (k + 1) month, end - k month), latest first
        self.edges = end - month * np.arange(self.months + 1)
        self.scalars = np.zeros(len(SCALARS))
        self.counts = {"issued": 0, "late": 0, "by_payment": 0}
        self.monthly = np.zeros(self.months)
        self.end_aging = np.zeros(len(metrics.DEFAULT_AGING_EDGES) + 1)
        self.by_grade = np.zeros((len(GROUP_PARTS), len(GRADES)))
        self.by_segment = np.zeros((len(GROUP_PARTS), segments))

    def __getitem__(self, name: str) -> float:
        """A scalar sum by name (see SCALARS)."""
        return float(self.scalars[SCALARS.index(name)])

    def add(self, ledger: Columns) -> None:
        """Add a block of rows, in order, to every sum."""
        if not len(ledger["amount"]):
            return
        start, end = self.window
        issue, due, amount = ledger["issue_day"], ledger["due_day"], ledger["amount"]
        settle, outcome = ledger["settle_day"], ledger["outcome"]
        issued = (issue >= start) & (issue < end)
        settled = settled_in(ledger, start, end)
        full, reduced = ar_parts(ledger, start, end, current_only=False)
        current_full, current_reduced = ar_parts(ledger, start, end, current_only=True)
        at_end = ar_balance_at(ledger, end - 1e-9)
        by_payment = settled & np.isin(outcome, PAYMENT_OUTCOMES)
        late = by_payment & (settle > due + 1e-9)
        sales = np.where(issued, amount, 0.0)
        receivable = full + reduced
        written = np.where(settled, ledger["written_off"], 0.0)
        days = np.where(by_payment, settle - issue, 0.0)
        values = {
            "ar_full": full, "ar_reduced": reduced, "current_full": current_full,
            "current_reduced": current_reduced, "sales": sales,
            "agency_fee": np.where(settled, ledger["agency_fee"], 0.0),
            "written_off": written,
            "discount": np.where(settled, ledger["discount"], 0.0),
            "penalty": np.where(settled, ledger["penalty"], 0.0),
            "paid": np.where(settled, ledger["paid"], 0.0),
            "allowance_start": self._allowance_rows(ledger, start),
            "allowance_end": self._allowance_rows(ledger, end),
            "at_end": at_end,
            # not yet due at the end instant (end - 1e-9): due at or after the end, as the
            # aging's "current" bucket counts it (end - due <= 0), so that the overdue share
            # is the aging's overdue buckets over its total (due == end counted overdue here
            # once: 0.6 points of the default's overdue share)
            "current_end": np.where(due >= end, at_end, 0.0),
            "begin": ar_balance_at(ledger, start),
            "acp_amount_days": np.where(by_payment, amount, 0.0) * days,
            "acp_amount": np.where(by_payment, amount, 0.0),
            "discounted": np.where(issued & (outcome == int(Outcome.DISCOUNT)), amount, 0.0),
            "disputed_sales": np.where(issued & ledger["disputed"], amount, 0.0),
            "disputed_ar": np.where(ledger["disputed"], receivable, 0.0),
        }
        # one fold over rows x sums: row by row, each sum in turn (np.add.at keeps the order)
        stacked = np.stack([values[name] for name in SCALARS], axis=1)
        np.add.at(self.scalars, np.tile(np.arange(len(SCALARS)), len(amount)),
                  stacked.ravel())
        self.counts["issued"] += int(np.count_nonzero(issued))
        self.counts["late"] += int(np.count_nonzero(late))
        self.counts["by_payment"] += int(np.count_nonzero(by_payment))
        # the countback's months (latest first): a month holds lo <= issue < hi
        ascending = self.edges[::-1]
        month = self.months - np.searchsorted(ascending, issue, side="right")
        inside = (issue >= ascending[0]) & (issue < ascending[-1])
        np.add.at(self.monthly, month[inside], amount[inside])
        live = at_end > 0
        np.add.at(self.end_aging, metrics.aging_bucket(end - due[live]), at_end[live])
        parts = (sales, receivable, current_full + current_reduced, written, at_end,
                 np.where(due < end, at_end, 0.0))
        # (one-letter strings compared as their code points: the same order, ten times faster)
        grade = np.searchsorted(GRADES.view(np.uint32), ledger["grade"].view(np.uint32))
        segment = ledger["segment"].astype(np.int64)
        for k, part in enumerate(parts):
            np.add.at(self.by_grade[k], grade, part)
            np.add.at(self.by_segment[k], segment, part)

    def _allowance_rows(self, ledger: Columns, day: float) -> np.ndarray:
        """Each invoice's part of the allowance at `day` (costs.allowance_at)."""
        owed = ar_balance_at(ledger, day)
        overdue = day - ledger["effective_due_day"]
        rate = np.zeros(owed.size)
        for days, share in self.rates:  # bands in increasing days: the last one reached
            rate = np.where(overdue >= days, share, rate)
        return np.asarray(owed * rate)

    def group(self, kind: str) -> dict[str, np.ndarray]:
        """The sums by grade (`kind="grade"`) or by segment, by part (see GROUP_PARTS)."""
        table = self.by_grade if kind == "grade" else self.by_segment
        return {name: table[k] for k, name in enumerate(GROUP_PARTS)}


class LedgerTotals:
    """Everything one replication's figures are computed from, fed rows in ledger order."""

    def __init__(self, scenario: Scenario, window: tuple[float, float],
                 series: bool = True) -> None:
        """`series=False`: only the pricing sums (an optimiser reads no daily series or
        aging, which were a sixth of a screened replication)."""
        year = scenario.conventions.days_in_year
        self.window = window
        self.pricing = PricingFold(window, year, scenario.company.provision_rates,
                                   len(scenario.segments))
        self.daily = DailyFold(window[1], window[0]) if series else None
        self.aging = AgingFold(window[1], year) if series else None
        self.rows = 0

    def add(self, ledger: LedgerLike) -> None:
        """Add rows (a whole ledger, or the next chunk of one) to every sum, in order."""
        for block in blocks(ledger):
            self.pricing.add(block)
            if self.daily is not None and self.aging is not None:
                self.daily.add(block)
                self.aging.add(block)
            self.rows += len(block["amount"])

    def series(self) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The daily series and the month-end aging (series.daily_series, month_end_aging);
        empty where the totals were made without them."""
        if self.daily is None or self.aging is None:
            return {}, {}
        return self.daily.result(), self.aging.result()


def totals_of(scenario: Scenario, window: tuple[float, float], ledger: Ledger | Any
              ) -> LedgerTotals:
    """The totals of a whole ledger."""
    totals = LedgerTotals(scenario, window)
    totals.add(ledger)
    return totals

