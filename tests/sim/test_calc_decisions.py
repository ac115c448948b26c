"""Family 2 invariants: break-evens are where the NPV crosses zero; inputs are checked."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from arsim.sim.calc import (
    SalesSlice,
    credit_decision,
    credit_policy_switch,
    discount_default_switch,
    receivables_investment,
)
from arsim.sim.errors import CalcError

prices = st.floats(10, 1_000)
shares = st.floats(0.05, 0.95)
returns = st.floats(0.001, 0.1)


@given(prices, shares, st.floats(1, 10_000), returns, st.floats(0.9, 1.2))
def test_switch_npv_is_zero_at_the_break_even_volume(price: float, cost_share: float,
                                                      quantity: float, rate: float,
                                                      price_step: float) -> None:
    cost = price * cost_share
    switch = credit_policy_switch(price, cost, quantity, quantity, rate,
                                  new_price=price * price_step)
    assume(not math.isnan(switch.break_even_quantity))
    at_even = credit_policy_switch(price, cost, quantity, switch.break_even_quantity, rate,
                                   new_price=price * price_step)
    assert at_even.npv == pytest.approx(0.0, abs=1e-6 * price * quantity / rate)
    more = credit_policy_switch(price, cost, quantity, switch.break_even_quantity + 1, rate,
                                new_price=price * price_step)
    assert more.npv > at_even.npv


def test_switch_npv_is_the_perpetuity_of_the_net_benefit() -> None:
    switch = credit_policy_switch(49, 20, 100, 110, 0.02)
    assert switch.npv == pytest.approx(switch.net_benefit_per_period / 0.02)


def test_no_break_even_volume_when_a_unit_never_pays_back() -> None:
    # (P' - v')/R - v' <= 0: each extra unit costs more than its margin's perpetuity is worth
    switch = credit_policy_switch(10, 9.5, 100, 120, 0.5)
    assert math.isnan(switch.break_even_quantity)


@given(st.floats(0.0, 0.2), returns, prices)
def test_discount_default_npv_crosses_zero_at_the_break_even(discount: float, rate: float,
                                                              price: float) -> None:
    even = discount_default_switch(price, 100, discount, 0.0, rate).break_even_default_rate
    assume(0 <= even < 1)
    npv = discount_default_switch(price, 100, discount, even, rate).npv
    assert npv == pytest.approx(0.0, abs=1e-7 * price * 100 / rate)


@given(prices, shares, st.floats(0.0, 0.5), returns)
def test_credit_decision_break_evens(price: float, cost_share: float, default: float,
                                     rate: float) -> None:
    cost = price * cost_share
    decision = credit_decision(price, cost, default, rate)
    if not math.isnan(decision.break_even_payment_probability):
        at_even = credit_decision(price, cost, 1 - decision.break_even_payment_probability, rate)
        assert at_even.one_shot_npv == pytest.approx(0.0, abs=1e-9 * price)
    for convention in ("cost_first", "profit_perpetuity"):
        repeat = credit_decision(price, cost, default, rate, convention)
        even = repeat.repeat_break_even_payment_probability
        if not math.isnan(even):
            zero = credit_decision(price, cost, 1 - even, rate, convention).repeat_npv
            assert zero == pytest.approx(0.0, abs=1e-7 * price / rate)
        # a buyer who comes back is worth at least as much as one order, when it pays
        if repeat.repeat_npv > 0:
            assert repeat.repeat_npv >= repeat.one_shot_npv - 1e-9 * price


def test_investment_slices_add_up() -> None:
    result = receivables_investment(
        [SalesSlice("before, at cost", 500_000 / 360, 30, 0.8),
         SalesSlice("extra, at variable cost", 100_000 / 360, 60, 0.8)], 0.15)
    assert result.investment == pytest.approx(500_000 / 360 * 30 * 0.8 + 100_000 / 360 * 60 * 0.8)
    assert result.carrying_cost == pytest.approx(0.15 * result.investment)
    assert [s.label for s in result.slices] == ["before, at cost", "extra, at variable cost"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: credit_policy_switch(0, 1, 1, 1, 0.02), "price"),
        (lambda: credit_policy_switch(10, 1, -1, 1, 0.02), "quantity"),
        (lambda: credit_policy_switch(10, 1, 1, 1, 0), "required return"),
        (lambda: discount_default_switch(10, 1, 1.2, 0, 0.02), "discount rate"),
        (lambda: credit_decision(10, 5, 1.5, 0.01), "default probability"),
        (lambda: credit_decision(10, -5, 0.1, 0.01), "cost"),
        (lambda: receivables_investment([], 0.1), "at least one slice"),
        (lambda: receivables_investment([SalesSlice("x", 1, 1, 1.5)], 0.1), "base ratio"),
        (lambda: receivables_investment([SalesSlice("x", -1, 1, 1)], 0.1), "sales"),
    ],
)
def test_impossible_inputs_raise(call: object, message: str) -> None:
    with pytest.raises(CalcError, match=message):
        call()  # type: ignore[operator]
