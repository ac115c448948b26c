"""Deterministic (textbook) mode: constant sales, each share of an invoice paid on a fixed day."""

from __future__ import annotations

from ..behaviour import Invoice, Outcome, reference_multiplier
from ..scenario import PaymentPattern
from ..terms import Terms
from .book import CustomerBook

__all__ = ["issue_deterministic"]


def _class_shares(book: CustomerBook, pattern: PaymentPattern) -> tuple[list[float], float]:
    """Shares of each payment class and of bad debt, after the bad-debt convention."""
    bad = pattern.bad_debt_share
    if book.scenario.conventions.bad_debt_basis == "all_customers":
        return [c.share * (1.0 - bad) for c in pattern.classes], bad
    # bad debts fall only on the customers who do not take the discount
    shares = [c.share if c.pays == "discount" else c.share * (1.0 - bad) for c in pattern.classes]
    non_discount = sum(c.share for c in pattern.classes if c.pays != "discount")
    return shares, bad * non_discount


def issue_deterministic(book: CustomerBook, i: int) -> None:
    """Ship a textbook order: sales scale with the terms' demand multiplier, no thinning."""
    o = book.orders
    c, t, base = int(o.customer[i]), float(o.time[i]), float(o.amount[i])
    grade = book.grade[c]
    terms = book.terms[grade]
    in_window = book.start <= t < book.end
    if in_window:
        book.out.potential_sales += base * book.m_max
        book.out.reference_sales += base * reference_multiplier(book.scenario)
    multiplier = book.mult[grade]
    if terms is None or terms.net_days == 0:
        if in_window:
            book.out.cash_sales += base * multiplier
            _lost(book, "credit_refused", base * (book.m_max - multiplier))
        return
    _lost(book, "terms", base * (book.m_max - multiplier) if in_window else 0.0)
    determ = book.scenario.deterministic
    pattern = determ.pattern_for(terms) if determ is not None else None
    assert pattern is not None  # check_compatible() refused the policy otherwise
    amount = base * multiplier
    shares, bad = _class_shares(book, pattern)
    for k, (cls, share) in enumerate(zip(pattern.classes, shares, strict=True)):
        inv = _new(book, c, int(o.index[i]) * 8 + k, t, amount * share, terms)
        if cls.pays == "discount":
            tier = terms.discounts[cls.discount_tier - 1]
            inv.settle = terms.dating_day(t, book.month) + tier.window_days
            inv.outcome, inv.paid = Outcome.DISCOUNT, tier.rate
        else:
            inv.settle, inv.outcome = inv.due + cls.days_after_due, Outcome.PAID
    if bad > 0:
        # recognised on the due date, so receivables stay at sales x collection period as in
        # the textbooks' formula
        inv = _new(book, c, int(o.index[i]) * 8 + 7, t, amount * bad, terms)
        inv.settle, inv.outcome = inv.due, Outcome.WRITTEN_OFF


def _lost(book: CustomerBook, cause: str, amount: float) -> None:
    if amount > 0:
        book.out.lost_sales[cause] = book.out.lost_sales.get(cause, 0.0) + amount


def _new(book: CustomerBook, c: int, index: int, t: float, amount: float, terms: Terms
         ) -> Invoice:
    inv = Invoice(c, index, t, amount)
    inv.segment, inv.grade, inv.payer = book.segment[c], book.grade[c], book.payer[c]
    inv.due = inv.eff_due = terms.dating_day(t, book.month) + terms.net_days
    inv.booked = True
    book.register(inv)
    return inv
