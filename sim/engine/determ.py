"""Deterministic (textbook) mode: constant sales, each share of an invoice paid on a fixed day.

An order becomes one invoice per payment class of its pattern and one or more bad-debt
invoices, numbered within the order: class ``k`` is invoice ``order x stride + k`` and the
bad debt ``order x stride + 7`` (written off on the due date, stride 8) or, with bad debts
written off on each class's collection day, class ``k``'s bad part ``order x stride + 8 + k``
(stride 16). :func:`planned_discounts` reads the numbering back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..behaviour import Invoice, Outcome, reference_multiplier
from ..policy import Policy
from ..scenario import MAX_PAYMENT_CLASSES, PaymentClass, PaymentPattern, Scenario
from ..terms import Terms
from .book import CustomerBook

__all__ = ["issue_deterministic", "planned_discounts"]

GRADES = ("A", "B", "C", "D")


def _stride(pattern: PaymentPattern) -> int:
    per_class = pattern.bad_debt_written_off == "collection_day"
    return 2 * (MAX_PAYMENT_CLASSES + 1) if per_class else MAX_PAYMENT_CLASSES + 1


def _class_shares(book: CustomerBook, pattern: PaymentPattern) -> tuple[list[float], float]:
    """Shares of each payment class and of bad debt, after the bad-debt convention."""
    bad = pattern.bad_debt_share
    if book.scenario.conventions.bad_debt_basis == "all_customers":
        return [c.share * (1.0 - bad) for c in pattern.classes], bad
    # bad debts fall only on the customers who do not take the discount
    shares = [c.share if c.pays == "discount" else c.share * (1.0 - bad) for c in pattern.classes]
    non_discount = sum(c.share for c in pattern.classes if c.pays != "discount")
    return shares, bad * non_discount


def _bad_parts(book: CustomerBook, pattern: PaymentPattern) -> list[float]:
    """Each class's share of the invoice that is never paid (bad_debt_basis decides which
    classes carry it); they sum to the bad-debt share of _class_shares."""
    bad = pattern.bad_debt_share
    spared = book.scenario.conventions.bad_debt_basis == "non_discount_takers"
    return [0.0 if spared and c.pays == "discount" else c.share * bad for c in pattern.classes]


def _class_day(cls: PaymentClass, terms: Terms, dated: float) -> float:
    """The day a class pays: the end of its discount window, or days after the due date."""
    if cls.pays == "discount":
        return dated + terms.discounts[cls.discount_tier - 1].window_days
    return dated + terms.net_days + cls.days_after_due


def issue_deterministic(book: CustomerBook, i: int) -> None:
    """Ship a textbook order: sales scale with the terms' demand multiplier, no thinning."""
    o = book.orders
    c, t, base = int(o.customer[i]), float(o.time[i]), float(o.amount[i])
    grade = book.grade[c]
    terms = book.terms[grade]
    in_window = book.start <= t < book.end
    if in_window:
        book.out.potential_sales += base * book.m_max
        book.out.reference_sales += base * reference_multiplier(book.scenario, grade)
    multiplier = book.mult[grade]
    if terms is None or terms.net_days == 0:
        if in_window:
            book.out.cash_sales += base * multiplier
            _lost(book, "credit_refused", base * (book.m_max - multiplier))
        return
    _lost(book, "terms", base * (book.m_max - multiplier) if in_window else 0.0)
    pattern = _pattern(book.scenario, book.policy, grade, terms)
    amount = base * multiplier
    shares, bad = _class_shares(book, pattern)
    dated = terms.dating_day(t, book.month)
    first = int(o.index[i]) * _stride(pattern)
    for k, (cls, share) in enumerate(zip(pattern.classes, shares, strict=True)):
        inv = _new(book, c, first + k, t, amount * share, terms, dated)
        inv.settle = _class_day(cls, terms, dated)
        if cls.pays == "discount":
            inv.outcome, inv.paid = Outcome.DISCOUNT, _rate(terms, cls)
        else:
            inv.outcome = Outcome.PAID
    if pattern.bad_debt_written_off == "collection_day":
        # each class's bad part lives as long as the class takes to pay, so receivables stay
        # at daily sales x the average collection period, bad debts included
        for k, (cls, part) in enumerate(zip(pattern.classes, _bad_parts(book, pattern),
                                            strict=True)):
            if part > 0:
                inv = _new(book, c, first + MAX_PAYMENT_CLASSES + 1 + k, t, amount * part,
                           terms, dated)
                inv.settle, inv.outcome = _class_day(cls, terms, dated), Outcome.WRITTEN_OFF
    elif bad > 0:
        # recognised on the due date, so receivables stay at sales x collection period as in
        # the textbooks' formula
        inv = _new(book, c, first + MAX_PAYMENT_CLASSES, t, amount * bad, terms, dated)
        inv.settle, inv.outcome = inv.due, Outcome.WRITTEN_OFF


def _rate(terms: Terms, cls: PaymentClass) -> float:
    """The discount rate a discount class takes (its tier's)."""
    return terms.discounts[cls.discount_tier - 1].rate


def _pattern(scenario: Scenario, policy: Policy, grade: str, terms: Terms) -> PaymentPattern:
    determ = scenario.deterministic
    pattern = (determ.pattern_for(terms, grade, policy.name, policy.accepted_grades)
               if determ is not None else None)
    assert pattern is not None  # check_compatible() refused the policy otherwise
    return pattern


def planned_discounts(scenario: Scenario, policy: Policy, ledger: Any) -> npt.NDArray[np.bool_]:
    """Which invoices of a deterministic run pay in a discount window by their pattern,
    settled or not (an invoice whose window closes after the run is open in the ledger).

    Args:
        scenario: A scenario in deterministic mode.
        policy: The policy the run priced.
        ledger: The run's ledger (or its columns).

    Returns:
        One flag per invoice; all False outside deterministic mode.
    """
    index, grades = np.asarray(ledger["order_index"]), np.asarray(ledger["grade"])
    planned = np.zeros(index.size, dtype=np.bool_)
    if scenario.deterministic is None:
        return planned
    made_here = ~np.asarray(ledger["opening"])  # (an opening invoice follows no pattern)
    for grade in GRADES:
        terms = policy.terms.get(grade)  # type: ignore[call-overload]
        rows = (grades == grade) & made_here
        if (grade not in policy.accepted_grades or terms is None or terms.net_days == 0
                or not rows.any()):
            continue
        pattern = _pattern(scenario, policy, grade, terms)
        discount = np.asarray([cls.pays == "discount" for cls in pattern.classes]
                              + [False] * (_stride(pattern) - len(pattern.classes)))
        planned[rows] = discount[index[rows] % _stride(pattern)]
    return planned


def _lost(book: CustomerBook, cause: str, amount: float) -> None:
    if amount > 0:
        book.out.lost_sales[cause] = book.out.lost_sales.get(cause, 0.0) + amount


def _new(book: CustomerBook, c: int, index: int, t: float, amount: float, terms: Terms,
         dated: float) -> Invoice:
    inv = Invoice(c, index, t, amount)
    inv.segment, inv.grade, inv.payer = book.segment[c], book.grade[c], book.payer[c]
    inv.due = inv.eff_due = dated + terms.net_days
    inv.booked = True
    book.register(inv)
    return inv
