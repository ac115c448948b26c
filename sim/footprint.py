"""How big a run will be, known before it starts: invoices, ledger rows, memory.

Used to warn before writing a ledger of more than a gigabyte and to fit the worker
processes into the machine's memory (see ``docs/design.md``, "Memory").
"""

from __future__ import annotations

from .scenario import Scenario

__all__ = ["expected_invoices"]


def expected_invoices(scenario: Scenario) -> float:
    """Invoices one replication issues, at market demand (an upper estimate: a policy that
    loses sales issues fewer), plus the opening book's invoices when it is generated."""
    horizon = scenario.horizon
    years = (horizon.warmup_days + horizon.horizon_days) / scenario.conventions.days_in_year
    orders = sum(s.customers * s.orders_per_year for s in scenario.segments) * years
    book = scenario.opening_book
    if book is not None and book.ledger_csv is None:
        mean = sum(s.order_amount.mean for s in scenario.segments) / len(scenario.segments)
        orders += book.total_amount / mean
    return float(orders)
