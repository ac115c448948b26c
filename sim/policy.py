"""The credit policy: every lever the company controls, as frozen validated data.

Every field is addressable by a dotted path (``"late_penalty.rate_annual"``, ``"terms.B"``,
``"ladder.2.day"``) so that what-ifs, sweeps and the optimiser can change one lever at a time.
"""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from .errors import PolicyError
from .paths import get_path, replace_path
from .scenario import (
    MIN_GAMMA_CV,
    Action,
    DeterministicMode,
    Frozen,
    LocatedValueError,
    Scenario,
)
from .terms import Terms

INF_DAYS = math.inf

__all__ = [
    "Collections",
    "CreditLimit",
    "LadderStep",
    "LatePenalty",
    "Policy",
    "Rebate",
    "WriteOff",
    "check_compatible",
]

Grade = Literal["A", "B", "C", "D"]
Share = Annotated[float, Field(ge=0.0, le=1.0)]

#: Actions that work on the whole customer rather than on one invoice's payment.
CUSTOMER_ACTIONS = frozenset({Action.STOP_SHIPPING, Action.CANCEL_CREDIT_LINE})


class LadderStep(Frozen):
    """One rung of the dunning ladder, timed from the invoice's due date."""

    day: Annotated[
        float,
        Field(ge=-365.0, le=3650.0, description="Days after the due date (negative = before)."),
    ]
    action: Annotated[Action, Field(description="What is done.")]
    cost: Annotated[
        float, Field(ge=0.0, description="Direct cost of the step (postage, fees) (money).")
    ] = 0.0
    collector_minutes: Annotated[
        float,
        Field(ge=0.0, le=480.0,
              description="Collector working minutes the step takes; 0 = automated."),
    ] = 0.0
    min_amount: Annotated[
        float,
        Field(ge=0.0, description="Only invoices of at least this amount get the step; smaller "
              "ones skip it (firms do not sue or hand small debts to an agency) (money)."),
    ] = 0.0


class LatePenalty(Frozen):
    """Late-payment interest printed on the invoice [004 p.95]."""

    rate_annual: Annotated[
        float, Field(ge=0.0, le=2.0, description="Penalty interest per year on overdue amounts.")
    ] = 0.0
    grace_days: Annotated[
        float, Field(ge=0.0, le=365.0, description="Days after due before the penalty runs.")
    ] = 0.0
    collected_share: Annotated[
        Share, Field(description="Share of the penalty actually collected (the rest waived).")
    ] = 0.5
    steps: Annotated[
        tuple[tuple[float, float], ...],
        Field(description="Stepped penalties by length of delay [000]: up to 4 rows of [days "
              "late from, penalty interest per year], days counted after the grace period and "
              "increasing; rate_annual runs until the first row's day. E.g. [[30, 0.24], [60, "
              "0.36]]. Customers weigh rate_annual against their funding cost."),
    ] = ()

    @field_validator("steps")
    @classmethod
    def _steps_increase(cls, rows: tuple[tuple[float, float], ...]
                        ) -> tuple[tuple[float, float], ...]:
        days = [d for d, _ in rows]
        if len(rows) > 4:
            raise ValueError(f"late_penalty.steps: at most 4 steps, not {len(rows)}")
        if any(d <= 0 for d in days) or any(b <= a for a, b in itertools.pairwise(days)):
            raise ValueError(f"late_penalty.steps: the days {days} must be positive and "
                             "increase")
        if any(not 0.0 <= r <= 2.0 for _, r in rows):
            raise ValueError("late_penalty.steps: each rate is between 0 and 2 (200%) a year")
        return rows

    def rate_days(self, late: float) -> float:
        """Penalty rate x days accrued over `late` days after the grace period, step by step
        (fast._close sums alike)."""
        first = self.steps[0][0] if self.steps else INF_DAYS
        accrued = self.rate_annual * min(late, first)
        for i, (start, rate) in enumerate(self.steps):
            stop = self.steps[i + 1][0] if i + 1 < len(self.steps) else INF_DAYS
            if late > start:
                accrued += rate * (min(late, stop) - start)
        return accrued


class Rebate(Frozen):
    """Settlement rebate for large customers who paid on time all year [004 p.96]."""

    rate: Annotated[
        float, Field(ge=0.0, le=0.2, description="Rebate as a share of the year's sales.")
    ] = 0.0
    threshold_annual_sales: Annotated[
        float, Field(ge=0.0, description="Yearly sales to a customer needed to qualify (money).")
    ] = 0.0
    on_time_grace_days: Annotated[
        float, Field(ge=0.0, description="Days after due still counted as on time.")
    ] = 0.0


#: The month a fixed limit is never recomputed from (beyond any run's last month).
NEVER_RECOMPUTED = 2**40


class CreditLimit(Frozen):
    """Credit limits per customer [004 p.71-79]."""

    method: Annotated[
        Literal["none", "sales", "receipts", "working_assets"],
        Field(description="'sales': quarterly sales x standard period / 90 x grade factor; "
              "'receipts': (6 x last month's receipts + 5 x ... + 1 x six months back) / 21 x "
              "standard period / 30 x grade factor; 'working_assets': the customer's working "
              "assets (segments[].working_assets) x working_assets_share x grade factor, "
              "fixed for the run [004 p.74]; 'none': no limit."),
    ] = "none"
    working_assets_share: Annotated[
        float,
        Field(gt=0.0, le=10.0,
              description="Working-assets method: the empirical percentage of the customer's "
              "working assets granted as its limit (the material picks it from an evaluation "
              "value of the customer's ratios [004 p.74]; the grade factor then corrects it)."),
    ] = 0.1
    standard_credit_period_days: Annotated[
        float, Field(gt=0.0, le=365.0, description="The industry's standard credit period.")
    ] = 30.0
    grade_factors: Annotated[
        dict[Grade, float],
        Field(description="Correction factor per risk grade (missing grades: 1)."),
    ] = {}
    smoothing: Annotated[
        float | None,
        Field(gt=0.0, le=1.0,
              description="Sales method: the weight of the last month's orders in the "
              "customer's expected monthly purchases, smoothed month by month from what its "
              "rating leads the company to expect (limit = expected monthly purchases x "
              "standard period / 30 x grade factor). null = the material's plain quarterly "
              "sum of the last three months."),
    ] = 0.1

    approval_over_share: Annotated[
        dict[Grade, Annotated[float, Field(ge=0.0, le=10.0)]],
        Field(description="Approval by rule (需要审批(强制放行) [004 p.85]): an order of a grade "
              "listed here that takes the customer's balance over its limit, but by no more "
              "than this share of the limit, is approved and ships (e.g. B: 0.25 ships up to "
              "125% of the limit); above that it is held. A grade not listed is approved by "
              "chance instead (demand.blocked_approval_share)."),
    ] = {}
    reopen_after_days: Annotated[
        float | None,
        Field(ge=1.0, le=3650.0,
              description="Days after the customer paid the invoice whose cancel_credit_line "
              "step cancelled its line that the line re-opens (while any such invoice is "
              "unpaid, the line stays cancelled); null = never: the line is cancelled for good. "
              "A closed account (a write-off booked, a lawsuit filed) never re-opens. Either "
              "way the customer comes back on a fresh account "
              "demand.customer_loss.valued_days later (docs/model.md §4). At least a day, so "
              "that no engine's order of same-instant events decides an order's fate."),
    ] = None

    def factor(self, grade: str) -> float:
        """Return the correction factor of a grade."""
        return float(self.grade_factors.get(grade, 1.0))  # type: ignore[call-overload]

    def ceiling(self, grade: str) -> float:
        """The share of its limit up to which a grade's balance is approved (1: none)."""
        return 1.0 + float(self.approval_over_share.get(grade, 0.0))  # type: ignore[call-overload]

    def approval_chance(self, grade: str, flat: float) -> float:
        """The chance that an order over the ceiling is approved anyway: the scenario's flat
        chance for a grade without a rule, none for a grade with one."""
        return 0.0 if grade in self.approval_over_share else flat

    def first_month(self) -> int:
        """The first month whose start recomputes the limits from the customer's history
        (before it, the limits expected from the customer's rating hold)."""
        if self.method == "sales":
            return 3 if self.smoothing is None else 1
        if self.method == "working_assets":
            return NEVER_RECOMPUTED  # (the limit rests on the balance sheet, not on history)
        return 6


class Collections(Frozen):
    """The collectors: a finite, queued resource."""

    collectors: Annotated[
        int | None, Field(ge=0, le=10000, description="Number of collectors; null = unlimited.")
    ] = None
    minutes_per_day: Annotated[
        float, Field(gt=0.0, le=1440.0, description="Working minutes per collector per day.")
    ] = 420.0
    work_order: Annotated[
        Literal["fifo", "largest_first", "oldest_first", "quadrant"],
        Field(description="Which task a free collector takes: first come; largest amount; "
              "oldest due date; or the amount x age quadrant [004 p.110]."),
    ] = "fifo"
    max_wait_days: Annotated[
        float, Field(gt=0.0, le=365.0, description="A task not started within this is dropped.")
    ] = 10.0
    quadrant_amount: Annotated[
        float, Field(ge=0.0, description="Quadrant order: the large-amount threshold (money).")
    ] = 100000.0
    quadrant_age_days: Annotated[
        float, Field(ge=0.0, description="Quadrant order: the old-age threshold, days overdue.")
    ] = 60.0
    service_time_cv: Annotated[
        float, Field(ge=0.0, le=3.0, description="Variability of task durations (0 = fixed, "
                     "1 = exponential-like gamma; otherwise at least 0.01).")
    ] = 0.0
    covers_account_days: Annotated[
        float,
        Field(ge=0.0, le=365.0, description="Dunning acts on the customer's account: a ladder "
              "step done on one invoice covers the account's other invoices that reach the "
              "same step within this many days (one call, one visit, one hand-over, one "
              "lawsuit per account and escalation: no further fixed cost or collector time; "
              "each invoice still answers it); and a stop, a cancelled line, a hand-over to an "
              "agency or a lawsuit takes along the account's invoices that were overdue when "
              "it was done, at no cost. 0 = each invoice is dunned on its own."),
    ] = 0.0

    @field_validator("service_time_cv")
    @classmethod
    def _service_spread(cls, cv: float) -> float:
        if 0.0 < cv < MIN_GAMMA_CV:
            raise ValueError(f"service times are gamma-distributed: service_time_cv must be 0 "
                             f"or at least {MIN_GAMMA_CV:g}, got {cv:g}")
        return cv


class Rerating(Frozen):
    """Customers re-rated on their payment record [004 p.71-85]: repeated late payments
    lower a customer's grade, a clean period restores it. The grade decides the terms, the
    ladder, the limit's grade factor and approval rule of the invoices issued from then on,
    and whether it gets credit at all (accepted_grades)."""

    late_payments: Annotated[
        int | None,
        Field(ge=1, le=100, description="Late payments (see late_days) that lower a "
              "customer's grade one step (A to B to C to D), counted since its last "
              "re-rating or its last clean period; null = grades never change. Refused in "
              "textbook (deterministic) mode, which keeps no payment record."),
    ] = None
    late_days: Annotated[
        float, Field(ge=0.0, le=365.0, description="A payment booked more than this many "
                     "days after the invoice's due date (after any dispute) is late; so is a "
                     "dispute the customer loses.")
    ] = 30.0
    clean_days: Annotated[
        float, Field(ge=1.0, le=3650.0, description="Days without a late payment that raise "
                     "a re-rated customer one grade, back to its own grade (its segment's) "
                     "at most, and wipe its count of late payments.")
    ] = 365.0


class WriteOff(Frozen):
    """When an invoice is given up [000]."""

    days_overdue: Annotated[
        float | None,
        Field(gt=0.0, description="Write off what is still open this many days after due; "
              "null = never by age."),
    ] = 365.0
    after_failed_lawsuit: Annotated[
        bool, Field(description="Write off when a lawsuit fails.")
    ] = True


class Policy(Frozen):
    """A credit policy: the levers of DOMAIN.md, 'Credit policy levers' and 'Collection'."""

    name: Annotated[str, Field(min_length=1, description="Short name of the policy.")] = "policy"
    accepted_grades: Annotated[
        tuple[Grade, ...],
        Field(description="Credit standard: grades sold to on credit; others pay cash."),
    ] = ("A", "B", "C")
    terms: Annotated[
        dict[Grade, Terms],
        Field(description="Credit terms per grade, e.g. 'N/30' or '2/10, N/30'."),
    ]
    late_penalty: LatePenalty = LatePenalty()
    rebate: Rebate = Rebate()
    credit_limit: CreditLimit = CreditLimit()
    ladder: Annotated[
        tuple[LadderStep, ...], Field(description="The dunning ladder, in day order.")
    ] = ()
    ladders_by_grade: Annotated[
        dict[Grade, tuple[LadderStep, ...]],
        Field(description="Ladders that replace `ladder` for some grades (dun risky grades "
              "earlier and harder, [000])."),
    ] = {}
    write_off: WriteOff = WriteOff()
    collections: Collections = Collections()
    rerating: Rerating = Rerating()
    fixed_collection_cost_annual: Annotated[
        float, Field(ge=0.0, description="Fixed collection cost of this policy per year (money).")
    ] = 0.0
    inventory_days: Annotated[
        float | None,
        Field(ge=0.0, description="Days of cost of sales held as inventory under this policy "
              "(a policy that sells more may carry more stock); null: company.inventory_days. "
              "Counts only with conventions.include_inventory_carrying."),
    ] = None
    payables_days: Annotated[
        float | None,
        Field(ge=0.0, description="Days of cost of sales financed by suppliers under this "
              "policy; null: company.payables_days. Counts only with "
              "conventions.include_inventory_carrying."),
    ] = None

    @field_validator("ladder")
    @classmethod
    def _ladder_in_order(cls, ladder: tuple[LadderStep, ...]) -> tuple[LadderStep, ...]:
        _check_day_order(ladder, "the dunning ladder", ())
        return ladder

    @field_validator("ladders_by_grade")
    @classmethod
    def _grade_ladders_in_order(
        cls, ladders: dict[Grade, tuple[LadderStep, ...]]
    ) -> dict[Grade, tuple[LadderStep, ...]]:
        for grade, ladder in ladders.items():
            _check_day_order(ladder, f"grade {grade}'s dunning ladder", (grade,))
        return ladders

    def ladder_for(self, grade: str) -> tuple[LadderStep, ...]:
        """Return the ladder that applies to customers of a grade."""
        return self.ladders_by_grade.get(grade, self.ladder)  # type: ignore[call-overload]

    def get(self, path: str) -> Any:
        """Return the value at a dotted path, e.g. ``"late_penalty.rate_annual"``."""
        return get_path(self, path, PolicyError)

    def with_value(self, path: str, value: Any) -> Policy:
        """Return a copy with the field at a dotted path replaced, validated again."""
        return replace_path(self, path, value, PolicyError)


def _check_day_order(ladder: tuple[LadderStep, ...], name: str, where: tuple[str, ...]) -> None:
    for i in range(1, len(ladder)):
        before, after = ladder[i - 1], ladder[i]
        if after.day < before.day:
            raise LocatedValueError(
                f"{name}: step {i + 1} ({after.action.value} at day {after.day:g}) comes "
                f"before step {i} ({before.action.value} at day {before.day:g}); "
                "list the steps in day order",
                (*where, i),
            )


def check_compatible(scenario: Scenario, policy: Policy) -> None:
    """Raise PolicyError if the policy cannot be applied to the scenario."""
    for grade in scenario.grades:
        if grade in policy.accepted_grades and grade not in policy.terms:
            raise PolicyError(
                f"policy '{policy.name}' gives credit to grade {grade} "
                f"(accepted_grades) but sets no terms for it: add terms.{grade}"
            )
    if scenario.deterministic is not None:
        if policy.rerating.late_payments is not None:
            raise PolicyError(
                f"policy '{policy.name}' re-rates customers on their payment record "
                "(rerating.late_payments), but in textbook (deterministic) mode invoices are "
                "paid by fixed shares and no customer has a payment record of its own, so "
                "every grade would stay as it is: set rerating.late_payments to null, or "
                "remove the scenario's deterministic section to simulate payments"
            )
        _check_patterns(scenario.deterministic, scenario, policy)
    if policy.credit_limit.method == "working_assets":
        missing = [s.name for s in scenario.segments if s.working_assets is None]
        if missing:
            raise PolicyError(
                f"policy '{policy.name}' sets limits by the working-assets method, but segment"
                f"(s) {', '.join(missing)} state no working_assets: add "
                "segments[].working_assets (a distribution of money) or choose another method"
            )
    if policy.collections.collectors == 0 and any(
        s.collector_minutes > 0 for s in (*policy.ladder, *_all_grade_steps(policy))
    ):
        raise PolicyError(
            "collections.collectors is 0 but the ladder has steps that need collector minutes"
        )


def _check_patterns(determ: DeterministicMode, scenario: Scenario, policy: Policy) -> None:
    """Every credit grade of the policy must have exactly one most specific pattern."""
    for grade in scenario.grades:
        terms = policy.terms.get(grade)  # type: ignore[call-overload]
        if grade not in policy.accepted_grades or terms is None or terms.net_days == 0:
            continue
        keys = determ.matches(terms, grade, policy.name, policy.accepted_grades)
        where = (f"terms '{terms.notation}' (grade {grade}, policy '{policy.name}', "
                 f"credit standard {', '.join(policy.accepted_grades)})")
        if not keys:
            known = ", ".join(sorted(determ.patterns))
            raise PolicyError(f"deterministic mode has no payment pattern for {where}; "
                              f"patterns exist for: {known}")
        if len(keys) > 1:
            raise PolicyError(f"deterministic mode has payment patterns {', '.join(keys)} "
                              f"equally specific for {where}: give one of them more "
                              "selectors (terms, policies, credit_standard, grades)")


def _all_grade_steps(policy: Policy) -> list[LadderStep]:
    return [s for ladder in policy.ladders_by_grade.values() for s in ladder]
