"""docs/model.md §5.1: end-of-month dating ("2/10 EOM, N/30 EOM").

The discount windows and the credit period count from the end of the month the invoice falls
in: months of days_in_year / 12 days from day 0, the engines' month calendar. An opening
invoice keeps the due date its stated age gives it. The three engines agree to the last bit.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import one_segment

from arsim.sim.behaviour import Outcome
from arsim.sim.engine.des import run_des
from arsim.sim.engine.fast import run_fast
from arsim.sim.engine.output import EngineOutput
from arsim.sim.engine.reference import run_reference
from arsim.sim.ledger import check_conservation
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario
from arsim.sim.terms import Terms, dating_day


def _scenario(days_in_year: int = 365, opening: bool = True) -> Scenario:
    top = {
        "conventions": {"days_in_year": days_in_year},
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


def _policy(terms: str, closes: bool = True) -> Policy:
    # (an agency or a write-off closes the account: with either, a later due date changes
    # which orders ship)
    ladder = [{"day": -5, "action": "reminder"}, {"day": 10, "action": "phone"}]
    return Policy.model_validate({
        "accepted_grades": ["B"], "terms": {"B": terms},
        "ladder": [*ladder, {"day": 60, "action": "agency"}] if closes else ladder,
        "write_off": {"days_overdue": 200 if closes else None}})


def _same_on_every_engine(scenario: Scenario, policy: Policy, seed: int) -> EngineOutput:
    fast = run_fast(scenario, policy, seed)
    for other in (run_des(scenario, policy, seed), run_reference(scenario, policy, seed)):
        assert other.ledger.tobytes() == fast.ledger.tobytes()
        assert other.lost_sales == fast.lost_sales
        assert other.collector.busy_days == fast.collector.busy_days
    return fast


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
    out = _same_on_every_engine(scenario, _policy("2/10 EOM, N/30 EOM"), seed=4)
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
    # the same customers and orders on N/30 and N/30 EOM: every new invoice's due date moves
    # to the end of its month plus 30 days, between 0 and a month later; amounts stay
    scenario = _scenario(360, opening=False)
    plain = _same_on_every_engine(scenario, _policy("N/30", closes=False), seed=7).ledger
    eom = _same_on_every_engine(scenario, _policy("N/30 EOM", closes=False), seed=7).ledger
    assert np.array_equal(plain["amount"], eom["amount"])
    assert np.array_equal(plain["issue_day"], eom["issue_day"])
    shift = eom["due_day"] - plain["due_day"]
    assert shift.min() > 0.0 and shift.max() <= 30.0
    # an invoice issued on day t waits on average half a month longer
    assert shift.mean() == pytest.approx(15.0, abs=1.5)


def test_the_buyers_choice_is_the_same_under_either_dating() -> None:
    # net - window is what a tier costs, and EOM moves both by the same days: the same
    # invoices take the discount, each paying later by its shift
    scenario = _scenario(365, opening=False)
    plain = run_fast(scenario, _policy("2/10, N/30", closes=False), seed=2).ledger
    eom = run_fast(scenario, _policy("2/10 EOM, N/30 EOM", closes=False), seed=2).ledger
    closed = (plain["outcome"] != int(Outcome.OPEN)) & (eom["outcome"] != int(Outcome.OPEN))
    assert closed.mean() > 0.7  # (open at the end on either dating: defaulters, the last)
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
