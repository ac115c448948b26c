"""docs/model.md §5.4 and §8: late-payment penalty, its deterrence and its income.

A penalty deters only when its rate is above the customer's own funding cost: a deterred
invoice (penalty draw < deterred_by_penalty_share) pays within the grace period instead of
late. Income on a paid-late invoice: owed x rate x (days late - grace) / Y x collected_share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from arsim.sim.behaviour import Outcome
from arsim.sim.costs import cost_breakdown
from arsim.sim.engine.des import run_des
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

PAID = int(Outcome.PAID)
GRACE = 5.0


def _scenario(deterred: float, *, days_in_year: int = 365, disputes: float = 0.0) -> Scenario:
    return Scenario.model_validate({
        "name": "penalty", "conventions": {"days_in_year": days_in_year},
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": 700},
        "segments": [{"name": "s", "customers": 60, "grade": "B", "orders_per_year": 12,
                      "order_amount": {"mean": 1000, "cv": 0.6},
                      "payer_mix": {"on_time": 0.3, "reminded": 0.7},
                      "funding_cost_annual": {"mean": 0.08, "cv": 0.0},
                      "disputes": {"share": disputes, "upheld_share": 1.0,
                                   "credited_share": 0.25}}],
        "payer_types": {"reminded": {"lag_days": {"mean": 45, "cv": 0.6},
                                     "deterred_by_penalty_share": deterred}},
        "demand": {"customer_loss": {"after_action": {}}},
    })


def _policy(rate: float, collected: float = 0.5) -> Policy:
    penalty: dict[str, Any] = {"rate_annual": rate, "grace_days": GRACE,
                               "collected_share": collected}
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"},
                                  "late_penalty": penalty,
                                  "write_off": {"days_overdue": None}})


def _days_late(ledger: np.ndarray) -> np.ndarray:
    return ledger["settle_day"] - ledger["effective_due_day"]


def test_a_deterring_penalty_removes_lateness_beyond_grace() -> None:
    base = run_des(_scenario(1.0), _policy(0.0), seed=7).ledger
    deterred = run_des(_scenario(1.0), _policy(0.30), seed=7).ledger
    reminded = base["payer"] == 1
    # the same orders ship either way (no limits, no stops)
    np.testing.assert_array_equal(base["order_index"], deterred["order_index"])
    late_before = (base["outcome"] == PAID) & reminded & (_days_late(base) > GRACE)
    assert late_before.sum() > 300  # reminded payers are late without a penalty ...
    paid = (deterred["outcome"] == PAID) & reminded
    assert paid.sum() > 300
    assert np.all(_days_late(deterred)[paid] <= GRACE + 1e-9)  # ... and not with one
    # the late ones now pay on the last day of grace exactly
    np.testing.assert_allclose(_days_late(deterred)[late_before], GRACE)
    # no reminded payer pays late, so none of them is charged a penalty (up to the float
    # noise of settle - eff_due - grace on an invoice paid on the last day of grace)
    assert np.all(deterred["penalty"][reminded] < 1e-9)
    # the other payer type (deterred share 0) is untouched
    others = ~reminded
    np.testing.assert_array_equal(base["settle_day"][others], deterred["settle_day"][others])


def test_a_penalty_below_the_funding_cost_changes_no_payment() -> None:
    base = run_des(_scenario(1.0), _policy(0.0), seed=7).ledger
    cheap = run_des(_scenario(1.0), _policy(0.05), seed=7).ledger  # 5% < 8% funding cost
    np.testing.assert_array_equal(base["settle_day"], cheap["settle_day"])
    np.testing.assert_array_equal(base["outcome"], cheap["outcome"])
    assert cheap["penalty"].sum() > 0  # it is charged all the same


def test_no_deterrence_without_the_deterred_share() -> None:
    base = run_des(_scenario(0.0), _policy(0.0), seed=7).ledger
    high = run_des(_scenario(0.0), _policy(0.30), seed=7).ledger
    np.testing.assert_array_equal(base["settle_day"], high["settle_day"])


def test_a_partial_deterred_share_deters_that_share_of_late_invoices() -> None:
    base = run_des(_scenario(0.5), _policy(0.0), seed=9).ledger
    half = run_des(_scenario(0.5), _policy(0.30), seed=9).ledger
    late = (base["outcome"] == PAID) & (base["payer"] == 1) & (_days_late(base) > GRACE)
    moved = np.isclose(_days_late(half)[late], GRACE)
    n = int(late.sum())
    assert abs(moved.mean() - 0.5) < 5 * np.sqrt(0.25 / n)
    # those not deterred pay exactly as before
    np.testing.assert_array_equal(half["settle_day"][late][~moved],
                                  base["settle_day"][late][~moved])


@pytest.mark.parametrize("days_in_year", [360, 365])
def test_penalty_income_formula(days_in_year: int) -> None:
    rate, collected = 0.12, 0.4
    scenario = _scenario(0.0, days_in_year=days_in_year, disputes=0.2)
    ledger = run_des(scenario, _policy(rate, collected), seed=3).ledger
    paid = ledger[ledger["outcome"] == PAID]
    late = _days_late(paid) - GRACE
    owed = paid["amount"] - paid["credited"]
    expected = np.where(late > 0, owed * rate * late / days_in_year * collected, 0.0)
    np.testing.assert_allclose(paid["penalty"], expected, rtol=1e-12, atol=1e-12)
    assert (late > 0).sum() > 300 and (late <= 0).sum() > 100
    assert np.any((paid["credited"] > 0) & (late > 0))  # the credit is taken out of owed
    # unpaid and open invoices carry none
    assert np.all(ledger["penalty"][ledger["outcome"] != PAID] == 0.0)


def test_penalty_income_is_the_settled_penalties_per_year() -> None:
    scenario, policy = _scenario(0.0), _policy(0.12)
    out = run_des(scenario, policy, seed=3)
    ledger = out.ledger
    settled = (ledger["outcome"] != int(Outcome.OPEN)) & (ledger["settle_day"] < 700)
    costs = cost_breakdown(scenario, policy, out)
    assert costs["penalty_income"] == pytest.approx(
        ledger["penalty"][settled].sum() / (700 / 365))
    assert costs["penalty_income"] > 0
    # income lowers the total cost
    parts = sum(v for k, v in costs.items() if k in (
        "opportunity_cost", "management_cost", "bad_debt_cost", "shortage_cost",
        "discount_cost", "inventory_carrying_cost"))
    assert costs["total_cost"] == pytest.approx(parts - costs["penalty_income"])
