"""docs/model.md §5.3: who takes a cash discount, and what a discounted invoice looks like.

A customer takes a tier iff its funding cost is below the tier's simple annual cost of
forgoing it (2/10 N/30 at 365 days: 37.24%) and the invoice's cash draw is below
cash_available_share. Defaulters never take it, disputed invoices never do. A discounted
invoice settles on issue + window with discount = rate x amount.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from arsim.sim.behaviour import Outcome
from arsim.sim.costs import cost_breakdown
from arsim.sim.engine.des import run_des
from arsim.sim.ledger import check_conservation
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario
from arsim.sim.terms import forgo_cost_simple

DISCOUNT = int(Outcome.DISCOUNT)
END = 500.0


def _scenario(funding: float, *, mix: dict[str, float] | None = None, cash: float = 1.0,
              disputes: float = 0.0, days_in_year: int = 365) -> Scenario:
    seg: dict[str, Any] = {
        "name": "s", "customers": 80, "grade": "B", "orders_per_year": 12,
        "order_amount": {"mean": 1000, "cv": 0.8},
        # (payers who would pay at net: for them the threshold is the textbook's, §5.3)
        "payer_mix": mix or {"on_time": 1.0},
        "funding_cost_annual": {"mean": funding, "cv": 0.0},
        "cash_available_share": cash,
        "disputes": {"share": disputes, "upheld_share": 0.0},
    }
    return Scenario.model_validate({
        "name": "discount", "conventions": {"days_in_year": days_in_year},
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": 500},
        "segments": [seg], "demand": {"customer_loss": {"after_action": {}}},
    })


def _policy(terms: str = "2/10, N/30") -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": terms},
                                  "write_off": {"days_overdue": None}})


def _run(scenario: Scenario, policy: Policy, seed: int, window: float = 10.0) -> np.ndarray:
    """The ledger rows whose discount window closes before the end of the run."""
    ledger = run_des(scenario, policy, seed).ledger
    return ledger[ledger["issue_day"] + window < END]


def test_the_threshold_is_the_simple_cost_of_forgoing() -> None:
    assert forgo_cost_simple(0.02, 10, 30, 365) == pytest.approx(0.3724, abs=1e-4)


@pytest.mark.parametrize("funding", [0.01, 0.36])
def test_funding_below_the_implied_cost_takes_every_discount(funding: float) -> None:
    ledger = _run(_scenario(funding), _policy(), 5)
    assert len(ledger) > 500
    assert np.all(ledger["outcome"] == DISCOUNT)
    np.testing.assert_allclose(ledger["settle_day"], ledger["issue_day"] + 10.0)
    np.testing.assert_allclose(ledger["discount"], 0.02 * ledger["amount"])
    np.testing.assert_allclose(ledger["paid"], 0.98 * ledger["amount"])
    assert np.all(ledger["penalty"] == 0.0)
    check_conservation(ledger)


@pytest.mark.parametrize("funding", [0.38, 0.9])
def test_funding_above_the_implied_cost_takes_none(funding: float) -> None:
    ledger = _run(_scenario(funding), _policy(), 5)
    assert len(ledger) > 500
    assert not np.any(ledger["outcome"] == DISCOUNT)
    assert np.all(ledger["discount"] == 0.0)


def test_the_year_convention_moves_the_threshold() -> None:
    # 2/10 N/30 costs 36.73% at 360 days and 37.24% at 365: 0.37 lies between
    at_360 = _run(_scenario(0.37, days_in_year=360), _policy(), 5)
    at_365 = _run(_scenario(0.37, days_in_year=365), _policy(), 5)
    assert not np.any(at_360["outcome"] == DISCOUNT)
    assert np.all(at_365["outcome"] == DISCOUNT)


def test_the_cash_draw_decides_per_invoice() -> None:
    ledger = _run(_scenario(0.05, cash=0.4), _policy(), 8)
    taken = ledger["outcome"] == DISCOUNT
    n = len(ledger)
    assert n > 500
    assert abs(taken.mean() - 0.4) < 5 * np.sqrt(0.24 / n)
    # an invoice without the cash pays like any other: on its lag, never in the window
    others = ledger[~taken & (ledger["outcome"] != int(Outcome.OPEN))]
    assert len(others) > 0
    assert np.all(others["discount"] == 0.0)
    assert set(others["outcome"].tolist()) <= {int(Outcome.PAID)}


def test_no_cash_no_discount() -> None:
    ledger = _run(_scenario(0.01, cash=0.0), _policy(), 8)
    assert not np.any(ledger["outcome"] == DISCOUNT)


def test_defaulters_never_take_it() -> None:
    mix = {"on_time": 0.5, "defaulter": 0.5}
    ledger = _run(_scenario(0.01, mix=mix), _policy(), 2)
    defaulter = ledger["payer"] == 3
    assert defaulter.sum() > 100
    assert (~defaulter).sum() > 100
    assert not np.any(ledger["outcome"][defaulter] == DISCOUNT)
    assert np.all(ledger["outcome"][~defaulter] == DISCOUNT)


def test_disputed_invoices_do_not_take_it() -> None:
    ledger = _run(_scenario(0.01, disputes=0.3), _policy(), 4)
    disputed = ledger["disputed"]
    assert 0.2 < disputed.mean() < 0.4
    assert not np.any(ledger["outcome"][disputed] == DISCOUNT)
    assert np.all(ledger["outcome"][~disputed] == DISCOUNT)


def test_the_tier_with_the_largest_benefit_is_taken() -> None:
    # 6/10, 3/20, N/45: at a 5% funding cost tier 1 (6%) is worth more than tier 2 (3%)
    ledger = _run(_scenario(0.05), _policy("6/10, 3/20, N/45"), 1)
    assert np.all(ledger["outcome"] == DISCOUNT)
    np.testing.assert_allclose(ledger["settle_day"], ledger["issue_day"] + 10.0)
    np.testing.assert_allclose(ledger["discount"], 0.06 * ledger["amount"])


def test_a_long_second_window_is_taken_when_the_first_is_not_worth_it() -> None:
    # 1/5, 0.9/25, N/30: tier 1 costs 1/99 x 365/25 = 14.7%, tier 2 0.9/99.1 x 365/5 = 66.3%;
    # at a 30% funding cost only tier 2 has a positive benefit
    ledger = _run(_scenario(0.30), _policy("1/5, 0.9/25, N/30"), 1, window=25.0)
    assert np.all(ledger["outcome"] == DISCOUNT)
    np.testing.assert_allclose(ledger["settle_day"], ledger["issue_day"] + 25.0)
    np.testing.assert_allclose(ledger["discount"], 0.009 * ledger["amount"])


def test_discount_cost_and_take_up_follow_the_ledger() -> None:
    scenario, policy = _scenario(0.05, cash=0.5), _policy()
    out = run_des(scenario, policy, seed=3)
    ledger = out.ledger
    settled = (ledger["outcome"] != int(Outcome.OPEN)) & (ledger["settle_day"] < 500)
    years = 500 / 365
    costs = cost_breakdown(scenario, policy, out)
    assert costs["discount_cost"] == pytest.approx(
        0.02 * ledger["amount"][settled & (ledger["outcome"] == DISCOUNT)].sum() / years)
    assert costs["discount_cost"] > 0


# ---- the buyer's comparison at the day it would pay ---------------------------------------


def test_a_late_payer_finds_a_discount_worth_less_than_one_who_pays_at_net() -> None:
    from arsim.sim.terms import Terms, best_tier_array

    terms = Terms.model_validate("2/10, N/45")
    funding = np.asarray([0.12, 0.12, 0.12])
    # at net, 2/10 N/45 costs 21% a year to forgo: worth taking at 12%. Paying 45 days late,
    # forgoing it costs 2.04% for 80 days (9.3% a year): not worth taking. 150 days late: no.
    tiers = best_tier_array(terms, funding, 365.0, np.asarray([0.0, 45.0, 150.0]))
    assert tiers.tolist() == [0, -1, -1]
    # the closed form: worth taking iff f < r / (1 - r) * Y / (net + s - w)
    threshold = 0.02 / 0.98 * 365.0 / (45.0 + 45.0 - 10.0)
    assert best_tier_array(terms, np.asarray([threshold * 0.99]), 365.0, 45.0).tolist() == [0]
    assert best_tier_array(terms, np.asarray([threshold * 1.01]), 365.0, 45.0).tolist() == [-1]
    # no stretch: the textbook's comparison at net, bit for bit
    assert np.array_equal(best_tier_array(terms, funding, 365.0),
                          best_tier_array(terms, funding, 365.0, 0.0))


def test_take_up_responds_to_the_discount_rate() -> None:
    from support import one_segment

    from arsim.sim.policy import Policy
    from arsim.sim.replicate import run

    scenario = one_segment("take-up", 365.0, customers=400, orders_per_year=6, amount_cv=0.5,
                           mix={"on_time": 0.3, "reminded": 0.4, "pressure": 0.3},
                           segment={"funding_cost_annual": {"mean": 0.15, "cv": 0.5}})
    take_up = []
    for rate in ("1", "2", "4"):
        policy = Policy.model_validate({"accepted_grades": ["B"],
                                        "terms": {"B": f"{rate}/10, N/45"}, "ladder": []})
        take_up.append(run(scenario, policy, replications=2, seed=4).summary[
            "discount_take_up"].mean)
    # more of the late payers find a richer discount worth taking
    assert take_up[0] < take_up[1] < take_up[2]
    assert take_up[2] - take_up[0] > 0.1
