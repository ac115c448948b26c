"""The scenario: the company, its customers and its market, as frozen validated data.

A scenario says what the world is like; a :class:`~arsim.sim.policy.Policy` says what the
company decides. Neither has behaviour: engines read them and never check them again.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .shares import shares_from_percent
from .terms import Terms

__all__ = [
    "ACTIONS",
    "MAX_PAYMENT_CLASSES",
    "PAYER_TYPES",
    "Action",
    "AgingBucket",
    "Company",
    "Conventions",
    "CustomerLoss",
    "Demand",
    "DeterministicMode",
    "Disputes",
    "Distribution",
    "ExistingSales",
    "GradeDemand",
    "Horizon",
    "Legal",
    "LocatedValueError",
    "OpeningBook",
    "PayerProfile",
    "PayerType",
    "PaymentClass",
    "PaymentPattern",
    "Scenario",
    "Segment",
]

Share = Annotated[float, Field(ge=0.0, le=1.0)]
Money = Annotated[float, Field(ge=0.0)]
Days = Annotated[float, Field(ge=0.0)]


class LocatedValueError(ValueError):
    """A validator's error about one item inside the field it checks (the loader adds
    ``where`` to the field's location, so the message points at the item's line)."""

    def __init__(self, message: str, where: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.where = where


class Frozen(BaseModel):
    """Base of every scenario and policy model: immutable, unknown keys refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _percent_shares(cls, data: Any) -> Any:
        # "15%" wherever a share is asked for (see shares.py for which fields are shares)
        return shares_from_percent(cls.model_fields, data)


class PayerType(str, Enum):
    """How a customer pays [004 p.117-118]."""

    ON_TIME = "on_time"
    REMINDED = "reminded"
    PRESSURE = "pressure"
    DEFAULTER = "defaulter"


PAYER_TYPES: tuple[PayerType, ...] = tuple(PayerType)


class Action(str, Enum):
    """A dunning step's kind, from the mildest to the harshest."""

    REMINDER = "reminder"
    STATEMENT = "statement"
    PHONE = "phone"
    LETTER = "letter"
    VISIT = "visit"
    STOP_SHIPPING = "stop_shipping"
    CANCEL_CREDIT_LINE = "cancel_credit_line"
    AGENCY = "agency"
    LAWSUIT = "lawsuit"


ACTIONS: tuple[Action, ...] = tuple(Action)


#: The smallest coefficient of variation a gamma-distributed quantity may have (besides 0).
MIN_GAMMA_CV = 0.01


class Distribution(Frozen):
    """A positive random quantity given by its mean and coefficient of variation."""

    mean: Annotated[float, Field(ge=0.0, description="Mean of the quantity, in its own unit.")]
    cv: Annotated[
        float,
        Field(ge=0.0, le=10.0, description="Coefficient of variation (sd / mean); 0 = fixed."),
    ] = 0.0
    family: Annotated[
        Literal["lognormal", "gamma"],
        Field(description="Distribution family used when cv > 0 (a gamma needs cv 0 or at "
                          "least 0.01)."),
    ] = "lognormal"

    @model_validator(mode="after")
    def _gamma_spread(self) -> Distribution:
        # the gamma quantile is found numerically, and below cv 0.01 (shape above 10,000)
        # that takes longer than any spread so small is worth
        if self.family == "gamma" and 0.0 < self.cv < MIN_GAMMA_CV:
            raise ValueError(
                f"a gamma distribution needs a cv of at least {MIN_GAMMA_CV:g} (or 0 for a "
                f"fixed value), got {self.cv:g}; for a tighter spread use family: lognormal")
        return self


class ExistingSales(Frozen):
    """The slice of credit sales the firm made before, for a mixed opportunity-cost base."""

    annual: Annotated[
        Money, Field(description="Credit sales per year the firm made before the policy (money "
                     "per year); credit sales above it are the extra slice, at variable cost.")
    ]
    base: Annotated[
        Literal["sales_value", "variable_cost"],
        Field(description="Base of the existing slice: 'sales_value' (its price: the customers "
              "who paid sooner now tie up the cash itself, Ross et al.) or 'variable_cost' "
              "(its cost, as Chinese exams and Gitman price every slice)."),
    ] = "sales_value"


class Conventions(Frozen):
    """Settings on which textbooks disagree (DOMAIN.md, 'Textbook conventions')."""

    days_in_year: Annotated[
        Literal[360, 365], Field(description="Day count of a year: 360 (Chinese exams) or 365.")
    ] = 365
    opportunity_cost_base: Annotated[
        Literal["variable_cost", "sales_value", "mixed"],
        Field(
            description="Capital tied up in receivables: at variable cost "
            "(receivables x variable-cost ratio, Chinese exams, Gitman), at sales value, or "
            "'mixed': a base per slice of credit sales, the existing sales (existing_sales) "
            "at theirs and the sales above them at variable cost."
        ),
    ] = "variable_cost"
    existing_sales: Annotated[
        ExistingSales | None,
        Field(description="With opportunity_cost_base: mixed, the slice of sales that "
              "existed before and its base; required then, refused otherwise."),
    ] = None
    bad_debt_basis: Annotated[
        Literal["all_customers", "non_discount_takers"],
        Field(
            description="Deterministic mode: a pattern's bad-debt share falls on all sales or "
            "only on the sales of customers who do not take the discount."
        ),
    ] = "all_customers"
    bad_debt_recognition: Annotated[
        Literal["provision", "write_off"],
        Field(description="When the bad-debt cost is booked: 'provision', as invoices age into "
              "the allowance bands (company.provision_rates; expense = allowance at the end "
              "- allowance at the start + write-offs), or 'write_off', when invoices are "
              "written off (a window then books its warm-up's losses and misses its own)."),
    ] = "provision"
    include_inventory_carrying: Annotated[
        bool,
        Field(
            description="Also charge the carrying cost of the inventory the sales volume needs, "
            "less the payables that finance it (存货应计利息, CPA textbooks)."
        ),
    ] = False

    @model_validator(mode="after")
    def _existing_sales_with_mixed(self) -> Conventions:
        mixed = self.opportunity_cost_base == "mixed"
        if mixed and self.existing_sales is None:
            raise ValueError("opportunity_cost_base 'mixed' needs existing_sales: the credit "
                             "sales per year that existed before, e.g. {annual: 500000}")
        if not mixed and self.existing_sales is not None:
            raise ValueError(f"existing_sales is set but opportunity_cost_base is "
                             f"'{self.opportunity_cost_base}': set it to 'mixed' to use it")
        return self


class Company(Frozen):
    """The selling company's economics."""

    variable_cost_ratio: Annotated[
        float, Field(gt=0.0, lt=1.0, description="Variable cost per unit of sales (share).")
    ]
    cost_of_capital_annual: Annotated[
        float, Field(ge=0.0, le=1.0, description="Cost of capital tied up, per year (share).")
    ]
    fixed_credit_department_cost_annual: Annotated[
        Money, Field(description="Fixed cost of the credit department per year (money).")
    ] = 0.0
    collector_salary_annual: Annotated[
        Money, Field(description="Salary of one collector per year (money).")
    ] = 0.0
    inventory_days: Annotated[
        Days, Field(description="Days of cost of sales held as inventory (inventory carrying).")
    ] = 0.0
    payables_days: Annotated[
        Days, Field(description="Days of cost of sales financed by suppliers (inventory carrying).")
    ] = 0.0
    provision_rates: Annotated[
        tuple[tuple[float, float], ...],
        Field(description="Allowance for doubtful accounts by aging band [000]: rows of [days "
              "overdue from, share of the amount owed provided for], in increasing days; an "
              "invoice less overdue than the first row needs none. The material gives the "
              "bands (1-6 months, 6-12 months, over a year), not the rates."),
    ] = ((30.0, 0.05), (180.0, 0.3), (365.0, 0.8))

    @field_validator("provision_rates")
    @classmethod
    def _bands_increase(cls, rows: tuple[tuple[float, float], ...]
                        ) -> tuple[tuple[float, float], ...]:
        days = [d for d, _ in rows]
        if any(b <= a for a, b in itertools.pairwise(days)):
            raise ValueError(f"company.provision_rates: the bands' days {days} must increase")
        if any(not 0.0 <= r <= 1.0 for _, r in rows):
            raise ValueError("company.provision_rates: each rate is a share between 0 and 1")
        return rows


class Horizon(Frozen):
    """How long each replication runs and how many there are."""

    warmup_days: Annotated[
        Days, Field(description="Days simulated before statistics start (fills the book).")
    ] = 365.0
    horizon_days: Annotated[
        float, Field(gt=0.0, le=36500.0, description="Days over which statistics are collected.")
    ] = 730.0
    replications: Annotated[
        int, Field(ge=1, le=100000, description="Independent replications (confidence intervals).")
    ] = 10
    seed: Annotated[
        int, Field(ge=0, lt=2**63, description="Root seed of every random number of the run.")
    ] = 20261123


class Disputes(Frozen):
    """Invoices the customer disputes: they wait for resolution and are paid later."""

    share: Annotated[Share, Field(description="Share of invoices disputed.")] = 0.0
    raised_after_days: Annotated[
        Days, Field(description="Days after invoicing at which the dispute is raised.")
    ] = 10.0
    resolution_days: Annotated[
        Distribution, Field(description="Days from raising to resolving a dispute.")
    ] = Distribution(mean=30.0, cv=0.5)
    upheld_share: Annotated[
        Share, Field(description="Share of disputes resolved in the customer's favour.")
    ] = 0.5
    credited_share: Annotated[
        Share, Field(description="Share of the invoice credited when a dispute is upheld.")
    ] = 0.3


class Learning(Frozen):
    """New customers pay late while they learn the seller's terms [002]."""

    extra_days: Annotated[
        Days,
        Field(description="Days later than its payer type a newcomer pays an invoice issued "
              "on the day it arrives; the extra fades linearly to nothing over `months`. "
              "0 = newcomers pay as their payer type from the first invoice."),
    ] = 0.0
    months: Annotated[
        float,
        Field(gt=0.0, le=120.0, description="Months after its arrival in which a newcomer is "
              "still learning the terms (its extra days fall to 0 by then)."),
    ] = 6.0


class Segment(Frozen):
    """A group of alike customers."""

    name: Annotated[str, Field(min_length=1, description="Segment name, unique.")]
    customers: Annotated[int, Field(ge=1, le=2_000_000, description="Number of customers.")]
    grade: Annotated[
        Literal["A", "B", "C", "D"], Field(description="Risk grade [004 p.46]: A best, D worst.")
    ]
    orders_per_year: Annotated[
        float,
        Field(gt=0.0, le=10000.0, description="Orders per customer per year at market terms."),
    ]
    order_amount: Annotated[Distribution, Field(description="Order (invoice) amount (money).")]
    payer_mix: Annotated[
        dict[PayerType, Share],
        Field(description="Share of customers of each payer type; shares sum to 1."),
    ]
    funding_cost_annual: Annotated[
        Distribution,
        Field(description="Each customer's own cost of funds per year (share): drives "
              "discount-taking and penalty deterrence."),
    ] = Distribution(mean=0.08, cv=0.3)
    cash_available_share: Annotated[
        Share,
        Field(description="Chance that a customer who finds a discount worth taking has the cash."),
    ] = 0.8
    disputes: Annotated[Disputes, Field(description="Disputed invoices.")] = Disputes()
    bankruptcy_hazard_annual: Annotated[
        float, Field(ge=0.0, le=5.0, description="Bankruptcy hazard per customer per year.")
    ] = 0.0
    bankruptcy_recovery_share: Annotated[
        Distribution, Field(description="Share of open invoices recovered in bankruptcy.")
    ] = Distribution(mean=0.1, cv=0.0)
    bankruptcy_recovery_days: Annotated[
        Days, Field(description="Days from bankruptcy to the recovery payment and write-off.")
    ] = 365.0
    working_assets: Annotated[
        Distribution | None,
        Field(description="Each customer's working assets (money): (working capital + net "
              "worth) / 2, the base of the working-assets limit method [004 p.74]; one draw "
              "per customer. null = not known (that method cannot be used)."),
    ] = None
    newcomer_payer_mix: Annotated[
        dict[PayerType, Share] | None,
        Field(description="Payer mix of the segment's newcomers, where it differs from "
              "payer_mix (new accounts are often riskier than a book whose worst payers "
              "have left); shares sum to 1. null = payer_mix."),
    ] = None
    newcomers_per_year: Annotated[
        float,
        Field(ge=0.0, le=1_000_000.0,
              description="New customers of this segment arriving a year (a Poisson stream) "
              "at the market's terms; the terms offered move it through the same demand "
              "response as orders. Lost and bankrupt customers leave, so the population "
              "settles where arrivals match departures. 0 = a closed population."),
    ] = 0.0
    souring_per_year: Annotated[
        float,
        Field(ge=0.0, le=5.0,
              description="Hazard a year that a customer's payer type worsens by one step, "
              "on time to reminded to under pressure (old customers late because unhappy "
              "with service or discounts [002]); each customer's own draws, from the day it "
              "arrives, at most two steps; an invoice takes its customer's type on the day "
              "of the order. 0 = payer types never change."),
    ] = 0.0
    learning: Annotated[
        Learning,
        Field(description="How the segment's newcomers learn the terms [002] (the opening "
              "population knows them)."),
    ] = Learning()
    order_patience_days: Annotated[
        Distribution | None,
        Field(description="Days a customer waits for an order held by its credit limit or a "
              "stop on shipping before it buys elsewhere (one draw per order); a payment or a "
              "new limit that clears the block ships it meanwhile. null = "
              "demand.blocked_hold_days for every order."),
    ] = None

    @field_validator("payer_mix", "newcomer_payer_mix")
    @classmethod
    def _mix_sums_to_one(
        cls, mix: dict[PayerType, float] | None, info: ValidationInfo
    ) -> dict[PayerType, float] | None:
        if mix is None:
            return mix
        total = sum(mix.values())
        if abs(total - 1.0) > 1e-6:
            shares = ", ".join(f"{k.value} {v:g}" for k, v in mix.items())
            raise ValueError(
                f"segment '{info.data.get('name', '?')}': {info.field_name} shares ({shares}) "
                f"sum to {total:g}, not 1"
            )
        return mix

    @model_validator(mode="after")
    def _recovery_at_most_all(self) -> Segment:
        if self.bankruptcy_recovery_share.mean > 1.0:
            raise ValueError(
                f"segment '{self.name}': bankruptcy_recovery_share mean "
                f"{self.bankruptcy_recovery_share.mean:g} is above 1"
            )
        return self


class PayerProfile(Frozen):
    """How one payer type behaves: its own payment lag and its response to each dunning step."""

    lag_days: Annotated[
        Distribution | None,
        Field(description="Days after the due date at which the customer pays unprompted; "
              "null = never pays unprompted."),
    ]
    early_days: Annotated[
        Days, Field(description="Days before the due date subtracted from the lag (early payers).")
    ] = 0.0
    response: Annotated[
        dict[Action, Share],
        Field(description="Chance that a dunning step of each kind makes the customer promise "
              "to pay, before the age discount; kinds not listed get 0."),
    ] = {}
    response_delay_days: Annotated[
        Days, Field(description="Days from a successful step to the promised payment.")
    ] = 3.0
    promise_break_share: Annotated[
        Share, Field(description="Share of promises to pay that are broken (the ladder resumes).")
    ] = 0.1
    deterred_by_penalty_share: Annotated[
        Share,
        Field(description="Chance that a late-payment penalty above the customer's funding cost "
              "makes it pay within the grace period instead of late."),
    ] = 0.0


@functools.cache
def _default_payer_types() -> Mapping[PayerType, PayerProfile]:
    """The built-in payer types, validated once (every replication's rules ask for them: 1%
    of a fast replication when built anew each time), read-only."""
    return MappingProxyType({
        PayerType.ON_TIME: PayerProfile(lag_days=Distribution(mean=1.0, cv=1.0), early_days=1.0),
        PayerType.REMINDED: PayerProfile(
            lag_days=Distribution(mean=45.0, cv=0.6),
            response={Action.REMINDER: 0.35, Action.STATEMENT: 0.2, Action.PHONE: 0.6,
                      Action.LETTER: 0.4, Action.VISIT: 0.7, Action.STOP_SHIPPING: 0.6,
                      Action.CANCEL_CREDIT_LINE: 0.4, Action.AGENCY: 0.6, Action.LAWSUIT: 0.7},
            deterred_by_penalty_share=0.5,
        ),
        # [004 p.117-118]: the third type "pays only when collection techniques are
        # applied", so it never pays of its own accord (a lag of 150 days before 2026-12-04)
        PayerType.PRESSURE: PayerProfile(
            lag_days=None,
            response={Action.REMINDER: 0.02, Action.STATEMENT: 0.02, Action.PHONE: 0.25,
                      Action.LETTER: 0.15, Action.VISIT: 0.4, Action.STOP_SHIPPING: 0.35,
                      Action.CANCEL_CREDIT_LINE: 0.2, Action.AGENCY: 0.45, Action.LAWSUIT: 0.6},
            promise_break_share=0.3,
            deterred_by_penalty_share=0.2,
        ),
        PayerType.DEFAULTER: PayerProfile(
            lag_days=None,
            response={Action.AGENCY: 0.1, Action.LAWSUIT: 0.15},
            promise_break_share=0.5,
        ),
    })


class AgeFactor(Frozen):
    """How collection success falls with a debt's age [004 p.99, p.107]: a Weibull value
    curve, exp(-((days overdue / days_in_year) / scale_years) ** shape)."""

    scale_years: Annotated[
        float, Field(gt=0.0, le=100.0, description="Weibull scale in years: at this age a "
                     "debt keeps exp(-1), 37%, of its chance of being collected.")
    ] = 1.374
    shape: Annotated[
        float, Field(gt=0.0, le=10.0, description="Weibull shape: below 1 the value falls "
                     "more slowly as debts age (the material's 67 after six months, 4 after "
                     "five years: 0.905).")
    ] = 0.905


class Legal(Frozen):
    """Collection agencies and the courts: market facts the policy can call upon."""

    agency_fee_share: Annotated[
        Share, Field(description="Agency fee as a share of what it collects.")
    ] = 0.25
    agency_days: Annotated[
        Days, Field(description="Days an agency works a case before giving up.")
    ] = 90.0
    lawsuit_cost: Annotated[Money, Field(description="Cost of one lawsuit (money).")] = 5000.0
    lawsuit_days: Annotated[
        Days, Field(description="Days from filing to judgment and enforcement.")
    ] = 270.0
    lawsuit_recovery_share: Annotated[
        Share, Field(description="Share of the open amount recovered when a lawsuit succeeds.")
    ] = 0.8


class CustomerLoss(Frozen):
    """Customers who leave after a harsh collection step."""

    after_action: Annotated[
        dict[Action, Share],
        Field(description="Chance that a step of each kind makes the customer stop ordering: "
              "drawn once per customer and kind of step (its account escalated), not per "
              "invoice."),
    ] = {}
    valued_days: Annotated[
        float | None,
        Field(ge=1.0, description="Days after dunning drove a customer away, or its account was "
              "closed for good (a write-off, a lawsuit, a line cancelled for good), until it "
              "comes back on a fresh account, its old debts still in collection: the time to "
              "win a customer like it back. Meanwhile its orders the policy would have had "
              "are lost with it (customers lost) if it left, and paid in cash or lost to the "
              "closed account if it stayed (docs/model.md §4). null = never. At least a day."),
    ] = 365.0


#: A piecewise-linear demand table: rows of [x, order-rate multiplier], x increasing.
DemandTable = tuple[tuple[float, float], ...]

_PERIOD_TABLE_HELP = ("Piecewise-linear table of [credit period days, order-rate multiplier]; "
                      "flat beyond its ends. End-of-month terms are read at their effective "
                      "credit period, the stated days plus half a month (docs/model.md §3).")
_DISCOUNT_TABLE_HELP = "Piecewise-linear table of [best discount rate, order-rate multiplier]."


def _table_problem(name: str, table: DemandTable) -> str | None:
    """What is wrong with a demand table, in words (None if nothing)."""
    if not table:
        return f"{name} needs at least one [x, multiplier] row"
    xs = [row[0] for row in table]
    if any(b <= a for a, b in itertools.pairwise(xs)):
        return f"{name}: x values {xs} must increase strictly"
    if any(row[1] < 0 for row in table):
        return f"{name}: multipliers must not be negative"
    return None


class GradeDemand(Frozen):
    """One grade's own demand response: the tables it states replace the scenario-wide ones
    for that grade's customers (a table it leaves out is the scenario-wide one)."""

    credit_period_multiplier: Annotated[
        DemandTable | None,
        Field(description=f"{_PERIOD_TABLE_HELP} null = demand.credit_period_multiplier."),
    ] = None
    discount_multiplier: Annotated[
        DemandTable | None,
        Field(description=f"{_DISCOUNT_TABLE_HELP} null = demand.discount_multiplier."),
    ] = None

    @model_validator(mode="after")
    def _tables_sorted(self) -> GradeDemand:
        for name in ("credit_period_multiplier", "discount_multiplier"):
            table = getattr(self, name)
            problem = None if table is None else _table_problem(name, table)
            if problem is not None:
                raise LocatedValueError(problem, (name,))
        return self


class Demand(Frozen):
    """How order volume responds to the credit policy."""

    credit_period_multiplier: Annotated[
        DemandTable, Field(description=_PERIOD_TABLE_HELP),
    ] = ((0.0, 0.8), (30.0, 1.0), (60.0, 1.1), (90.0, 1.15))
    discount_multiplier: Annotated[
        DemandTable, Field(description=_DISCOUNT_TABLE_HELP),
    ] = ((0.0, 1.0), (0.05, 1.05))
    by_grade: Annotated[
        dict[Literal["A", "B", "C", "D"], GradeDemand],
        Field(description="Per risk grade, its own credit-period and discount tables, e.g. "
              "{C: {credit_period_multiplier: [[0, 0.6], [30, 1.0], [60, 1.2]]}}: small "
              "shops may value a longer credit period more than key accounts do. A grade "
              "not listed (or a table a grade leaves out) takes the scenario-wide table. "
              "Every grade listed must be some segment's."),
    ] = {}
    cash_only_share_kept: Annotated[
        Share,
        Field(description="Share of demand kept when a customer must pay cash (grade refused "
              "credit or credit line cancelled)."),
    ] = 0.3
    blocked_approval_share: Annotated[
        Share,
        Field(description="Chance that an order blocked by the credit limit is approved anyway "
              "(forced release, 需要审批)."),
    ] = 0.2
    blocked_hold_days: Annotated[
        Days,
        Field(description="Days a blocked order waits for a payment that clears the block "
              "before it is lost."),
    ] = 7.0
    customer_loss: Annotated[
        CustomerLoss, Field(description="Customers lost after harsh collection steps.")
    ] = CustomerLoss(after_action={Action.AGENCY: 0.5, Action.LAWSUIT: 0.9})
    market_terms: Annotated[
        Terms | None,
        Field(description="The market's usual terms, e.g. \"N/45\": the reference that "
              "shortage cost is measured against (the demand these terms win, read through "
              "each grade's tables at their effective credit period, with no order refused or "
              "held and no customer lost). null = a demand response of exactly 1."),
    ] = None

    @model_validator(mode="after")
    def _tables_sorted(self) -> Demand:
        for name in ("credit_period_multiplier", "discount_multiplier"):
            problem = _table_problem(f"demand.{name}", getattr(self, name))
            if problem is not None:
                raise ValueError(problem)
        return self

    def tables(self, grade: str | None = None) -> tuple[DemandTable, DemandTable]:
        """The (credit period, discount) tables a grade's customers respond with: its own
        where `by_grade` states them, else the scenario-wide ones (None: the latter)."""
        own = next((table for g, table in self.by_grade.items() if g == grade), None)
        if own is None:
            return self.credit_period_multiplier, self.discount_multiplier
        period = own.credit_period_multiplier
        discount = own.discount_multiplier
        return (self.credit_period_multiplier if period is None else period,
                self.discount_multiplier if discount is None else discount)


class AgingBucket(Frozen):
    """A slice of the opening book by days overdue (negative = not yet due)."""

    days_overdue_from: Annotated[float, Field(description="Lower edge, days overdue.")]
    days_overdue_to: Annotated[float, Field(description="Upper edge, days overdue.")]
    share: Annotated[Share, Field(description="Share of the opening balance in this bucket.")]


class OpeningBook(Frozen):
    """Open invoices the company already has when the run starts (no warm-up needed)."""

    total_amount: Annotated[
        float, Field(gt=0.0, description="Open receivables at the start (money).")
    ] = 1.0
    buckets: Annotated[
        tuple[AgingBucket, ...], Field(description="The opening balance by age bucket.")
    ] = ()
    segment_shares: Annotated[
        dict[str, Share] | None,
        Field(description="Share of the balance per segment; null = by segment sales."),
    ] = None
    ledger_csv: Annotated[
        str | None,
        Field(description="CSV of open invoices (columns segment, amount, days_overdue), "
              "relative to the scenario file; replaces total_amount and buckets."),
    ] = None

    @model_validator(mode="after")
    def _buckets_valid(self) -> OpeningBook:
        if self.ledger_csv is None:
            if not self.buckets:
                raise ValueError("opening_book needs buckets (or a ledger_csv)")
            total = sum(b.share for b in self.buckets)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"opening_book bucket shares sum to {total:g}, not 1")
        for b in self.buckets:
            if b.days_overdue_to <= b.days_overdue_from:
                raise ValueError(
                    f"opening_book bucket {b.days_overdue_from:g}..{b.days_overdue_to:g}: "
                    "the upper edge must be above the lower edge"
                )
        if self.segment_shares is not None:
            total = sum(self.segment_shares.values())
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"opening_book segment_shares sum to {total:g}, not 1")
        return self


class PaymentClass(Frozen):
    """Deterministic mode: a share of every invoice paid on a fixed day."""

    share: Annotated[Share, Field(description="Share of each invoice's amount in this class.")]
    pays: Annotated[
        Literal["discount", "due"],
        Field(description="'discount': pays on the last day of the window of tier "
              "discount_tier; 'due': pays days_after_due after the due date."),
    ] = "due"
    discount_tier: Annotated[
        int, Field(ge=1, le=2, description="With pays=discount: which tier (1 or 2).")
    ] = 1
    days_after_due: Annotated[
        float, Field(description="With pays=due: days after the due date (negative = early).")
    ] = 0.0


GradeLetter = Literal["A", "B", "C", "D"]
#: A pattern's classes and bad-debt parts are invoices numbered within their order (see
#: engine/determ.py): seven classes leave room for the bad debt in a stride of eight.
MAX_PAYMENT_CLASSES = 7


class PaymentPattern(Frozen):
    """Deterministic mode: how invoices are paid under some terms, policy or credit standard.

    A pattern keyed by terms notation ("2/10, N/30") applies to invoices on those terms. A
    pattern keyed by a name applies where its selectors say (``terms``, ``policies``,
    ``credit_standard``, ``grades``; a selector left out matches anything). Where several
    patterns apply to an invoice, the most specific wins: one naming the policy, then one
    stating the credit standard, then grades, then terms (:meth:`specificity`).
    """

    classes: Annotated[tuple[PaymentClass, ...],
                       Field(min_length=1, max_length=MAX_PAYMENT_CLASSES)]
    bad_debt_share: Annotated[
        Share, Field(description="Share of sales never paid, written off on the day "
                     "bad_debt_written_off says.")
    ] = 0.0
    bad_debt_written_off: Annotated[
        Literal["due_date", "collection_day"],
        Field(description="When the bad debts are written off: 'due_date' (one write-off "
              "on the due date, so the receivable lives the credit period) or "
              "'collection_day' (each class's bad part on the day that class pays, so the "
              "receivable lives the class's collection period, as average receivables = "
              "daily sales x average collection period assumes)."),
    ] = "due_date"
    terms: Annotated[
        Terms | None,
        Field(description="A named pattern: the terms it applies to (null: any). A pattern "
              "keyed by notation takes its key's terms."),
    ] = None
    policies: Annotated[
        tuple[str, ...],
        Field(description="Names of the policies it applies to (empty: any)."),
    ] = ()
    credit_standard: Annotated[
        tuple[GradeLetter, ...] | None,
        Field(description="The credit standard it applies to: the policy's accepted_grades, "
              "in any order (null: any), so a change of standard on the same terms can carry "
              "its own pattern."),
    ] = None
    grades: Annotated[
        tuple[GradeLetter, ...] | None,
        Field(description="Grades whose invoices it covers (null: all), e.g. the customers a "
              "looser standard adds."),
    ] = None

    @model_validator(mode="after")
    def _shares_sum(self) -> PaymentPattern:
        total = sum(c.share for c in self.classes)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"payment pattern class shares sum to {total:g}, not 1")
        return self

    def specificity(self, key_terms: Terms | None) -> tuple[bool, bool, bool, bool]:
        """Which selectors the pattern states, most telling first: a policy's name, then a
        credit standard, then grades, then terms (its key's terms counting as terms)."""
        return (bool(self.policies), self.credit_standard is not None,
                self.grades is not None, (self.terms or key_terms) is not None)

    def applies(self, key_terms: Terms | None, terms: Terms, grade: str, policy_name: str,
                accepted_grades: tuple[str, ...]) -> bool:
        """Whether the pattern covers an invoice of ``grade`` on ``terms`` under a policy."""
        wanted = self.terms or key_terms
        return ((wanted is None or wanted == terms)
                and (not self.policies or policy_name in self.policies)
                and (self.credit_standard is None
                     or set(self.credit_standard) == set(accepted_grades))
                and (self.grades is None or grade in self.grades))


def _key_terms(key: str) -> Terms | None:
    """The terms a pattern key names, or None for a pattern's own name."""
    try:
        return Terms.model_validate(key)
    except ValueError:
        return None


class DeterministicMode(Frozen):
    """Textbook mode: constant sales, payment on fixed days by fixed shares."""

    patterns: Annotated[
        dict[str, PaymentPattern],
        Field(description="Payment patterns, each keyed by credit-terms notation (e.g. "
              "'N/30', '2/10, N/30': the policy's terms pick it) or by a name (its "
              "selectors pick it: terms, policies, credit_standard, grades). Where several "
              "apply, one naming the policy wins, then one stating the credit standard, then "
              "grades, then terms."),
    ]

    @model_validator(mode="after")
    def _keys_agree(self) -> DeterministicMode:
        for key, pattern in self.patterns.items():
            named = _key_terms(key)
            if named is not None and pattern.terms is not None and pattern.terms != named:
                raise ValueError(f"payment pattern '{key}' is keyed by terms '{named}' but "
                                 f"states terms '{pattern.terms}'")
        return self

    def matches(self, terms: Terms, grade: str, policy_name: str,
                accepted_grades: tuple[str, ...]) -> list[str]:
        """The keys of the most specific patterns that apply to an invoice (none, one, or
        several equally specific ones, which check_compatible refuses)."""
        found = [(pattern.specificity(_key_terms(key)), key)
                 for key, pattern in self.patterns.items()
                 if pattern.applies(_key_terms(key), terms, grade, policy_name,
                                    accepted_grades)]
        if not found:
            return []
        best = max(count for count, _key in found)
        return [key for count, key in found if count == best]

    def pattern_for(self, terms: Terms, grade: str, policy_name: str,
                    accepted_grades: tuple[str, ...]) -> PaymentPattern | None:
        """The pattern for an invoice of ``grade`` on ``terms`` under a policy (by its name
        and credit standard), or None if no pattern applies."""
        keys = self.matches(terms, grade, policy_name, accepted_grades)
        return self.patterns[keys[0]] if keys else None


class Scenario(Frozen):
    """Everything about the world that the credit policy does not decide."""

    name: Annotated[str, Field(min_length=1, description="Short name of the scenario.")]
    description: Annotated[str, Field(description="What the scenario represents.")] = ""
    currency: Annotated[str, Field(description="Currency label for reports.")] = "CNY"
    conventions: Conventions = Conventions()
    company: Company
    horizon: Horizon = Horizon()
    segments: Annotated[tuple[Segment, ...], Field(min_length=1)]
    payer_types: Annotated[
        dict[PayerType, PayerProfile],
        Field(description="Behaviour of each payer type. A type given here keeps the built-in "
              "profile for every key it does not state; omitted types keep the built-in "
              "profile whole."),
    ] = {}
    demand: Demand = Demand()

    @field_validator("payer_types", mode="before")
    @classmethod
    def _over_built_in(cls, value: Any) -> Any:
        """State only what differs: given keys override the built-in profile's."""
        if not isinstance(value, dict):
            return value
        built_in = {k.value: v for k, v in _default_payer_types().items()}
        merged: dict[Any, Any] = {}
        for key, given in value.items():
            name = key.value if isinstance(key, PayerType) else key
            if isinstance(given, dict) and name in built_in:
                merged[key] = {**built_in[name].model_dump(), **given}
            else:
                merged[key] = given  # an unknown type or a bad value: validation explains
        return merged
    legal: Legal = Legal()
    age_factor: Annotated[
        AgeFactor, Field(description="How a dunning step's chance of success falls with the "
                         "debt's age.")
    ] = AgeFactor()
    opening_book: OpeningBook | None = None
    deterministic: DeterministicMode | None = None

    @model_validator(mode="after")
    def _segments_unique(self) -> Scenario:
        names = [s.name for s in self.segments]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"segment names must be unique; repeated: {', '.join(dupes)}")
        book = self.opening_book
        if book is not None and book.segment_shares is not None:
            unknown = sorted(set(book.segment_shares) - set(names))
            if unknown:
                raise ValueError(
                    f"opening_book segment_shares name unknown segments: {', '.join(unknown)}"
                )
        arriving = [s.name for s in self.segments if s.newcomers_per_year > 0]
        if self.deterministic is not None and arriving:
            raise ValueError(
                "deterministic (textbook) mode keeps a fixed set of customers; set "
                f"newcomers_per_year to 0 in segment(s) {', '.join(arriving)}"
            )
        return self

    @model_validator(mode="after")
    def _demand_grades_exist(self) -> Scenario:
        # a table for a grade no segment has is a typo or a stale copy: it would be read by
        # nobody, and the user would believe it in force
        grades = self.grades
        for grade in self.demand.by_grade:
            if grade not in grades:
                raise LocatedValueError(
                    f"demand.by_grade gives tables for grade {grade}, which no segment has "
                    f"(the scenario's grades: {', '.join(grades)})",
                    ("demand", "by_grade", grade))
        return self

    def payer_profile(self, payer: PayerType) -> PayerProfile:
        """Return the behaviour of a payer type, the built-in default if not given."""
        return self.payer_types.get(payer) or _default_payer_types()[payer]

    @property
    def customers(self) -> int:
        """Total number of customers."""
        return sum(s.customers for s in self.segments)

    @property
    def grades(self) -> tuple[str, ...]:
        """Risk grades present in the scenario, sorted."""
        return tuple(sorted({s.grade for s in self.segments}))
