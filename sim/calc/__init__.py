"""arsim.sim.calc: a credit-management course's own calculations, as pure typed functions.

One module per family, each function returning a frozen dataclass with a ``figures()`` method
(the printed lines, each with its formula) and ``conventions()``. docs/textbook.md lists every
calculation with its formula, conventions and an example command.

- trade credit and discounts: :func:`trade_credit_cost`, :func:`early_payment`;
- decisions over time: :func:`credit_policy_switch`, :func:`discount_default_switch`,
  :func:`receivables_investment`, :func:`credit_decision`;
- KPIs from a company's own figures: :func:`read_aging_csv`, :func:`book_kpis`,
  :func:`cei_over_months`.
"""

from __future__ import annotations

from .aging_csv import AgingBook, PeriodFigures, parse_aging_text, read_aging_csv
from .books import BookKpis, CeiSales, book_kpis, cei_over_months
from .common import Figure
from .decisions import (
    CreditDecision,
    DiscountDefaultSwitch,
    PolicySwitch,
    ReceivablesInvestment,
    RepeatConvention,
    SalesSlice,
    credit_decision,
    credit_policy_switch,
    discount_default_switch,
    receivables_investment,
)
from .trade_credit import (
    EarlyPayment,
    InterestBase,
    TradeCreditCost,
    early_payment,
    trade_credit_cost,
)

__all__ = [
    "AgingBook",
    "BookKpis",
    "CeiSales",
    "CreditDecision",
    "DiscountDefaultSwitch",
    "EarlyPayment",
    "Figure",
    "InterestBase",
    "PeriodFigures",
    "PolicySwitch",
    "ReceivablesInvestment",
    "RepeatConvention",
    "SalesSlice",
    "TradeCreditCost",
    "book_kpis",
    "cei_over_months",
    "credit_decision",
    "credit_policy_switch",
    "discount_default_switch",
    "early_payment",
    "parse_aging_text",
    "read_aging_csv",
    "receivables_investment",
    "trade_credit_cost",
]
