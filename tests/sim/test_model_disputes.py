"""docs/model.md §5.1-5.2 and §8: disputed invoices.

A disputed invoice's effective due date is max(due, resolution), resolution = issue +
raised_after_days + resolution_days; it does not settle before it. An upheld dispute credits
credited_share x amount on the resolution day (if that comes before the settlement and the
end), the customer then owes the rest, and every invoice's money still adds up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from support import assert_money_balances, one_segment

from arsim.sim.behaviour import Outcome
from arsim.sim.engine.des import run_des
from arsim.sim.ledger import check_conservation
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

END = 500.0
RAISED, RESOLVE = 10.0, 40.0  # resolution on issue + 50, after the due date (issue + 30)


def _scenario(*, share: float = 1.0, upheld: float = 1.0, credited: float = 0.3,
              resolve: float = RESOLVE, resolve_cv: float = 0.0, hazard: float = 0.0,
              mix: dict[str, float] | None = None,
              payer_types: dict[str, Any] | None = None) -> Scenario:
    disputes: dict[str, Any] = {
        "share": share, "upheld_share": upheld, "credited_share": credited,
        "raised_after_days": RAISED, "resolution_days": {"mean": resolve, "cv": resolve_cv}}
    return one_segment(
        "disputes", END, customers=60, orders_per_year=12, amount_cv=0.6,
        mix=mix or {"reminded": 0.6, "pressure": 0.4}, payer_types=payer_types or {},
        segment={"funding_cost_annual": {"mean": 0.01, "cv": 0.0}, "disputes": disputes,
                 "bankruptcy_hazard_annual": hazard})


def _policy(**changes: Any) -> Policy:
    return Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "2/10, N/30"},
                                  "write_off": {"days_overdue": None}, **changes})


def _closed(ledger: np.ndarray) -> np.ndarray:
    return ledger[ledger["outcome"] != int(Outcome.OPEN)]


def test_the_effective_due_date_is_the_resolution_day() -> None:
    ledger = run_des(_scenario(), _policy(), seed=1).ledger
    assert np.all(ledger["disputed"])
    np.testing.assert_allclose(ledger["due_day"], ledger["issue_day"] + 30.0)
    np.testing.assert_allclose(ledger["effective_due_day"],
                               ledger["issue_day"] + RAISED + RESOLVE)


def test_a_resolution_before_due_leaves_the_due_date() -> None:
    ledger = run_des(_scenario(resolve=5.0), _policy(), seed=1).ledger
    np.testing.assert_allclose(ledger["effective_due_day"], ledger["due_day"])
    # the credit still comes on the resolution day, issue + 15
    credited = ledger["credited"] > 0
    assert credited.sum() > 300
    np.testing.assert_allclose(ledger["credited_day"][credited],
                               ledger["issue_day"][credited] + 15.0)


def test_disputed_invoices_do_not_settle_before_resolution() -> None:
    ledger = run_des(_scenario(resolve_cv=0.8), _policy(), seed=2).ledger
    closed = _closed(ledger)
    assert len(closed) > 300
    assert np.all(closed["settle_day"] >= closed["effective_due_day"])
    # every dispute is upheld: each settled invoice was credited on its resolution day,
    # which came on or before the settlement
    assert np.all(closed["credited"] > 0)
    assert np.all(closed["credited_day"] <= closed["settle_day"])
    resolved_late = closed["credited_day"] > closed["due_day"]
    assert resolved_late.sum() > 100 and (~resolved_late).sum() > 10  # both cases occur
    np.testing.assert_allclose(closed["effective_due_day"],
                               np.maximum(closed["due_day"], closed["credited_day"]))
    # none took the discount, though every customer would have (1% funding cost)
    assert not np.any(ledger["outcome"] == int(Outcome.DISCOUNT))


def test_early_payers_do_not_pay_a_disputed_invoice_before_resolution() -> None:
    ledger = run_des(_scenario(mix={"on_time": 1.0}), _policy(), seed=1).ledger
    closed = _closed(ledger)
    assert len(closed) > 300
    assert np.all(closed["settle_day"] >= closed["effective_due_day"])


def test_upheld_disputes_credit_their_share() -> None:
    ledger = run_des(_scenario(credited=0.3), _policy(), seed=3).ledger
    check_conservation(ledger)
    closed = _closed(ledger)
    assert len(closed) > 300
    np.testing.assert_allclose(closed["credited"], 0.3 * closed["amount"])
    np.testing.assert_allclose(closed["credited_day"], closed["effective_due_day"])
    paid = closed["outcome"] == int(Outcome.PAID)
    np.testing.assert_allclose(closed["paid"][paid], 0.7 * closed["amount"][paid])
    # open invoices whose dispute was resolved before the end are credited too ...
    open_ = ledger[ledger["outcome"] == int(Outcome.OPEN)]
    resolved = open_["effective_due_day"] <= END
    assert resolved.sum() > 10 and (~resolved).sum() > 10
    np.testing.assert_allclose(open_["credited"][resolved], 0.3 * open_["amount"][resolved])
    np.testing.assert_allclose(open_["open"][resolved], 0.7 * open_["amount"][resolved])
    # ... and those still in dispute at the end are not
    assert np.all(open_["credited"][~resolved] == 0.0)
    assert np.all(np.isinf(open_["credited_day"][~resolved]))
    np.testing.assert_allclose(open_["open"][~resolved], open_["amount"][~resolved])


def test_rejected_disputes_credit_nothing() -> None:
    ledger = run_des(_scenario(upheld=0.0), _policy(), seed=3).ledger
    check_conservation(ledger)
    assert np.all(ledger["credited"] == 0.0)
    closed = _closed(ledger)
    paid = closed["outcome"] == int(Outcome.PAID)
    np.testing.assert_allclose(closed["paid"][paid], closed["amount"][paid])


def test_the_upheld_share_is_a_per_invoice_chance() -> None:
    ledger = run_des(_scenario(upheld=0.4), _policy(), seed=4).ledger
    resolved = ledger[ledger["effective_due_day"] <= END]
    credited = resolved["credited"] > 0
    n = len(resolved)
    assert abs(credited.mean() - 0.4) < 5 * np.sqrt(0.24 / n)


def test_the_dispute_share_is_a_per_invoice_chance_and_the_rest_are_not_delayed() -> None:
    ledger = run_des(_scenario(share=0.25), _policy(), seed=5).ledger
    disputed = ledger["disputed"]
    assert abs(disputed.mean() - 0.25) < 5 * np.sqrt(0.25 * 0.75 / len(ledger))
    np.testing.assert_allclose(ledger["effective_due_day"][~disputed],
                               ledger["due_day"][~disputed])
    assert np.all(ledger["credited"][~disputed] == 0.0)


def test_a_dunning_promise_on_a_disputed_invoice_waits_for_resolution() -> None:
    # a reminder 25 days before the effective due date is answered at once, but the promised
    # payment is max(step + delay, eff_due) = eff_due
    never = {"lag_days": None, "response": {"reminder": 1.0}, "promise_break_share": 0.0}
    scenario = _scenario(payer_types={"reminded": never, "pressure": never})
    ledger = run_des(scenario, _policy(ladder=[{"day": -25, "action": "reminder"}]),
                     seed=6).ledger
    closed = _closed(ledger)
    assert len(closed) > 300
    assert np.all(closed["outcome"] == int(Outcome.PAID_DUNNED))
    np.testing.assert_allclose(closed["settle_day"], closed["effective_due_day"])
    np.testing.assert_allclose(closed["paid"], 0.7 * closed["amount"])


def test_money_is_conserved_with_disputes_writes_offs_and_bankruptcies() -> None:
    scenario = _scenario(share=0.5, upheld=0.5, resolve_cv=1.0, hazard=0.3,
                         mix={"on_time": 0.3, "reminded": 0.3, "defaulter": 0.4})
    ledger = run_des(scenario, _policy(write_off={"days_overdue": 60}), seed=7).ledger
    check_conservation(ledger)
    assert_money_balances(ledger, END)  # against the daily cash and balance, not `open`
    outcomes = set(ledger["outcome"].tolist())
    assert {int(Outcome.WRITTEN_OFF), int(Outcome.BANKRUPT), int(Outcome.DISCOUNT)} <= outcomes
    assert np.any((ledger["credited"] > 0) & (ledger["written_off"] > 0))
    # what is written off is what was owed after the credit
    wo = ledger["outcome"] == int(Outcome.WRITTEN_OFF)
    np.testing.assert_allclose(ledger["written_off"][wo],
                               (ledger["amount"] - ledger["credited"])[wo])
