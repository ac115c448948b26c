"""docs/model.md §3: demand multiplier, arrivals at the full potential and thinning (CRN).

Potential orders arrive at orders_per_year x m_max; a credit-grade order is a candidate iff
its own uniform u_thin x m_max < mult(grade). With no limits, stops or lost customers every
candidate ships, so a worse credit period ships a subset of a better one's orders (same seed),
each shipped order keeps its amount and its own behavioural draws, and the rest is lost as
"terms" (credit grades) or kept as cash sales / lost as "credit_refused" (cash-only grades).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from support import one_segment

from arsim.sim.behaviour import demand_multiplier
from arsim.sim.draws import draw_orders, max_multiplier
from arsim.sim.engine.des import run_des
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario
from arsim.sim.terms import Terms

END = 400.0


def _scenario(**demand: Any) -> Scenario:
    return one_segment("demand", END, customers=120, orders_per_year=12, amount_cv=0.7,
                       mix={"on_time": 0.4, "reminded": 0.4, "pressure": 0.2}, demand=demand)


def _policy(terms: str, accepted: tuple[str, ...] = ("B",)) -> Policy:
    # a ladder without collectors (unlimited) and no credit limit: nothing couples orders
    return Policy.model_validate({
        "accepted_grades": list(accepted), "terms": {"B": terms},
        "ladder": [{"day": 10, "action": "phone", "collector_minutes": 10}],
        "write_off": {"days_overdue": None}})


def _keys(ledger: np.ndarray) -> set[tuple[int, int]]:
    return {(int(c), int(k)) for c, k in zip(ledger["customer"], ledger["order_index"],
                                             strict=True)}


def test_the_multiplier_tables() -> None:
    scenario = _scenario()
    # credit period (0, .8) (30, 1) (60, 1.1) (90, 1.15), discount (0, 1) (.05, 1.05)
    assert demand_multiplier(scenario, Terms.model_validate("N/30")) == pytest.approx(1.0)
    assert demand_multiplier(scenario, Terms.model_validate("N/45")) == pytest.approx(1.05)
    assert demand_multiplier(scenario, Terms.model_validate("N/120")) == pytest.approx(1.15)
    assert demand_multiplier(scenario, Terms.model_validate("2/10, N/60")) == pytest.approx(
        1.1 * 1.02)
    assert demand_multiplier(scenario, Terms.model_validate("cash")) == pytest.approx(0.3)
    assert demand_multiplier(scenario, None) == pytest.approx(0.3)
    assert max_multiplier(scenario) == pytest.approx(1.15 * 1.05)
    tight = _scenario(credit_period_multiplier=[[0, 0.5], [30, 0.9]],
                      discount_multiplier=[[0, 1.0]], cash_only_share_kept=0.2)
    assert max_multiplier(tight) == 1.0  # never below the market terms' 1


def test_a_worse_credit_period_ships_a_subset_of_the_orders() -> None:
    scenario = _scenario()
    wide = run_des(scenario, _policy("N/60"), seed=21).ledger
    narrow = run_des(scenario, _policy("N/20"), seed=21).ledger
    k_wide, k_narrow = _keys(wide), _keys(narrow)
    assert k_narrow < k_wide
    # kept shares: mult / m_max = 1.1 / 1.2075 and (0.8 + 2/3 x 0.2) / 1.2075
    ratio = len(k_narrow) / len(k_wide)
    assert abs(ratio - (0.8 + 0.2 * 20 / 30) / 1.1) < 0.05


def test_shipped_orders_are_exactly_the_candidates() -> None:
    scenario = _scenario()
    m_max = max_multiplier(scenario)
    orders = draw_orders(scenario, 21, m_max, END)
    for terms in ("N/20", "N/60", "2/10, N/45"):
        mult = demand_multiplier(scenario, Terms.model_validate(terms))
        out = run_des(scenario, _policy(terms), seed=21)
        candidate = orders.thin * m_max < mult
        expected = {(int(c), int(k)) for c, k in zip(orders.customer[candidate],
                                                     orders.index[candidate], strict=True)}
        assert _keys(out.ledger) == expected
        # issued at the order's own time, for the order's own amount
        by_key = {(int(c), int(k)): (t, a) for c, k, t, a in zip(
            orders.customer, orders.index, orders.time, orders.amount, strict=True)}
        for row in out.ledger:
            t, a = by_key[(int(row["customer"]), int(row["order_index"]))]
            assert row["issue_day"] == t and row["amount"] == a
        # the others are lost to the terms, against the full potential
        assert out.lost_sales["terms"] == pytest.approx(orders.amount[~candidate].sum())
        assert out.potential_sales == pytest.approx(orders.amount.sum())


def test_the_kept_share_is_mult_over_m_max() -> None:
    scenario = _scenario()
    out = run_des(scenario, _policy("N/30"), seed=22)
    orders = draw_orders(scenario, 22, max_multiplier(scenario), END)
    share = len(out.ledger) / orders.count
    expected = 1.0 / max_multiplier(scenario)
    assert abs(share - expected) < 5 * np.sqrt(expected * (1 - expected) / orders.count)
    # and the potential rate is orders_per_year x m_max
    rate = orders.count / (120 * END / 365)
    assert abs(rate / (12 * max_multiplier(scenario)) - 1) < 0.05


def test_common_orders_keep_their_own_draws() -> None:
    # the same order pays the same number of days after its due date under both terms
    scenario = _scenario()
    a = run_des(scenario, _policy("N/60"), seed=23).ledger
    b = run_des(scenario, _policy("N/20"), seed=23).ledger
    late_a = {(int(r["customer"]), int(r["order_index"])): (r["settle_day"] - r["due_day"],
                                                           r["outcome"], r["actions"])
              for r in a}
    compared = 0
    for r in b:
        key = (int(r["customer"]), int(r["order_index"]))
        if r["settle_day"] < END - 60 and np.isfinite(late_a[key][0]):
            assert r["settle_day"] - r["due_day"] == pytest.approx(late_a[key][0])
            assert r["outcome"] == late_a[key][1]
            assert r["actions"] == late_a[key][2]
            compared += 1
    assert compared > 1000


def test_a_refused_grade_keeps_cash_sales_and_loses_the_rest() -> None:
    scenario = _scenario()
    out = run_des(scenario, _policy("N/30", accepted=("A",)), seed=24)
    assert len(out.ledger) == 0
    orders = draw_orders(scenario, 24, max_multiplier(scenario), END)
    kept = orders.thin * max_multiplier(scenario) < 0.3
    assert out.cash_sales == pytest.approx(orders.amount[kept].sum())
    assert out.lost_sales["credit_refused"] == pytest.approx(orders.amount[~kept].sum())
    # cash terms: no receivable either, the same split
    cash = run_des(scenario, _policy("cash"), seed=24)
    assert len(cash.ledger) == 0
    assert cash.cash_sales == pytest.approx(out.cash_sales)
