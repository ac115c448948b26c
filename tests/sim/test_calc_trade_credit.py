"""Family 1 invariants: the cost of trade credit and the buyer's early-payment choice."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsim.sim.calc import early_payment, trade_credit_cost
from arsim.sim.errors import CalcError
from arsim.sim.terms import DiscountTier, Terms, best_tier, tier_costs

rates = st.floats(0.005, 0.1)
windows = st.integers(1, 30)
years = st.sampled_from([360.0, 365.0])


@st.composite
def single_tier(draw: st.DrawFn) -> Terms:
    window = draw(windows)
    return Terms(net_days=window + draw(st.integers(1, 90)),
                 discounts=(DiscountTier(rate=draw(rates), window_days=window),))


@given(single_tier(), years)
def test_at_the_net_day_the_rates_are_the_simulators(terms: Terms, year: float) -> None:
    ours = trade_credit_cost(terms, days_in_year=year).tiers[0]
    theirs = tier_costs(terms, year)[0]
    assert ours.simple_annual == theirs.simple_annual
    assert ours.effective_annual == theirs.effective_annual


@given(single_tier(), years, st.integers(1, 200))
def test_rates_are_ordered_and_zero_when_the_discount_is_taken(terms: Terms, year: float,
                                                                day: int) -> None:
    tier = trade_credit_cost(terms, day, year).tiers[0]
    if day <= terms.discounts[0].window_days:
        assert tier.taken
        assert (tier.approximate_annual, tier.simple_annual, tier.effective_annual) == (0, 0, 0)
        return
    # d/(1-d) > d, and compounding adds to the simple rate when a year holds a period or more
    assert tier.simple_annual > tier.approximate_annual > 0
    if year / (day - terms.discounts[0].window_days) >= 1:
        assert tier.effective_annual >= tier.simple_annual * (1 - 1e-12)


@given(single_tier(), years, st.integers(1, 60))
def test_stretching_lowers_the_cost(terms: Terms, year: float, extra: int) -> None:
    at_net = trade_credit_cost(terms, None, year).tiers[0]
    later = trade_credit_cost(terms, terms.net_days + extra, year)
    assert later.tiers[0].simple_annual < at_net.simple_annual
    assert later.past_due_days == extra


def test_a_later_tier_taken_prices_only_the_difference() -> None:
    # 6/10, 3/20, N/45 paid on day 20: skipping 6% to keep 3% buys 10 days for 3% of 94%
    tiers = trade_credit_cost("6/10, 3/20, N/45", pay_day=20).tiers
    assert tiers[0].discount_kept == pytest.approx(0.03)
    assert tiers[0].simple_annual == pytest.approx(0.03 / 0.94 * 360 / 10, rel=1e-12)
    assert tiers[0].approximate_annual == pytest.approx(0.03 * 36, rel=1e-12)
    assert tiers[1].taken


@given(st.floats(0.0, 0.6), years)
def test_best_early_payment_is_the_simulated_buyers_choice(rate: float, year: float) -> None:
    terms = Terms.model_validate("6/10, 3/20, N/45")
    result = early_payment(terms, 1_000, rate, year)
    assert result.best == best_tier(terms, rate, year)
    for option in result.options:
        assert option.net_benefit == pytest.approx(option.discount_gained - option.interest_cost)


def test_no_tier_pays_when_borrowing_is_dear() -> None:
    result = early_payment("2/10, N/30", 1_000, 0.50)
    assert result.best is None
    assert "pay the invoice on day 30" in result.best_choice


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: trade_credit_cost("2/10 N/30", days_in_year=300), "360 or 365"),
        (lambda: trade_credit_cost("2/10, N/30", pay_day=0), "payment day"),
        (lambda: trade_credit_cost("2/40, N/30"), "not shorter than the credit period"),
        (lambda: trade_credit_cost("two ten net thirty"), "cannot read credit terms"),
        (lambda: early_payment("2/10, N/30", 100, 0.1, pay_day=10), "not after the window"),
        (lambda: early_payment("2/10, N/30", -5, 0.1), "invoice amount"),
        (lambda: early_payment("2/10, N/30", 100, -0.1), "borrowing rate"),
        (lambda: early_payment("2/10, N/30", 100, math.nan), "borrowing rate"),
    ],
)
def test_impossible_inputs_raise_one_clear_error(call: object, message: str) -> None:
    with pytest.raises(CalcError, match=message):
        call()  # type: ignore[operator]


def test_cash_terms_have_no_tiers() -> None:
    assert trade_credit_cost("N/30").tiers == ()
    assert trade_credit_cost("N/30").figures() == ()
