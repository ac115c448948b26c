"""The fast engine: the SimPy engine's rules as a compiled loop over customers (numba).

With unlimited collectors nothing couples two customers: an invoice's whole course is fixed
when it is issued (its own draws, its customer's attributes, the policy), and a customer's
orders depend only on that customer's own invoices (stop-shipping, its credit limit, a lost
customer, a cancelled line, its rebate). So each customer can be simulated on its own, start
to finish, without an event loop. This module does exactly that with the same rules, in the
same order and with the same floating-point operations as `des.py` + `behaviour.py` +
`book.py`, so every invoice comes out the same: same settle day, same money, same actions.

What the kernel mirrors, and where (keep the two in step; tests compare them invoice by
invoice over many random scenarios):

- `RuleBook.open_invoice`, `_unprompted`, `_bankrupt`, `_finish` -> `_open_invoice`
- `RuleBook.walk`, `apply`, `_lawsuit`, `age_factor`, `service_days` -> `_walk`, `_apply`
- `RuleBook.close`, `_charge_penalty` -> `_close`
- `CustomerBook.accept`, `blocked`, `release_held`, `issue`, `register`, `book`,
  `month_end`, `year_end`, `open_book` and the day loop of `des._Simulation._days` ->
  `_customer`

The only thing the event simulation can resolve and this loop cannot is a finite collector
team (calls wait in one queue for all customers), so the fast engine refuses scenarios with
one (see `exact_for`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from ..behaviour import INF, Outcome, RuleBook, actions_summary, max_multiplier
from ..draws import (
    COL_CASH,
    COL_DISPUTE,
    COL_DISPUTE_DAYS,
    COL_DISPUTE_UPHELD,
    COL_LAG,
    COL_PENALTY,
    COL_STEPS,
    MAX_STEPS,
    STEP_DRAWS,
    draw_customers,
    draw_orders,
    invoice_draws,
)
from ..errors import EngineError
from ..ledger import LEDGER_DTYPE, Ledger
from ..policy import Policy
from ..scenario import ACTIONS, PAYER_TYPES, Action, PayerType, Scenario
from .book import CustomerBook
from .opening import opening_invoices
from .output import CAUSES, FATE_CASH, FATE_LOST, FATE_SHIPPED, CollectorStats, EngineOutput

__all__ = ["exact_for", "run_fast", "screening_for"]

GRADES = "ABCD"
# outcome codes as plain ints for the kernel
OPEN, PAID, PAID_DUNNED, DISCOUNT = (int(Outcome.OPEN), int(Outcome.PAID),
                                     int(Outcome.PAID_DUNNED), int(Outcome.DISCOUNT))
AGENCY, LAWSUIT, WRITTEN_OFF, BANKRUPT = (int(Outcome.AGENCY), int(Outcome.LAWSUIT),
                                          int(Outcome.WRITTEN_OFF), int(Outcome.BANKRUPT))
A_STOP = ACTIONS.index(Action.STOP_SHIPPING)
A_CANCEL = ACTIONS.index(Action.CANCEL_CREDIT_LINE)
A_AGENCY = ACTIONS.index(Action.AGENCY)
A_LAWSUIT = ACTIONS.index(Action.LAWSUIT)
L_TERMS, L_CANCELLED = FATE_LOST + CAUSES.index("terms"), FATE_LOST + CAUSES.index(
    "credit_cancelled")
L_LIMIT, L_STOP = FATE_LOST + CAUSES.index("credit_limit"), FATE_LOST + CAUSES.index(
    "stop_shipping")
L_LOST = FATE_LOST + CAUSES.index("customer_lost")
NO_STEP = 10**6
#: Customers simulated together: bounds the memory of draws and invoice records.
CHUNK_CUSTOMERS = 8_192
BUSY = len(ACTIONS)  # the tally's extra row: collector days offered, collector tasks

# invoice columns: floats (inv_f) and integers (inv_i), one row per invoice
(F_ISSUE, F_DUE, F_EFF_DUE, F_SETTLE, F_CREDITED_AT, F_AMOUNT, F_PAID, F_DISCOUNT, F_CREDITED,
 F_WRITTEN_OFF, F_PENALTY, F_FEE, F_DUNNING, F_STOP, F_CANCEL, F_LOST_AT, F_HALT, F_READY,
 F_SHARE, F_KEY_TIME, F_BOOK_DAY) = range(21)
N_F = 21
(I_CUST, I_OINDEX, I_SEG, I_GRADE, I_PAYER, I_OPENING, I_DISPUTED, I_OUTCOME, I_ACTIONS,
 I_STEP, I_ROW, I_BOOKED) = range(12)
N_I = 12
# per segment (seg_f), per payer type (payer_f), per ladder step (lad_f)
S_DISPUTE_SHARE, S_UPHELD, S_CREDITED, S_CASH, S_RECOVERY_DAYS = range(5)
Y_DELAY, Y_BREAKS, Y_DETERRED = range(3)
D_DAY, D_COST, D_SERVICE, D_LOSS, D_MIN = range(5)
# scalars (p)
(P_START, P_END, P_YEAR, P_MONTH, P_HOLD, P_APPROVAL, P_CASH_KEPT, P_M_MAX, P_LIMIT_METHOD,
 P_STD_PERIOD, P_WRITE_OFF, P_AFTER_LAWSUIT, P_PEN_RATE, P_PEN_GRACE, P_PEN_COLLECTED,
 P_AGENCY_FEE, P_AGENCY_DAYS, P_LAWSUIT_COST, P_LAWSUIT_DAYS, P_LAWSUIT_RECOVERY,
 P_REBATE_RATE, P_REBATE_THRESHOLD, P_REBATE_GRACE, P_DEFAULTER, P_MONTHS) = range(25)
N_P = 25


def screening_for(scenario: Scenario) -> str | None:
    """Why the fast engine cannot even screen this scenario (None: it can)."""
    if scenario.deterministic is not None:
        return "deterministic (textbook) mode runs on the SimPy engine"
    return None


def exact_for(scenario: Scenario, policy: Policy) -> str | None:
    """Why the fast engine would not reproduce the SimPy engine here (None: it would)."""
    reason = screening_for(scenario)
    if reason is not None:
        return reason
    if policy.collections.collectors is not None:
        return ("a finite collector team couples customers through one queue, which only "
                "the event simulation resolves")
    return None


# ---- the invoice's course (RuleBook) ------------------------------------------------------


@numba.njit(cache=True)
def _finish(inv_f: np.ndarray, k: int, when: float, outcome: int, rate: float,
            inv_i: np.ndarray) -> None:
    if when >= inv_f[k, F_SETTLE] or when >= inv_f[k, F_HALT]:
        return
    inv_f[k, F_SETTLE] = when
    inv_i[k, I_OUTCOME] = outcome
    inv_f[k, F_SHARE] = rate


@numba.njit(cache=True)
def _bankrupt(inv_f: np.ndarray, inv_i: np.ndarray, k: int, day: float, recovery: float,
              recovery_days: float) -> None:
    if day >= inv_f[k, F_SETTLE]:
        return
    inv_f[k, F_HALT] = day
    inv_f[k, F_SETTLE] = day + recovery_days
    inv_i[k, I_OUTCOME] = BANKRUPT
    inv_f[k, F_SHARE] = recovery


@numba.njit(cache=True)
def _age_factor(days_overdue: float, year: float) -> float:
    if days_overdue <= 0:
        return 1.0
    return math.exp(-((days_overdue / year / 1.374) ** 0.905))


@numba.njit(cache=True)
def _open_invoice(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray,
                  net: float, rates: np.ndarray, windows: np.ndarray, tier: int,
                  funding: float, bankrupt_day: float, recovery: float, start: float,
                  seg_f: np.ndarray, p: np.ndarray, payer_f: np.ndarray,
                  defaulter: int) -> None:
    """RuleBook.open_invoice (+ _unprompted, _bankrupt), for invoice k."""
    seg = inv_i[k, I_SEG]
    payer = inv_i[k, I_PAYER]
    issue = inv_f[k, F_ISSUE]
    inv_f[k, F_DUE] = issue + net
    inv_f[k, F_EFF_DUE] = inv_f[k, F_DUE]
    resolve = -INF
    recovery_days = seg_f[seg, S_RECOVERY_DAYS]
    if row[COL_DISPUTE] < seg_f[seg, S_DISPUTE_SHARE]:
        inv_i[k, I_DISPUTED] = 1
        resolve = issue + row[COL_DISPUTE_DAYS]
        if row[COL_DISPUTE_UPHELD] < seg_f[seg, S_UPHELD]:
            inv_f[k, F_CREDITED_AT] = resolve
        inv_f[k, F_EFF_DUE] = max(inv_f[k, F_DUE], resolve)
    elif tier >= 0 and payer != defaulter and row[COL_CASH] < seg_f[seg, S_CASH]:
        _finish(inv_f, k, issue + windows[tier], DISCOUNT, rates[tier], inv_i)
        _bankrupt(inv_f, inv_i, k, bankrupt_day, recovery, recovery_days)
        return
    # _unprompted
    lag = row[COL_LAG]
    if (p[P_PEN_RATE] > funding and lag > p[P_PEN_GRACE]
            and row[COL_PENALTY] < payer_f[payer, Y_DETERRED]):
        lag = p[P_PEN_GRACE]
    planned = max(inv_f[k, F_EFF_DUE] + lag, resolve)
    if planned < start:
        planned = start + max(0.0, row[COL_LAG])
    _finish(inv_f, k, planned, PAID, 0.0, inv_i)
    if p[P_WRITE_OFF] < INF:
        cutoff = max(inv_f[k, F_EFF_DUE] + p[P_WRITE_OFF], start)
        if cutoff < inv_f[k, F_SETTLE]:
            _finish(inv_f, k, cutoff, WRITTEN_OFF, 0.0, inv_i)
    _bankrupt(inv_f, inv_i, k, bankrupt_day, recovery, recovery_days)


@numba.njit(cache=True)
def _count(tally: np.ndarray, action: int, when: float, cost: float, times: float,
           p: np.ndarray) -> None:
    """RuleBook._count, into this customer's row of the tally."""
    if p[P_START] <= when < p[P_END]:
        tally[action, 0] += times
        tally[action, 1] += cost


@numba.njit(cache=True)
def _apply(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray, g: int, j: int,
           when: float, lad_f: np.ndarray, lad_i: np.ndarray, lad_resp: np.ndarray,
           p: np.ndarray, payer_f: np.ndarray, tally: np.ndarray) -> None:
    """RuleBook.apply (+ _lawsuit) of step j of grade g's ladder, done at `when`."""
    if when >= inv_f[k, F_SETTLE] or when >= inv_f[k, F_HALT]:
        return
    base = COL_STEPS + STEP_DRAWS * j
    action = lad_i[g, j]
    cost = lad_f[g, j, D_COST]
    payer = inv_i[k, I_PAYER]
    inv_i[k, I_ACTIONS] += 1
    inv_f[k, F_DUNNING] += cost
    _count(tally, action, when, cost, 1.0, p)
    inv_f[k, F_READY] = when
    if action == A_STOP:
        inv_f[k, F_STOP] = min(inv_f[k, F_STOP], when)
    elif action == A_CANCEL:
        inv_f[k, F_CANCEL] = min(inv_f[k, F_CANCEL], when)
    if row[base + 2] < lad_f[g, j, D_LOSS]:
        inv_f[k, F_LOST_AT] = min(inv_f[k, F_LOST_AT], when)
    eff_due = inv_f[k, F_EFF_DUE]
    if action == A_LAWSUIT:
        inv_f[k, F_DUNNING] += p[P_LAWSUIT_COST]
        _count(tally, A_LAWSUIT, when, p[P_LAWSUIT_COST], 0.0, p)
        end = when + p[P_LAWSUIT_DAYS]
        chance = lad_resp[g, j, payer] * _age_factor(when - eff_due, p[P_YEAR])
        age_cutoff = INF
        if inv_i[k, I_OUTCOME] == WRITTEN_OFF:
            age_cutoff = inv_f[k, F_SETTLE]
            inv_f[k, F_SETTLE] = INF
            inv_i[k, I_OUTCOME] = OPEN
        if row[base] < chance:
            _finish(inv_f, k, end, LAWSUIT, p[P_LAWSUIT_RECOVERY], inv_i)
        elif p[P_AFTER_LAWSUIT] > 0:
            _finish(inv_f, k, end, WRITTEN_OFF, 0.0, inv_i)
        elif age_cutoff < INF:
            _finish(inv_f, k, max(end, age_cutoff), WRITTEN_OFF, 0.0, inv_i)
        inv_i[k, I_STEP] = NO_STEP
        return
    chance = lad_resp[g, j, payer] * _age_factor(when - eff_due, p[P_YEAR])
    if row[base] >= chance:
        return
    if action == A_AGENCY:
        _finish(inv_f, k, when + row[base + 4] * p[P_AGENCY_DAYS], AGENCY, 0.0, inv_i)
        inv_i[k, I_STEP] = NO_STEP
        return
    promised = max(when + payer_f[payer, Y_DELAY], eff_due)
    if row[base + 1] < payer_f[payer, Y_BREAKS]:
        inv_f[k, F_READY] = max(inv_f[k, F_READY], promised)
        return
    _finish(inv_f, k, promised, PAID_DUNNED, 0.0, inv_i)


@numba.njit(cache=True)
def _walk(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray, now: float,
          lad_n: np.ndarray, lad_f: np.ndarray, lad_i: np.ndarray, lad_resp: np.ndarray,
          p: np.ndarray, payer_f: np.ndarray, tally: np.ndarray) -> None:
    """RuleBook.walk with unlimited collectors: every step applied at its own time."""
    g = inv_i[k, I_GRADE]
    while inv_i[k, I_STEP] < lad_n[g]:
        j = inv_i[k, I_STEP]
        if inv_f[k, F_AMOUNT] < lad_f[g, j, D_MIN]:
            inv_i[k, I_STEP] += 1
            continue
        when = max(inv_f[k, F_EFF_DUE] + lad_f[g, j, D_DAY], inv_f[k, F_READY], now)
        if when >= inv_f[k, F_SETTLE] or when >= inv_f[k, F_HALT]:
            return
        service = lad_f[g, j, D_SERVICE] * row[COL_STEPS + STEP_DRAWS * j + 3]
        if service > 0:  # collector time, offered to a team that never makes it wait
            tally[BUSY, 0] += max(0.0, min(when + service, p[P_END]) - max(when, p[P_START]))
            if p[P_START] <= when < p[P_END]:
                tally[BUSY, 1] += 1.0
        _apply(inv_f, inv_i, k, row, g, j, when + service, lad_f, lad_i, lad_resp, p,
               payer_f, tally)
        inv_i[k, I_STEP] += 1


@numba.njit(cache=True)
def _close(inv_f: np.ndarray, inv_i: np.ndarray, k: int, end: float, seg_f: np.ndarray,
           p: np.ndarray) -> None:
    """RuleBook.close (+ _charge_penalty): the planned end turned into money at `end`."""
    share = inv_f[k, F_SHARE]
    amount = inv_f[k, F_AMOUNT]
    inv_f[k, F_PAID] = 0.0
    credited = amount * seg_f[inv_i[k, I_SEG], S_CREDITED]
    if inv_f[k, F_CREDITED_AT] <= min(end, inv_f[k, F_SETTLE]):
        inv_f[k, F_CREDITED] = credited
    owed = amount - inv_f[k, F_CREDITED]
    if inv_f[k, F_SETTLE] > end:
        inv_i[k, I_OUTCOME] = OPEN
        return
    kind = inv_i[k, I_OUTCOME]
    if kind == DISCOUNT:
        inv_f[k, F_DISCOUNT] = amount * share
        inv_f[k, F_PAID] = owed - inv_f[k, F_DISCOUNT]
    elif kind in (PAID, PAID_DUNNED, AGENCY):
        inv_f[k, F_PAID] = owed
        if kind == AGENCY:
            inv_f[k, F_FEE] = owed * p[P_AGENCY_FEE]
        late = inv_f[k, F_SETTLE] - inv_f[k, F_EFF_DUE] - p[P_PEN_GRACE]
        if p[P_PEN_RATE] > 0 and late > 0:
            inv_f[k, F_PENALTY] = (owed * p[P_PEN_RATE] * late / p[P_YEAR]
                                   * p[P_PEN_COLLECTED])
    elif kind in (LAWSUIT, BANKRUPT):
        inv_f[k, F_PAID] = owed * share
        inv_f[k, F_WRITTEN_OFF] = owed - inv_f[k, F_PAID]
    else:
        inv_f[k, F_WRITTEN_OFF] = owed


# ---- one customer, start to finish (CustomerBook + the day loop) ----------------------------


@numba.njit(cache=True)
def _new_invoice(inv_f: np.ndarray, inv_i: np.ndarray, k: int, c: int, oindex: int, seg: int,
                 grade: int, payer: int, issue: float, amount: float, row: int,
                 key_time: float, opening: int) -> None:
    inv_f[k, :] = 0.0
    inv_i[k, :] = 0
    inv_i[k, I_CUST], inv_i[k, I_OINDEX], inv_i[k, I_SEG] = c, oindex, seg
    inv_i[k, I_GRADE], inv_i[k, I_PAYER], inv_i[k, I_ROW] = grade, payer, row
    inv_i[k, I_OPENING], inv_i[k, I_OUTCOME] = opening, OPEN
    inv_f[k, F_ISSUE], inv_f[k, F_AMOUNT], inv_f[k, F_KEY_TIME] = issue, amount, key_time
    for col in (F_SETTLE, F_CREDITED_AT, F_STOP, F_CANCEL, F_LOST_AT, F_HALT, F_BOOK_DAY):
        inv_f[k, col] = INF
    inv_f[k, F_READY] = -INF


@numba.njit(cache=True)
def _blocked(inv_f: np.ndarray, first: int, last: int, t: float, amount: float,
             limit: float) -> int:
    """CustomerBook.blocked: 0, or the fate of an order that cannot ship now."""
    balance = amount
    for k in range(first, last):
        if inv_f[k, F_SETTLE] > t:
            if inv_f[k, F_STOP] <= t:
                return L_STOP
            balance += inv_f[k, F_AMOUNT]
    if balance > limit:
        return L_LIMIT
    return 0


@numba.njit(cache=True)
def _book_due(inv_f: np.ndarray, inv_i: np.ndarray, first: int, last: int, day: float,
              receipts: np.ndarray, p: np.ndarray) -> tuple[bool, bool]:
    """Book settlements listed for days up to `day`, in the SimPy engine's order (by
    booking day, then as listed); return (any booked, any late for the rebate)."""
    any_booked, late = False, False
    while True:
        best = -1
        for k in range(first, last):
            if inv_i[k, I_BOOKED] == 0 and inv_f[k, F_BOOK_DAY] <= day and (
                    best < 0 or inv_f[k, F_BOOK_DAY] < inv_f[best, F_BOOK_DAY]):
                best = k
        if best < 0:
            return any_booked, late
        inv_i[best, I_BOOKED] = 1
        any_booked = True
        outcome = inv_i[best, I_OUTCOME]
        paid = outcome in (PAID, PAID_DUNNED, DISCOUNT, AGENCY, LAWSUIT)
        settle = inv_f[best, F_SETTLE]
        if paid:
            receipts[int(settle // p[P_MONTH])] += inv_f[best, F_AMOUNT]
        if settle > inv_f[best, F_EFF_DUE] + p[P_REBATE_GRACE] or not paid:
            late = True


@numba.njit(cache=True)
def _limit(p: np.ndarray, month: int, ordered: np.ndarray, receipts: np.ndarray,
           factor: float, current: float) -> float:
    """CustomerBook.month_end for one customer (the limit in force from this month)."""
    method = p[P_LIMIT_METHOD]
    if method == 1.0:
        if month < 3:
            return current
        quarterly = ordered[month - 3] + ordered[month - 2] + ordered[month - 1]
        monthly = quarterly / 3.0
    else:
        if month < 6:
            return current
        total = receipts[month - 6] * 1.0
        for k in range(2, 7):
            total = total + receipts[month - 7 + k] * float(k)
        monthly = total / 21.0
    return monthly * p[P_STD_PERIOD] / 30.0 * factor


@numba.njit(cache=True)
def _plan(inv_f: np.ndarray, inv_i: np.ndarray, k: int, now: float, today: int,
          draws: np.ndarray, lad_n: np.ndarray, lad_f: np.ndarray, lad_i: np.ndarray,
          lad_resp: np.ndarray, p: np.ndarray, payer_f: np.ndarray,
          tally: np.ndarray) -> None:
    """des._Simulation._plan: walk the ladder and list the settlement for booking."""
    _walk(inv_f, inv_i, k, draws[inv_i[k, I_ROW]], now, lad_n, lad_f, lad_i, lad_resp, p,
          payer_f, tally)
    settle = inv_f[k, F_SETTLE]
    if settle < INF:
        inv_f[k, F_BOOK_DAY] = max(float(math.ceil(settle)), float(today + 1))


@numba.njit(cache=True)
def _customers(
        c_seg: np.ndarray, c_grade: np.ndarray, c_payer: np.ndarray, c_funding: np.ndarray,
        c_bankrupt: np.ndarray, c_recovery: np.ndarray, c_tier: np.ndarray,
        c_limit0: np.ndarray, c_factor: np.ndarray,
        ord_start: np.ndarray, o_time: np.ndarray, o_amount: np.ndarray,
        o_approval: np.ndarray, o_thin: np.ndarray, o_index: np.ndarray, o_row: np.ndarray,
        o_id: np.ndarray,
        op_start: np.ndarray, op_issue: np.ndarray, op_amount: np.ndarray,
        op_index: np.ndarray, op_row: np.ndarray, op_net: np.ndarray,
        draws: np.ndarray, g_net: np.ndarray, g_rates: np.ndarray, g_windows: np.ndarray,
        lad_n: np.ndarray, lad_f: np.ndarray, lad_i: np.ndarray, lad_resp: np.ndarray,
        seg_f: np.ndarray, payer_f: np.ndarray, p: np.ndarray,
        inv_f: np.ndarray, inv_i: np.ndarray, fate: np.ndarray, lost_from: np.ndarray,
        cancel_from: np.ndarray, rebate_paid: np.ndarray, tally: np.ndarray,
        c_offset: int) -> None:
    """Customers c_offset + 0 .. n-1 (per-customer arrays are this slice's views)."""
    n = c_seg.size
    months = int(p[P_MONTHS])
    n_days = math.ceil(p[P_END])
    year, month = p[P_YEAR], p[P_MONTH]
    defaulter = int(p[P_DEFAULTER])
    rebates = p[P_REBATE_RATE] > 0
    ordered = np.zeros(months)
    receipts = np.zeros(months)
    held_o = np.zeros(o_time.size, dtype=np.int64)
    held_t = np.zeros(o_time.size)
    held_f = np.zeros(o_time.size, dtype=np.int64)
    for c in range(n):
        first = op_start[c] + ord_start[c]  # this customer's invoice slots
        last = first
        ordered[:] = 0.0
        receipts[:] = 0.0
        seg, grade, payer = c_seg[c], c_grade[c], c_payer[c]
        limit = c_limit0[c]
        lost_from[c], cancel_from[c] = INF, INF
        rebate_sales, rebate_late, eased = 0.0, False, False
        nh = 0
        m_seen = 0
        # the opening book: issued before day 0, its ladder resumed where its age is
        for q in range(op_start[c], op_start[c + 1]):
            k = last
            last += 1
            _new_invoice(inv_f, inv_i, k, c + c_offset, op_index[q], seg, grade, payer,
                         op_issue[q],
                         op_amount[q], op_row[q], float(op_index[q]), 1)
            _open_invoice(inv_f, inv_i, k, draws[op_row[q]], op_net[grade], g_rates[grade],
                          g_windows[grade], -1, c_funding[c], c_bankrupt[c], c_recovery[c],
                          0.0, seg_f, p, payer_f, defaulter)
            step = lad_n[grade]
            for j in range(lad_n[grade]):
                if inv_f[k, F_EFF_DUE] + lad_f[grade, j, D_DAY] >= 0.0:
                    step = j
                    break
            inv_i[k, I_STEP] = step
        for k in range(first, last):
            _plan(inv_f, inv_i, k, 0.0, -1, draws, lad_n, lad_f, lad_i, lad_resp, p, payer_f,
                  tally[c])
            lost_from[c] = min(lost_from[c], inv_f[k, F_LOST_AT])
            cancel_from[c] = min(cancel_from[c], inv_f[k, F_CANCEL])
        o, o_end = ord_start[c], ord_start[c + 1]
        today = -1
        lo_book = lo_live = first  # invoices before these no longer count (see below)
        while True:
            # the next day anything can happen to this customer
            day = n_days
            if o < o_end:
                day = min(day, math.floor(o_time[o]))
            if nh > 0:
                day = min(day, today + 1)
            if rebates:
                y = max(1, math.floor(today / year) + 1)
                day = min(day, math.ceil(y * year))
            if day >= n_days:
                break
            today = day
            # skip the invoices that can no longer matter: booked, or never settling (a
            # plan is fixed at issue when collectors are unlimited)
            while lo_book < last and (inv_i[lo_book, I_BOOKED] == 1
                                      or inv_f[lo_book, F_BOOK_DAY] == INF):
                lo_book += 1
            while lo_live < last and inv_f[lo_live, F_SETTLE] <= day:
                lo_live += 1
            booked, late = _book_due(inv_f, inv_i, lo_book, last, float(day), receipts, p)
            eased = eased or booked
            rebate_late = rebate_late or late
            m_now = math.floor(day / month)
            if day > 0 and m_now > m_seen:
                m_seen = m_now
                if p[P_LIMIT_METHOD] > 0 and m_now >= (3 if p[P_LIMIT_METHOD] == 1.0 else 6):
                    limit = _limit(p, m_now, ordered, receipts, c_factor[c], limit)
                    if nh > 0:
                        eased = True
            if day > 0 and math.floor(day / year) > math.floor((day - 1) / year):
                if rebates:
                    for k in range(first, last):
                        if (inv_f[k, F_EFF_DUE] + p[P_REBATE_GRACE] < day
                                < inv_f[k, F_SETTLE]):
                            rebate_late = True
                    if (rebate_sales >= p[P_REBATE_THRESHOLD] and not rebate_late
                            and p[P_START] < day <= p[P_END]):
                        rebate_paid[c] += p[P_REBATE_RATE] * rebate_sales
                rebate_sales, rebate_late = 0.0, False
            # release held orders whose block has cleared, lose those that waited too long
            keep = 0
            for h in range(nh):
                i, t, cause = held_o[h], held_t[h], held_f[h]
                if (day > t + p[P_HOLD] or day >= c_bankrupt[c] or day >= lost_from[c]):
                    fate[o_id[i]] = cause
                elif eased and _blocked(inv_f, lo_live, last, float(day), o_amount[i],
                                        limit) == 0:
                    k = last
                    last += 1
                    fate[o_id[i]] = FATE_SHIPPED
                    _new_invoice(inv_f, inv_i, k, c + c_offset, o_index[i], seg, grade, payer,
                                 float(day), o_amount[i], o_row[i], o_time[i], 0)
                    _open_invoice(inv_f, inv_i, k, draws[o_row[i]], g_net[grade],
                                  g_rates[grade], g_windows[grade], c_tier[c], c_funding[c],
                                  c_bankrupt[c], c_recovery[c], float(day), seg_f, p, payer_f,
                                  defaulter)
                    rebate_sales += o_amount[i]
                    _plan(inv_f, inv_i, k, float(day), today, draws, lad_n, lad_f, lad_i,
                          lad_resp, p, payer_f, tally[c])
                    lost_from[c] = min(lost_from[c], inv_f[k, F_LOST_AT])
                    cancel_from[c] = min(cancel_from[c], inv_f[k, F_CANCEL])
                else:
                    held_o[keep], held_t[keep], held_f[keep] = i, t, cause
                    keep += 1
            nh = keep
            eased = False
            # the day's orders
            while o < o_end and o_time[o] < day + 1.0:
                i = o
                o += 1
                t, amount = o_time[i], o_amount[i]
                if t >= lost_from[c]:
                    fate[o_id[i]] = L_LOST
                    continue
                if t >= cancel_from[c]:
                    if o_thin[i] * p[P_M_MAX] >= p[P_CASH_KEPT]:
                        fate[o_id[i]] = L_CANCELLED
                    else:
                        fate[o_id[i]] = FATE_CASH
                    continue
                ordered[int(t // month)] += amount
                block = _blocked(inv_f, lo_live, last, t, amount, limit)
                if block == L_LIMIT and o_approval[i] < p[P_APPROVAL]:
                    block = 0
                if block != 0:
                    held_o[nh], held_t[nh], held_f[nh] = i, t, block
                    nh += 1
                    continue
                k = last
                last += 1
                fate[o_id[i]] = FATE_SHIPPED
                _new_invoice(inv_f, inv_i, k, c + c_offset, o_index[i], seg, grade, payer, t,
                             amount, o_row[i], t, 0)
                _open_invoice(inv_f, inv_i, k, draws[o_row[i]], g_net[grade], g_rates[grade],
                              g_windows[grade], c_tier[c], c_funding[c], c_bankrupt[c],
                              c_recovery[c], t, seg_f, p, payer_f, defaulter)
                rebate_sales += amount
                _plan(inv_f, inv_i, k, t, today, draws, lad_n, lad_f, lad_i, lad_resp, p,
                      payer_f, tally[c])
                lost_from[c] = min(lost_from[c], inv_f[k, F_LOST_AT])
                cancel_from[c] = min(cancel_from[c], inv_f[k, F_CANCEL])
        for k in range(first, last):
            _close(inv_f, inv_i, k, p[P_END], seg_f, p)
        for k in range(last, op_start[c + 1] + ord_start[c + 1]):
            inv_i[k, I_CUST] = -1  # an unused slot (an order that never shipped)


# ---- the driver ---------------------------------------------------------------------------


def run_fast(scenario: Scenario, policy: Policy, seed: int,
             screening: bool = False) -> EngineOutput:
    """Simulate one replication with the fast engine (the same result as `run_des`).

    With `screening`, a finite collector team is treated as one that never makes a call
    wait: an approximation for screening many policies quickly, whose figures the SimPy
    engine must confirm. Utilisation is then the collector time offered over the team's
    capacity (above 100%: the team could not cope) and the wait is unknown (NaN).
    """
    reason = screening_for(scenario) if screening else exact_for(scenario, policy)
    if reason is not None:
        raise EngineError(f"the fast engine cannot run this scenario: {reason}; "
                          "use --engine des (or auto)")
    staff = policy.collections.collectors
    start = scenario.horizon.warmup_days
    end = start + scenario.horizon.horizon_days
    rules = RuleBook(scenario, policy, collectors_finite=False)
    customers = draw_customers(scenario, seed)
    orders = draw_orders(scenario, seed, max_multiplier(scenario), end)
    out = EngineOutput(engine="screen" if screening else "fast", window=(start, end),
                       ledger=np.empty(0, dtype=LEDGER_DTYPE), actions={},
                       collector=CollectorStats(collectors=staff))
    book = CustomerBook(scenario, policy, seed, customers, orders, rules, out,
                        python_lists=False)
    n = customers.count
    grade_of = np.searchsorted(np.asarray(list(GRADES)), np.asarray(book.grade))
    # candidate orders grouped by customer, in time order within each customer
    cand = book.candidates
    by_customer = cand[np.argsort(orders.customer[cand], kind="stable")]
    ord_start = np.searchsorted(orders.customer[by_customer], np.arange(n + 1))
    opening = _Opening(scenario, seed, rules, customers, book, grade_of)
    arrays = _policy_arrays(scenario, policy, rules, book, start, end)
    lost_from, cancel_from = np.full(n, INF), np.full(n, INF)
    rebate_paid = np.zeros(n)
    tally = np.zeros((n, len(ACTIONS) + 1, 2))
    seg, payer = customers.segment.astype(np.int64), customers.payer.astype(np.int64)
    grade, tier = grade_of.astype(np.int64), np.asarray(book.tier, dtype=np.int64)
    parts: list[tuple[Ledger, np.ndarray]] = []
    # a slice of customers at a time: the draws and invoice records of one slice only are
    # in memory at once (customers are independent here, so slicing changes nothing)
    for lo in range(0, n, CHUNK_CUSTOMERS):
        hi = min(n, lo + CHUNK_CUSTOMERS)
        mine = by_customer[ord_start[lo]:ord_start[hi]]
        draws = invoice_draws(seed, orders.customer[mine], orders.index[mine], rules.max_steps)
        rules.prepare(draws, customers.payer[orders.customer[mine]],
                      customers.segment[orders.customer[mine]])
        op = opening.slice(lo, hi, draws.shape[0])
        if op.draws.size:
            draws = np.vstack([draws, op.draws]) if draws.size else op.draws
        if draws.shape[0] == 0:
            draws = np.zeros((1, COL_STEPS + STEP_DRAWS * max(rules.max_steps, 1)))
        o_start = ord_start[lo:hi + 1] - ord_start[lo]
        total = int(op.start[-1] + o_start[-1])
        inv_f = np.zeros((max(total, 1), N_F))
        inv_i = np.zeros((max(total, 1), N_I), dtype=np.int64)
        _customers(
            seg[lo:hi], grade[lo:hi], payer[lo:hi], customers.funding_cost_annual[lo:hi],
            customers.bankruptcy_day[lo:hi], customers.recovery_share[lo:hi], tier[lo:hi],
            arrays["limit0"][lo:hi], arrays["factor"][lo:hi],
            o_start.astype(np.int64), orders.time[mine], orders.amount[mine],
            orders.approval[mine], orders.thin[mine], orders.index[mine].astype(np.int64),
            np.arange(mine.size, dtype=np.int64), mine,
            op.start, op.issue, op.amount, op.index, op.row, opening.net,
            np.ascontiguousarray(draws), arrays["g_net"], arrays["g_rates"],
            arrays["g_windows"], arrays["lad_n"], arrays["lad_f"], arrays["lad_i"],
            arrays["lad_resp"], arrays["seg_f"], arrays["payer_f"], arrays["p"],
            inv_f, inv_i, book.fate, lost_from[lo:hi], cancel_from[lo:hi], rebate_paid[lo:hi],
            tally[lo:hi], lo)
        parts.append(_ledger(inv_f[:total], inv_i[:total]))
        del draws, inv_f, inv_i

    book.lost_from, book.cancel_from = lost_from.tolist(), cancel_from.tolist()
    book.rebate_paid = rebate_paid
    book.finish_orders()  # the fates of the orders that never could ship, and the tallies
    del book, orders, by_customer, cand, mine  # before the ledger is assembled: peak memory
    out.ledger = _in_simpy_order(parts)
    out.actions = actions_summary(tally[:, :BUSY])
    if staff is not None:
        offered = tally[:, BUSY].sum(axis=0)
        out.collector.busy_days, out.collector.tasks_served = float(offered[0]), int(offered[1])
        out.collector.wait_days_total = math.nan
    out.customers_lost = int(np.sum((lost_from >= start) & (lost_from < end)))
    bankrupt = customers.bankruptcy_day
    out.bankruptcies = int(np.sum((bankrupt >= start) & (bankrupt < end)))
    return out


def _policy_arrays(scenario: Scenario, policy: Policy, rules: RuleBook, book: CustomerBook,
                   start: float, end: float) -> dict[str, np.ndarray]:
    """Scenario and policy as the plain arrays the kernel reads."""
    g_net = np.zeros(4)
    g_rates, g_windows = np.zeros((4, 2)), np.zeros((4, 2))
    for g, grade in enumerate(GRADES):
        terms = book.terms[grade]
        if terms is not None:
            g_net[g] = terms.net_days
            for j, tier in enumerate(terms.discounts):
                g_rates[g, j], g_windows[g, j] = tier.rate, tier.window_days
    lad_n = np.zeros(4, dtype=np.int64)
    lad_f = np.zeros((4, MAX_STEPS, 5))
    lad_i = np.zeros((4, MAX_STEPS), dtype=np.int64)
    lad_resp = np.zeros((4, MAX_STEPS, len(PAYER_TYPES)))
    for g, grade in enumerate(GRADES):
        ladder = rules.ladders[grade]
        lad_n[g] = len(ladder)
        for j, rule in enumerate(ladder):
            lad_f[g, j] = (rule.day, rule.cost, rule.service_days, rule.loss, rule.min_amount)
            lad_i[g, j] = ACTIONS.index(rule.action)
            lad_resp[g, j] = rule.response
    seg_f = np.asarray([(s.disputes.share, s.disputes.upheld_share, s.disputes.credited_share,
                         s.cash_available_share, s.bankruptcy_recovery_days)
                        for s in scenario.segments], dtype=float)
    payer_f = np.asarray([(rules.delay[k], rules.breaks[k], rules.deterred[k])
                          for k in range(len(PAYER_TYPES))], dtype=float)
    limits = policy.credit_limit
    method = {"none": 0.0, "sales": 1.0, "receipts": 2.0}[limits.method]
    limit0 = (np.asarray(book.limit) if book.limit is not None
              else np.full(len(book.grade), INF))
    factor = np.asarray([limits.factor(g) for g in book.grade])
    pen, rebate, legal = policy.late_penalty, policy.rebate, scenario.legal
    write_off = policy.write_off.days_overdue
    p = np.zeros(N_P)
    p[P_START], p[P_END], p[P_YEAR], p[P_MONTH] = start, end, book.year, book.month
    p[P_HOLD] = scenario.demand.blocked_hold_days
    p[P_APPROVAL], p[P_CASH_KEPT], p[P_M_MAX] = book.approval_share, book.cash_kept, book.m_max
    p[P_LIMIT_METHOD], p[P_STD_PERIOD] = method, limits.standard_credit_period_days
    p[P_WRITE_OFF] = INF if write_off is None else write_off
    p[P_AFTER_LAWSUIT] = 1.0 if policy.write_off.after_failed_lawsuit else 0.0
    p[P_PEN_RATE], p[P_PEN_GRACE], p[P_PEN_COLLECTED] = (pen.rate_annual, pen.grace_days,
                                                         pen.collected_share)
    p[P_AGENCY_FEE], p[P_AGENCY_DAYS] = legal.agency_fee_share, legal.agency_days
    p[P_LAWSUIT_COST], p[P_LAWSUIT_DAYS] = legal.lawsuit_cost, legal.lawsuit_days
    p[P_LAWSUIT_RECOVERY] = legal.lawsuit_recovery_share
    p[P_REBATE_RATE], p[P_REBATE_THRESHOLD] = rebate.rate, rebate.threshold_annual_sales
    p[P_REBATE_GRACE] = rebate.on_time_grace_days
    p[P_DEFAULTER] = PAYER_TYPES.index(PayerType.DEFAULTER)
    p[P_MONTHS] = book.months
    return {"g_net": g_net, "g_rates": g_rates, "g_windows": g_windows, "lad_n": lad_n,
            "lad_f": lad_f, "lad_i": lad_i, "lad_resp": lad_resp, "seg_f": seg_f,
            "payer_f": payer_f, "p": p, "limit0": limit0, "factor": factor}


def _ledger(inv_f: np.ndarray, inv_i: np.ndarray) -> tuple[Ledger, np.ndarray]:
    """One slice's ledger rows, with the key that puts them in the SimPy engine's order."""
    used = np.flatnonzero(inv_i[:, I_CUST] >= 0)

    def fcol(col: int) -> np.ndarray:
        return inv_f[used, col]

    def icol(col: int) -> np.ndarray:
        return inv_i[used, col]

    ledger = np.zeros(used.size, dtype=LEDGER_DTYPE)
    outcome = icol(I_OUTCOME)
    credited = fcol(F_CREDITED)
    ledger["customer"], ledger["order_index"] = icol(I_CUST), icol(I_OINDEX)
    ledger["segment"], ledger["payer"] = icol(I_SEG), icol(I_PAYER)
    ledger["grade"] = np.asarray(list(GRADES))[icol(I_GRADE)]
    ledger["opening"], ledger["disputed"] = icol(I_OPENING) == 1, icol(I_DISPUTED) == 1
    ledger["issue_day"], ledger["due_day"] = fcol(F_ISSUE), fcol(F_DUE)
    ledger["effective_due_day"] = fcol(F_EFF_DUE)
    ledger["settle_day"] = np.where(outcome == OPEN, INF, fcol(F_SETTLE))
    ledger["credited_day"] = np.where(credited > 0, fcol(F_CREDITED_AT), INF)
    ledger["outcome"] = outcome
    for name, col in (("amount", F_AMOUNT), ("paid", F_PAID), ("discount", F_DISCOUNT),
                      ("credited", F_CREDITED), ("written_off", F_WRITTEN_OFF),
                      ("penalty", F_PENALTY), ("agency_fee", F_FEE),
                      ("dunning_cost", F_DUNNING)):
        ledger[name] = fcol(col)
    ledger["open"] = (ledger["amount"] - ledger["paid"] - ledger["discount"] - ledger["credited"]
                      - ledger["written_off"])
    ledger["actions"] = icol(I_ACTIONS)
    return ledger, fcol(F_KEY_TIME)


def _in_simpy_order(parts: list[tuple[Ledger, np.ndarray]]) -> Ledger:
    """The slices' rows in the SimPy engine's order: the opening book first (in its own
    order), then by issue time, held orders released on the same day by their order time."""
    new = np.concatenate([~p[0]["opening"] for p in parts]) if parts else np.zeros(0, bool)
    issue = np.concatenate([p[0]["issue_day"] for p in parts]) if parts else np.zeros(0)
    key = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    order = np.lexsort((key, np.where(new, issue, 0.0), new))
    where = np.empty_like(order)
    where[order] = np.arange(order.size)  # each row's place in the final ledger
    ledger = np.empty(order.size, dtype=LEDGER_DTYPE)
    first = 0
    while parts:  # scatter slice by slice, freeing each, so that two copies never coexist
        rows = parts.pop(0)[0]
        ledger[where[first:first + rows.size]] = rows
        first += rows.size
    return ledger


@dataclass(frozen=True)
class _OpeningSlice:
    start: np.ndarray
    issue: np.ndarray
    amount: np.ndarray
    index: np.ndarray
    row: np.ndarray
    draws: np.ndarray


class _Opening:
    """The opening book, grouped by customer, handed out a slice of customers at a time."""

    def __init__(self, scenario: Scenario, seed: int, rules: RuleBook, customers: Any,
                 book: CustomerBook, grade_of: np.ndarray) -> None:
        n = customers.count
        self.net = np.asarray([t.net_days if t is not None else 30.0
                               for t in (book.terms[g] for g in GRADES)])
        drawn = opening_invoices(scenario, seed, rules.max_steps)
        if drawn is None or not drawn.count:
            self.start = np.zeros(n + 1, dtype=np.int64)
            self.issue = self.amount = np.zeros(0)
            self.index = np.zeros(0, dtype=np.int64)
            self.draws = np.zeros((0, 0))
            return
        rules.prepare(drawn.draws, customers.payer[drawn.customer],
                      customers.segment[drawn.customer])
        order = np.argsort(drawn.customer, kind="stable")
        cust = drawn.customer[order]
        self.start = np.searchsorted(cust, np.arange(n + 1)).astype(np.int64)
        self.issue = -drawn.days_overdue[order] - self.net[grade_of[cust]]
        self.amount = drawn.amount[order]
        self.index = drawn.index[order].astype(np.int64)
        self.draws = drawn.draws[order]

    def slice(self, lo: int, hi: int, first_row: int) -> _OpeningSlice:
        """The invoices of customers lo..hi-1, their draw rows numbered from first_row."""
        a, b = int(self.start[lo]), int(self.start[hi])
        return _OpeningSlice(
            start=self.start[lo:hi + 1] - a, issue=self.issue[a:b], amount=self.amount[a:b],
            index=self.index[a:b], row=first_row + np.arange(b - a, dtype=np.int64),
            draws=self.draws[a:b] if self.draws.size else self.draws)
