"""The four costs of holding receivables [004 p.101], plus discounts less penalty income.

All costs are per year of the statistics window. The opportunity cost integrates the AR
balance over continuous time: each invoice contributes its open amount times the part of its
open life that falls inside the window (no end-of-day snapshots).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .behaviour import Outcome
from .engine.output import EngineOutput
from .ledger import LedgerLike
from .policy import Policy
from .scenario import Company, Conventions, Scenario

if TYPE_CHECKING:
    from .totals import LedgerTotals

__all__ = [
    "allowance_at",
    "ar_balance_at",
    "ar_integral",
    "ar_parts",
    "cost_breakdown",
    "fold_sum",
    "opportunity_base",
    "owed_at",
    "settled_in",
    "shortage_parts",
]


def _overlap(a: np.ndarray, b: np.ndarray, start: float, end: float) -> np.ndarray:
    return np.clip(np.minimum(b, end) - np.maximum(a, start), 0.0, None)


def ar_integral(ledger: LedgerLike, start: float, end: float, current_only: bool = False) -> float:
    """Integral of the receivables balance over [start, end] (money x days).

    An invoice is open from its issue day to its settle day; an upheld dispute lowers its
    open amount by the credit from the credit day on. With ``current_only`` only the part of
    its life before the (contractual) due date counts: the not-yet-due receivables.
    """
    full, reduced = ar_parts(ledger, start, end, current_only)
    return fold_sum(full) + fold_sum(reduced)


def fold_sum(values: np.ndarray) -> float:
    """The sum of values added one after another, in order, as every sum of a ledger is
    (see totals.py: a ledger priced in chunks gives the same bits)."""
    total = np.zeros(1)
    np.add.at(total, np.zeros(len(values), dtype=np.intp), values)
    return float(total[0])


def ar_integral_rows(ledger: LedgerLike, start: float, end: float,
                     current_only: bool = False) -> np.ndarray:
    """Each invoice's part of ar_integral (for sums by group, e.g. a grade's receivables)."""
    full, reduced = ar_parts(ledger, start, end, current_only)
    return np.asarray(full + reduced)


def ar_parts(ledger: LedgerLike, start: float, end: float, current_only: bool
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per invoice: the full amount's money x days open, and the credited remainder's."""
    issue, settle = ledger["issue_day"], ledger["settle_day"]
    credit_day = np.minimum(ledger["credited_day"], settle)
    if current_only:
        settle = np.minimum(settle, ledger["due_day"])
        credit_day = np.minimum(credit_day, settle)
    full = ledger["amount"] * _overlap(issue, credit_day, start, end)
    reduced = (ledger["amount"] - ledger["credited"]) * _overlap(credit_day, settle, start, end)
    return full, reduced


def ar_balance_at(ledger: LedgerLike, day: float) -> np.ndarray:
    """Each invoice's open amount at an instant (0 when not open then)."""
    live = (ledger["issue_day"] <= day) & (ledger["settle_day"] > day)
    return np.where(live, owed_at(ledger["amount"], ledger["credited"],
                                  ledger["credited_day"], day), 0.0)


def owed_at(amount: np.ndarray, credited: np.ndarray, credited_day: np.ndarray,
            day: float | np.ndarray) -> np.ndarray:
    """What an open invoice owes at an instant: its amount less a credit already given."""
    return amount - np.where(credited_day <= day, credited, 0.0)


def settled_in(ledger: LedgerLike, start: float, end: float) -> np.ndarray:
    """Mask of invoices settled (paid, written off...) within [start, end)."""
    settle = ledger["settle_day"]
    return (settle >= start) & (settle < end) & (ledger["outcome"] != int(Outcome.OPEN))


#: Lost sales by cause, grouped into the parts of the shortage cost
HELD_OR_REFUSED = ("credit_limit", "stop_shipping", "credit_cancelled")

#: Metrics that are parts of a cost component, not components of the total themselves
COST_PARTS = {
    "management_cost": ("collector_team_cost",),
    "shortage_cost": ("shortage_terms_cost", "shortage_held_cost",
                      "shortage_customers_lost_cost"),
}


def allowance_at(ledger: LedgerLike, day: float, rates: tuple[tuple[float, float], ...]
                 ) -> float:
    """The allowance for doubtful accounts at an instant: each open invoice's amount owed
    times the rate of its aging band (days past its effective due date) [000]."""
    owed = ar_balance_at(ledger, day)
    overdue = day - ledger["effective_due_day"]
    rate = np.zeros(owed.size)
    for days, share in rates:  # bands in increasing days: the last one reached applies
        rate = np.where(overdue >= days, share, rate)
    return fold_sum(owed * rate)


def opportunity_base(conventions: Conventions, variable_cost_ratio: float,
                     credit_sales_annual: float) -> float:
    """The share of the receivables counted as capital tied up (opportunity-cost base).

    ``variable_cost``: the variable-cost ratio; ``sales_value``: 1. ``mixed``: a base per
    slice of credit sales, the existing sales (``existing_sales.annual``, at most all of
    them) at their base and the sales above them at variable cost, weighted by sales:
    ``(S_old x b_old + (S - S_old) x vc) / S``. The slices' receivables are taken in
    proportion to their sales (both are collected alike); with no sales, the existing
    slice's base.
    """
    if conventions.opportunity_cost_base == "variable_cost":
        return variable_cost_ratio
    existing = conventions.existing_sales
    if conventions.opportunity_cost_base == "sales_value" or existing is None:
        return 1.0
    old_base = 1.0 if existing.base == "sales_value" else variable_cost_ratio
    if credit_sales_annual <= 0.0:
        return old_base
    # as the slices' shares of sales, a convex combination (summing the slices' money and
    # dividing lost the base's last digits at tiny sales, found by Hypothesis)
    share = min(existing.annual, credit_sales_annual) / credit_sales_annual
    return share * old_base + (1.0 - share) * variable_cost_ratio


def shortage_parts(out: EngineOutput, margin: float, years: float) -> dict[str, float]:
    """The shortage cost against the market reference, per year, in its three parts.

    The reference is the demand the market's terms win with no order refused or held and no
    customer lost (`demand.market_terms`). Each part is the contribution (`margin` of sales)
    between the reference and what the policy sold:

    - terms and standard: the reference's sales less the demand the policy's terms and credit
      standard win (negative where the policy's terms win more than the market's);
    - orders held or refused: orders in that demand lost to a credit limit, a stop on
      shipping, or a cancelled line or closed account;
    - customers lost: orders in that demand lost while customers who left after collection
      steps were away (`demand.customer_loss.valued_days`, after which they come back).
    """
    lost = out.lost_sales
    demanded = out.potential_sales - lost.get("terms", 0.0) - lost.get("credit_refused", 0.0)
    held = sum(lost.get(cause, 0.0) for cause in HELD_OR_REFUSED)
    return {
        "shortage_terms_cost": margin * (out.reference_sales - demanded) / years,
        "shortage_held_cost": margin * held / years,
        "shortage_customers_lost_cost": margin * lost.get("customer_lost", 0.0) / years,
    }


def _stock_days(company: Company, policy: Policy) -> float:
    """Inventory days less payables days: the policy's own where it states them."""
    inventory = (company.inventory_days if policy.inventory_days is None
                 else policy.inventory_days)
    payables = company.payables_days if policy.payables_days is None else policy.payables_days
    return inventory - payables


def cost_breakdown(scenario: Scenario, policy: Policy, out: EngineOutput,
                   totals: LedgerTotals | None = None) -> dict[str, float]:
    """Yearly costs of a replication, each named as in the report.

    `totals` are the sums of the replication's ledger (totals.LedgerTotals), where they were
    summed as the engine ran; by default they are summed from `out.ledger`.

    Returns keys: opportunity_cost, management_cost, bad_debt_cost, shortage_cost,
    discount_cost, penalty_income, inventory_carrying_cost, total_cost, plus the money
    flows they come from (average_receivables, credit_sales, cash_sales, ...).
    """
    if totals is None:
        from .totals import totals_of  # noqa: PLC0415 - totals reads this module's parts
        totals = totals_of(scenario, out.window, out.ledger)
    sums = totals.pricing
    start, end = out.window
    span = end - start
    year = float(scenario.conventions.days_in_year)
    years = span / year
    company = scenario.company
    vc = company.variable_cost_ratio
    rate = company.cost_of_capital_annual

    average_ar = (sums["ar_full"] + sums["ar_reduced"]) / span
    credit_sales = sums["sales"] / years
    base = opportunity_base(scenario.conventions, vc, credit_sales)
    cash_sales = out.cash_sales / years
    staff = policy.collections.collectors
    # capacity is never free: a team of `staff` is paid whether busy or not; an unlimited
    # team is paid for the collector days it worked (each minute at the salary rate)
    team = (company.collector_salary_annual * out.collector.busy_days / span if staff is None
            else staff * company.collector_salary_annual)
    action_cost = sum(cost for _count, cost in out.actions.values())
    management = (company.fixed_credit_department_cost_annual
                  + team
                  + policy.fixed_collection_cost_annual
                  + (action_cost + sums["agency_fee"]) / years)
    lost = sum(out.lost_sales.values())
    shortage = shortage_parts(out, 1.0 - vc, years)
    allowance = (sums["allowance_start"], sums["allowance_end"])
    written_off = sums["written_off"]
    # write-offs consume the allowance; what ages into it in the window is the expense
    provision = (allowance[1] - allowance[0] + written_off) / years
    by_provision = scenario.conventions.bad_debt_recognition == "provision"
    costs = {
        "opportunity_cost": average_ar * base * rate,
        "management_cost": management,
        "bad_debt_cost": provision if by_provision else written_off / years,
        "shortage_cost": sum(shortage.values()),
        "discount_cost": (sums["discount"] + out.rebates) / years,
        "penalty_income": sums["penalty"] / years,
        "inventory_carrying_cost": 0.0,
    }
    if scenario.conventions.include_inventory_carrying:
        daily_cogs = vc * (credit_sales + cash_sales) / year
        costs["inventory_carrying_cost"] = daily_cogs * _stock_days(company, policy) * rate
    costs["total_cost"] = (sum(v for k, v in costs.items() if k != "penalty_income")
                           - costs["penalty_income"])
    margin = (1.0 - vc) * (credit_sales + cash_sales)
    costs.update(shortage)
    costs.update({
        "collector_team_cost": team,
        "bad_debt_written_off": written_off / years,
        "bad_debt_provision_expense": provision,
        "allowance_start": allowance[0],
        "allowance_end": allowance[1],
        "average_receivables": average_ar,
        "credit_sales": credit_sales,
        "cash_sales": cash_sales,
        "lost_sales": lost / years,
        "reference_sales": out.reference_sales / years,
        "contribution_margin": margin,
        # the profit view [004 p.102]: margin less every cost except the forgone margin
        "net_margin": margin - (costs["total_cost"] - costs["shortage_cost"]),
        "rebates": out.rebates / years,
    })
    return costs
