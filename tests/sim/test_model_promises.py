"""docs/model.md §5.6 steps 5-7: a successful dunning step is a promise to pay.

A step done at w succeeds iff its response draw < response x age factor; the customer then
promises to pay on max(w + response_delay_days, eff_due). A kept promise settles the invoice
then (outcome paid_dunned); a broken one (promise_break_share) makes the next step wait for
the promised day. A step is done at max(eff_due + day, ready, now) plus its service time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from support import one_segment

from arsim.sim.behaviour import Outcome, RuleBook
from arsim.sim.engine.des import run_des
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

END = 600.0
DUNNED, AGENCY, OPEN = int(Outcome.PAID_DUNNED), int(Outcome.AGENCY), int(Outcome.OPEN)


def _scenario(*, breaks: float, delay: float = 4.0, response: dict[str, float] | None = None,
              agency_days: float = 0.0) -> Scenario:
    # customers who never pay unprompted: only the ladder settles their invoices
    payer = {"lag_days": None, "response": response or {"phone": 1.0},
             "response_delay_days": delay, "promise_break_share": breaks}
    return one_segment("promises", END, customers=60, orders_per_year=12, amount_cv=0.6,
                       mix={"reminded": 1.0}, payer_types={"reminded": payer},
                       legal={"agency_days": agency_days})


def _policy(ladder: list[dict[str, Any]], **changes: Any) -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"},
                                  "ladder": ladder, "write_off": {"days_overdue": None},
                                  **changes})


def _reached(ledger: np.ndarray, days_after_due: float) -> np.ndarray:
    return ledger[ledger["effective_due_day"] + days_after_due < END]


def test_a_kept_promise_pays_delay_days_after_the_step() -> None:
    scenario = _scenario(breaks=0.0, delay=4.0)
    policy = _policy([{"day": 5, "action": "phone"}])
    ledger = _reached(run_des(scenario, policy, seed=1).ledger, 9.0)
    dunned = ledger["outcome"] == DUNNED
    np.testing.assert_allclose(ledger["settle_day"][dunned],
                               ledger["effective_due_day"][dunned] + 5.0 + 4.0)
    np.testing.assert_allclose(ledger["paid"][dunned], ledger["amount"][dunned])
    # success is the response (1) times the age factor at 5 days: nearly every invoice
    factor = RuleBook(scenario, policy, collectors_finite=False).age_factor(5.0)
    assert abs(dunned.mean() - factor) < 5 * np.sqrt(factor * (1 - factor) / len(ledger)) + 0.005
    assert np.all(ledger["outcome"][~dunned] == OPEN)


def test_a_promise_made_before_due_is_kept_on_the_due_date() -> None:
    policy = _policy([{"day": -20, "action": "reminder"}])
    ledger = _reached(run_des(_scenario(breaks=0.0, response={"reminder": 1.0}), policy,
                              seed=2).ledger, 0.0)
    assert len(ledger) > 300
    assert np.all(ledger["outcome"] == DUNNED)  # before due the age factor is 1
    np.testing.assert_allclose(ledger["settle_day"], ledger["effective_due_day"])


def test_the_step_is_applied_after_its_service_time() -> None:
    # 42 of 420 minutes a day: the call ends 0.1 day after it starts (unlimited collectors)
    policy = _policy([{"day": 5, "action": "phone", "collector_minutes": 42}])
    ledger = _reached(run_des(_scenario(breaks=0.0), policy, seed=1).ledger, 10.0)
    dunned = ledger["outcome"] == DUNNED
    assert dunned.sum() > 300
    np.testing.assert_allclose(ledger["settle_day"][dunned],
                               ledger["effective_due_day"][dunned] + 5.0 + 0.1 + 4.0)


def test_a_broken_promise_never_pays() -> None:
    policy = _policy([{"day": -20, "action": "reminder"}, {"day": 5, "action": "phone"}])
    scenario = _scenario(breaks=1.0, response={"reminder": 1.0, "phone": 1.0})
    ledger = run_des(scenario, policy, seed=3).ledger
    assert not np.any(ledger["outcome"] == DUNNED)
    assert np.all(ledger["outcome"] == OPEN)
    reached = _reached(ledger, 5.0)
    assert np.all(reached["actions"] == 2)  # both steps were done, neither was kept


@pytest.mark.parametrize(("breaks", "reminder", "outcome", "days_after_due"), [
    # a kept promise (due on eff_due) does not hold back a step dated before it: the
    # agency collects at -10 and the earliest planned end wins
    (0.0, 1.0, AGENCY, -10.0),
    (1.0, 1.0, AGENCY, 0.0),  # it is broken: the agency step waits for the promised day
    (1.0, 0.0, AGENCY, -10.0),  # no promise: the agency step comes on its own day
])
def test_a_broken_promise_delays_the_next_step(breaks: float, reminder: float, outcome: int,
                                               days_after_due: float) -> None:
    # reminder at -20 promising max(-20 + 15, 0) = eff_due; agency at -10 collecting at once
    # (agency_days 0); before due the age factor is 1, so every response draw below 1 wins
    scenario = _scenario(breaks=breaks, delay=15.0,
                         response={"reminder": reminder, "agency": 1.0})
    policy = _policy([{"day": -20, "action": "reminder"}, {"day": -10, "action": "agency"}])
    ledger = _reached(run_des(scenario, policy, seed=4).ledger, 0.0)
    assert len(ledger) > 300
    assert np.all(ledger["outcome"] == outcome)
    np.testing.assert_allclose(ledger["settle_day"],
                               ledger["effective_due_day"] + days_after_due)


def test_the_break_share_is_a_per_step_chance() -> None:
    scenario = _scenario(breaks=0.3, response={"reminder": 1.0})
    ledger = _reached(run_des(scenario, _policy([{"day": -20, "action": "reminder"}]),
                              seed=5).ledger, 0.0)
    kept = ledger["outcome"] == DUNNED
    assert abs(kept.mean() - 0.7) < 5 * np.sqrt(0.21 / len(ledger))
    assert np.all(ledger["outcome"][~kept] == OPEN)


def test_no_response_no_promise() -> None:
    scenario = _scenario(breaks=0.0, response={"phone": 0.0})
    ledger = run_des(scenario, _policy([{"day": 5, "action": "phone"}]), seed=6).ledger
    assert np.all(ledger["outcome"] == OPEN)
