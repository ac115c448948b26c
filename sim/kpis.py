"""The KPIs a credit manager watches, computed from one replication's ledger and tallies."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from . import metrics
from .behaviour import Outcome
from .engine.determ import planned_discounts
from .engine.output import CAUSES, EngineOutput
from .policy import Policy
from .scenario import ACTIONS, Scenario
from .totals import LedgerTotals, PricingFold, totals_of

__all__ = ["LOSS_CAUSES", "SATURATED_DROPPED", "SATURATED_UTILISATION", "kpis", "warnings"]

LOSS_CAUSES = CAUSES


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def kpis(scenario: Scenario, policy: Policy, out: EngineOutput,
         totals: LedgerTotals | None = None) -> dict[str, float]:
    """DSO family, CEI, aging, ratios, dunning, collectors and lost sales of a replication.

    `totals` are the sums of the replication's ledger (totals.LedgerTotals), where they were
    summed as the engine ran; by default they are summed from `out.ledger`.
    """
    if totals is None:
        totals = totals_of(scenario, out.window, out.ledger)
    sums = totals.pricing
    result: dict[str, float] = {}
    result.update(_dso_family(scenario, out, sums))
    result.update(_ratios(sums))
    if scenario.deterministic is not None:
        result["discount_take_up"] = _planned_take_up(scenario, policy, out, sums)
    result.update(_aging(sums))
    result.update(_by_group(scenario, out, sums))
    years = (out.window[1] - out.window[0]) / scenario.conventions.days_in_year
    for action in ACTIONS:
        count, _cost = out.actions.get(action.value, (0.0, 0.0))
        result[f"actions_{action.value}"] = count / years
    stats = out.collector
    span = out.window[1] - out.window[0]
    staff = stats.collectors
    result["collector_utilisation"] = (_ratio(stats.busy_days, staff * span) if staff
                                       else math.nan)
    result["collector_wait_days"] = _ratio(stats.wait_days_total, stats.tasks_served)
    result["collector_tasks_dropped"] = stats.tasks_dropped / years
    result["collector_tasks_dropped_share"] = _ratio(
        stats.tasks_dropped, stats.tasks_served + stats.tasks_dropped)
    # collectors at work on average (full-time equivalents): an unlimited team's size
    result["collectors_busy"] = stats.busy_days / span
    for cause in LOSS_CAUSES:
        result[f"lost_sales_{cause}"] = out.lost_sales.get(cause, 0.0) / years
    result["customers_lost"] = out.customers_lost / years
    result["bankruptcies"] = out.bankruptcies / years
    result["newcomers"] = out.customers_joined / years
    # the population: customers with the company on an average day of the window
    result["customers_active"] = out.customer_days / span
    # and customers away, lost after dunning, on an average day (they come back: docs §4)
    result["customers_away"] = out.customer_days_away / span
    return result


#: A finite team is saturated at this utilisation, or this share of its tasks dropped
SATURATED_UTILISATION, SATURATED_DROPPED = 0.95, 0.05


def warnings(summary: Mapping[str, Any]) -> list[str]:
    """What a reader of a run's figures must know before trusting them, from its summary
    (metric -> an estimate with a `mean`)."""
    found: list[str] = []
    util = summary.get("collector_utilisation")
    dropped = summary.get("collector_tasks_dropped_share")
    u = util.mean if util is not None else math.nan
    d = dropped.mean if dropped is not None else math.nan
    if u >= SATURATED_UTILISATION or d >= SATURATED_DROPPED:
        found.append(
            f"the collector team is saturated (utilisation {100 * u:.0f}%, "
            f"{100 * (0.0 if math.isnan(d) else d):.1f}% of its calls dropped after waiting): "
            "dunning steps are late or never done, so its figures show an overloaded team, "
            "not the ladder as written")
    return found


def _dso_family(scenario: Scenario, out: EngineOutput, sums: PricingFold
                ) -> dict[str, float]:
    start, end = out.window
    span = end - start
    sales = sums["sales"]
    average_ar = (sums["ar_full"] + sums["ar_reduced"]) / span
    current_ar = (sums["current_full"] + sums["current_reduced"]) / span
    dso = metrics.dso_average(average_ar, sales, span) if sales > 0 else math.nan
    best = metrics.best_possible_dso(current_ar, sales, span) if sales > 0 else math.nan
    month = scenario.conventions.days_in_year / 12.0
    monthly = [float(v) for v in sums.monthly]
    countback = (metrics.dso_countback(sums["at_end"], monthly, [month] * sums.months)
                 if sales > 0 else math.nan)
    return {"dso": dso, "dso_countback": countback, "best_possible_dso": best,
            "average_days_delinquent": dso - best,
            "average_collection_period": _ratio(sums["acp_amount_days"], sums["acp_amount"])}


def _by_group(scenario: Scenario, out: EngineOutput, sums: PricingFold) -> dict[str, float]:
    """The KPIs of each grade (`dso_grade_A`, ...) and each segment (`dso_segment_0`, ...,
    in the scenario's order), by the same definitions as the whole's: DSO, average days
    delinquent, bad-debt ratio and overdue share at the end; and the disputed DSO, the days
    of sales disputed invoices hold (the material splits DSO into current, overdue and
    disputed [004 p.112-116]). Each invoice's part is summed by group as the rows come
    (totals.PricingFold)."""
    start, end = out.window
    span = end - start
    result: dict[str, float] = {}
    for kind, names in (("grade", list("ABCD")),
                        ("segment", [str(i) for i in range(len(scenario.segments))])):
        group = sums.group(kind)
        for g, name in enumerate(names):
            for key, value in _group_kpis({k: float(v[g]) for k, v in group.items()},
                                          span).items():
                result[f"{key}_{kind}_{name}"] = value
    sales = sums["sales"]
    disputed = sums["disputed_ar"] / span
    result["dso_disputed"] = (metrics.dso_average(disputed, sales, span) if sales > 0
                              else math.nan)
    return result


def _group_kpis(sums: dict[str, float], span: float) -> dict[str, float]:
    """A group's KPIs from its sums (see _by_group); NaN where it sold nothing on credit."""
    sales = sums["sales"]
    if sales <= 0:
        return dict.fromkeys(("dso", "average_days_delinquent", "bad_debt_ratio",
                              "overdue_share"), math.nan)
    dso = metrics.dso_average(sums["ar"] / span, sales, span)
    best = metrics.best_possible_dso(sums["current"] / span, sales, span)
    return {"dso": dso, "average_days_delinquent": dso - best,
            "bad_debt_ratio": metrics.bad_debt_ratio(sums["written"], sales),
            "overdue_share": _ratio(sums["overdue"], sums["at_end"])}


def _planned_take_up(scenario: Scenario, policy: Policy, out: EngineOutput,
                     sums: PricingFold) -> float:
    """Deterministic mode: the discount take-up with the invoices a pattern pays in a
    discount window that are still open at the window's end counted as discounts taken, so
    the take-up is the pattern's share exactly (engine.determ.planned_discounts). A textbook
    run keeps its whole ledger, so the open ones are read from it."""
    ledger = out.columns()
    planned = planned_discounts(scenario, policy, ledger)
    start, end = out.window
    issued = (ledger["issue_day"] >= start) & (ledger["issue_day"] < end)
    still_open = issued & planned & (ledger["outcome"] == int(Outcome.OPEN))
    return _ratio(sums["discounted"] + float(ledger["amount"][still_open].sum()),
                  sums["sales"])


def _ratios(sums: PricingFold) -> dict[str, float]:
    sales = sums["sales"]
    paid, written = sums["paid"], sums["written_off"]
    at_end, current_end = sums["at_end"], sums["current_end"]
    by_payment = sums.counts["by_payment"]
    return {
        "cei": (metrics.collection_effectiveness_index(sums["begin"], sales, at_end,
                                                       current_end) if sales > 0 else math.nan),
        "overdue_share": _ratio(at_end - current_end, at_end),
        "bad_debt_ratio": metrics.bad_debt_ratio(written, sales),
        "recovery_rate": metrics.recovery_rate(paid, paid + written),
        "share_paid_late": _ratio(float(sums.counts["late"]), float(by_payment)),
        "discount_take_up": _ratio(sums["discounted"], sales),
        "disputed_share": _ratio(sums["disputed_sales"], sales),
        "invoices": float(sums.counts["issued"]),
    }


def _aging(sums: PricingFold) -> dict[str, float]:
    labels = metrics.bucket_labels(metrics.DEFAULT_AGING_EDGES)
    return {f"aging_{k.replace('-', '_').replace('+', '_plus')}": float(v)
            for k, v in zip(labels, sums.end_aging.tolist(), strict=True)}
