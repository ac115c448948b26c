"""docs/model.md §10 "Time series": the daily AR balance with that day's credit sales and cash,
and the aging buckets at every month end, from hand-built ledgers.

Day d's row covers [d, d+1): its balance is the open AR at the end of the day.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from support import one_segment

from arsim.sim import metrics
from arsim.sim.behaviour import Outcome
from arsim.sim.costs import ar_balance_at
from arsim.sim.engine.des import run_des
from arsim.sim.ledger import LEDGER_DTYPE, check_conservation
from arsim.sim.policy import Policy
from arsim.sim.series import AGING_LABELS, daily_series, month_end_aging


def _ledger(*rows: dict[str, Any]) -> np.ndarray:
    ledger = np.zeros(len(rows), dtype=LEDGER_DTYPE)
    ledger["grade"] = "B"
    ledger["settle_day"] = np.inf
    ledger["credited_day"] = np.inf
    for i, row in enumerate(rows):
        for key, value in row.items():
            ledger[key][i] = value
        owed = ledger["amount"][i] - ledger["credited"][i]
        if np.isinf(ledger["settle_day"][i]):
            ledger["outcome"][i], ledger["open"][i] = int(Outcome.OPEN), owed
        else:
            ledger["outcome"][i], ledger["paid"][i] = int(Outcome.PAID), owed
    ledger["effective_due_day"] = ledger["due_day"]
    check_conservation(ledger)
    return ledger


def test_daily_series_by_hand() -> None:
    ledger = _ledger(
        # C: issued day 0, 10 credited on day 1, the other 40 paid on day 2
        {"issue_day": 0.5, "due_day": 30.5, "settle_day": 2.5, "amount": 50.0,
         "credited": 10.0, "credited_day": 1.0},
        # A: issued day 1, paid day 4
        {"issue_day": 1.5, "due_day": 31.5, "settle_day": 4.2, "amount": 100.0},
        # B: issued day 2, 30 credited on day 3, open at the end
        {"issue_day": 2.0, "due_day": 32.0, "amount": 100.0, "credited": 30.0,
         "credited_day": 3.0},
    )
    series = daily_series(ledger, 6.0)
    np.testing.assert_allclose(series["day"], [1, 2, 3, 4, 5, 6])
    np.testing.assert_allclose(series["credit_sales"], [50, 100, 100, 0, 0, 0])
    np.testing.assert_allclose(series["ar_balance"], [50, 140, 200, 170, 70, 70])
    np.testing.assert_allclose(series["cash_received"], [0, 0, 40, 0, 100, 0])
    # the balance at each day's end is the instantaneous balance just before it
    for d in range(6):
        assert series["ar_balance"][d] == pytest.approx(ar_balance_at(ledger, d + 1 - 1e-9).sum())


def test_a_fractional_end_rounds_up_to_whole_days() -> None:
    ledger = _ledger({"issue_day": 2.7, "due_day": 32.7, "amount": 10.0})
    series = daily_series(ledger, 3.2)
    np.testing.assert_allclose(series["day"], [1, 2, 3, 4])
    np.testing.assert_allclose(series["ar_balance"], [0, 0, 10, 10])


def test_daily_series_matches_the_balance_of_an_engine_run() -> None:
    scenario = one_segment(
        "series", 200, customers=30, orders_per_year=12, amount_cv=0.5,
        mix={"on_time": 0.3, "reminded": 0.5, "defaulter": 0.2},
        segment={"disputes": {"share": 0.4, "upheld_share": 1.0, "credited_share": 0.5},
                 "bankruptcy_hazard_annual": 0.3})
    policy = Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "2/10, N/30"},
                                    "write_off": {"days_overdue": 60}})
    ledger = run_des(scenario, policy, seed=9).ledger
    assert np.any(ledger["credited"] > 0) and np.any(ledger["outcome"] == int(Outcome.OPEN))
    series = daily_series(ledger, 200.0)
    expected = [ar_balance_at(ledger, d + 1 - 1e-9).sum() for d in range(200)]
    np.testing.assert_allclose(series["ar_balance"], expected, rtol=1e-9, atol=1e-6)
    assert series["credit_sales"].sum() == pytest.approx(ledger["amount"].sum())
    settled = ledger["settle_day"] < 200
    assert series["cash_received"].sum() == pytest.approx(ledger["paid"][settled].sum())


def test_month_end_aging_by_hand() -> None:
    ledger = _ledger(
        # due 10, open: 20, 50, 80, 110 days overdue at the month ends 30, 60, 90, 120
        {"issue_day": 0.0, "due_day": 10.0, "amount": 100.0},
        # due 70, paid on 100: not yet due at 60, 20 days overdue at 90, gone at 120
        {"issue_day": 40.0, "due_day": 70.0, "settle_day": 100.0, "amount": 50.0},
        # due exactly 30 days before the month end at 60: in 1-30, not 31-60
        {"issue_day": 5.0, "due_day": 30.0, "settle_day": 61.0, "amount": 7.0},
        # issued after the first month end; credited 4 before the third
        {"issue_day": 31.0, "due_day": 61.0, "amount": 20.0, "credited": 4.0,
         "credited_day": 80.0},
    )
    aging = month_end_aging(ledger, 125.0, 360)
    np.testing.assert_allclose(aging["month_end_day"], [30, 60, 90, 120])
    expected = {
        "current": [7, 50 + 20, 0, 0],  # at 30 the third is due that very day: current
        "1-30": [100, 7, 50 + 16, 0],
        "31-60": [0, 100, 0, 16],
        "61-90": [0, 0, 100, 0],
        "90+": [0, 0, 0, 100],
    }
    for label in AGING_LABELS:
        np.testing.assert_allclose(aging[label], expected[label], err_msg=label)


def test_month_end_aging_months_follow_the_year() -> None:
    ledger = _ledger({"issue_day": 0.0, "due_day": 10.0, "amount": 1.0})
    at_365 = month_end_aging(ledger, 365.0, 365)
    np.testing.assert_allclose(at_365["month_end_day"], np.arange(1, 13) * 365 / 12)
    assert len(month_end_aging(ledger, 359.0, 360)["month_end_day"]) == 11
    # every bucket together is the open balance at each month end
    total = sum(at_365[label] for label in AGING_LABELS)
    np.testing.assert_allclose(total, 1.0)


def test_month_end_aging_is_the_balance_at_each_month_end_bit_for_bit() -> None:
    """One pass over the invoices (each met at the month ends it is open at) gives what the
    definition gives: every month end's open balances summed by bucket, in ledger order."""
    scenario = one_segment(
        "aging", 400, customers=40, orders_per_year=12, amount_cv=0.5,
        mix={"on_time": 0.3, "reminded": 0.4, "pressure": 0.1, "defaulter": 0.2},
        segment={"disputes": {"share": 0.4, "upheld_share": 1.0, "credited_share": 0.5}})
    policy = Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"}})
    ledger = run_des(scenario, policy, seed=4).ledger
    aging = month_end_aging(ledger, 400.0, 365)
    for m, when in enumerate(aging["month_end_day"]):
        open_amount = ar_balance_at(ledger, float(when) - 1e-9)
        live = open_amount > 0
        want = metrics.aging_buckets(open_amount[live], when - ledger["due_day"][live])
        for label in AGING_LABELS:
            assert aging[label][m] == want[label], (m, label)

