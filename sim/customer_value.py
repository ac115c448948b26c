"""What a lost customer is worth: its contribution net of the credit costs its business carries.

A customer driven away by a collection step takes its future orders with it. Counted at its
full contribution margin, a late payer's loss weighs as much as a prompt payer's, although its
sales would have tied up capital for months and carried its own risk of bankruptcy. A credit
manager values it at its margin less those costs, priced as the model prices receivables
(docs/model.md §9, "A lost customer's value"):

    D     = effective credit period of its grade's terms + its payer type's mean lateness
    opp   = base x cost of capital x D / Y           (base: the opportunity-cost base, §9)
    bad   = (1 - recovery) x (1 - exp(-hazard x D / Y))
    share = clip((margin - opp - bad) / margin, 0, 1)

per unit of sales, closed form, once per (segment, payer type). A customer of a type that never
pays of its own accord has nothing to lose (its sales would all be bad debts: share 0), and a
customer of a grade that buys for cash carries no credit cost (share 1).
"""

from __future__ import annotations

import math

import numpy as np

from .scenario import Conventions, Scenario, Segment
from .terms import Terms

__all__ = ["lost_value_shares", "net_value_share"]


def marginal_opportunity_base(conventions: Conventions, variable_cost_ratio: float) -> float:
    """The share of a customer's receivables counted as capital tied up: the variable-cost
    ratio, or 1 at sales value. With the ``mixed`` base the business a policy wins or loses
    is the slice of sales above the existing ones, which that base prices at variable cost."""
    if conventions.opportunity_cost_base == "sales_value":
        return 1.0
    return variable_cost_ratio


def net_value_share(margin: float, opportunity_base: float, cost_of_capital_annual: float,
                    days_in_year: float, credit_days: float, hazard_annual: float,
                    recovery_share: float) -> float:
    """The share of a customer's contribution left once its business's credit costs are paid.

    Args:
        margin: Contribution margin per unit of sales (1 - variable-cost ratio), above 0.
        opportunity_base: Share of the receivables counted as capital tied up.
        cost_of_capital_annual: The company's cost of capital a year.
        days_in_year: Day-count year.
        credit_days: Days from invoice to payment, on average (terms plus lateness);
            inf for a customer that never pays.
        hazard_annual: The customer's bankruptcy hazard a year.
        recovery_share: Share of an open invoice recovered in bankruptcy.

    Returns:
        ``(margin - opportunity cost - expected bad debt) / margin`` per unit of sales,
        clipped to [0, 1]: 1 with no credit costs, 0 where they eat the whole margin.
    """
    if math.isinf(credit_days):
        return 0.0  # never pays of its own accord: every sale would be a bad debt
    years = credit_days / days_in_year
    opportunity = opportunity_base * cost_of_capital_annual * years
    # caught open by a bankruptcy (exponential, memoryless) before it is paid
    bad_debt = (1.0 - recovery_share) * -math.expm1(-hazard_annual * years)
    return min(1.0, max(0.0, (margin - opportunity - bad_debt) / margin))


def lost_value_shares(scenario: Scenario, terms: dict[str, Terms | None],
                      lateness_days: list[float | None]) -> np.ndarray:
    """Per segment and payer type, the net value share of a customer lost to the company.

    Args:
        scenario: The scenario (company, conventions, segments).
        terms: Each grade's terms under the policy (None: cash only).
        lateness_days: Per payer type (PAYER_TYPES order), the days past due it pays of its
            own accord on average; None for a type that never does.

    Returns:
        An array (segments, payer types) of shares in [0, 1].
    """
    company = scenario.company
    year = float(scenario.conventions.days_in_year)
    margin = 1.0 - company.variable_cost_ratio
    base = marginal_opportunity_base(scenario.conventions, company.variable_cost_ratio)
    shares = np.ones((len(scenario.segments), len(lateness_days)))
    for s, segment in enumerate(scenario.segments):
        grade_terms = terms[segment.grade]
        if grade_terms is None or grade_terms.net_days == 0:
            continue  # cash business: no receivable, no credit cost
        credit = grade_terms.effective_credit_days(year)
        for p, late in enumerate(lateness_days):
            shares[s, p] = net_value_share(
                margin, base, company.cost_of_capital_annual, year,
                math.inf if late is None else credit + late,
                segment.bankruptcy_hazard_annual, _mean_recovery(segment))
    return shares


def _mean_recovery(segment: Segment) -> float:
    """The recovery share a bankruptcy of the segment's customers yields, on average: its
    distribution's mean, clipped to [0, 1] as each customer's draw is."""
    return min(1.0, max(0.0, segment.bankruptcy_recovery_share.mean))
