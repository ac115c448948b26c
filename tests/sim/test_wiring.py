"""Wiring, computed on paper: a small book through every engine into the priced figures.

The cost formulas have their own tests on hand-built ledgers (test_model_costs.py); these
check that what an engine does reaches them: each ladder step's cost, the lawsuit and agency
costs, the write-off clock, the opportunity cost, discounts and penalty income. The books are
opening invoices read from a CSV (amounts and ages chosen here), or orders of a fixed amount
whose issue days are the only thing read back from the run; every parameter that would draw
a random number is fixed, so each figure below is worked out in its comment.

Each test runs on every engine that is exact for its book: the reference engine (plain
Python), the SimPy engine (compiled event batches) and the fast engine (unlimited teams).
docs/design.md, "What the tests catch", lists the mistakes each test was seen to catch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from arsim.sim.behaviour import Outcome
from arsim.sim.policy import Policy
from arsim.sim.replicate import replicate
from arsim.sim.scenario import Scenario

ENGINES = ("reference", "des", "fast")
A = 1000.0  # every new order's amount
FIXED = 1200.0  # company.fixed_credit_department_cost_annual
POLICY_FIXED = 300.0  # policy.fixed_collection_cost_annual
VC, K = 0.6, 0.1  # variable-cost ratio, cost of capital


def _never_pays(**changes: Any) -> dict[str, Any]:
    """A payer profile that never pays unprompted and answers no dunning step."""
    return {"lag_days": None, "response": {}, "promise_break_share": 0.0, **changes}


def _scenario(tmp_path: Path, *, opening: list[tuple[str, float, float]] | None = None,
              segments: dict[str, str] | None = None, payer: dict[str, Any] | None = None,
              days: float = 360.0, days_in_year: int = 360, orders_per_year: float = 1e-6,
              segment: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """One customer per segment (name -> grade), every one a 'reminded' payer whose profile
    is `payer`; the window is [0, days). Orders are so rare (1e-6 a year by default) that
    the book is the opening invoices (segment, amount, days overdue) alone."""
    book = None
    if opening is not None:
        path = tmp_path / "opening.csv"
        path.write_text("segment,amount,days_overdue\n" + "".join(
            f"{s},{a},{d}\n" for s, a, d in opening), encoding="utf-8")
        book = {"ledger_csv": str(path)}
    segs = [{"name": name, "customers": 1, "grade": grade,
             "orders_per_year": orders_per_year, "order_amount": {"mean": A, "cv": 0.0},
             "payer_mix": {"reminded": 1.0},
             "funding_cost_annual": {"mean": 0.5, "cv": 0.0}, **(segment or {})}
            for name, grade in (segments or {"s": "B"}).items()]
    return Scenario.model_validate({
        "name": "wiring",
        "conventions": {"days_in_year": days_in_year},
        "company": {"variable_cost_ratio": VC, "cost_of_capital_annual": K,
                    "fixed_credit_department_cost_annual": FIXED},
        "horizon": {"warmup_days": 0, "horizon_days": days},
        "segments": segs,
        "payer_types": {"reminded": payer or _never_pays()},
        "demand": {"customer_loss": {"after_action": {}}},
        "opening_book": book,
        **top,
    })


def _policy(**changes: Any) -> Policy:
    return Policy.model_validate({
        "accepted_grades": ["B"], "terms": {"B": "N/30"},
        "fixed_collection_cost_annual": POLICY_FIXED,
        "write_off": {"days_overdue": None}, **changes})


def _run(scenario: Scenario, policy: Policy, engine: str, seed: int = 7) -> tuple[
        dict[str, float], np.ndarray]:
    rep = replicate(scenario, policy, seed, keep_ledger=True, engine=engine)
    assert rep.ledger is not None
    return rep.metrics, rep.ledger


def _by_amount(ledger: np.ndarray, amount: float) -> np.void:
    rows = ledger[ledger["amount"] == amount]
    assert len(rows) == 1, f"one invoice of {amount} expected, found {len(rows)}"
    return rows[0]


# ---- ladder step costs into the management cost ----------------------------------------

LADDER = [{"day": -5, "action": "reminder", "cost": 2.0},
          {"day": 7, "action": "phone", "cost": 11.0},
          {"day": 15, "action": "letter", "cost": 5.0},
          {"day": 400, "action": "visit", "cost": 1000.0}]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("days_in_year", [360, 365])
def test_every_ladder_step_cost_reaches_the_management_cost(
        tmp_path: Path, engine: str, days_in_year: int) -> None:
    # X (1000, due on day 0): its reminder (day -5) is past when the run starts; the phone
    # call on day 7 and the letter on day 15 are done. Y (2000, due on day 100): reminder on
    # day 95, phone 107, letter 115. Both visits (days 400 and 500) fall after the window's
    # end (360): not this window's cost. Neither ever pays, so every step runs.
    scenario = _scenario(tmp_path, opening=[("s", 1000, 0), ("s", 2000, -100)],
                         days_in_year=days_in_year)
    metrics, ledger = _run(scenario, _policy(ladder=LADDER), engine)
    assert len(ledger) == 2
    years = 360 / days_in_year
    steps = 1 * 2.0 + 2 * 11.0 + 2 * 5.0  # one reminder, two calls, two letters = 34
    assert metrics["management_cost"] == pytest.approx(FIXED + POLICY_FIXED + steps / years)
    assert metrics["actions_reminder"] == pytest.approx(1 / years)
    assert metrics["actions_phone"] == pytest.approx(2 / years)
    assert metrics["actions_letter"] == pytest.approx(2 / years)
    assert metrics["actions_visit"] == 0.0
    # a finite team's salary is a management cost as well (two collectors at 5,000)
    company = scenario.company.model_copy(update={"collector_salary_annual": 5000.0})
    if engine != "fast":
        staffed, _ = _run(scenario.model_copy(update={"company": company}),
                          _policy(ladder=LADDER, collections={"collectors": 2}), engine)
        assert staffed["management_cost"] == pytest.approx(
            FIXED + POLICY_FIXED + 2 * 5000.0 + steps / years)


# ---- lawsuit and agency: legal costs into the management cost --------------------------

LEGAL = {"agency_fee_share": 0.2, "agency_days": 30.0, "lawsuit_cost": 5000.0,
         "lawsuit_days": 100.0, "lawsuit_recovery_share": 0.8}


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("won", [True, False])
def test_lawsuit_and_agency_costs_reach_the_management_cost(
        tmp_path: Path, engine: str, won: bool) -> None:
    # Grade B's ladder hands X (1000, due on day 10) to an agency on its due date; grade C's
    # sues over Y (3000, due on day 20) on its due date. On the due date the debt has no age,
    # so a response share of 1 always answers: the agency collects within its 30 days (fee
    # 20% of 1000 = 200); the lawsuit ends on day 20 + 100 = 120, and if it is won, 80% of
    # 3000 (2400) is recovered and 600 written off; if lost, all 3000 are written off.
    payer = _never_pays(response={"agency": 1.0, "lawsuit": 1.0 if won else 0.0})
    scenario = _scenario(tmp_path, opening=[("a", 1000, -10), ("l", 3000, -20)],
                         segments={"a": "B", "l": "C"}, payer=payer, legal=LEGAL)
    policy = _policy(ladders_by_grade={
        "B": [{"day": 0, "action": "agency", "cost": 15.0}],
        "C": [{"day": 0, "action": "lawsuit", "cost": 40.0}]})
    metrics, ledger = _run(scenario, policy, engine)
    x, y = _by_amount(ledger, 1000), _by_amount(ledger, 3000)
    assert x["outcome"] == int(Outcome.AGENCY) and 10 < x["settle_day"] < 40
    assert (x["paid"], x["agency_fee"]) == pytest.approx((1000.0, 200.0))
    assert y["settle_day"] == pytest.approx(120.0)
    written = 600.0 if won else 3000.0
    assert y["outcome"] == int(Outcome.LAWSUIT if won else Outcome.WRITTEN_OFF)
    assert (y["paid"], y["written_off"]) == pytest.approx((3000.0 - written, written))
    # a year's window: agency step 15 + fee 200, lawsuit step 40 + the suit's own 5000
    assert metrics["management_cost"] == pytest.approx(
        FIXED + POLICY_FIXED + 15 + 200 + 40 + 5000)
    assert metrics["bad_debt_written_off"] == pytest.approx(written)
    assert metrics["actions_lawsuit"] == 1.0 and metrics["actions_agency"] == 1.0


# ---- the write-off clock starts at the dispute-adjusted due date ------------------------

DISPUTED = {"disputes": {"share": 1.0, "upheld_share": 0.0, "raised_after_days": 10.0,
                         "resolution_days": {"mean": 40.0, "cv": 0.0}}}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_write_off_clock_starts_at_the_resolved_dispute(tmp_path: Path,
                                                            engine: str) -> None:
    # Every invoice is disputed, raised 10 days after issue and resolved 40 days later, the
    # customer's favour never: due on issue + 30, effectively due on issue + 50. Written off
    # 60 days after that, on issue + 110, not on issue + 90. The opening invoice (1000, due
    # on day 30, so issued on day 0) is written off on day 110: after the 100-day window,
    # so no bad debt in it (from the contractual due date it would be on day 90, inside).
    scenario = _scenario(tmp_path, opening=[("s", 1000, -30)], days=100.0,
                         segment=DISPUTED)
    policy = _policy(write_off={"days_overdue": 60.0})
    metrics, ledger = _run(scenario, policy, engine)
    row = _by_amount(ledger, 1000)
    assert (row["due_day"], row["effective_due_day"]) == (30.0, 50.0)
    assert row["outcome"] == int(Outcome.OPEN)
    assert metrics["bad_debt_written_off"] == 0.0
    # new invoices, over a longer run: each written off exactly 110 days after its issue
    scenario = _scenario(tmp_path, days=400.0, orders_per_year=24.0, segment=DISPUTED)
    metrics, ledger = _run(scenario, policy, engine)
    written = ledger["outcome"] == int(Outcome.WRITTEN_OFF)
    # (a write-off closes the account from its booking day: the invoices issued before then)
    assert written.sum() >= 5
    np.testing.assert_allclose(ledger["settle_day"][written] - ledger["issue_day"][written],
                               110.0)
    # everything issued before day 400 - 110 = 290 was written off in the window, at 1000
    due_in_window = ledger["issue_day"] + 110.0 < 400.0
    assert np.array_equal(written, due_in_window)
    assert metrics["bad_debt_written_off"] == pytest.approx(A * due_in_window.sum() * 360 / 400)


# ---- the opportunity cost and penalty income --------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("days_in_year", [360, 365])
def test_opportunity_cost_and_penalty_income_by_hand(tmp_path: Path, engine: str,
                                                     days_in_year: int) -> None:
    # The customer pays 15 days after due, unprompted; its own funds cost 50% a year, more
    # than the 20% penalty, so the penalty does not hurry it. X (1000, due day 20) is paid on
    # day 35, Y (500, 5 days overdue at the start, due day -5) on day 10.
    # AR integral over [0, 360): 1000 x 35 + 500 x 10 = 40,000 money-days.
    # Penalty, 20% a year after 5 days' grace, half of it collected: X is 35 - 20 - 5 = 10
    # days late, Y 10 - (-5) - 5 = 10: (1000 + 500) x 0.2 x 10 / days_in_year x 0.5.
    payer = {"lag_days": {"mean": 15.0, "cv": 0.0}, "early_days": 0.0, "response": {}}
    scenario = _scenario(tmp_path, opening=[("s", 1000, -20), ("s", 500, 5)], payer=payer,
                         days_in_year=days_in_year)
    policy = _policy(late_penalty={"rate_annual": 0.2, "grace_days": 5.0,
                                   "collected_share": 0.5})
    metrics, ledger = _run(scenario, policy, engine)
    assert _by_amount(ledger, 1000)["settle_day"] == pytest.approx(35.0)
    assert _by_amount(ledger, 500)["settle_day"] == pytest.approx(10.0)
    years = 360 / days_in_year
    assert metrics["average_receivables"] == pytest.approx(40_000 / 360)
    assert metrics["opportunity_cost"] == pytest.approx(40_000 / 360 * VC * K)
    penalty = 1500 * 0.2 * 10 / days_in_year * 0.5
    assert metrics["penalty_income"] == pytest.approx(penalty / years)
    assert metrics["total_cost"] == pytest.approx(
        40_000 / 360 * VC * K + FIXED + POLICY_FIXED - penalty / years)


@pytest.mark.parametrize("engine", ENGINES)
def test_discount_cost_by_hand(tmp_path: Path, engine: str) -> None:
    # On "2/10, N/30" a customer whose funds cost 1% a year takes the 2% discount (worth
    # 37% a year) whenever it has the cash, and here it always has: every invoice of 1000 is
    # paid on issue + 10, 980 in cash and 20 of discount. Over a 400-day window (in 365-day
    # years) the discount cost is 20 for each invoice paid before day 400, and each invoice
    # is receivable for its 10 days (clipped at the window's end). It would otherwise pay
    # 15 days after due: a type that never pays of its own accord takes no discount (§5.3).
    payer = {"lag_days": {"mean": 15.0, "cv": 0.0}, "early_days": 0.0, "response": {}}
    scenario = _scenario(tmp_path, days=400.0, days_in_year=365, orders_per_year=24.0,
                         payer=payer,
                         segment={"funding_cost_annual": {"mean": 0.01, "cv": 0.0},
                                  "cash_available_share": 1.0})
    metrics, ledger = _run(scenario, _policy(terms={"B": "2/10, N/30"}), engine)
    issue = ledger["issue_day"]
    assert len(ledger) > 10
    paid = issue + 10.0 < 400.0
    assert np.array_equal(ledger["outcome"] == int(Outcome.DISCOUNT), paid)
    np.testing.assert_allclose(ledger["discount"][paid], 20.0)
    np.testing.assert_allclose(ledger["paid"][paid], 980.0)
    years = 400 / 365
    assert metrics["discount_cost"] == pytest.approx(20.0 * paid.sum() / years)
    assert metrics["discount_take_up"] == pytest.approx(
        paid.sum() / len(ledger))  # of sales: every invoice is 1000
    integral = A * (np.minimum(issue + 10.0, 400.0) - issue).sum()
    assert metrics["opportunity_cost"] == pytest.approx(integral / 400 * VC * K)
    assert metrics["credit_sales"] == pytest.approx(A * len(ledger) / years)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_ledger_row_counts_only_the_steps_done_by_the_end(tmp_path: Path,
                                                            engine: str) -> None:
    # the book of the ladder-cost test: by day 360, X (due day 0) had its call (11) and
    # letter (5); Y (due day 100) its reminder (2), call and letter. Their visits, on days
    # 400 and 500, have not happened when the run ends.
    scenario = _scenario(tmp_path, opening=[("s", 1000, 0), ("s", 2000, -100)])
    _, ledger = _run(scenario, _policy(ladder=LADDER), engine)
    x, y = _by_amount(ledger, 1000), _by_amount(ledger, 2000)
    assert (x["actions"], x["dunning_cost"]) == (2, 16.0)
    assert (y["actions"], y["dunning_cost"]) == (3, 18.0)


# ---- the end of the run ------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_an_event_exactly_at_the_end_falls_after_the_run(tmp_path: Path, engine: str) -> None:
    # The window is [0, 360): an invoice the customer pays exactly on day 360 (due on day 360,
    # paid unprompted on its due date) is still open at the end, in the ledger as in the
    # aging; one paid on day 350 is paid.
    payer = {"lag_days": {"mean": 0.0, "cv": 0.0}, "early_days": 0.0, "response": {}}
    scenario = _scenario(tmp_path, opening=[("s", 1000, -360), ("s", 500, -350)], payer=payer)
    metrics, ledger = _run(scenario, _policy(), engine)
    at_end = _by_amount(ledger, 1000)
    assert at_end["outcome"] == int(Outcome.OPEN) and at_end["open"] == 1000.0
    assert at_end["paid"] == 0.0
    before = _by_amount(ledger, 500)
    assert before["outcome"] == int(Outcome.PAID) and before["settle_day"] == 350.0
    assert metrics["aging_current"] + metrics["aging_1_30"] == pytest.approx(1000.0)


@pytest.mark.parametrize("engine", ENGINES)
def test_stepped_penalty_by_hand(tmp_path: Path, engine: str) -> None:
    # Stepped by length of delay [000]: 20% a year for the first 30 days after the 5 days'
    # grace, 40% from day 30, 60% from day 60. X (1000, due day 20) is paid 75 days after
    # due, on day 95: 70 days late, so 0.2 x 30 + 0.4 x 30 + 0.6 x 10 = 24 rate-days; half
    # collected, over a 360-day year: 1000 x 24 / 360 x 0.5. Y (500, due day 30, paid day
    # 105) alike. Funds cost the customer 50% a year, more than 20%: not deterred.
    payer = {"lag_days": {"mean": 75.0, "cv": 0.0}, "early_days": 0.0, "response": {}}
    scenario = _scenario(tmp_path, opening=[("s", 1000, -20), ("s", 500, -30)], payer=payer)
    policy = _policy(late_penalty={"rate_annual": 0.2, "grace_days": 5.0,
                                   "collected_share": 0.5, "steps": [[30, 0.4], [60, 0.6]]})
    metrics, ledger = _run(scenario, policy, engine)
    assert _by_amount(ledger, 1000)["penalty"] == pytest.approx(1000 * 24 / 360 * 0.5)
    assert _by_amount(ledger, 500)["penalty"] == pytest.approx(500 * 24 / 360 * 0.5)
    assert metrics["penalty_income"] == pytest.approx(1500 * 24 / 360 * 0.5)
    # without steps, the flat 20% of the same 70 days
    flat = _policy(late_penalty={"rate_annual": 0.2, "grace_days": 5.0,
                                 "collected_share": 0.5})
    metrics, _ = _run(scenario, flat, engine)
    assert metrics["penalty_income"] == pytest.approx(1500 * 0.2 * 70 / 360 * 0.5)


def test_penalty_steps_are_checked() -> None:
    with pytest.raises(ValueError, match="must be positive and increase"):
        _policy(late_penalty={"steps": [[60, 0.4], [30, 0.6]]})
    with pytest.raises(ValueError, match="at most 4 steps"):
        _policy(late_penalty={"steps": [[d, 0.3] for d in (10, 20, 30, 40, 50)]})
