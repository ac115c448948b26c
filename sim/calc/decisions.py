"""Family 2, decisions over time: a switch of credit policy, the receivables it ties up, one order.

Periods are whatever the example counts in, a month or a year; ``required_return`` is the rate
per such period, and every cash flow is per period. Formulas and symbols are in
docs/textbook.md:

- :func:`credit_policy_switch`: NPV of moving from selling ``Q`` at ``P`` (cash, or paid in
  the period of sale) to selling ``Q'`` at ``P'`` paid one period later: the change in the
  period's cash flow is a perpetuity, the switch costs one period of the old revenue plus the
  cost of the extra units; break-even new volume.
- :func:`discount_default_switch`: a cash price ``P`` becomes a credit price ``P' = P/(1-d)``
  with the cash discount ``d`` and a default rate; break-even default rate.
- :func:`receivables_investment`: the money tied up in receivables with a base per slice of
  sales (sales that existed before at price or at cost, extra sales at variable cost).
- :func:`credit_decision`: one order on credit given a default probability, the value of a
  repeat buyer (a perpetuity of orders) and the break-even probability of being paid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..errors import CalcError
from .common import Figure, check_finite, check_positive, check_share

__all__ = [
    "CreditDecision",
    "DiscountDefaultSwitch",
    "InvestmentSlice",
    "PolicySwitch",
    "ReceivablesInvestment",
    "RepeatConvention",
    "SalesSlice",
    "credit_decision",
    "credit_policy_switch",
    "discount_default_switch",
    "receivables_investment",
]

#: How a repeat buyer is valued. "cost_first" (Ross, Westerfield and Jordan): the first unit's
#: cost is spent now, and a buyer who pays brings ``P - v`` every period from the next one on.
#: "profit_perpetuity" (Brealey, Myers and Allen): a buyer who pays is a perpetuity of each
#: order's present-value profit ``P/(1+R) - v``; one who defaults costs ``v``.
RepeatConvention = Literal["cost_first", "profit_perpetuity"]


@dataclass(frozen=True, slots=True)
class PolicySwitch:
    """NPV of a switch of credit policy valued as a perpetuity of the change in cash flow."""

    price: float
    variable_cost: float
    quantity: float
    new_price: float
    new_variable_cost: float
    new_quantity: float
    required_return: float
    old_cash_flow: float
    new_cash_flow: float
    cash_flow_change: float
    switch_cost: float
    carrying_cost: float
    net_benefit_per_period: float
    npv: float
    break_even_quantity: float
    break_even_quantity_change: float

    def figures(self) -> tuple[Figure, ...]:
        """The printed lines."""
        return (
            Figure("cash_flow_change", "change in cash flow per period", self.cash_flow_change,
                   "money", "Q'(P' - v') - Q(P - v)"),
            Figure("switch_cost", "cost of switching (investment in receivables)",
                   self.switch_cost, "money", "PQ + Q(v' - v) + v'(Q' - Q)"),
            Figure("carrying_cost", "carrying cost per period", self.carrying_cost, "money",
                   "R x cost of switching"),
            Figure("net_benefit_per_period", "net benefit per period",
                   self.net_benefit_per_period, "money", "change in cash flow - carrying cost"),
            Figure("npv", "NPV of the switch", self.npv, "money",
                   "-cost of switching + change in cash flow / R"),
            Figure("break_even_quantity_change", "break-even change in volume",
                   self.break_even_quantity_change, "units",
                   "Q(P - v)(1 + 1/R) / ((P' - v')/R - v') - Q"),
        )

    def conventions(self) -> tuple[str, ...]:
        """The conventions behind the figures."""
        return (f"R = {100 * self.required_return:g}% per period; cash flows per period, forever",
                "old sales are paid in the period of sale; after the switch every sale is "
                "paid one period later, so one period of old revenue PQ is given up once")


def credit_policy_switch(price: float, variable_cost: float, quantity: float,
                         new_quantity: float, required_return: float,
                         new_price: float | None = None,
                         new_variable_cost: float | None = None) -> PolicySwitch:
    """NPV of switching to one period's credit, and the break-even change in volume.

    ``NPV = -[PQ + Q(v' - v) + v'(Q' - Q)] + [Q'(P' - v') - Q(P - v)] / R``; setting it to
    zero gives ``Q' = Q(P - v)(1 + 1/R) / ((P' - v')/R - v')``.

    Args:
        price: P, price per unit today.
        variable_cost: v, variable cost per unit today.
        quantity: Q, units sold per period today.
        new_quantity: Q', units sold per period under the new policy.
        required_return: R, required return per period, as a share.
        new_price: P' (default P).
        new_variable_cost: v' (default v).

    Returns:
        The switch's figures; the break-even fields are nan when no volume breaks even.

    Raises:
        CalcError: A non-positive price, rate or volume, or a cost above the price.
    """
    p_new = price if new_price is None else new_price
    v_new = variable_cost if new_variable_cost is None else new_variable_cost
    for name, value in (("price", price), ("new price", p_new), ("required return",
                                                                 required_return)):
        check_positive(name, value)
    for name, value in (("variable cost", variable_cost), ("new variable cost", v_new),
                        ("quantity", quantity), ("new quantity", new_quantity)):
        check_finite(name, value)
        if value < 0:
            raise CalcError(f"{name} must not be negative, got {value!r}")
    old_flow = quantity * (price - variable_cost)
    new_flow = new_quantity * (p_new - v_new)
    cost = price * quantity + quantity * (v_new - variable_cost) + v_new * (new_quantity - quantity)
    change = new_flow - old_flow
    per_unit = (p_new - v_new) / required_return - v_new
    break_even = (quantity * (price - variable_cost) * (1.0 + 1.0 / required_return) / per_unit
                  if per_unit > 0 else math.nan)
    return PolicySwitch(price, variable_cost, quantity, p_new, v_new, new_quantity,
                        required_return, old_flow, new_flow, change, cost,
                        required_return * cost, change - required_return * cost,
                        -cost + change / required_return, break_even, break_even - quantity)


@dataclass(frozen=True, slots=True)
class DiscountDefaultSwitch:
    """Cash sales at ``P`` become credit at ``P' = P/(1 - d)``, with a discount and defaults."""

    cash_price: float
    credit_price: float
    quantity: float
    discount_rate: float
    default_rate: float
    required_return: float
    npv: float
    break_even_default_rate: float

    def figures(self) -> tuple[Figure, ...]:
        """The printed lines."""
        return (
            Figure("credit_price", "credit price", self.credit_price, "money", "P' = P / (1 - d)"),
            Figure("npv", "NPV of the switch", self.npv, "money", "-PQ + P'Q(d - pi) / R"),
            Figure("break_even_default_rate", "break-even default rate",
                   self.break_even_default_rate, "share", "pi = d - R(1 - d)"),
        )

    def conventions(self) -> tuple[str, ...]:
        """The conventions behind the figures."""
        return (f"R = {100 * self.required_return:g}% per period; volume Q unchanged; every buyer "
                "takes the credit and pays P' one period later unless it defaults (pi)",)


def discount_default_switch(cash_price: float, quantity: float, discount_rate: float,
                            default_rate: float, required_return: float) -> DiscountDefaultSwitch:
    """NPV of offering credit at ``P' = P/(1-d)`` instead of cash at ``P``, and the break-even pi.

    ``NPV = -PQ + P'Q(d - pi)/R`` (each period ``P'Q(1 - pi)`` arrives instead of ``PQ``,
    after one period's revenue is given up); it is zero at ``pi = d - R(1 - d)``.

    Raises:
        CalcError: Non-positive price, volume or rate, or shares outside [0, 1).
    """
    check_positive("cash price", cash_price)
    check_positive("quantity", quantity)
    check_positive("required return", required_return)
    check_share("discount rate", discount_rate)
    check_share("default rate", default_rate, allow_one=True)
    credit_price = cash_price / (1.0 - discount_rate)
    npv = (-cash_price * quantity
           + credit_price * quantity * (discount_rate - default_rate) / required_return)
    return DiscountDefaultSwitch(cash_price, credit_price, quantity, discount_rate, default_rate,
                                 required_return, npv,
                                 discount_rate - required_return * (1.0 - discount_rate))


@dataclass(frozen=True, slots=True)
class SalesSlice:
    """A slice of sales and the base its receivables are carried at.

    Attributes:
        label: What the slice is, e.g. "sales before the switch".
        sales_per_period: Sales (at price) per period.
        periods_outstanding: How long they stay unpaid, in periods (days / Y for days).
        base_ratio: The share of price the money tied up counts: 1 at price, the variable-cost
            ratio at variable cost.
    """

    label: str
    sales_per_period: float
    periods_outstanding: float
    base_ratio: float


@dataclass(frozen=True, slots=True)
class InvestmentSlice:
    """One slice's receivables and the money they tie up."""

    label: str
    receivables: float
    base_ratio: float
    investment: float


@dataclass(frozen=True, slots=True)
class ReceivablesInvestment:
    """Money tied up in receivables, slice by slice, and its carrying cost."""

    slices: tuple[InvestmentSlice, ...]
    investment: float
    required_return: float
    carrying_cost: float

    def figures(self) -> tuple[Figure, ...]:
        """The printed lines."""
        lines = [Figure("slice_investment", "investment in receivables", s.investment, "money",
                        "sales x periods outstanding x base ratio", s.label)
                 for s in self.slices]
        lines += [
            Figure("investment", "total investment in receivables", self.investment, "money",
                   "sum over slices"),
            Figure("carrying_cost", "carrying (opportunity) cost per period", self.carrying_cost,
                   "money", "R x investment"),
        ]
        return tuple(lines)

    def conventions(self) -> tuple[str, ...]:
        """The conventions behind the figures."""
        bases = "; ".join(f"{s.label}: base {100 * s.base_ratio:.4g}% of price"
                          for s in self.slices)
        return (f"R = {100 * self.required_return:g}% per period", bases)


def receivables_investment(slices: Sequence[SalesSlice],
                           required_return: float) -> ReceivablesInvestment:
    """The receivables' investment with a base per slice, and its carrying cost.

    Each slice ties up ``sales x periods outstanding x base ratio``: sales the firm had
    before are carried at price when the switch costs it their cash (Ross et al.) or at cost
    when only the cost was paid out (Chinese exam material, Gitman); extra sales at variable
    cost, since only their cost is paid out.

    Raises:
        CalcError: No slice, negative sales or periods, a base ratio outside (0, 1], or a
            non-positive rate.
    """
    if not slices:
        raise CalcError("give at least one slice of sales")
    check_positive("required return", required_return)
    rows = []
    for piece in slices:
        for name, value in (("sales", piece.sales_per_period),
                            ("periods outstanding", piece.periods_outstanding)):
            check_finite(f"{piece.label}: {name}", value)
            if value < 0:
                raise CalcError(f"{piece.label}: {name} must not be negative, got {value!r}")
        if not 0 < piece.base_ratio <= 1:
            raise CalcError(f"{piece.label}: base ratio must lie in (0, 1], "
                            f"got {piece.base_ratio!r}")
        receivables = piece.sales_per_period * piece.periods_outstanding
        rows.append(InvestmentSlice(piece.label, receivables, piece.base_ratio,
                                    receivables * piece.base_ratio))
    total = sum(row.investment for row in rows)
    return ReceivablesInvestment(tuple(rows), total, required_return, required_return * total)


@dataclass(frozen=True, slots=True)
class CreditDecision:
    """One order on credit: its expected present value, once and as a repeat buyer."""

    price: float
    cost: float
    default_probability: float
    required_return: float
    repeat_convention: RepeatConvention
    one_shot_npv: float
    break_even_payment_probability: float
    repeat_npv: float
    repeat_break_even_payment_probability: float

    def figures(self) -> tuple[Figure, ...]:
        """The printed lines."""
        if self.repeat_convention == "cost_first":
            repeat, even = "-v + (1 - pi)(P - v) / R", "v R / (P - v)"
        else:
            repeat = "(1 - pi)(P/(1 + R) - v) / R - pi v"
            even = "v / ((P/(1 + R) - v) / R + v)"
        return (
            Figure("one_shot_npv", "expected NPV of a one-time order", self.one_shot_npv,
                   "money", "-v + (1 - pi) P / (1 + R)"),
            Figure("break_even_payment_probability", "break-even probability of being paid",
                   self.break_even_payment_probability, "share", "v (1 + R) / P"),
            Figure("repeat_npv", "expected NPV with a repeat buyer", self.repeat_npv, "money",
                   repeat),
            Figure("repeat_break_even_payment_probability",
                   "break-even probability of being paid, repeat buyer",
                   self.repeat_break_even_payment_probability, "share", even),
        )

    def conventions(self) -> tuple[str, ...]:
        """The conventions behind the figures."""
        how = ("the first unit's cost is spent now; a buyer who pays orders again every "
               "period and never defaults after" if self.repeat_convention == "cost_first" else
               "a buyer who pays is a perpetuity of each order's present-value profit")
        return (f"R = {100 * self.required_return:g}% per credit period; the buyer pays P one "
                "period after the order or defaults (pi) and pays nothing; v is spent at the "
                "order",
                f"repeat buyer ({self.repeat_convention}): {how}")


def credit_decision(price: float, cost: float, default_probability: float,
                    required_return: float,
                    repeat_convention: RepeatConvention = "cost_first") -> CreditDecision:
    """Expected NPV of granting credit on one order, once or to a future repeat buyer.

    One order: ``-v + (1 - pi) P/(1 + R)``, zero when the probability of being paid is
    ``v(1 + R)/P``. Repeat buyer: see :data:`RepeatConvention`. A break-even probability is
    nan where no probability of being paid breaks even.

    Raises:
        CalcError: Non-positive price or rate, a negative cost, or pi outside [0, 1].
    """
    check_positive("price", price)
    check_positive("required return", required_return)
    check_finite("cost", cost)
    if cost < 0:
        raise CalcError(f"cost must not be negative, got {cost!r}")
    check_share("default probability", default_probability, allow_one=True)
    paid = 1.0 - default_probability
    one_shot = -cost + paid * price / (1.0 + required_return)
    if repeat_convention == "cost_first":
        margin = price - cost
        repeat = -cost + paid * margin / required_return
        repeat_even = cost * required_return / margin if margin > 0 else math.nan
    else:
        value_if_paid = (price / (1.0 + required_return) - cost) / required_return
        repeat = paid * value_if_paid - default_probability * cost
        repeat_even = cost / (value_if_paid + cost) if value_if_paid > 0 else math.nan
    return CreditDecision(price, cost, default_probability, required_return, repeat_convention,
                          one_shot, _probability(cost * (1.0 + required_return) / price), repeat,
                          _probability(repeat_even))


def _probability(value: float) -> float:
    """A break-even probability, or nan when even certain payment would not break even."""
    return value if value <= 1.0 else math.nan
