"""The KPIs a credit manager watches, computed from one replication's ledger and tallies."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from . import metrics
from .behaviour import Outcome
from .costs import ar_balance_at, ar_integral, ar_integral_rows, settled_in
from .engine.determ import planned_discounts
from .engine.output import CAUSES, EngineOutput
from .policy import Policy
from .scenario import ACTIONS, Scenario

__all__ = ["LOSS_CAUSES", "SATURATED_DROPPED", "SATURATED_UTILISATION", "kpis", "warnings"]

LOSS_CAUSES = CAUSES
PAYMENT_OUTCOMES = [int(o) for o in (Outcome.PAID, Outcome.PAID_DUNNED, Outcome.DISCOUNT,
                                     Outcome.AGENCY, Outcome.LAWSUIT)]


def _ratio(num: float, den: float) -> float:
    return num / den if den > 0 else math.nan


def kpis(scenario: Scenario, policy: Policy, out: EngineOutput) -> dict[str, float]:
    """DSO family, CEI, aging, ratios, dunning, collectors and lost sales of a replication."""
    result: dict[str, float] = {}
    result.update(_dso_family(scenario, out))
    result.update(_ratios(out, planned_discounts(scenario, policy, out.columns())))
    result.update(_aging(out))
    result.update(_by_group(scenario, out))
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


def _dso_family(scenario: Scenario, out: EngineOutput) -> dict[str, float]:
    ledger = out.columns()
    start, end = out.window
    span = end - start
    issued = (ledger["issue_day"] >= start) & (ledger["issue_day"] < end)
    sales = float(ledger["amount"][issued].sum())
    average_ar = ar_integral(ledger, start, end) / span
    current_ar = ar_integral(ledger, start, end, current_only=True) / span
    dso = metrics.dso_average(average_ar, sales, span) if sales > 0 else math.nan
    best = metrics.best_possible_dso(current_ar, sales, span) if sales > 0 else math.nan
    month = scenario.conventions.days_in_year / 12.0
    months = max(1, int(span // month))
    edges = end - month * np.arange(months + 1)
    monthly = [float(ledger["amount"][(ledger["issue_day"] >= lo) & (ledger["issue_day"] < hi)]
                     .sum()) for hi, lo in itertools.pairwise(edges)]
    ending = float(ar_balance_at(ledger, end - 1e-9).sum())
    countback = (metrics.dso_countback(ending, monthly, [month] * months)
                 if sales > 0 else math.nan)
    return {"dso": dso, "dso_countback": countback, "best_possible_dso": best,
            "average_days_delinquent": dso - best,
            "average_collection_period": _acp(out)}


def _by_group(scenario: Scenario, out: EngineOutput) -> dict[str, float]:
    """The KPIs of each grade (`dso_grade_A`, ...) and each segment (`dso_segment_0`, ...,
    in the scenario's order), by the same definitions as the whole's: DSO, average days
    delinquent, bad-debt ratio and overdue share at the end; and the disputed DSO, the days
    of sales disputed invoices hold (the material splits DSO into current, overdue and
    disputed [004 p.112-116]). Each invoice's part is computed once and summed by group."""
    ledger = out.columns()
    start, end = out.window
    span = end - start
    issued = (ledger["issue_day"] >= start) & (ledger["issue_day"] < end)
    receivable = ar_integral_rows(ledger, start, end)
    parts = {
        "sales": np.where(issued, ledger["amount"], 0.0),
        "ar": receivable,
        "current": ar_integral_rows(ledger, start, end, current_only=True),
        "written": np.where(settled_in(ledger, start, end), ledger["written_off"], 0.0),
    }
    at_end = ar_balance_at(ledger, end - 1e-9)
    parts["at_end"] = at_end
    parts["overdue"] = np.where(ledger["due_day"] <= end, at_end, 0.0)
    grade = np.searchsorted(np.asarray(list("ABCD")), out.ledger["grade"])
    result: dict[str, float] = {}
    for kind, index, names in (("grade", grade, list("ABCD")),
                               ("segment", out.ledger["segment"].astype(np.int64),
                                [str(i) for i in range(len(scenario.segments))])):
        sums = {k: np.bincount(index, weights=v, minlength=len(names)) for k, v in parts.items()}
        for g, name in enumerate(names):
            for key, value in _group_kpis({k: float(v[g]) for k, v in sums.items()},
                                          span).items():
                result[f"{key}_{kind}_{name}"] = value
    sales = float(parts["sales"].sum())
    disputed = float(receivable[ledger["disputed"]].sum()) / span
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


def _acp(out: EngineOutput) -> float:
    """Amount-weighted days from invoice to payment, for invoices paid in the window."""
    ledger = out.columns()
    paid = settled_in(ledger, *out.window) & np.isin(ledger["outcome"], PAYMENT_OUTCOMES)
    weights = ledger["amount"][paid]
    days = ledger["settle_day"][paid] - ledger["issue_day"][paid]
    return _ratio(float((weights * days).sum()), float(weights.sum()))


def _ratios(out: EngineOutput, planned: np.ndarray) -> dict[str, float]:
    """`planned`: invoices a deterministic pattern pays in a discount window (all False
    otherwise); those still open at the end count as discounts taken, so the take-up is the
    pattern's share exactly."""
    ledger = out.columns()
    start, end = out.window
    issued = (ledger["issue_day"] >= start) & (ledger["issue_day"] < end)
    sales = float(ledger["amount"][issued].sum())
    settled = settled_in(ledger, start, end)
    paid = float(ledger["paid"][settled].sum())
    written = float(ledger["written_off"][settled].sum())
    begin = float(ar_balance_at(ledger, start).sum())
    at_end = ar_balance_at(ledger, end - 1e-9)
    current_end = float(at_end[ledger["due_day"] > end].sum())
    by_payment = settled & np.isin(ledger["outcome"], PAYMENT_OUTCOMES)
    late = by_payment & (ledger["settle_day"] > ledger["due_day"] + 1e-9)
    discounted = issued & ((ledger["outcome"] == int(Outcome.DISCOUNT))
                           | (planned & (ledger["outcome"] == int(Outcome.OPEN))))
    return {
        "cei": (metrics.collection_effectiveness_index(begin, sales, float(at_end.sum()),
                                                       current_end) if sales > 0 else math.nan),
        "overdue_share": _ratio(float(at_end.sum()) - current_end, float(at_end.sum())),
        "bad_debt_ratio": metrics.bad_debt_ratio(written, sales),
        "recovery_rate": metrics.recovery_rate(paid, paid + written),
        "share_paid_late": _ratio(float(late.sum()), float(by_payment.sum())),
        "discount_take_up": _ratio(float(ledger["amount"][discounted].sum()), sales),
        "disputed_share": _ratio(float(ledger["amount"][issued & ledger["disputed"]].sum()),
                                 sales),
        "invoices": float(issued.sum()),
    }


def _aging(out: EngineOutput) -> dict[str, float]:
    ledger = out.columns()
    end = out.window[1]
    open_amount = ar_balance_at(ledger, end - 1e-9)
    live = open_amount > 0
    buckets = metrics.aging_buckets(open_amount[live], end - ledger["due_day"][live])
    return {f"aging_{k.replace('-', '_').replace('+', '_plus')}": v for k, v in buckets.items()}
