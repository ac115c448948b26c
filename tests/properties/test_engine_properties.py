"""Invariants of the SimPy engine over many random scenarios and policies (Hypothesis).

- Money is conserved: every invoice's amount = paid + discount + credited + written off + open,
  with no negative part, and a settled invoice has nothing open.
- A replication is a pure function of (scenario, policy, seed): same inputs, same bytes.
- Common random numbers: customers and potential orders do not depend on the policy, and
  where nothing couples customers, a policy change for one grade leaves every other grade's
  invoices exactly as they were.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arsim.sim.behaviour import max_multiplier
from arsim.sim.draws import draw_customers, draw_orders
from arsim.sim.engine.des import run_des
from arsim.sim.engine.fast import run_fast
from arsim.sim.engine.reference import run_reference
from arsim.sim.ledger import check_conservation
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

ACTIONS = ["reminder", "statement", "phone", "letter", "visit", "stop_shipping",
           "cancel_credit_line", "agency", "lawsuit"]
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


#: A coefficient of variation: fixed, or a spread any family accepts.
SPREAD = st.one_of(st.just(0.0), st.floats(0.01, 2))


def _mix(weights: list[float]) -> dict[str, float]:
    total = sum(weights)
    names = ["on_time", "reminded", "pressure", "defaulter"]
    shares = [w / total for w in weights]
    shares[-1] = 1.0 - sum(shares[:-1])
    return {n: max(0.0, s) for n, s in zip(names, shares, strict=True)}


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    segments = []
    for k, grade in enumerate(draw(st.lists(st.sampled_from("ABCD"), min_size=1, max_size=3))):
        segments.append({
            "name": f"s{k}", "customers": draw(st.integers(2, 25)), "grade": grade,
            "orders_per_year": draw(st.floats(2, 40)),
            "order_amount": {"mean": draw(st.floats(100, 50_000)), "cv": draw(SPREAD),
                             "family": draw(st.sampled_from(["lognormal", "gamma"]))},
            "payer_mix": _mix(draw(st.lists(st.floats(0.05, 1), min_size=4, max_size=4))),
            "cash_available_share": draw(st.floats(0, 1)),
            "disputes": {"share": draw(st.floats(0, 0.3)),
                         "upheld_share": draw(st.floats(0, 1)),
                         "credited_share": draw(st.floats(0, 1)),
                         "resolution_days": {"mean": draw(st.floats(1, 60)),
                                             "cv": draw(SPREAD),
                                             "family": draw(st.sampled_from(["lognormal",
                                                                             "gamma"]))}},
            "bankruptcy_hazard_annual": draw(st.sampled_from([0.0, 0.05, 0.5])),
        })
    return {
        "name": "random",
        "company": {"variable_cost_ratio": 0.7, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": draw(st.sampled_from([0, 30])),
                    "horizon_days": draw(st.integers(60, 400)), "replications": 1},
        "segments": segments,
        "demand": {"blocked_approval_share": draw(st.floats(0, 1)),
                   "blocked_hold_days": draw(st.floats(0, 20))},
    }


def _ladder(draw: st.DrawFn, days: list[int]) -> list[dict[str, Any]]:
    return [{"day": d, "action": draw(st.sampled_from(ACTIONS)),
             "cost": draw(st.floats(0, 50)),
             "collector_minutes": draw(st.sampled_from([0, 10, 60])),
             "min_amount": draw(st.sampled_from([0.0, 0.0, 5_000.0]))} for d in days]


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    days = sorted(draw(st.lists(st.integers(-10, 200), min_size=0, max_size=6, unique=True)))
    ladder = _ladder(draw, days)
    by_grade = {g: _ladder(draw, sorted(draw(st.lists(st.integers(-5, 150), max_size=4,
                                                       unique=True))))
                for g in draw(st.lists(st.sampled_from("ABCD"), max_size=2, unique=True))}
    net = draw(st.integers(0, 90))
    terms = "cash" if net == 0 else (
        f"2/{min(10, net - 1)}, N/{net}" if net > 1 and draw(st.booleans()) else f"N/{net}")
    return {
        "accepted_grades": draw(st.lists(st.sampled_from("ABCD"), min_size=1, max_size=4,
                                         unique=True)),
        "terms": {g: terms for g in "ABCD"},
        "late_penalty": {"rate_annual": draw(st.sampled_from([0.0, 0.2])),
                         "grace_days": draw(st.floats(0, 10))},
        "rebate": {"rate": draw(st.sampled_from([0.0, 0.01])), "threshold_annual_sales": 1000},
        "credit_limit": {"method": draw(st.sampled_from(["none", "sales", "receipts"])),
                         "grade_factors": {"A": 2.0, "B": 1.0, "C": 0.5, "D": 0.5}},
        "ladder": ladder,
        "ladders_by_grade": by_grade,
        "write_off": {"days_overdue": draw(st.sampled_from([None, 60.0, 365.0]))},
        "collections": {"collectors": draw(st.sampled_from([None, 1, 3])),
                        "work_order": draw(st.sampled_from(
                            ["fifo", "largest_first", "oldest_first", "quadrant"])),
                        "max_wait_days": draw(st.floats(0.5, 30)),
                        "service_time_cv": draw(st.sampled_from([0.0, 1.0]))},
    }


@SETTINGS
@given(scenarios(), policies(), st.integers(0, 2**40))
def test_money_is_conserved(scenario: dict[str, Any], policy: dict[str, Any], seed: int) -> None:
    s, p = Scenario.model_validate(scenario), Policy.model_validate(policy)
    out = run_des(s, p, seed)
    check_conservation(out.ledger)  # raises on any broken invoice
    ledger = out.ledger
    parts = (ledger["paid"] + ledger["discount"] + ledger["credited"] + ledger["written_off"]
             + ledger["open"])
    np.testing.assert_allclose(parts, ledger["amount"], rtol=1e-9, atol=1e-6)
    assert np.all(ledger["settle_day"] >= ledger["issue_day"])
    assert out.potential_sales >= 0.0
    assert all(v >= 0.0 for v in out.lost_sales.values())


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), policies(), st.integers(0, 2**40))
def test_same_seed_same_bytes(scenario: dict[str, Any], policy: dict[str, Any],
                              seed: int) -> None:
    s, p = Scenario.model_validate(scenario), Policy.model_validate(policy)
    first, second = run_des(s, p, seed), run_des(s, p, seed)
    assert first.ledger.tobytes() == second.ledger.tobytes()
    assert first.lost_sales == second.lost_sales
    assert first.actions == second.actions


@SETTINGS
@given(scenarios(), policies(), policies(), st.integers(0, 2**40))
def test_customers_and_orders_do_not_depend_on_the_policy(
        scenario: dict[str, Any], one: dict[str, Any], two: dict[str, Any], seed: int) -> None:
    s = Scenario.model_validate(scenario)
    del one, two  # the draws take no policy at all: that is the point
    a, b = draw_customers(s, seed), draw_customers(s, seed)
    assert all(np.array_equal(getattr(a, f), getattr(b, f)) for f in vars(a))
    end = s.horizon.warmup_days + s.horizon.horizon_days
    oa = draw_orders(s, seed, max_multiplier(s), end)
    assert np.all(np.diff(oa.time) >= 0.0)


@SETTINGS
@given(scenarios(), policies(), st.integers(1, 120), st.integers(0, 2**40))
def test_changing_one_grades_terms_leaves_other_grades_alone(
        scenario: dict[str, Any], policy: dict[str, Any], net: int, seed: int) -> None:
    # no coupling between customers: unlimited collectors, so each customer's course is its own
    policy = {**policy, "collections": {"collectors": None}}
    base = Policy.model_validate(policy)
    changed = base.with_value("terms.C", f"N/{net}")
    s = Scenario.model_validate(scenario)
    one, two = run_des(s, base, seed).ledger, run_des(s, changed, seed).ledger
    keep_one, keep_two = one[one["grade"] != "C"], two[two["grade"] != "C"]
    assert keep_one.tobytes() == keep_two.tobytes()


def _same_output(a: Any, b: Any) -> None:
    assert a.ledger.tobytes() == b.ledger.tobytes()
    assert a.actions == b.actions
    assert a.lost_sales == b.lost_sales and a.lost_orders == b.lost_orders
    assert (a.cash_sales, a.potential_sales, a.rebates) == (b.cash_sales, b.potential_sales,
                                                            b.rebates)
    assert (a.customers_lost, a.bankruptcies) == (b.customers_lost, b.bankruptcies)


def _with_opening(scenario: dict[str, Any], opening: bool) -> dict[str, Any]:
    if not opening:
        return scenario
    return {**scenario, "opening_book": {"total_amount": 200_000, "buckets": [
        {"days_overdue_from": -30, "days_overdue_to": 0, "share": 0.5},
        {"days_overdue_from": 0, "days_overdue_to": 200, "share": 0.5}]}}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), policies(), st.booleans(), st.integers(0, 2**40))
def test_fast_engine_gives_the_simpy_engines_invoices(
        scenario: dict[str, Any], policy: dict[str, Any], opening: bool, seed: int) -> None:
    scenario = _with_opening(scenario, opening)
    rebate = {"rate": 0.02, "threshold_annual_sales": 10_000, "on_time_grace_days": 3}
    policy = {**policy, "collections": {"collectors": None}, "rebate": rebate}
    s, p = Scenario.model_validate(scenario), Policy.model_validate(policy)
    _same_output(run_reference(s, p, seed), run_fast(s, p, seed))


def _busy(scenario: dict[str, Any], policy: dict[str, Any]) -> tuple[dict[str, Any],
                                                                    dict[str, Any]]:
    """Six times the customers and half a day of collector time for every step: calls wait,
    and some wait longer than the team allows."""
    segments = [{**seg, "customers": 6 * seg["customers"]} for seg in scenario["segments"]]
    def slow(ladder: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**step, "collector_minutes": 240} for step in ladder]
    by_grade = {g: slow(steps) for g, steps in policy["ladders_by_grade"].items()}
    return ({**scenario, "segments": segments},
            {**policy, "ladder": slow(policy["ladder"]), "ladders_by_grade": by_grade})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), policies(), st.booleans(), st.booleans(), st.booleans(),
       st.integers(0, 2**40))
def test_simpy_engine_gives_the_reference_engines_events(
        scenario: dict[str, Any], policy: dict[str, Any], opening: bool, rebate: bool,
        busy: bool, seed: int) -> None:
    """Finite teams (1 or 3 collectors, every work order) and unlimited ones: the SimPy
    engine's compiled day batches book, queue and serve exactly as the reference engine."""
    scenario = _with_opening(scenario, opening)
    if busy:
        scenario, policy = _busy(scenario, policy)
    if rebate:
        policy = {**policy, "rebate": {"rate": 0.02, "threshold_annual_sales": 10_000,
                                       "on_time_grace_days": 3}}
    s, p = Scenario.model_validate(scenario), Policy.model_validate(policy)
    a, b = run_reference(s, p, seed), run_des(s, p, seed)
    _same_output(a, b)
    assert a.collector == b.collector
