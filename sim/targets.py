"""What the shipped scenarios must show, and where each figure comes from (issue 15).

A target is a KPI of a run's result (a `Measure`), a band it must fall in, the scenarios it
applies to and its source. A level target reads the measure on the scenario itself; an
effect target compares the scenario with a `Variant` of its policy (no ladder, no limits, ...)
run on the same seeds, replication by replication (common random numbers): the variant's
relative change (`variant / base - 1`) or its difference (`variant - base`). A target with no
band is evidence, reported beside the targets (the cost components behind a ranking).

The UK figures are the middle 80% (p10-p90) of 105,000 statutory UK Payment Practices reports
(`tests/data/uk_payment_practices/`, computed by `tests/data/uk_payment_practices/bands.py`;
a test holds the constants below to that script's output): a plausibility band for any company's
headline figures, not a calibration of its invoice-level behaviour.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from .errors import PolicyError
from .paths import replace_path
from .policy import LadderStep, Policy
from .scenario import Action

__all__ = ["TARGETS", "UK_DAYS_BEYOND_TERMS", "UK_DAYS_TO_PAY", "UK_MEDIAN_DAYS_TO_PAY",
           "UK_SHARE_NOT_ON_TIME", "Band", "Measure", "Target", "Variant", "metric"]

#: UK average days to pay, p10 and p90 of 105,237 reports (uk_payment_distribution.csv)
UK_DAYS_TO_PAY = (15.0, 58.0)
#: UK median average days to pay: the industry average a DSO should stay below
UK_MEDIAN_DAYS_TO_PAY = 33.0
#: UK share of invoices not paid within terms, p10 and p90 of 105,354 reports
UK_SHARE_NOT_ON_TIME = (0.02, 0.62)
#: UK days paid beyond the agreed terms, p10 and p90 of 7,490 reports
#: (uk_promise_vs_practice.csv)
UK_DAYS_BEYOND_TERMS = (-16.0, 39.0)

_UK = "UK Payment Practices 2017-2026 (Edwards 2026, OGL v3 / CC BY 4.0)"


@dataclass(frozen=True)
class Band:
    """A closed interval of acceptable values; None leaves that side open."""

    low: float | None = None
    high: float | None = None

    def contains(self, value: float) -> bool:
        """Whether a value lies in the band (never for NaN)."""
        if math.isnan(value):
            return False
        return ((self.low is None or value >= self.low)
                and (self.high is None or value <= self.high))

    def holds(self, low: float, high: float) -> bool:
        """Whether the whole interval [low, high] lies in the band."""
        return self.contains(low) and self.contains(high)

    def misses(self, low: float, high: float) -> bool:
        """Whether the whole interval [low, high] lies outside the band."""
        return ((self.low is not None and high < self.low)
                or (self.high is not None and low > self.high))


@dataclass(frozen=True)
class Measure:
    """A figure of one replication, read from its metrics (the KPIs of result.json)."""

    key: str
    label: str
    unit: Literal["days", "share", "money", "count"]
    read: Callable[[Mapping[str, float]], float]


def metric(key: str, label: str, unit: Literal["days", "share", "money", "count"]) -> Measure:
    """The measure that is one KPI of result.json as it stands."""
    return Measure(key, label, unit, lambda m: float(m.get(key, math.nan)))


_AGING = ("aging_current", "aging_1_30", "aging_31_60", "aging_61_90", "aging_90_plus")


def _over_90_share(m: Mapping[str, float]) -> float:
    total = sum(float(m.get(k, math.nan)) for k in _AGING)
    return float(m.get("aging_90_plus", math.nan)) / total if total > 0 else math.nan


DSO = metric("dso", "DSO (average method)", "days")
ADD = metric("average_days_delinquent", "days beyond terms (DSO - best possible DSO)", "days")
OVER_90 = Measure("aging_90_plus_share", "share of the open book > 90 days overdue", "share",
                  _over_90_share)
BAD_DEBT = metric("bad_debt_ratio", "bad-debt ratio (written off / credit sales)", "share")
TOTAL_COST = metric("total_cost", "total cost (a year)", "money")


@dataclass(frozen=True)
class Variant:
    """A change to a scenario's policy that an effect target compares the policy with."""

    key: str
    label: str
    change: Callable[[Policy], Policy]

    def apply(self, policy: Policy) -> Policy | None:
        """The changed policy, or None where the change changes nothing (the target does not
        apply: a ladder with no pre-due step cannot lose its pre-due steps)."""
        changed = self.change(policy)
        return None if changed == policy else changed


def _ladders(policy: Policy, keep: Callable[[LadderStep], bool]) -> Policy:
    """The policy with only the steps `keep` accepts, in its ladder and every grade's."""
    def kept(steps: tuple[LadderStep, ...]) -> list[dict[str, object]]:
        return [s.model_dump(mode="json") for s in steps if keep(s)]

    changed = replace_path(policy, "ladder", kept(policy.ladder), PolicyError)
    by_grade = {g: kept(steps) for g, steps in policy.ladders_by_grade.items()}
    return replace_path(changed, "ladders_by_grade", by_grade, PolicyError)


def _no_limits(policy: Policy) -> Policy:
    return replace_path(policy, "credit_limit.method", "none", PolicyError)


def _richer_discount(policy: Policy) -> Policy:
    """Every discount tier one point richer, the same windows (the order of tiers holds)."""
    changed = policy
    for grade, terms in policy.terms.items():
        if terms.discounts:
            value = {"net_days": terms.net_days,
                     "discounts": [{"rate": round(t.rate + 0.01, 6), "window_days": t.window_days}
                                   for t in terms.discounts]}
            changed = replace_path(changed, f"terms.{grade}", value, PolicyError)
    return changed


_HARD = frozenset({Action.AGENCY, Action.LAWSUIT})

NO_LADDER = Variant("no_ladder", "no dunning ladder", lambda p: _ladders(p, lambda s: False))
NO_PRE_DUE = Variant("no_pre_due", "the ladder without its steps on or before the due date",
                     lambda p: _ladders(p, lambda s: s.day > 0))
NO_HARD_STEPS = Variant("no_hard_steps", "the ladder without agency and lawsuit",
                        lambda p: _ladders(p, lambda s: s.action not in _HARD))
NO_LIMITS = Variant("no_limits", "no credit limits", _no_limits)
NO_STOP = Variant("no_stop", "the ladder without its stop-shipping step",
                  lambda p: _ladders(p, lambda s: s.action != Action.STOP_SHIPPING))
RICHER_DISCOUNT = Variant("richer_discount", "every discount one point richer (2/10 -> 3/10)",
                          _richer_discount)


@dataclass(frozen=True)
class Target:
    """What a scenario must show: a measure in a band, from a stated source."""

    key: str
    claim: str
    measure: Measure
    band: Band | None
    source: str
    scenarios: tuple[str, ...] | None = None
    variant: Variant | None = None
    change: Literal["level", "relative", "difference"] = "level"

    def applies_to(self, scenario_name: str) -> bool:
        """Whether the target is checked on a scenario of this name (None: on every one)."""
        return self.scenarios is None or scenario_name in self.scenarios


_DEFAULT = ("default",)
#: the material's effects of a ladder hold for any company that duns: checked on every
#: scenario whose policy the variant changes
_LADDERS = None

_LEVELS = (
    Target("dso_plausible", "DSO within the middle 80% of UK companies' days to pay", DSO,
           Band(*UK_DAYS_TO_PAY), f"{_UK}: average days to pay, p10-p90", _DEFAULT),
    Target("dso_below_industry", "DSO below the industry average", DSO,
           Band(None, UK_MEDIAN_DAYS_TO_PAY),
           f"[004 p.90-93] (the floor of any policy: a DSO below the industry average); "
           f"the average from {_UK}: median days to pay", _DEFAULT),
    Target("days_beyond_terms", "days beyond terms within the UK middle 80%", ADD,
           Band(*UK_DAYS_BEYOND_TERMS), f"{_UK}: actual minus agreed days, p10-p90", _DEFAULT),
    Target("share_paid_late", "share of invoices paid after the due date within the UK middle "
           "80%", metric("share_paid_late", "share of invoices paid late", "share"),
           Band(*UK_SHARE_NOT_ON_TIME), f"{_UK}: invoices not paid within terms, p10-p90",
           _DEFAULT),
    Target("bad_debt_ceiling", "bad-debt ratio kept within 1-3% (at most 3%)", BAD_DEBT,
           Band(None, 0.03), "[000] keep the bad-debt ratio within 1-3% (a ceiling, not a "
           "floor)", _DEFAULT),
    Target("recovery_rate", "recovery rate above 95%",
           metric("recovery_rate", "recovery rate (paid / (paid + written off))", "share"),
           Band(0.95, None), "[000] recovery rate above 95%; [004 p.139]", _DEFAULT),
    Target("over_90_share", "share of the open book more than 90 days overdue (reported)",
           OVER_90, None, "[003] > 90 days is the special procedure; no source states a level",
           _DEFAULT),
    Target("overdue_share", "overdue share of the open book (reported)",
           metric("overdue_share", "overdue share of the open book", "share"), None,
           "[004 p.139] monitored; no source states a level", _DEFAULT),
    Target("discount_take_up", "discount take-up (reported)",
           metric("discount_take_up", "discount take-up (share of credit sales)", "share"), None,
           "no source states a level", _DEFAULT),
    Target("team_not_saturated", "the collectors are not saturated: utilisation below 95%",
           metric("collector_utilisation", "collector utilisation", "share"), Band(0.0, 0.95),
           "issue 15 (the ladder as written is carried out); sim/kpis.py SATURATED_UTILISATION"),
    Target("calls_done", "at most 5% of the ladder's calls dropped unmade",
           metric("collector_tasks_dropped_share", "share of collector tasks dropped", "share"),
           Band(0.0, 0.05), "issue 15; sim/kpis.py SATURATED_DROPPED"),
    Target("follow_up_24h", "overdue accounts followed up within 24 hours",
           metric("collector_wait_days", "mean wait of a collector task (days)", "days"),
           Band(0.0, 1.0), "[000, 003] process KPI: overdue accounts followed up within 24 hours"),
)

_EFFECTS = (
    Target("ladder_shortens_cycle", "without the ladder the collection cycle is 30% or more "
           "longer", DSO, Band(0.30, None),
           "[000] without a unified collection process the collection cycle is 30% or more "
           "longer", _LADDERS, NO_LADDER, "relative"),
    Target("early_reminder", "the earlier the reminder, the earlier the payment", DSO,
           Band(0.0, None), "[004 p.118-126] the earlier and the better the reminder, the "
           "earlier the payment",
           _LADDERS, NO_PRE_DUE, "relative"),
    Target("hard_steps_limit_loss", "agency and lawsuit limit the loss past 90 days", BAD_DEBT,
           Band(0.0, None), "[004 p.149-150] past about 90 days the goal is limiting the loss",
           _LADDERS, NO_HARD_STEPS, "difference"),
    Target("ladder_pays", "dunning pays for itself: no ladder costs more", TOTAL_COST,
           Band(0.0, None), "[000] (the cycle 30% longer without it); [004 p.153-155] (more "
           "calls bring more cash)", _LADDERS, NO_LADDER, "difference"),
    Target("limits_pay", "credit limits pay for themselves: no limits costs more", TOTAL_COST,
           Band(0.0, None), "[004 p.71-85] (limits and shipping control); [004 p.90-93] (a "
           "loose, sales-oriented policy: more bad debt, can be catastrophic)", _DEFAULT,
           NO_LIMITS, "difference"),
    Target("limits_cut_bad_debt", "without limits bad debt rises", BAD_DEBT, Band(0.0, None),
           "[004 p.90-93] a loose policy brings more bad debt", _DEFAULT, NO_LIMITS,
           "difference"),
    Target("discount_responds", "a richer discount is taken more",
           metric("discount_take_up", "discount take-up", "share"), Band(0.0, None),
           "DOMAIN 'Textbook conventions' (the cost of forgoing a discount rises with its "
           "rate); [004 p.94]", _DEFAULT, RICHER_DISCOUNT, "difference"),
)

#: What a ranking against the material is made of: each cost's paired difference
_COMPONENTS: tuple[Measure, ...] = tuple(metric(key, label, "money") for key, label in (
    ("opportunity_cost", "opportunity cost"), ("management_cost", "management cost"),
    ("bad_debt_cost", "bad-debt cost"), ("shortage_terms_cost", "shortage: terms"),
    ("shortage_held_cost", "shortage: orders held or refused"),
    ("shortage_customers_lost_cost", "shortage: customers lost"),
    ("discount_cost", "discount cost"), ("penalty_income", "penalty income (subtracted)"),
))
#: What the ladder's effect on DSO is made of: the days within terms and beyond them
_DSO_PARTS = (metric("best_possible_dso", "best possible DSO (days within terms)", "days"), ADD)


def _evidence(variant: Variant, measures: tuple[Measure, ...]) -> tuple[Target, ...]:
    return tuple(Target(f"{variant.key}_{m.key}", f"evidence: {variant.label}", m, None,
                        "what the targets above are made of", _DEFAULT, variant, "difference")
                 for m in measures)


_EVIDENCE = (*_evidence(NO_LADDER, (*_DSO_PARTS, *_COMPONENTS)),
             *_evidence(NO_LIMITS, _COMPONENTS),
             # the step that decides the ladder's verdict with no customer lost (model §15)
             *_evidence(NO_STOP, (TOTAL_COST, *_COMPONENTS)))

#: Every target, in the order the table lists them.
TARGETS: tuple[Target, ...] = (*_LEVELS, *_EFFECTS, *_EVIDENCE)
