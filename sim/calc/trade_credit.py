"""Family 1, trade credit and discounts: what skipping a cash discount costs the buyer.

Two questions a course asks about terms such as "2/10, N/30":

- :func:`trade_credit_cost`: the annual rate a buyer pays for the credit it takes by not
  paying within a discount window, at the day it actually pays (the net day, or later when it
  stretches its payables), as the approximate rate ``d Y/(P - w)``, the exact simple rate
  ``d/(1 - d) Y/(P - w)`` and the compounded effective rate;
- :func:`early_payment`: the buyer who borrows at a stated rate to pay early: the interest
  it pays, the discount it gains and the net benefit per tier, and its best choice.

The rates themselves are ``sim/terms.py``'s (:func:`forgo_cost_simple`,
:func:`forgo_cost_effective`, :func:`discount_benefit`): the simulator prints the same
figures for the terms it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError

from ..errors import CalcError
from ..terms import (
    DiscountTier,
    Terms,
    discount_benefit,
    forgo_cost_effective,
    forgo_cost_simple,
)
from .common import Figure, check_finite, check_positive

__all__ = [
    "EarlyPayment",
    "EarlyPaymentOption",
    "InterestBase",
    "TierCreditCost",
    "TradeCreditCost",
    "early_payment",
    "parse_terms",
    "trade_credit_cost",
]

#: What the buyer borrows to pay early: the discounted amount it actually pays (most
#: textbooks) or the full invoice (some exam answers).
InterestBase = Literal["discounted", "invoice"]


def parse_terms(terms: Terms | str) -> Terms:
    """``terms`` as a :class:`Terms`, reading notation text such as "2/10, N/30".

    Raises:
        CalcError: The text is not credit-terms notation or breaks the tier rules.
    """
    if isinstance(terms, Terms):
        return terms
    try:
        return Terms.model_validate(terms)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise CalcError(reason) from exc


def _check_year(days_in_year: float) -> None:
    if days_in_year not in (360.0, 365.0):
        raise CalcError(f"days in the year must be 360 or 365, got {days_in_year!r}")


@dataclass(frozen=True, slots=True)
class TierCreditCost:
    """The cost of the credit taken by not paying within one discount tier's window.

    Attributes:
        tier: The tier as printed, e.g. "2/10".
        discount_rate: The tier's discount d, as a share.
        window_days: The tier's window w.
        discount_kept: The discount the buyer still gets on its payment day from a later tier
            (0 when it pays the full invoice).
        taken: Whether the buyer pays within this tier's window (then every cost is 0).
        credit_days: Days of credit bought by skipping the tier: ``P - w`` (0 when taken).
        approximate_annual: ``(d - d_P) Y / (P - w)``.
        simple_annual: ``(d - d_P)/(1 - d) Y / (P - w)``.
        effective_annual: ``(1 + (d - d_P)/(1 - d)) ** (Y / (P - w)) - 1``.
    """

    tier: str
    discount_rate: float
    window_days: float
    discount_kept: float
    taken: bool
    credit_days: float
    approximate_annual: float
    simple_annual: float
    effective_annual: float


# End-of-month dating moves the window and the net day alike, so N - w and every rate stay
_EOM_NOTE = ("EOM: the days w, N and P count from the end of the invoice's month, not from "
             "the invoice date")


@dataclass(frozen=True, slots=True)
class TradeCreditCost:
    """The cost of trade credit for a buyer paying on ``pay_day``, tier by tier."""

    terms: str
    net_days: float
    pay_day: float
    days_in_year: float
    past_due_days: float
    tiers: tuple[TierCreditCost, ...]

    def figures(self) -> tuple[Figure, ...]:
        """The printed lines: three rates per tier."""
        lines: list[Figure] = []
        for tier in self.tiers:
            d = "(d - d_P)" if tier.discount_kept else "d"
            lines += [
                Figure("approximate_annual", "approximate annual cost of skipping",
                       tier.approximate_annual, "share", f"{d} x Y / (P - w)", tier.tier),
                Figure("simple_annual", "simple (nominal) annual cost of skipping",
                       tier.simple_annual, "share", f"{d} / (1 - d) x Y / (P - w)", tier.tier),
                Figure("effective_annual", "effective (compounded) annual cost of skipping",
                       tier.effective_annual, "share",
                       f"(1 + {d} / (1 - d)) ^ (Y / (P - w)) - 1", tier.tier),
            ]
        return tuple(lines)

    def conventions(self) -> tuple[str, ...]:
        """The conventions behind the figures, one per line."""
        notes = [f"Y = {self.days_in_year:g} days in the year; P = payment day "
                 f"{self.pay_day:g}; N = net day {self.net_days:g}"]
        if self.past_due_days > 0:
            notes.append(f"payment {self.past_due_days:g} days after the net day (stretching)")
        if any(t.discount_kept for t in self.tiers):
            notes.append("d_P = discount of the later tier the buyer still takes on day P")
        notes.append("a tier paid within its window costs nothing (the discount is taken)")
        if self.terms.endswith("EOM"):
            notes.append(_EOM_NOTE)
        return tuple(notes)


def _discount_on(terms: Terms, pay_day: float) -> float:
    """The discount a buyer paying on ``pay_day`` gets: the first tier still open, else 0."""
    return next((t.rate for t in terms.discounts if pay_day <= t.window_days), 0.0)


def _tier_cost(tier: DiscountTier, pay_day: float, kept: float, year: float) -> TierCreditCost:
    if pay_day <= tier.window_days:
        return TierCreditCost(tier.notation, tier.rate, tier.window_days, kept, True,
                              0.0, 0.0, 0.0, 0.0)
    # Skipping tier d for a later tier d_P: relative to what is paid on day P, (1 - d_P),
    # paying early saves (d - d_P)/(1 - d_P) of it, a discount sim/terms.py prices as is
    # (with d_P = 0 this is the textbook d/(1 - d)).
    relative = (tier.rate - kept) / (1.0 - kept)
    days = pay_day - tier.window_days
    return TierCreditCost(
        tier=tier.notation,
        discount_rate=tier.rate,
        window_days=tier.window_days,
        discount_kept=kept,
        taken=False,
        credit_days=days,
        approximate_annual=(tier.rate - kept) * year / days,
        simple_annual=forgo_cost_simple(relative, tier.window_days, pay_day, year),
        effective_annual=forgo_cost_effective(relative, tier.window_days, pay_day, year),
    )


def trade_credit_cost(terms: Terms | str, pay_day: float | None = None,
                      days_in_year: float = 360.0) -> TradeCreditCost:
    """Annual cost of the trade credit a buyer takes by skipping each discount tier.

    Args:
        terms: Credit terms or their notation, e.g. "2/10, N/30".
        pay_day: The day after the invoice the buyer actually pays (default: the net day);
            later than the net day is stretching, earlier may take a later tier.
        days_in_year: Y, 360 (most Chinese exam material) or 365.

    Returns:
        One :class:`TierCreditCost` per tier (empty for terms without a discount).

    Raises:
        CalcError: Unreadable terms, a payment day not above zero, or a year other than
            360 or 365.
    """
    parsed = parse_terms(terms)
    _check_year(days_in_year)
    day = parsed.net_days if pay_day is None else pay_day
    check_positive("payment day", day)
    kept = _discount_on(parsed, day)
    tiers = tuple(_tier_cost(t, day, kept, days_in_year) for t in parsed.discounts)
    return TradeCreditCost(parsed.notation, parsed.net_days, day, days_in_year,
                           max(day - parsed.net_days, 0.0), tiers)


@dataclass(frozen=True, slots=True)
class EarlyPaymentOption:
    """Paying within one tier's window with borrowed money instead of on the payment day.

    Attributes:
        tier: The tier as printed, e.g. "2/10".
        borrow_days: Days the loan runs: payment day less the tier's window.
        amount_borrowed: What is borrowed: the discounted amount or the invoice.
        interest_cost: ``amount_borrowed x r x days / Y``.
        discount_gained: ``invoice x d``.
        net_benefit: Discount gained less interest.
        skip_cost_simple: Simple annual cost of skipping this tier to pay on the payment day,
            the rate to set against the borrowing rate.
    """

    tier: str
    borrow_days: float
    amount_borrowed: float
    interest_cost: float
    discount_gained: float
    net_benefit: float
    skip_cost_simple: float


@dataclass(frozen=True, slots=True)
class EarlyPayment:
    """The buyer's side: borrow to take a discount, tier by tier, and the best choice."""

    terms: str
    invoice_amount: float
    borrowing_rate_annual: float
    pay_day: float
    days_in_year: float
    interest_base: InterestBase
    options: tuple[EarlyPaymentOption, ...]
    best: int | None

    @property
    def best_choice(self) -> str:
        """The best tier as printed, or "pay on day P" when no tier gains anything."""
        if self.best is None:
            return f"pay the invoice on day {self.pay_day:g}"
        return f"borrow and take {self.options[self.best].tier}"

    def figures(self) -> tuple[Figure, ...]:
        """The printed lines: interest, discount and net benefit per tier."""
        lines: list[Figure] = []
        base = "(1 - d) x A" if self.interest_base == "discounted" else "A"
        for option in self.options:
            lines += [
                Figure("skip_cost_simple", "simple annual cost of skipping",
                       option.skip_cost_simple, "share", "d / (1 - d) x Y / (P - w)",
                       option.tier),
                Figure("interest_cost", "interest on the loan", option.interest_cost, "money",
                       f"{base} x r x (P - w) / Y", option.tier),
                Figure("discount_gained", "discount gained", option.discount_gained, "money",
                       "d x A", option.tier),
                Figure("net_benefit", "net benefit of paying early", option.net_benefit,
                       "money", "d x A - interest", option.tier),
            ]
        return tuple(lines)

    def conventions(self) -> tuple[str, ...]:
        """The conventions behind the figures, one per line."""
        borrowed = ("the discounted amount (1 - d) x A" if self.interest_base == "discounted"
                    else "the full invoice A")
        rate = 100 * self.borrowing_rate_annual
        notes = (f"A = invoice {self.invoice_amount:,.2f}; r = {rate:g}% a year, simple "
                 f"interest; Y = {self.days_in_year:g} days",
                 f"the alternative is paying the full invoice on day P = {self.pay_day:g}",
                 f"the loan is {borrowed}",
                 f"best choice: {self.best_choice} (largest positive net benefit)")
        return (*notes, _EOM_NOTE) if self.terms.endswith("EOM") else notes


def _option(tier: DiscountTier, invoice: float, rate: float, pay_day: float, year: float,
            base: InterestBase) -> EarlyPaymentOption:
    days = pay_day - tier.window_days
    borrowed = invoice * (1.0 - tier.rate) if base == "discounted" else invoice
    gained = invoice * tier.rate
    if base == "discounted":
        # sim/terms.py's per-unit gain: d - (1 - d) r (P - w) / Y, the same rule the
        # simulated buyers follow when they choose a tier.
        net = invoice * discount_benefit(tier.rate, tier.window_days, pay_day, rate, year)
    else:
        net = gained - borrowed * rate * days / year
    return EarlyPaymentOption(tier.notation, days, borrowed, gained - net, gained, net,
                              forgo_cost_simple(tier.rate, tier.window_days, pay_day, year))


def early_payment(terms: Terms | str, invoice_amount: float, borrowing_rate_annual: float,
                  days_in_year: float = 360.0, pay_day: float | None = None,
                  interest_base: InterestBase = "discounted") -> EarlyPayment:
    """The buyer who borrows at ``borrowing_rate_annual`` to pay within a discount window.

    Args:
        terms: Credit terms or their notation, e.g. "3/10, 2.5/30, N/90".
        invoice_amount: A, the invoice (list price).
        borrowing_rate_annual: r, the buyer's borrowing rate a year, as a share.
        days_in_year: Y, 360 or 365.
        pay_day: The day the buyer would otherwise pay in full (default: the net day).
        interest_base: What is borrowed: the discounted amount or the whole invoice.

    Returns:
        Per tier, the loan's interest, the discount and the net benefit; ``best`` is the
        index of the largest positive net benefit (the earliest on a tie), None if none.

    Raises:
        CalcError: Unreadable terms, a tier whose window is not before the payment day, a
            negative amount or rate, or a year other than 360 or 365.
    """
    parsed = parse_terms(terms)
    _check_year(days_in_year)
    check_positive("invoice amount", invoice_amount)
    check_finite("borrowing rate", borrowing_rate_annual)
    if borrowing_rate_annual < 0:
        raise CalcError(f"borrowing rate must not be negative, got {borrowing_rate_annual!r}")
    day = parsed.net_days if pay_day is None else pay_day
    late = [t.notation for t in parsed.discounts if t.window_days >= day]
    if late:
        raise CalcError(f"payment day {day:g} is not after the window of {', '.join(late)}")
    options = tuple(_option(t, invoice_amount, borrowing_rate_annual, day, days_in_year,
                            interest_base) for t in parsed.discounts)
    best: int | None = None
    for index, option in enumerate(options):
        if option.net_benefit > 0 and (best is None
                                       or option.net_benefit > options[best].net_benefit):
            best = index
    return EarlyPayment(parsed.notation, invoice_amount, borrowing_rate_annual, day,
                        days_in_year, interest_base, options, best)
