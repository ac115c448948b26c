"""docs/model.md §5.1: end-of-month dating ("2/10 EOM, N/30 EOM").

The discount windows and the credit period count from the end of the month the invoice falls
in: months of days_in_year / 12 days from day 0, the engines' month calendar. An opening
invoice keeps the due date its stated age gives it. The three engines agree to the last bit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import customer_book, one_segment, same_on_every_engine

from arsim.sim.behaviour import Outcome, demand_multiplier, reference_multiplier
from arsim.sim.engine.fast import run_fast
from arsim.sim.ledger import check_conservation
from arsim.sim.policy import Policy
from arsim.sim.replicate import replicate
from arsim.sim.scenario import Scenario
from arsim.sim.terms import Terms, dating_day


def _scenario(days_in_year: int = 365, opening: bool = True,
              demand: dict[str, Any] | None = None) -> Scenario:
    top = {
        "conventions": {"days_in_year": days_in_year},
        "demand": demand or {},
        "opening_book": {"total_amount": 200_000, "buckets": [
            {"days_overdue_from": -40, "days_overdue_to": 0, "share": 0.6},
            {"days_overdue_from": 0, "days_overdue_to": 90, "share": 0.4}]} if opening else None,
    }
    return one_segment(
        "eom", 400.0, customers=60, orders_per_year=18, amount_cv=0.6,
        mix={"on_time": 0.3, "reminded": 0.4, "pressure": 0.2, "defaulter": 0.1},
        segment={"funding_cost_annual": {"mean": 0.1, "cv": 0.5}, "cash_available_share": 0.7,
                 "disputes": {"share": 0.1, "upheld_share": 0.5}},
        **top)


#: A demand response that does not move with the credit period.
FLAT = {"credit_period_multiplier": [[0, 1.0]]}


def _policy(terms: str, closes: bool = True) -> Policy:
    # (an agency or a write-off closes the account: with either, a later due date changes
    # which orders ship)
    ladder = [{"day": -5, "action": "reminder"}, {"day": 10, "action": "phone"}]
    return Policy.model_validate({
        "accepted_grades": ["B"], "terms": {"B": terms},
        "ladder": [*ladder, {"day": 60, "action": "agency"}] if closes else ladder,
        "write_off": {"days_overdue": 200 if closes else None}})


# ---- the dating day -------------------------------------------------------------------------


@pytest.mark.parametrize(("issue", "month", "dated"), [
    (0.0, 30.0, 30.0), (0.5, 30.0, 30.0), (29.999, 30.0, 30.0), (30.0, 30.0, 60.0),
    (45.0, 30.0, 60.0), (359.0, 30.0, 360.0), (10.0, 365 / 12, 365 / 12),
    (31.0, 365 / 12, 2 * (365 / 12)),
])
def test_an_invoice_is_dated_from_the_end_of_its_month(issue: float, month: float,
                                                       dated: float) -> None:
    assert dating_day(issue, True, month) == pytest.approx(dated, rel=1e-15)
    assert dating_day(issue, False, month) == issue


@given(st.floats(0.0, 5_000.0), st.sampled_from([30.0, 365 / 12]))
def test_the_dating_day_is_the_next_month_end(issue: float, month: float) -> None:
    dated = dating_day(issue, True, month)
    assert issue < dated <= issue + month * (1 + 1e-12)
    months = dated / month
    assert abs(months - round(months)) < 1e-9


# ---- the engines ----------------------------------------------------------------------------


@pytest.mark.parametrize("days_in_year", [360, 365])
def test_engines_agree_on_end_of_month_terms(days_in_year: int) -> None:
    scenario = _scenario(days_in_year)
    out = same_on_every_engine(scenario, _policy("2/10 EOM, N/30 EOM"), seed=4)
    check_conservation(out.ledger)
    month = days_in_year / 12.0
    new = out.ledger[~out.ledger["opening"]]
    dated = (np.floor(new["issue_day"] / month) + 1.0) * month
    assert np.array_equal(new["due_day"], dated + 30.0)
    took = new["outcome"] == int(Outcome.DISCOUNT)
    assert took.sum() > 20  # the funding costs make many take the discount
    assert np.array_equal(new["settle_day"][took], dated[took] + 10.0)
    # an opening invoice's due date is what its stated age makes it: issue + net
    old = out.ledger[out.ledger["opening"]]
    assert old.size > 0
    assert np.array_equal(old["due_day"], old["issue_day"] + 30.0)


def test_end_of_month_dating_moves_only_the_dates() -> None:
    # the same customers and orders on N/30 and N/30 EOM (a demand response flat in the
    # credit period, so that both win the same orders): every new invoice's due date moves
    # to the end of its month plus 30 days, between 0 and a month later; amounts stay
    scenario = _scenario(360, opening=False, demand=FLAT)
    plain = same_on_every_engine(scenario, _policy("N/30", closes=False), seed=7).ledger
    eom = same_on_every_engine(scenario, _policy("N/30 EOM", closes=False), seed=7).ledger
    assert np.array_equal(plain["amount"], eom["amount"])
    assert np.array_equal(plain["issue_day"], eom["issue_day"])
    shift = eom["due_day"] - plain["due_day"]
    assert shift.min() > 0.0 and shift.max() <= 30.0
    # an invoice issued on day t waits on average half a month longer
    assert shift.mean() == pytest.approx(15.0, abs=1.5)


def test_the_buyers_choice_is_the_same_under_either_dating() -> None:
    # net - window is what a tier costs, and EOM moves both by the same days: the same
    # invoices take the discount, each paying later by its shift (the demand response flat
    # in the credit period: the same orders under either dating)
    scenario = _scenario(365, opening=False, demand=FLAT)
    plain = run_fast(scenario, _policy("2/10, N/30", closes=False), seed=2).ledger
    eom = run_fast(scenario, _policy("2/10 EOM, N/30 EOM", closes=False), seed=2).ledger
    closed = (plain["outcome"] != int(Outcome.OPEN)) & (eom["outcome"] != int(Outcome.OPEN))
    assert closed.mean() > 0.6  # (open at the end on either dating: defaulters, pressure
    # payers not yet moved by a step, the last)
    took = closed & (plain["outcome"] == int(Outcome.DISCOUNT))
    assert took.sum() > 100
    assert np.array_equal(took, closed & (eom["outcome"] == int(Outcome.DISCOUNT)))
    shift = eom["due_day"] - plain["due_day"]
    assert np.allclose(eom["settle_day"][took] - plain["settle_day"][took], shift[took])


def test_terms_keep_their_dating_through_a_policy_file_and_a_sweep() -> None:
    policy = _policy("2/10 EOM, N/30 EOM")
    assert policy.terms["B"].end_of_month
    again = Policy.model_validate(policy.model_dump())
    assert again == policy
    assert math.isclose(Terms.model_validate("N/45 EOM").dating_day(50.0, 30.0), 60.0)


# ---- the demand response reads the effective credit period -----------------------------------


@pytest.mark.parametrize("days_in_year", [360, 365])
def test_an_eom_term_wins_the_demand_of_the_plain_term_half_a_month_longer(
        days_in_year: int) -> None:
    # credit period table (0, .8) (30, 1) (60, 1.1) (90, 1.15): N/30 EOM gives 30 + M/2 days
    scenario = _scenario(days_in_year, opening=False)
    half_month = days_in_year / 24.0
    eom = Terms.model_validate("2/10 EOM, N/30 EOM")
    plain = Terms(net_days=30.0 + half_month, discounts=eom.discounts)
    assert eom.effective_credit_days(days_in_year) == 30.0 + half_month
    assert demand_multiplier(scenario, eom) == demand_multiplier(scenario, plain)
    # by hand: 1 + 0.1 x (M/2) / 30, times the discount table at 2% (1 + 0.05 x 2/5)
    assert demand_multiplier(scenario, eom) == pytest.approx(
        (1.0 + 0.1 * half_month / 30.0) * 1.02, rel=1e-12)
    assert demand_multiplier(scenario, eom) > demand_multiplier(
        scenario, Terms.model_validate("2/10, N/30"))
    # the engines keep exactly the orders the equivalent plain term keeps
    plain_policy = _policy("N/30", closes=False).with_value(
        "terms.B", {"net_days": 30.0 + half_month})
    by_plain = run_fast(scenario, plain_policy, seed=3).ledger
    by_eom = same_on_every_engine(scenario, _policy("N/30 EOM", closes=False), seed=3).ledger
    assert np.array_equal(by_plain["order_index"], by_eom["order_index"])
    assert np.array_equal(by_plain["customer"], by_eom["customer"])
    # and half a month is what the invoices wait on average for their month's end
    wait = by_eom["due_day"] - 30.0 - by_eom["issue_day"]
    assert by_eom.size > 500
    assert wait.mean() == pytest.approx(half_month, rel=0.06)


def test_market_terms_with_eom_are_read_at_their_effective_credit_period() -> None:
    market = {"market_terms": "N/30 EOM"}
    scenario = _scenario(360, opening=False, demand=market)
    # 30 + 15 days: 1 + 0.1 x 15 / 30 on the built-in table
    assert reference_multiplier(scenario) == pytest.approx(1.05, rel=1e-12)
    book = customer_book(scenario, _policy("N/30 EOM", closes=False), seed=1)
    assert np.all(book.reference_shares() == reference_multiplier(scenario))
    # a policy on the market's terms has no shortage for its terms; plain N/30 falls short
    same = replicate(scenario, _policy("N/30 EOM", closes=False), seed=5).metrics
    assert same["shortage_terms_cost"] == pytest.approx(0.0, abs=1e-9 * same["credit_sales"])
    shorter = replicate(scenario, _policy("N/30", closes=False), seed=5).metrics
    assert shorter["shortage_terms_cost"] > 0.0
