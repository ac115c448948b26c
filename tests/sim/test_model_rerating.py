"""docs/model.md §4 "Re-rating on the payment record" (`policy.rerating`): a settled invoice
booked on day d more than `late_days` after its (dispute-adjusted) due date, or disputed and
the dispute lost, is a late payment; the `late_payments`-th since the last wipe lowers its
customer's grade a step (D at worst), `clean_days` without one raise it a step each (its own
grade at best) and wipe the count. The grade at an order's time decides its terms, and
whether it gets credit at all.

First the three functions every engine calls (`rated_late`, `rerate`, `grade_at`) on
sequences worked by hand. Then books chosen so that the rule can be replayed on paper: one
grade-B segment whose customers pay every invoice exactly L days after its due date and
answer no step, no ladder, no limit, grade B on N/30 and C on N/60. Invoice i issued at t_i
on grade g's terms is due at t_i + net(g), settles at t_i + net(g) + L and is booked on the
first day at or after it; it is late iff L > late_days. Walking each customer's candidate
orders in time order, booking first what was booked by the order's day, gives every order's
grade and so its fate: shipped on that grade's terms, or, on a grade refused credit, a cash
sale (u_thin x m_max < cash_only_share_kept) or a sale lost to `credit_refused`. The engines'
ledgers and tallies must be that replay, to the last bit on every engine.
"""

from __future__ import annotations

import heapq
import math
from typing import Any

import numpy as np
import pytest
from support import customer_book, one_segment, same_on_every_engine

from arsim.sim.behaviour import (
    N_RATING,
    R_GRADE,
    R_LATE,
    R_OWN,
    R_SINCE,
    grade_at,
    rated_late,
    rerate,
)
from arsim.sim.engine.des import run_des
from arsim.sim.engine.fast import run_fast
from arsim.sim.engine.output import EngineOutput
from arsim.sim.engine.reference import run_reference
from arsim.sim.policy import Policy
from arsim.sim.scenario import Scenario

INF = math.inf
A, B, C, D = range(4)
GRADES = "ABCD"
END = 400.0
NET = {"B": 30.0, "C": 60.0}  # grade B on N/30, C on N/60
SEED = 7


# ---- the functions, by hand -------------------------------------------------------------------


def _record(own: int) -> np.ndarray:
    rating = np.zeros(N_RATING)
    rating[R_GRADE] = rating[R_OWN] = own
    return rating


def _state(rating: np.ndarray) -> tuple[int, float, int]:
    return int(rating[R_GRADE]), float(rating[R_SINCE]), int(rating[R_LATE])


def test_a_payment_is_late_past_late_days_or_when_its_dispute_is_lost() -> None:
    # more than late_days after the (dispute-adjusted) due date: 30 days late is not late
    assert not rated_late(130.0, 100.0, False, INF, 30.0)
    assert rated_late(130.5, 100.0, False, INF, 30.0)
    assert not rated_late(90.0, 100.0, False, INF, 0.0)  # early
    assert rated_late(100.5, 100.0, False, INF, 0.0)
    # disputed and not upheld (nothing credited): late however soon it is paid
    assert rated_late(100.0, 100.0, True, INF, 30.0)
    assert rated_late(95.0, 100.0, True, INF, 30.0)
    # disputed and upheld (credited on day 80): judged by its days alone
    assert not rated_late(110.0, 100.0, True, 80.0, 30.0)
    assert rated_late(140.0, 100.0, True, 80.0, 30.0)


def test_every_second_late_payment_lowers_the_grade_a_step_down_to_d() -> None:
    rating = _record(B)
    rerate(rating, 100.0, 2.0, 365.0)
    assert _state(rating) == (B, 100.0, 1)  # one late payment: still B
    rerate(rating, 200.0, 2.0, 365.0)
    assert _state(rating) == (C, 200.0, 0)  # the second: C, the count starts again
    rerate(rating, 300.0, 2.0, 365.0)
    assert _state(rating) == (C, 300.0, 1)
    rerate(rating, 400.0, 2.0, 365.0)
    assert _state(rating) == (D, 400.0, 0)  # the fourth: D
    rerate(rating, 401.0, 2.0, 365.0)
    rerate(rating, 402.0, 2.0, 365.0)
    assert _state(rating) == (D, 402.0, 0)  # no grade below D
    # one late payment a step (late_payments 1): B -> C -> D on consecutive payments
    rating = _record(B)
    for day, grade in ((10.0, C), (11.0, D), (12.0, D)):
        rerate(rating, day, 1.0, 365.0)
        assert _state(rating) == (grade, day, 0)


def test_a_clean_year_raises_the_grade_a_step_back_to_its_own_at_most() -> None:
    rating = _record(B)
    for day in (100.0, 200.0, 300.0, 400.0):
        rerate(rating, day, 2.0, 365.0)
    assert _state(rating) == (D, 400.0, 0)
    # the grade at t: a step up per whole clean year since the last late payment (day 400)
    assert grade_at(rating, 400.0, 365.0) == D
    assert grade_at(rating, 764.999, 365.0) == D
    assert grade_at(rating, 765.0, 365.0) == C
    assert grade_at(rating, 1129.9, 365.0) == C
    assert grade_at(rating, 1130.0, 365.0) == B
    assert grade_at(rating, 5000.0, 365.0) == B  # never above its own grade
    assert _state(rating) == (D, 400.0, 0)  # reading the grade changes nothing
    # a late payment after a clean year and a half: first raised to C, the count wiped;
    # then it counts once (one of two): still C
    rerate(rating, 400.0 + 365.0 * 1.5, 2.0, 365.0)
    assert _state(rating) == (C, 947.5, 1)
    rerate(rating, 950.0, 2.0, 365.0)
    assert _state(rating) == (D, 950.0, 0)
    # after two clean years and more: back to its own grade B, then the payment counts
    rerate(rating, 950.0 + 800.0, 2.0, 365.0)
    assert _state(rating) == (B, 1750.0, 1)
    # a customer of grade A is never raised above A, nor one of D lowered below D
    rating = _record(A)
    rerate(rating, 5.0, 1.0, 30.0)
    assert grade_at(rating, 35.0, 30.0) == A and grade_at(rating, 34.0, 30.0) == B
    rating = _record(D)
    rerate(rating, 5.0, 1.0, 30.0)
    assert _state(rating) == (D, 5.0, 0) and grade_at(rating, 500.0, 30.0) == D


def test_a_clean_period_wipes_the_count_of_late_payments() -> None:
    # late on day 10, then again a whole clean year later: the count was wiped, so the
    # second late payment is the first of a new count and the grade stays B
    rating = _record(B)
    rerate(rating, 10.0, 2.0, 365.0)
    rerate(rating, 375.0, 2.0, 365.0)
    assert _state(rating) == (B, 375.0, 1)
    rerate(rating, 376.0, 2.0, 365.0)
    assert _state(rating) == (C, 376.0, 0)
    # a day short of the clean year: not wiped, the second lowers the grade
    rating = _record(B)
    rerate(rating, 10.0, 2.0, 365.0)
    rerate(rating, 374.0, 2.0, 365.0)
    assert _state(rating) == (C, 374.0, 0)
    # the first late payment on record (since = day 0) wipes nothing there is to wipe
    rating = _record(B)
    rerate(rating, 800.0, 2.0, 365.0)
    assert _state(rating) == (B, 800.0, 1)


# ---- the engines, replayed on paper -----------------------------------------------------------


def _scenario(lag: float, customers: int = 30, disputes: dict[str, Any] | None = None
              ) -> Scenario:
    payer = {"reminded": {"lag_days": {"mean": lag, "cv": 0.0}, "response": {}}}
    return one_segment("rerating", END, customers=customers, orders_per_year=24,
                       amount_cv=0.5, mix={"reminded": 1.0}, payer_types=payer,
                       segment={"disputes": disputes} if disputes else None)


def _policy(late_payments: int | None, accepted: tuple[str, ...] = ("B", "C"),
            late_days: float = 30.0, clean_days: float = 365.0) -> Policy:
    return Policy.model_validate({
        "accepted_grades": list(accepted), "terms": {"B": "N/30", "C": "N/60"},
        "ladder": [], "write_off": {"days_overdue": None},
        "rerating": {"late_payments": late_payments, "late_days": late_days,
                     "clean_days": clean_days}})


class _Record:
    """A customer's record on paper, written from docs/model.md, not from the engines."""

    def __init__(self, own: int, after: int, clean: float) -> None:
        self.own = self.grade = self.worst = own
        self.since, self.count = 0.0, 0
        self.after, self.clean = after, clean

    def late(self, day: int) -> None:
        """A late payment booked on `day`."""
        periods = math.floor((day - self.since) / self.clean)
        if periods >= 1:  # the clean periods first: a step up each, the count wiped
            self.grade, self.count = max(self.own, self.grade - periods), 0
        self.since, self.count = float(day), self.count + 1
        if self.count >= self.after:  # the after-th: a step down
            self.grade, self.count = min(self.grade + 1, D), 0
        self.worst = max(self.worst, self.grade)

    def at(self, t: float) -> int:
        """The grade at time t."""
        if self.grade == self.own:
            return self.own
        return max(self.own, self.grade - math.floor((t - self.since) / self.clean))


class _Replay:
    """The rule on paper over a book's candidate orders."""

    def __init__(self) -> None:
        self.shipped: dict[tuple[int, int], tuple[str, float, float, float]] = {}
        self.cash = self.lost = 0.0
        self.refused = 0  # orders refused credit
        self.returned = 0  # orders shipped on credit after an order of theirs was refused
        self.downgrades: dict[str, int] = {"C": 0, "D": 0}  # customers who reached it


def _replay(scenario: Scenario, policy: Policy, seed: int, lag: float,
            resolve: float | None = None, upheld: bool = True) -> _Replay:
    """Every candidate order's fate by the rule on paper: `resolve`, days from issue to a
    dispute's resolution where every invoice is disputed (upheld or not)."""
    rule = policy.rerating
    book = customer_book(scenario, policy, seed)
    book.draw_candidates(END)
    time, cust = np.frombuffer(book.o_time), np.frombuffer(book.o_cust, dtype=np.int64)
    number = np.frombuffer(book.o_index, dtype=np.int64)
    amount, thin = np.frombuffer(book.o_amount), np.frombuffer(book.o_thin)
    kept = scenario.demand.cash_only_share_kept
    lost_dispute = resolve is not None and not upheld
    out = _Replay()
    for c in np.unique(cust):
        mine = np.flatnonzero(cust == c)
        record = _Record(B, rule.late_payments or 0, rule.clean_days)
        bookings: list[tuple[int, float, float]] = []  # (booking day, settle, eff. due)
        refused_before = False
        for r in mine[np.argsort(number[mine], kind="stable")]:  # by order number = time
            t = float(time[r])
            # the settlements booked on or before the order's day (booked as a day begins)
            while bookings and bookings[0][0] <= t:
                day, settle, due = heapq.heappop(bookings)
                if rule.late_payments is not None and (
                        settle - due > rule.late_days or lost_dispute):
                    record.late(day)
            letter = GRADES[record.at(t)]
            if letter not in policy.accepted_grades:
                out.refused += 1
                refused_before = True
                if thin[r] * book.m_max < kept:
                    out.cash += float(amount[r])
                else:
                    out.lost += float(amount[r])
                continue
            out.returned += refused_before
            due = t + NET[letter]
            eff_due = due if resolve is None else max(due, t + resolve)
            settle = eff_due + lag
            out.shipped[(int(c), int(number[r]))] = (letter, t, due, settle)
            heapq.heappush(bookings, (math.ceil(settle), settle, eff_due))
        for letter in ("C", "D"):
            out.downgrades[letter] += record.worst >= GRADES.index(letter)
    return out


def _check(out: EngineOutput, paper: _Replay) -> None:
    """The engine's ledger and tallies are the replay's."""
    assert not out.ledger["opening"].any()
    rows = {(int(r["customer"]), int(r["order_index"])): r for r in out.ledger}
    assert rows.keys() == paper.shipped.keys()
    for key, (letter, t, due, settle) in paper.shipped.items():
        row = rows[key]
        assert (row["grade"], row["issue_day"], row["due_day"]) == (letter, t, due), key
        if settle <= END:
            assert row["settle_day"] == settle, key
    assert out.cash_sales == pytest.approx(paper.cash, rel=1e-12, abs=1e-9)
    assert out.lost_sales.get("credit_refused", 0.0) == pytest.approx(paper.lost, rel=1e-12,
                                                                       abs=1e-9)
    assert set(out.lost_sales) <= {"terms", "credit_refused"}


def _grades(out: EngineOutput) -> dict[str, int]:
    letters, counts = np.unique(out.ledger["grade"], return_counts=True)
    return {str(g): int(n) for g, n in zip(letters, counts, strict=True)}


def test_off_every_invoice_is_on_its_customers_own_grade() -> None:
    # (a) late_payments null: 45 days late every time, and still every invoice a grade B one
    scenario, policy = _scenario(45.0), _policy(None)
    out = same_on_every_engine(scenario, policy, SEED)
    paper = _replay(scenario, policy, SEED, 45.0)
    _check(out, paper)
    assert _grades(out) == {"B": len(out.ledger)} and paper.refused == 0
    assert np.all(out.ledger["due_day"] == out.ledger["issue_day"] + 30.0)
    assert out.cash_sales == 0.0 and "credit_refused" not in out.lost_sales


@pytest.mark.parametrize("accepted", [("B", "C"), ("B",)])
def test_every_second_late_payment_lowers_the_grade_and_d_gets_no_credit(
        accepted: tuple[str, ...]) -> None:
    # (b) 45 days late, late_payments 2: B -> C at the second late booking (on N/60 from then
    # on), C -> D at the fourth; D refused credit (and C too, when only B is accepted)
    scenario, policy = _scenario(45.0), _policy(2, accepted)
    out = same_on_every_engine(scenario, policy, SEED)
    paper = _replay(scenario, policy, SEED, 45.0)
    _check(out, paper)
    # on paper, customer by customer: its B invoices settle in issue order, so the second is
    # booked on ceil(t_2 + 30 + 45), and from that day on it is C: its B invoices are exactly
    # those issued before
    downgraded = 0
    for c in np.unique(out.ledger["customer"]):
        rows = out.ledger[out.ledger["customer"] == c]
        if len(rows) >= 2 and rows["issue_day"][1] + 75.0 < END:
            second = math.ceil(rows["issue_day"][1] + 30.0 + 45.0)
            assert np.array_equal(rows["grade"] == "B", rows["issue_day"] < second)
            downgraded += 1
    assert downgraded > 20
    grades = _grades(out)
    if accepted == ("B", "C"):
        assert grades["C"] > 50 and paper.downgrades["D"] > 10
        c_rows = out.ledger[out.ledger["grade"] == "C"]
        assert np.all(c_rows["due_day"] == c_rows["issue_day"] + 60.0)
    else:
        assert set(grades) == {"B"} and paper.downgrades["C"] > 10
    # the customers' third and later invoices (ordered after the second booking) are refused
    assert paper.refused > 100 and out.cash_sales > 0 and out.lost_sales["credit_refused"] > 0
    # switched off, the same orders all ship on grade B
    off = run_fast(scenario, _policy(None, accepted), SEED)
    assert len(off.ledger) > len(out.ledger) and _grades(off) == {"B": len(off.ledger)}


def test_a_customer_cash_only_is_rated_back_after_clean_periods() -> None:
    # clean_days 60: a customer refused credit at D (it has no invoices left to pay late)
    # rises to C 60 days after its last late payment and to B 60 days later; its orders
    # ship on credit again, and, paid late again, take it down again
    scenario, policy = _scenario(45.0), _policy(2, clean_days=60.0)
    out = same_on_every_engine(scenario, policy, SEED)
    paper = _replay(scenario, policy, SEED, 45.0)
    _check(out, paper)
    assert paper.downgrades["D"] > 10 and paper.returned > 20
    # without the clean periods (a clean period longer than the run) nobody comes back
    never = _replay(scenario, _policy(2, clean_days=3650.0), SEED, 45.0)
    assert never.returned == 0 and len(never.shipped) < len(paper.shipped)


def test_payments_within_late_days_never_re_rate() -> None:
    # (c) 20 days late, late_days 30: not late, the book is the one without re-rating; with
    # late_days 10 the same payments are late and re-rate
    scenario = _scenario(20.0)
    off = same_on_every_engine(scenario, _policy(None), SEED)
    kept = same_on_every_engine(scenario, _policy(2), SEED)
    assert kept.ledger.tobytes() == off.ledger.tobytes()
    assert (kept.cash_sales, kept.lost_sales) == (off.cash_sales, off.lost_sales)
    strict = same_on_every_engine(scenario, _policy(2, late_days=10.0), SEED)
    paper = _replay(scenario, _policy(2, late_days=10.0), SEED, 20.0)
    _check(strict, paper)
    assert paper.downgrades["D"] > 10 and strict.cash_sales > 0


@pytest.mark.parametrize("upheld", [False, True])
def test_a_dispute_the_customer_loses_is_a_late_payment(upheld: bool) -> None:
    # (d) every invoice disputed, resolved 50 days after issue, then paid 5 days after the
    # effective due date (max(due, resolution)): on time, but a lost dispute counts as late;
    # upheld (credited), the same payments leave the grade alone
    disputes = {"share": 1.0, "upheld_share": 1.0 if upheld else 0.0, "raised_after_days": 10.0,
                "resolution_days": {"mean": 40.0, "cv": 0.0}, "credited_share": 0.3}
    scenario, policy = _scenario(5.0, disputes=disputes), _policy(2)
    out = same_on_every_engine(scenario, policy, SEED)
    paper = _replay(scenario, policy, SEED, 5.0, resolve=50.0, upheld=upheld)
    _check(out, paper)
    assert out.ledger["disputed"].all()
    if upheld:
        assert _grades(out) == {"B": len(out.ledger)} and paper.refused == 0
    else:
        assert _grades(out)["C"] > 50 and paper.downgrades["D"] > 10 and paper.refused > 100


def test_a_finite_team_re_rates_alike_on_the_event_engines() -> None:
    # a ladder worked by one collector with less time than work: payments move with the
    # calls, late ones re-rate, and the SimPy and reference engines agree invoice by invoice
    payer = {"reminded": {"lag_days": {"mean": 40.0, "cv": 0.5}, "response": {"phone": 0.5}}}
    scenario = one_segment("rerating", END, customers=60, orders_per_year=24, amount_cv=0.5,
                           mix={"reminded": 1.0}, payer_types=payer)
    policy = Policy.model_validate({
        "accepted_grades": ["B", "C"], "terms": {"B": "N/30", "C": "N/60"},
        "ladder": [{"day": 5, "action": "phone", "collector_minutes": 60}],
        "collections": {"collectors": 1, "minutes_per_day": 240},
        "rerating": {"late_payments": 2, "late_days": 30, "clean_days": 90}})
    des, ref = run_des(scenario, policy, 3), run_reference(scenario, policy, 3)
    assert des.ledger.tobytes() == ref.ledger.tobytes()
    assert (des.lost_sales, des.cash_sales) == (ref.lost_sales, ref.cash_sales)
    assert _grades(des).get("C", 0) > 20 and des.lost_sales.get("credit_refused", 0.0) > 0
    assert des.collector.tasks_dropped > 0 or des.collector.wait_days_total > 0
