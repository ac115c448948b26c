"""Textbook examples reproduced exactly by the engine in deterministic mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from arsim.sim.loader import apply_overrides, load
from arsim.sim.replicate import run

HERE = Path(__file__).parent / "scenarios"


def _metrics(name: str, *overrides: str) -> dict[str, float]:
    scenario, policy = apply_overrides(*load(HERE / name), list(overrides))
    result = run(scenario, policy)
    return {k: v.mean for k, v in result.summary.items()}


def test_cpa_n30_to_n60_interest_and_net_benefit() -> None:
    n30 = _metrics("cpa_n30_n60.yaml")
    n60 = _metrics("cpa_n30_n60.yaml", "terms.B=N/60", "fixed_collection_cost_annual=4000")
    assert n30["credit_sales"] == pytest.approx(500_000, rel=1e-9)
    assert n60["credit_sales"] == pytest.approx(600_000, rel=1e-9)
    # interest on receivables: 500,000/360 x 30 x 0.8 x 15% = 5,000; 600,000/360 x 60 x ... = 12,000
    assert n30["opportunity_cost"] == pytest.approx(5_000, rel=1e-9)
    assert n60["opportunity_cost"] == pytest.approx(12_000, rel=1e-9)
    assert n30["management_cost"] == pytest.approx(3_000, rel=1e-9)
    assert n60["management_cost"] == pytest.approx(4_000, rel=1e-9)
    assert n30["bad_debt_cost"] == pytest.approx(5_000, rel=1e-9)
    assert n60["bad_debt_cost"] == pytest.approx(9_000, rel=1e-9)
    # net benefit of switching = margin gained - extra costs = 20,000 - 7,000 - 1,000 - 4,000
    assert n30["total_cost"] - n60["total_cost"] == pytest.approx(8_000, rel=1e-9)
    assert n60["net_margin"] - n30["net_margin"] == pytest.approx(8_000, rel=1e-9)


def test_cpa_2010_collection_period_and_interest() -> None:
    old = _metrics("cpa_2010.yaml")
    new = _metrics("cpa_2010.yaml", "terms.B=5/10, N/20")
    assert old["credit_sales"] == pytest.approx(1_000, rel=1e-9)
    assert new["credit_sales"] == pytest.approx(1_200, rel=1e-9)
    assert old["average_collection_period"] == pytest.approx(21.8, rel=1e-9)
    assert new["average_collection_period"] == pytest.approx(16.0, rel=1e-9)
    assert old["opportunity_cost"] == pytest.approx(5.232, rel=1e-9)
    assert new["opportunity_cost"] == pytest.approx(4.608, rel=1e-9)
    # discounts taken: 60% x 1,000 x 2% = 12 and 70% x 1,200 x 5% = 42
    assert old["discount_cost"] == pytest.approx(12.0, rel=1e-9)
    assert new["discount_cost"] == pytest.approx(42.0, rel=1e-9)


def test_deterministic_dso_equals_collection_period_in_steady_state() -> None:
    old = _metrics("cpa_2010.yaml")
    assert old["dso"] == pytest.approx(21.8, rel=1e-9)


def test_ross_locust_receivables_at_price_for_old_sales_and_cost_for_extra() -> None:
    """Ross et al.'s Locust Software, 5 more units on credit (scenarios/ross_locust.yaml):
    investment in receivables $5,000 = $4,900 of old sales at price + 5 x $20 at variable cost,
    carrying cost $100 a month. The simulator's opportunity cost with a mixed base, per year,
    is twelve months of it."""
    locust = _metrics("ross_locust.yaml")
    assert locust["credit_sales"] == pytest.approx(61_740, rel=1e-9)
    assert locust["average_receivables"] == pytest.approx(5_145, rel=1e-9)  # one month's sales
    assert locust["opportunity_cost"] / 0.24 == pytest.approx(5_000, rel=1e-9)
    assert locust["opportunity_cost"] / 12 == pytest.approx(100, rel=1e-9)
    # every slice at variable cost (the Chinese exam convention): 5,145 x 20/49 = 2,100
    at_cost = _metrics("ross_locust.yaml", "scenario.conventions.existing_sales.base=variable_cost")
    assert at_cost["opportunity_cost"] / 0.24 == pytest.approx(2_100, rel=1e-9)


def test_two_discount_tiers_with_bad_debts_on_the_customers_who_pay_at_net() -> None:
    """m.examk.com/p/1408771993.html (scenarios/two_tier_bad_debt.yaml): N/60 against
    "2/10, 1/20, N/60" on 2,640 of sales; published interest on receivables 28.6 and 11.44,
    bad debts 79.2 and 52.8, cash discounts 35.64 (all exact at two decimals)."""
    old = _metrics("two_tier_bad_debt.yaml")
    new = _metrics("two_tier_bad_debt.yaml", "terms.B=2/10, 1/20, N/60")
    assert old["opportunity_cost"] == pytest.approx(28.6, rel=1e-9)
    assert new["opportunity_cost"] == pytest.approx(11.44, rel=1e-9)
    assert new["dso"] == pytest.approx(24.0, rel=1e-9)  # 10 x 60% + 20 x 15% + 60 x 25%
    assert old["bad_debt_cost"] == pytest.approx(79.2, rel=1e-9)
    assert new["bad_debt_cost"] == pytest.approx(52.8, rel=1e-9)
    assert new["discount_cost"] == pytest.approx(35.64, rel=1e-9)
    # the take-up is the pattern's 60% + 15% exactly, the invoices whose window closes after
    # the run counted by their pattern
    assert new["discount_take_up"] == pytest.approx(0.75, rel=1e-12)
