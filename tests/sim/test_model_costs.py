"""docs/model.md §9: the costs of a replication, from a hand-built ledger.

The AR integral is exact over continuous time (amount from issue to the credit day, amount -
credited from then to settlement, clipped to the window, open invoices up to the end); the
opportunity cost is average AR x base x k with base vc or 1; every flow is per year of the
window in the scenario's day-count year (360 or 365).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import ValidationError
from support import one_segment

from arsim.sim.behaviour import Outcome
from arsim.sim.costs import (
    allowance_at,
    ar_balance_at,
    ar_integral,
    cost_breakdown,
    opportunity_base,
    settled_in,
)
from arsim.sim.engine.des import run_des
from arsim.sim.engine.output import CollectorStats, EngineOutput
from arsim.sim.ledger import LEDGER_DTYPE, check_conservation
from arsim.sim.policy import Policy
from arsim.sim.scenario import Conventions, Scenario

INF = np.inf


def _ledger(*rows: dict[str, Any]) -> np.ndarray:
    """A ledger from partial rows: credited_day/settle_day default to inf, money adds up."""
    ledger = np.zeros(len(rows), dtype=LEDGER_DTYPE)
    ledger["grade"] = "B"
    ledger["settle_day"] = INF
    ledger["credited_day"] = INF
    for i, row in enumerate(rows):
        for key, value in row.items():
            ledger[key][i] = value
        if "due_day" not in row:
            ledger["due_day"][i] = ledger["issue_day"][i] + 30.0
        ledger["effective_due_day"][i] = ledger["due_day"][i]
        if np.isinf(ledger["settle_day"][i]) and "outcome" not in row:
            ledger["outcome"][i] = int(Outcome.OPEN)
            ledger["open"][i] = ledger["amount"][i] - ledger["credited"][i]
        elif "outcome" not in row:
            ledger["outcome"][i] = int(Outcome.PAID)
            ledger["paid"][i] = ledger["amount"][i] - ledger["credited"][i]
    check_conservation(ledger)
    return ledger


def test_integral_of_a_paid_invoice_inside_the_window() -> None:
    ledger = _ledger({"issue_day": 10.0, "settle_day": 50.0, "amount": 100.0})
    assert ar_integral(ledger, 0.0, 100.0) == pytest.approx(100 * 40)


def test_integral_is_clipped_to_the_window() -> None:
    ledger = _ledger({"issue_day": -20.0, "settle_day": 30.0, "amount": 100.0},
                     {"issue_day": 90.0, "settle_day": 130.0, "amount": 10.0},
                     {"issue_day": -50.0, "settle_day": -5.0, "amount": 1e6},
                     {"issue_day": 120.0, "settle_day": 130.0, "amount": 1e6})
    assert ar_integral(ledger, 0.0, 100.0) == pytest.approx(100 * 30 + 10 * 10)


def test_an_open_invoice_counts_to_the_end() -> None:
    ledger = _ledger({"issue_day": 80.0, "amount": 100.0})
    assert ledger["outcome"][0] == int(Outcome.OPEN)
    assert ar_integral(ledger, 0.0, 100.0) == pytest.approx(100 * 20)
    assert ar_integral(ledger, 0.0, 150.0) == pytest.approx(100 * 70)


def test_a_credit_lowers_the_balance_from_its_day() -> None:
    ledger = _ledger(
        {"issue_day": 10.0, "settle_day": 40.0, "amount": 100.0, "credited": 30.0,
         "credited_day": 20.0},
        {"issue_day": 50.0, "amount": 200.0, "credited": 50.0, "credited_day": 70.0})
    # 100 x 10 + 70 x 20, then 200 x 20 + 150 x 30 (open to the end)
    assert ar_integral(ledger, 0.0, 100.0) == pytest.approx(1000 + 1400 + 4000 + 4500)
    # a window that starts after the credit day sees only the reduced amount
    assert ar_integral(ledger, 25.0, 35.0) == pytest.approx(70 * 10)


def test_not_yet_due_part_stops_at_the_contractual_due_date() -> None:
    ledger = _ledger({"issue_day": 10.0, "settle_day": 50.0, "amount": 100.0, "due_day": 40.0},
                     {"issue_day": 90.0, "amount": 50.0, "due_day": 120.0},
                     {"issue_day": 20.0, "settle_day": 30.0, "amount": 10.0, "due_day": 45.0})
    assert ar_integral(ledger, 0.0, 100.0, current_only=True) == pytest.approx(
        100 * 30 + 50 * 10 + 10 * 10)


def test_balance_at_an_instant() -> None:
    ledger = _ledger(
        {"issue_day": 10.0, "settle_day": 40.0, "amount": 100.0, "credited": 30.0,
         "credited_day": 20.0},
        {"issue_day": 15.0, "amount": 50.0})
    np.testing.assert_allclose(ar_balance_at(ledger, 5.0), [0, 0])
    np.testing.assert_allclose(ar_balance_at(ledger, 10.0), [100, 0])  # issued: open
    np.testing.assert_allclose(ar_balance_at(ledger, 19.99), [100, 50])
    np.testing.assert_allclose(ar_balance_at(ledger, 20.0), [70, 50])
    np.testing.assert_allclose(ar_balance_at(ledger, 40.0), [0, 50])  # settled: gone


def test_settled_in_the_window() -> None:
    ledger = _ledger({"issue_day": 0.0, "settle_day": 10.0, "amount": 1.0},
                     {"issue_day": 0.0, "settle_day": 100.0, "amount": 1.0},
                     {"issue_day": 0.0, "settle_day": 99.5, "amount": 1.0},
                     {"issue_day": 0.0, "amount": 1.0})
    assert settled_in(ledger, 10.0, 100.0).tolist() == [True, False, True, False]


def _scenario(days_in_year: int = 365, base: str = "variable_cost",
              inventory: bool = False, recognition: str = "write_off",
              existing: dict[str, Any] | None = None) -> Scenario:
    return Scenario.model_validate({
        "name": "costs",
        "conventions": {"days_in_year": days_in_year, "opportunity_cost_base": base,
                        "include_inventory_carrying": inventory,
                        "bad_debt_recognition": recognition, "existing_sales": existing},
        "company": {"variable_cost_ratio": 0.6, "cost_of_capital_annual": 0.1,
                    "fixed_credit_department_cost_annual": 1000.0,
                    "collector_salary_annual": 500.0, "inventory_days": 40.0,
                    "payables_days": 10.0},
        "horizon": {"warmup_days": 100, "horizon_days": 730},
        "segments": [{"name": "s", "customers": 1, "grade": "B", "orders_per_year": 1,
                      "order_amount": {"mean": 1}, "payer_mix": {"on_time": 1.0}}],
    })


def _policy(collectors: int | None = 2) -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"},
                                  "fixed_collection_cost_annual": 200.0,
                                  "collections": {"collectors": collectors}})


def _output() -> EngineOutput:
    """Window [100, 830): one invoice of each kind, plus the tallies kept beside the ledger."""
    ledger = _ledger(
        # opening-like: issued before the window, paid inside
        {"issue_day": 50.0, "settle_day": 150.0, "amount": 1000.0},
        # discount inside the window
        {"issue_day": 200.0, "settle_day": 210.0, "amount": 500.0, "outcome": 3,
         "paid": 490.0, "discount": 10.0},
        # written off inside the window, with an agency fee and a penalty elsewhere
        {"issue_day": 300.0, "settle_day": 700.0, "amount": 800.0, "outcome": 6,
         "written_off": 800.0},
        {"issue_day": 400.0, "settle_day": 500.0, "amount": 600.0, "outcome": 4,
         "paid": 600.0, "agency_fee": 150.0, "penalty": 12.0},
        # open at the end
        {"issue_day": 800.0, "amount": 300.0},
        # settled after the end: its money does not count as settled in the window
        {"issue_day": 700.0, "settle_day": 900.0, "amount": 100.0, "outcome": 6,
         "written_off": 100.0},
    )
    return EngineOutput(engine="des", window=(100.0, 830.0), ledger=ledger,
                        actions={"phone": (10.0, 50.0), "letter": (2.0, 30.0)},
                        lost_sales={"terms": 700.0, "credit_limit": 300.0}, cash_sales=2000.0,
                        rebates=40.0, collector=CollectorStats(collectors=2))


# integral over [100, 830): 1000 x 50 + 500 x 10 + 800 x 400 + 600 x 100 + 300 x 30 + 100 x 130
INTEGRAL = 1000 * 50 + 500 * 10 + 800 * 400 + 600 * 100 + 300 * 30 + 100 * 130
SPAN = 730.0


@pytest.mark.parametrize("days_in_year", [360, 365])
def test_cost_breakdown_by_hand(days_in_year: int) -> None:
    out = _output()
    assert ar_integral(out.ledger, 100.0, 830.0) == pytest.approx(INTEGRAL)
    costs = cost_breakdown(_scenario(days_in_year), _policy(), out)
    years = SPAN / days_in_year
    average = INTEGRAL / SPAN
    expected = {
        "average_receivables": average,
        "opportunity_cost": average * 0.6 * 0.1,
        "management_cost": 1000 + 2 * 500 + 200 + (50 + 30 + 150) / years,
        "bad_debt_cost": 800 / years,
        "shortage_cost": 0.4 * 1000 / years,
        "discount_cost": (10 + 40) / years,
        "penalty_income": 12 / years,
        "inventory_carrying_cost": 0.0,
        "credit_sales": (500 + 800 + 600 + 300 + 100) / years,
        "cash_sales": 2000 / years,
        "lost_sales": 1000 / years,
        "rebates": 40 / years,
    }
    for key, value in expected.items():
        assert costs[key] == pytest.approx(value), key
    total = (expected["opportunity_cost"] + expected["management_cost"]
             + expected["bad_debt_cost"] + expected["shortage_cost"]
             + expected["discount_cost"] - expected["penalty_income"])
    assert costs["total_cost"] == pytest.approx(total)
    margin = 0.4 * (expected["credit_sales"] + expected["cash_sales"])
    assert costs["contribution_margin"] == pytest.approx(margin)
    assert costs["net_margin"] == pytest.approx(
        margin - (total - expected["shortage_cost"]))


def test_flows_scale_with_the_day_count_year() -> None:
    at_360 = cost_breakdown(_scenario(360), _policy(), _output())
    at_365 = cost_breakdown(_scenario(365), _policy(), _output())
    for key in ("bad_debt_cost", "shortage_cost", "discount_cost", "penalty_income",
                "credit_sales", "cash_sales", "lost_sales"):
        assert at_365[key] / at_360[key] == pytest.approx(365 / 360), key
    # a balance does not: the average AR and its cost are the same at 360 and 365
    assert at_365["opportunity_cost"] == at_360["opportunity_cost"]


def test_the_opportunity_cost_base() -> None:
    variable = cost_breakdown(_scenario(base="variable_cost"), _policy(), _output())
    sales = cost_breakdown(_scenario(base="sales_value"), _policy(), _output())
    assert variable["opportunity_cost"] == pytest.approx(INTEGRAL / SPAN * 0.6 * 0.1)
    assert sales["opportunity_cost"] == pytest.approx(INTEGRAL / SPAN * 1.0 * 0.1)
    # mixed: the output's 2,300 of credit sales over SPAN days, a yearly 1,000 of them at
    # price and the rest at variable cost
    sales_annual = 2300 / (SPAN / 365)
    mixed = cost_breakdown(_scenario(base="mixed", existing={"annual": 1000.0}), _policy(),
                           _output())
    share = (1000.0 * 1.0 + (sales_annual - 1000.0) * 0.6) / sales_annual
    assert mixed["credit_sales"] == pytest.approx(sales_annual)
    assert mixed["opportunity_cost"] == pytest.approx(INTEGRAL / SPAN * share * 0.1)


def _conventions(annual: float, base: str = "sales_value") -> Conventions:
    return Conventions(opportunity_cost_base="mixed",
                       existing_sales={"annual": annual, "base": base})  # type: ignore[arg-type]


def test_a_mixed_base_prices_each_slice_at_its_own_base() -> None:
    # Ross et al.'s Locust: 4,900 existed at price, 245 more at 20/49: 5,000 of 5,145
    assert opportunity_base(_conventions(4900), 20 / 49, 5145) * 5145 == pytest.approx(5000)
    # no more sales than before: all at the old slice's base; none existed: all at cost
    assert opportunity_base(_conventions(4900), 0.4, 3000) == 1.0
    assert opportunity_base(_conventions(0), 0.4, 3000) == pytest.approx(0.4)
    assert opportunity_base(_conventions(4900), 0.4, 0.0) == 1.0
    assert opportunity_base(Conventions(), 0.4, 3000) == 0.4
    assert opportunity_base(Conventions(opportunity_cost_base="sales_value"), 0.4, 3000) == 1.0


@given(st.floats(0, 1e7), st.floats(0.01, 0.99), st.floats(0, 1e7),
       st.sampled_from(["sales_value", "variable_cost"]))
@example(0.0, 0.625, 2.2250738585e-313, "sales_value")  # (subnormal sales: found in CI)
def test_a_mixed_base_lies_between_its_slices_bases(existing: float, vc: float, sales: float,
                                                   old: str) -> None:
    base = opportunity_base(_conventions(existing, old), vc, sales)
    old_base = 1.0 if old == "sales_value" else vc
    assert min(vc, old_base) - 1e-12 <= base <= max(vc, old_base) + 1e-12
    # the money tied up is each slice's sales at its base: no more, no less
    kept = min(existing, sales)
    assert base * sales == pytest.approx(kept * old_base + (sales - kept) * vc, rel=1e-9,
                                         abs=1e-6)


def test_existing_sales_go_with_the_mixed_base_only() -> None:
    with pytest.raises(ValidationError, match="needs existing_sales"):
        Conventions(opportunity_cost_base="mixed")
    with pytest.raises(ValidationError, match="set it to 'mixed'"):
        Conventions(existing_sales={"annual": 10.0})  # type: ignore[arg-type]


def test_unlimited_collectors_cost_no_salary() -> None:
    with_team = cost_breakdown(_scenario(), _policy(2), _output())
    unlimited = cost_breakdown(_scenario(), _policy(None), _output())
    assert with_team["management_cost"] - unlimited["management_cost"] == pytest.approx(1000)


def test_inventory_carrying_cost() -> None:
    costs = cost_breakdown(_scenario(360, inventory=True), _policy(), _output())
    years = SPAN / 360
    sales = (2300 + 2000) / years
    expected = 0.6 * sales / 360 * (40 - 10) * 0.1
    assert costs["inventory_carrying_cost"] == pytest.approx(expected)
    plain = cost_breakdown(_scenario(360), _policy(), _output())
    assert costs["total_cost"] - plain["total_cost"] == pytest.approx(expected)


def test_a_policy_may_carry_its_own_inventory_and_payables_days() -> None:
    # a policy that sells more may hold more stock: its days replace the company's
    policy = _policy().model_copy(update={"inventory_days": 70.0})
    costs = cost_breakdown(_scenario(360, inventory=True), policy, _output())
    sales = (2300 + 2000) / (SPAN / 360)
    assert costs["inventory_carrying_cost"] == pytest.approx(
        0.6 * sales / 360 * (70 - 10) * 0.1)
    both = _policy().model_copy(update={"inventory_days": 70.0, "payables_days": 25.0})
    costs = cost_breakdown(_scenario(360, inventory=True), both, _output())
    assert costs["inventory_carrying_cost"] == pytest.approx(
        0.6 * sales / 360 * (70 - 25) * 0.1)
    # without the convention, no inventory is charged, whatever the policy says
    assert cost_breakdown(_scenario(360), policy, _output())["inventory_carrying_cost"] == 0.0


def test_the_engine_integral_matches_a_daily_fine_sum() -> None:
    # an engine ledger with credits: the exact integral against a fine Riemann sum
    scenario = one_segment(
        "riemann", 120, customers=20, orders_per_year=12, amount_cv=0.5,
        mix={"on_time": 0.5, "reminded": 0.5},
        segment={"disputes": {"share": 0.5, "upheld_share": 1.0}},
        horizon={"warmup_days": 30, "horizon_days": 120})
    ledger = run_des(scenario, _policy(None), seed=3).ledger
    assert np.any(ledger["credited"] > 0)
    step = 0.01
    grid = np.arange(30.0, 150.0, step) + step / 2
    riemann = sum(float(ar_balance_at(ledger, t).sum()) for t in grid) * step
    assert ar_integral(ledger, 30.0, 150.0) == pytest.approx(riemann, rel=2e-3)


def test_bad_debt_by_provision_by_hand() -> None:
    # bands: 5% from 30 days overdue, 30% from 180, 80% from 365 (the default rates).
    # At the window's start (day 100) the opening-like invoice (due 80) is 20 days overdue:
    # no provision. At its end (day 830) the open invoice (due 830) is not yet overdue and the
    # one settled after the end (due 730) is 100 days overdue: 5% of 100. The write-off of
    # 800 in the window consumes the allowance; expense = 5 - 0 + 800.
    out = _output()
    costs = cost_breakdown(_scenario(365, recognition="provision"), _policy(), out)
    years = SPAN / 365
    assert costs["allowance_start"] == 0.0
    assert costs["allowance_end"] == pytest.approx(0.05 * 100)
    assert costs["bad_debt_written_off"] == pytest.approx(800 / years)
    assert costs["bad_debt_provision_expense"] == pytest.approx((5 + 800) / years)
    assert costs["bad_debt_cost"] == costs["bad_debt_provision_expense"]
    by_write_off = cost_breakdown(_scenario(365), _policy(), out)
    assert by_write_off["bad_debt_cost"] == by_write_off["bad_debt_written_off"]
    assert by_write_off["bad_debt_provision_expense"] == costs["bad_debt_provision_expense"]


def test_the_allowance_takes_the_band_an_invoice_has_reached() -> None:
    ledger = _ledger(*({"issue_day": 0.0, "due_day": due, "amount": 100.0}
                       for due in (1000.0, 990.0, 970.0, 820.0, 635.0)))
    rates = ((30.0, 0.05), (180.0, 0.3), (365.0, 0.8))
    # at day 1000: 0, 10, 30, 180 and 365 days overdue
    assert allowance_at(ledger, 1000.0, rates) == pytest.approx(100 * (0.05 + 0.3 + 0.8))
