"""docs/model.md §4 step 5 and "Credit limits" [004 p.71-79].

limit = E[monthly sales] x P / 30 x g until enough history; then the sales method
(ordered on credit in the last 3 months x P / 90 x g, from month 3) or the receipts method
((6 R-1 + 5 R-2 + ... + 1 R-6) / 21 x P / 30 x g, from month 6). An order is blocked when its
amount plus the customer's unsettled invoice amounts exceeds the limit, unless released on
approval. The formulas are checked on CustomerBook with hand-made numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from support import customer_book, one_segment

from arsim.sim import streams
from arsim.sim.behaviour import INF, Invoice, Outcome
from arsim.sim.engine.book import CustomerBook, zeroed_doubles
from arsim.sim.engine.des import run_des
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

MONTH = 365 / 12


def _scenario(**demand: Any) -> Scenario:
    return Scenario.model_validate({
        "name": "limits",
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        "horizon": {"warmup_days": 0, "horizon_days": 300},
        "segments": [
            {"name": "b", "customers": 1, "grade": "B", "orders_per_year": 12,
             "order_amount": {"mean": 1000, "cv": 0.0}, "payer_mix": {"reminded": 1.0}},
            {"name": "c", "customers": 1, "grade": "C", "orders_per_year": 24,
             "order_amount": {"mean": 500, "cv": 0.0}, "payer_mix": {"reminded": 1.0}},
        ],
        "demand": {"customer_loss": {"after_action": {}}, **demand},
    })


def _policy(method: str, terms: str = "N/30", period: float = 45.0,
            smoothing: float | None = None) -> Policy:
    return Policy.model_validate({
        "accepted_grades": ["B", "C"], "terms": {"B": terms, "C": terms},
        "credit_limit": {"method": method, "standard_credit_period_days": period,
                         "grade_factors": {"B": 1.5}, "smoothing": smoothing}})


def _book(method: str = "sales", terms: str = "N/30",
          smoothing: float | None = None) -> CustomerBook:
    scenario, policy = _scenario(), _policy(method, terms, smoothing=smoothing)
    book = customer_book(scenario, policy, 1)
    book.draw_candidates(book.end)
    return book


def test_initial_limits_from_expected_sales() -> None:
    book = _book()
    # B: 12 x 1.0 x 1000 / 12 x 45 / 30 x 1.5; C: 24 x 1.0 x 500 / 12 x 45 / 30 x 1 (no factor)
    assert book.limit == pytest.approx([2250.0, 1500.0])
    # the terms' demand multiplier enters the expected sales: N/60 sells 1.1 times as much
    assert _book(terms="N/60").limit == pytest.approx([2250.0 * 1.1, 1500.0 * 1.1])


def test_no_limit_without_a_method() -> None:
    book = _book(method="none")
    assert book.limit is None
    book.month_end(6, np.ones_like(book.ordered_month))
    assert book.limit is None
    assert book.blocked(0, 10.0, 1e12, book.grade_index[0]) is None


def test_limit_from_monthly() -> None:
    book = _book()
    assert book._limit_from_monthly(1000.0, "B") == pytest.approx(1000 * 45 / 30 * 1.5)
    assert book._limit_from_monthly(1000.0, "D") == pytest.approx(1000 * 45 / 30)
    np.testing.assert_allclose(
        book._limit_from_monthly(np.array([100.0, 200.0]), np.array(["B", "C"])),
        [100 * 1.5 * 1.5, 200 * 1.5])


def test_sales_method_uses_the_last_three_months_ordered() -> None:
    book = _book()
    book.ordered_month[:] = 0.0
    book.ordered_month[0, :5] = [10_000, 300, 600, 900, 7_000]
    book.ordered_month[1, :5] = [0, 90, 0, 0, 5]
    receipts = np.zeros_like(book.ordered_month)
    book.month_end(2, receipts)  # fewer than 3 months of history: initial limits stay
    assert book.limit == pytest.approx([2250.0, 1500.0])
    book.month_end(4, receipts)  # months 1, 2, 3
    assert book.limit == pytest.approx([(300 + 600 + 900) * 45 / 90 * 1.5, 90 * 45 / 90])
    book.month_end(5, receipts)  # months 2, 3, 4
    assert book.limit == pytest.approx([(600 + 900 + 7000) * 45 / 90 * 1.5, 5 * 45 / 90])


def test_receipts_method_weights_the_last_six_months() -> None:
    book = _book(method="receipts")
    receipts = np.zeros_like(book.ordered_month)
    r = [100.0, 200.0, 300.0, 400.0, 500.0, 600.0, 50_000.0]  # months 0..6
    receipts[0, :7] = r
    receipts[1, :7] = 210.0
    book.month_end(5, receipts)  # fewer than 6 months: initial limits stay
    assert book.limit == pytest.approx([2250.0, 1500.0])
    book.month_end(6, receipts)  # months 0..5, the last (5) weighing 6
    weighted = (6 * 600 + 5 * 500 + 4 * 400 + 3 * 300 + 2 * 200 + 1 * 100) / 21
    assert book.limit == pytest.approx([weighted * 45 / 30 * 1.5, 210.0 * 45 / 30])
    book.month_end(7, receipts)  # months 1..6
    weighted = (6 * 50_000 + 5 * 600 + 4 * 500 + 3 * 400 + 2 * 300 + 1 * 200) / 21
    assert book.limit[0] == pytest.approx(weighted * 45 / 30 * 1.5)


def test_receipts_are_full_amounts_of_paid_invoices_in_their_booking_month() -> None:
    book = _book(method="receipts")
    flat = zeroed_doubles(book.ordered_month.size)  # the engine's receipts, customer by row
    receipts = np.frombuffer(flat).reshape(book.ordered_month.shape)
    for k, (settle, outcome) in enumerate([
            (40.0, Outcome.PAID), (45.0, Outcome.DISCOUNT), (70.0, Outcome.PAID_DUNNED),
            (50.0, Outcome.WRITTEN_OFF), (55.0, Outcome.BANKRUPT), (65.0, Outcome.AGENCY),
            (58.0, Outcome.LAWSUIT)]):
        inv = Invoice(0, k, 0.0, 100.0 * (k + 1))
        inv.settle, inv.outcome, inv.due, inv.eff_due = settle, outcome, 30.0, 30.0
        book.book(inv, flat, math.ceil(settle))
    # month 1 = [30.42, 60.83): paid 100, discount 200, lawsuit 700; month 2: dunned 300,
    # agency 600; write-offs and bankruptcies are not receipts
    assert receipts[0, 1] == pytest.approx(100 + 200 + 700)
    assert receipts[0, 2] == pytest.approx(300 + 600)
    assert receipts.sum() == pytest.approx(1900)
    # the write-off, booked on day 50, closed the account from then on; nothing else did
    assert book.cancel_from[0] == 50.0
    assert book.cancel_from[1] == INF


def test_an_order_is_blocked_above_the_limit() -> None:
    book = _book()
    book.limit = [1000.0, 1000.0]
    inv = Invoice(0, 0, 0.0, 600.0)
    inv.settle, inv.stop_from = 50.0, INF
    book.open[0] = [inv]
    own = book.grade_index  # each customer's own grade: nobody re-rated
    assert book.blocked(0, 10.0, 400.0, own[0]) is None  # 600 + 400 = limit: allowed
    assert book.blocked(0, 10.0, 400.01, own[0]) == "credit_limit"
    assert book.blocked(0, 50.0, 1000.0, own[0]) is None  # settled invoices no longer count
    assert book.blocked(1, 10.0, 1000.01, own[1]) == "credit_limit"  # an empty book, one order
    assert book.blocked(1, 10.0, 1000.0, own[1]) is None


def _limit_engine(approval: float, factor: float = 2.0) -> tuple[Scenario, Policy]:
    scenario = Scenario.model_validate({
        "name": "limit run",
        "company": {"variable_cost_ratio": 0.8, "cost_of_capital_annual": 0.1},
        # 80 days: before month 3, so the plain (unsmoothed) limit stays the initial one
        "horizon": {"warmup_days": 0, "horizon_days": 80},
        "segments": [{"name": "s", "customers": 150, "grade": "B", "orders_per_year": 12,
                      "order_amount": {"mean": 1000, "cv": 0.5},
                      "payer_mix": {"reminded": 1.0}}],
        "demand": {"customer_loss": {"after_action": {}}, "blocked_approval_share": approval,
                   "blocked_hold_days": 7},
    })
    policy = Policy.model_validate({
        "accepted_grades": ["B"], "terms": {"B": "N/30"},
        "credit_limit": {"method": "sales", "standard_credit_period_days": 30,
                         "grade_factors": {"B": factor}, "smoothing": None}})
    return scenario, policy


def test_every_shipped_invoice_fits_under_the_limit() -> None:
    scenario, policy = _limit_engine(approval=0.0)
    out = run_des(scenario, policy, seed=5)
    ledger = out.ledger
    limit = 12 * 1.0 * 1000 / 12 * 30 / 30 * 2.0  # 2000
    for i, row in enumerate(ledger):
        earlier = ledger[:i]
        same = earlier[(earlier["customer"] == row["customer"])
                       & (earlier["settle_day"] > row["issue_day"])]
        assert row["amount"] + same["amount"].sum() <= limit + 1e-9
    assert out.lost_sales["credit_limit"] > 0


def test_released_on_approval_when_the_share_is_one() -> None:
    scenario, policy = _limit_engine(approval=1.0, factor=0.01)
    out = run_des(scenario, policy, seed=5)
    assert "credit_limit" not in out.lost_sales
    free = run_des(scenario, policy.with_value("credit_limit.method", "none"), seed=5)
    assert out.ledger.tobytes() == free.ledger.tobytes()


def test_a_tiny_limit_loses_the_orders_it_does_not_release() -> None:
    scenario, policy = _limit_engine(approval=0.3, factor=0.01)  # limit 10: every order blocks
    out = run_des(scenario, policy, seed=6)
    free = run_des(scenario, policy.with_value("credit_limit.method", "none"), seed=6)
    share = len(out.ledger) / len(free.ledger)
    assert abs(share - 0.3) < 5 * np.sqrt(0.21 / len(free.ledger))
    # the others are lost to the limit, except those still held at the end (last 7 days)
    accounted = out.lost_orders["credit_limit"] + len(out.ledger)
    assert np.sum(free.ledger["issue_day"] < 80 - 8) <= accounted <= len(free.ledger)


def test_smoothed_sales_method_moves_a_tenth_of_the_way_each_month() -> None:
    # expected monthly purchases start from the rating (B 1,000 a month, C 1,000 a month)
    # and take in each month's orders with weight alpha: m = a x ordered + (1 - a) x m
    book = _book(smoothing=0.1)
    book.ordered_month[:] = 0.0
    book.ordered_month[0, :3] = [3_000, 0, 1_000]
    book.ordered_month[1, :3] = [1_000, 1_000, 1_000]
    receipts = np.zeros_like(book.ordered_month)
    book.month_end(1, receipts)  # month 0's orders
    b1, c1 = 0.1 * 3_000 + 0.9 * 1_000, 0.1 * 1_000 + 0.9 * 1_000
    assert book.limit == pytest.approx([b1 * 45 / 30 * 1.5, c1 * 45 / 30])
    book.month_end(2, receipts)  # month 1: nothing from B
    b2 = 0.9 * b1
    assert book.limit == pytest.approx([b2 * 45 / 30 * 1.5, c1 * 45 / 30])
    book.month_end(3, receipts)
    assert book.limit == pytest.approx([(0.1 * 1_000 + 0.9 * b2) * 45 / 30 * 1.5,
                                        c1 * 45 / 30])


def test_smoothed_limits_start_in_the_first_month_the_plain_ones_in_the_third() -> None:
    assert _policy("sales", smoothing=0.2).credit_limit.first_month() == 1
    assert _policy("sales").credit_limit.first_month() == 3
    assert _policy("receipts").credit_limit.first_month() == 6


# ---- the working-assets method [004 p.74] -------------------------------------------------


def test_working_assets_limits_are_each_customers_assets_times_the_share_and_factor() -> None:

    from arsim.sim.engine.fast import run_fast
    from arsim.sim.engine.reference import run_reference

    scenario = one_segment("wa", 300.0, customers=30, orders_per_year=24, amount_cv=0.5,
                           mix={"reminded": 0.5, "pressure": 0.5},
                           segment={"working_assets": {"mean": 60_000, "cv": 0.5},
                                    "newcomers_per_year": 10})
    policy = Policy.model_validate({
        "accepted_grades": ["B"], "terms": {"B": "N/30"}, "ladder": [],
        "credit_limit": {"method": "working_assets", "working_assets_share": 0.1,
                         "grade_factors": {"B": 1.5}}})
    book = customer_book(scenario, policy, 4)
    customers = book.customers
    u = streams.uniforms(4, streams.Stream.WORKING_ASSETS, np.arange(customers.count), 0)[:, 0]
    assets = streams.lognormal(u, 60_000, 0.5)
    assert np.allclose(book.limit0, assets * 0.1 * 1.5, rtol=1e-15, atol=0.0)
    # fixed for the run: no month recomputes it, and every engine holds orders alike
    before = list(book.limit or [])
    book.month_end(9, np.zeros((customers.count, book.months)))
    assert book.limit == before
    runs = [f(scenario, policy, 4) for f in (run_fast, run_des, run_reference)]
    assert runs[0].lost_sales.get("credit_limit", 0.0) > 0.0  # 9,000 of limit, 1,000 orders
    for other in runs[1:]:
        assert other.ledger.tobytes() == runs[0].ledger.tobytes()
        assert other.lost_sales == runs[0].lost_sales


def test_the_working_assets_method_needs_every_segments_assets() -> None:

    from arsim.sim.errors import PolicyError
    from arsim.sim.policy import check_compatible

    scenario = one_segment("wa", 300.0, customers=3, orders_per_year=2, amount_cv=0.5,
                           mix={"on_time": 1.0})
    policy = Policy.model_validate({"accepted_grades": ["B"], "terms": {"B": "N/30"},
                                    "credit_limit": {"method": "working_assets"}})
    with pytest.raises(PolicyError, match="working_assets"):
        check_compatible(scenario, policy)
