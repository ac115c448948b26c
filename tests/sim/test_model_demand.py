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
from support import customer_book, one_segment

from arsim.sim.behaviour import demand_multiplier, reference_multiplier
from arsim.sim.draws import draw_orders, max_multiplier
from arsim.sim.engine.des import run_des
from arsim.sim.engine.fast import run_fast
from arsim.sim.engine.reference import run_reference
from arsim.sim.errors import ScenarioError
from arsim.sim.loader import load_text
from arsim.sim.overrides import apply_overrides
from arsim.sim.paths import replace_path
from arsim.sim.policy import Policy
from arsim.sim.replicate import replicate
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
    assert compared > 800  # (pressure payers settle only when dunned: fewer settle)


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


# ---- per-grade demand tables (demand.by_grade) ---------------------------------------------


def _graded(**by_grade: Any) -> Scenario:
    """Two segments, grades B and C, each 60 customers; `by_grade` gives grades their own
    tables over the scenario-wide built-in ones."""
    return Scenario.model_validate({
        "name": "graded",
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": END},
        "segments": [
            {"name": name, "customers": 60, "grade": grade, "orders_per_year": 12,
             "order_amount": {"mean": 1000, "cv": 0.7},
             "payer_mix": {"on_time": 0.5, "reminded": 0.5}}
            for name, grade in (("trade", "B"), ("shops", "C"))],
        "demand": {"customer_loss": {"after_action": {}}, "market_terms": "N/30",
                   "by_grade": by_grade},
    })


SHOPS = {"C": {"credit_period_multiplier": [[0, 0.5], [30, 1.0], [60, 1.5]]}}


def test_a_grade_reads_its_own_tables_and_falls_back_to_the_scenario_wide_ones() -> None:
    scenario = _graded(**SHOPS, B={"discount_multiplier": [[0, 1.0], [0.02, 1.2]]})
    n45, n45_disc = Terms.model_validate("N/45"), Terms.model_validate("2/10, N/45")
    # C: its own credit-period table, the built-in discount table (0, 1) (.05, 1.05)
    assert demand_multiplier(scenario, n45, "C") == pytest.approx(1.25)
    assert demand_multiplier(scenario, n45_disc, "C") == pytest.approx(1.25 * 1.02)
    # B: the built-in credit-period table (30, 1) (60, 1.1), its own discount table
    assert demand_multiplier(scenario, n45, "B") == pytest.approx(1.05)
    assert demand_multiplier(scenario, n45_disc, "B") == pytest.approx(1.05 * 1.2)
    # no grade, or a grade with no tables of its own: the scenario-wide tables
    assert demand_multiplier(scenario, n45_disc) == pytest.approx(1.05 * 1.02)
    assert scenario.demand.tables("A") == scenario.demand.tables()
    # cash is cash whatever the grade
    assert demand_multiplier(scenario, None, "C") == scenario.demand.cash_only_share_kept
    # the full potential covers every grade's best corner: C's 1.5 x the built-in 1.05
    assert max_multiplier(scenario) == pytest.approx(1.5 * 1.05)
    # the market's N/30 wins 1 on either grade's tables here, 0.5 + 0.5 = 1 on C's
    assert reference_multiplier(scenario, "C") == pytest.approx(1.0)


def test_each_grade_keeps_the_share_of_orders_its_own_table_gives() -> None:
    scenario = _graded(**SHOPS)
    policy = Policy.model_validate({
        "accepted_grades": ["B", "C"], "terms": {"B": "N/60", "C": "N/60"},
        "ladder": [{"day": 10, "action": "phone", "collector_minutes": 10}],
        "write_off": {"days_overdue": None}})
    m_max = max_multiplier(scenario)
    orders = draw_orders(scenario, 31, m_max, END)
    out = run_des(scenario, policy, seed=31)
    shops = orders.customer >= 60
    # B keeps u x m_max < 1.1 (built-in table at 60 days), C u x m_max < 1.5 (its own)
    kept = orders.thin * m_max < np.where(shops, 1.5, 1.1)
    expected = {(int(c), int(k)) for c, k in zip(orders.customer[kept], orders.index[kept],
                                                 strict=True)}
    assert _keys(out.ledger) == expected
    # every engine thins alike (tests/properties vary the tables at random)
    for other in (run_fast(scenario, policy, seed=31), run_reference(scenario, policy, seed=31)):
        assert other.ledger.tobytes() == out.ledger.tobytes()
        assert other.lost_sales == out.lost_sales
        assert other.reference_sales == out.reference_sales


def test_the_reference_is_read_through_each_grades_tables() -> None:
    # the market's N/45 wins 1.05 from B (built-in table) and 1.25 from C (its own)
    scenario = replace_path(_graded(**SHOPS), "demand.market_terms", "N/45", ScenarioError)
    book = customer_book(scenario, _policy("N/45", accepted=("B", "C")), seed=1)
    shares = book.reference_shares()
    assert np.allclose(shares[:60], 1.05) and np.allclose(shares[60:], 1.25)
    # and a policy on the market's terms has no shortage for its terms on either grade
    policy = _policy("N/45", accepted=("B", "C")).with_value("terms.C", "N/45")
    m = replicate(scenario, policy, seed=2).metrics
    assert m["shortage_terms_cost"] == pytest.approx(0.0, abs=1e-9 * m["credit_sales"])


def test_a_table_for_a_grade_that_is_not_one_names_the_grades() -> None:
    text = """\
name: graded
company: {variable_cost_ratio: 0.8, cost_of_capital_annual: 0.1}
segments:
  - {name: trade, customers: 20, grade: B, orders_per_year: 12,
     order_amount: {mean: 1000, cv: 0.5}, payer_mix: {on_time: 1.0}}
  - {name: shops, customers: 20, grade: C, orders_per_year: 12,
     order_amount: {mean: 500, cv: 0.5}, payer_mix: {on_time: 1.0}}
demand:
  by_grade:
    GRADE: {credit_period_multiplier: [[0, 0.5], [30, 1.0]]}
policy:
  terms: {B: "N/30", C: "N/30"}
"""
    with pytest.raises(ScenarioError) as info:
        load_text(text.replace("GRADE", "E"), source="my.yaml")
    message = str(info.value)
    assert message.startswith("my.yaml:10:") and "demand.by_grade.E" in message
    assert "A, B, C, D" in message
    with pytest.raises(ScenarioError) as info:
        load_text(text.replace("GRADE", "D"), source="my.yaml")
    message = str(info.value)
    assert message.startswith("my.yaml:10:") and "demand.by_grade" in message
    assert "grade D, which no segment has" in message and "grades: B, C" in message
    # a grade's own table is held to the same rules as the scenario-wide one
    with pytest.raises(ScenarioError) as info:
        load_text(text.replace("GRADE", "C").replace("[30, 1.0]", "[0, 1.0]"),
                  source="my.yaml")
    message = str(info.value)
    assert "demand.by_grade.C.credit_period_multiplier" in message
    assert "must increase strictly" in message
    # and a valid one loads, addressable by --set like any scenario field
    scenario, policy = load_text(text.replace("GRADE", "C"))
    assert scenario.demand.tables("C")[0] == ((0.0, 0.5), (30.0, 1.0))
    changed, _ = apply_overrides(scenario, policy, [
        "scenario.demand.by_grade.B={discount_multiplier: [[0, 1], [0.02, 1.1]]}"])
    assert changed.demand.tables("B")[1] == ((0.0, 1.0), (0.02, 1.1))
    assert changed.demand.tables("C") == scenario.demand.tables("C")
