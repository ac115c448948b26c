"""The event kernel: the SimPy engine's events, in the SimPy engine's order, compiled.

A finite collector team couples customers: every call waits in one queue, so no customer
can be simulated on its own (the fast engine's way). This kernel keeps the whole book in
arrays instead (invoices in a pool of slots, customers by index) and processes the same
events the SimPy engine (`des.py`) schedules, in the same order:

- a day tick (`des._Simulation._days`): book the day's settlements, month-end limits, the
  year-end rebate, release held orders, then the day's orders, each issued and planned;
- a collector step coming up (`_enqueue`), a collector taking a task (`_granted`, at once or
  when another finishes), a task done (`_served`) or dropped after waiting too long
  (`_expired`).

Events are ordered as SimPy orders them: by time, then by the order they were scheduled in
(SimPy's event id), and an event's time is computed as SimPy computes it (`now + delay`).
The day-0 tick runs before anything else, as the scheduler process's start does. Collectors
serve by priority, ties first queued first. So every invoice comes out the same, bit for bit,
as from the SimPy engine, with or without a finite team (tests compare the two ledgers).

The invoice rules are the fast engine's (`fast.py`: `_open_invoice`, `_walk`, `_apply`,
`_close`); what is here is the book-keeping the SimPy engine does with Python objects and
dicts. The kernel is resumable: it returns whenever an array is too short for the next
event (the caller makes it longer and calls again) or the next event is at `until` or later,
so that a SimPy process can drive it a day at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple, cast

import numba
import numpy as np

from .. import rng, streams
from ..behaviour import (
    INF,
    N_RATING,
    R_GRADE,
    R_OWN,
    RuleBook,
    actions_summary,
    collector_work,
    payer_at,
)
from ..draws import COL_STEPS, STEP_DRAWS, draw_customers
from ..ledger import LEDGER_DTYPE
from ..memory import prefetch, prefetch_at
from ..policy import Policy
from ..scenario import ACTIONS, Scenario
from .book import CustomerBook
from .fast import (
    AGENCY,
    BUSY,
    C_FINITE,
    C_MAX_WAIT,
    C_ORDER,
    C_Q_AGE,
    C_Q_AMOUNT,
    CAL_MONTH,
    CAL_YEAR_END,
    D_DAY,
    D_SERVICE,
    DISCOUNT,
    ESC_SLOTS,
    F_AMOUNT,
    F_CANCEL,
    F_EFF_DUE,
    F_ISSUE,
    F_LISTED,
    F_LOST_AT,
    F_READY,
    F_SETTLE,
    F_STOP,
    G_APPROVAL,
    G_CREDIT,
    G_NET,
    I_ACCOUNT,
    I_BOOKED,
    I_CUST,
    I_GRADE,
    I_NEXT,
    I_OINDEX,
    I_OUTCOME,
    I_PAYER,
    I_PIN,
    I_ROW,
    I_SEQ,
    I_STAMP,
    I_STEP,
    L_LIMIT,
    L_LOST,
    L_STOP,
    LAWSUIT,
    N_F,
    N_I,
    P_BACK,
    P_END,
    P_LIMIT_FROM,
    P_LIMIT_METHOD,
    P_MONTH,
    P_REBATE_GRACE,
    P_REBATE_RATE,
    P_REBATE_THRESHOLD,
    P_REOPEN,
    P_START,
    PAID,
    PAID_DUNNED,
    W_LARGEST,
    W_OLDEST,
    W_QUADRANT,
    WRITTEN_OFF,
    Customers,
    Opening,
    OpeningBook,
    Params,
    _account_cancelled,
    _account_step,
    _apply,
    _base_draws,
    _cancelled,
    _cancels,
    _cap,
    _close,
    _closure,
    _customer_columns,
    _deadline,
    _escalates,
    _expired,
    _grade_now,
    _joins,
    _ledger_row,
    _limit,
    _new_invoice,
    _open_invoice,
    _open_opening,
    _params,
    _policy_arrays,
    _rate,
    _refused,
    _tier,
    _walk,
)
from .output import (
    FATE_SHIPPED,
    CollectorStats,
    EngineOutput,
    account_end,
    by_customer,
    permute,
    population,
)

__all__ = ["EventRun"]

EV_TICK, EV_ENQUEUE, EV_EXPIRE, EV_SERVED = range(4)
DONE, NEED_ROOM, PAUSED = range(3)  # what the kernel returns
BOOK_AHEAD = 4  # how many listings in front of the one booked their invoices are asked for
# integer state (st)
(T_SEQ, T_TODAY, T_ORDER, T_HELD, T_EASED, T_EVENTS, T_WAITING, T_WSEQ, T_STAFF, T_TASKS,
 T_SLOTS, T_ENTRIES, T_REGISTERED, T_SERVED, T_DROPPED, T_NEED, T_ROWS, T_WRITTEN) = range(18)
N_T = 18
# float state (sf): the clock, collector days busy, days waited
U_NOW, U_BUSY, U_WAIT = range(3)
# task columns (tk_i): the invoice's slot, the ladder step, done
K_SLOT, K_STEP, K_DONE = range(3)
# booking entries (e_q): slot, the invoice's registration number, its listing number, next
E_SLOT, E_SEQ, E_STAMP, E_NEXT = range(4)


# ---- the kernel's state, as typed records (see fast.py: why records) -------------------------
#
# The customers' fixed columns (fast.Customers) and the scenario and policy (fast.Params) are
# the fast engine's records; the rest is the event kernel's own. The pools (Pool, Held,
# Listings, Queue, Tasks) grow when the kernel asks for room: EventRun then builds the record
# again around the longer arrays.


class State(NamedTuple):
    """The kernel's counters, its clock, and the draw key in use."""

    st: np.ndarray  #: integer state (T_* indices): counts, pools' use, the day
    sf: np.ndarray  #: float state (U_*): the clock, collector days busy, days waited
    key: np.ndarray  #: the Philox key: seed words, customer, order number


class Accounts(NamedTuple):
    """Each customer's account as the kernel keeps it, indexed by customer."""

    limit: np.ndarray  #: the credit limit in force
    lost_from: np.ndarray  #: its latest loss (INF: never, or won back since)
    back_at: np.ndarray  #: its latest return after a loss (-INF: none; CustomerBook.back_at)
    account_no: np.ndarray  #: its current account's number (CustomerBook.account_no)
    cancel_from: np.ndarray  #: when its line was cancelled for good or its account closed
    reopen_at: np.ndarray  #: the latest re-opening of a line its booked invoices cancelled
    head: np.ndarray  #: its first open invoice's slot (-1: none); on via I_NEXT
    tail: np.ndarray  #: its last open invoice's slot
    eased: np.ndarray  #: 1 if a held order of its may ship today (a booking, a new limit)
    eased_list: np.ndarray  #: the customers eased today, to clear at the day's end
    ordered: np.ndarray  #: per customer and month, its orders (the sales base)
    receipts: np.ndarray  #: per customer and month, its receipts
    rebate_sales: np.ndarray  #: its sales this year
    rebate_late: np.ndarray  #: 1 if it paid late this year
    rebate_paid: np.ndarray  #: rebates paid to it in the window
    tally: np.ndarray  #: per action (+ BUSY): times and cost in the window
    escalated: np.ndarray  #: per grade's ladder step, when it last escalated the account
    rating: np.ndarray  #: its rating record (behaviour.R_* columns, policy.rerating)


class Candidates(NamedTuple):
    """The candidate orders, in time order (CustomerBook.draw_candidates)."""

    time: np.ndarray
    cust: np.ndarray
    number: np.ndarray  #: its order number (the draws' key)
    amount: np.ndarray
    thin: np.ndarray  #: its thinning draw (cancelled line: cash or lost)
    approval: np.ndarray  #: its approval draw (over the limit)
    fate: np.ndarray  #: what became of it (output.FATE_*)
    returned: np.ndarray  #: its customer came back at it: its old account's loss (INF: none)
    closed: np.ndarray  #: and its old account's closing for good (INF: never)
    day_end: np.ndarray  #: day d's orders end at day_end[d]


class Held(NamedTuple):
    """Orders held (over a limit or behind a stop), and the day's shipped slots."""

    order: np.ndarray  #: the candidate order held
    deadline: np.ndarray  #: until when its customer waits
    cause: np.ndarray  #: its fate if it is lost
    shipped: np.ndarray  #: scratch: invoice slots issued, to plan


class Pool(NamedTuple):
    """The invoices in slots, their draws in rows, and the free slots and rows."""

    inv_f: np.ndarray  #: float columns (fast.F_*)
    inv_i: np.ndarray  #: integer columns (fast.I_*)
    rows: np.ndarray  #: draw rows (draws.py's COL_* layout)
    free: np.ndarray  #: free slots (free[0]) and rows (free[1]), stacks


class Listings(NamedTuple):
    """Settlements listed for booking: entries chained per day."""

    e_q: np.ndarray  #: entries (E_* columns)
    e_free: np.ndarray  #: free entries, a stack
    bucket: np.ndarray  #: per day, its first and last entry (-1: none)


class Queue(NamedTuple):
    """The events, a binary heap by (time, scheduling order)."""

    ev_t: np.ndarray  #: times
    ev_q: np.ndarray  #: scheduling order, kind, two arguments


class Tasks(NamedTuple):
    """The collectors' tasks, and the heap of those waiting by (priority, order)."""

    tk_i: np.ndarray  #: the invoice's slot, the ladder step, done (K_*)
    tk_f: np.ndarray  #: when it was queued
    w_p: np.ndarray  #: waiting: priority
    w_q: np.ndarray  #: waiting: order, task


class Rows(NamedTuple):
    """The ledger as written (in booking order) and each row's registration number."""

    ledger: np.ndarray
    seq: np.ndarray


# ---- two binary heaps: events by (time, scheduling order), tasks by (priority, order) ------


@rng.compiled_inline
def _heap_push(hk: np.ndarray, hq: np.ndarray, n: int, key: float, seq: int, a: int,
               b: int, c: int) -> None:
    """Put (key, seq; a, b, c) into the heap of the first n entries (room for n + 1)."""
    i = n
    while i > 0:
        up = (i - 1) >> 1
        if hk[up] < key or (hk[up] == key and hq[up, 0] < seq):
            break
        hk[i] = hk[up]
        hq[i, 0], hq[i, 1], hq[i, 2], hq[i, 3] = hq[up, 0], hq[up, 1], hq[up, 2], hq[up, 3]
        i = up
    hk[i] = key
    hq[i, 0], hq[i, 1], hq[i, 2], hq[i, 3] = seq, a, b, c


@rng.compiled_inline
def _heap_pop(hk: np.ndarray, hq: np.ndarray, n: int) -> tuple[float, int, int, int]:
    """Take the least of the first n entries out; return its (key, a, b, c)."""
    top, a, b, c = hk[0], hq[0, 1], hq[0, 2], hq[0, 3]
    n -= 1
    if n > 0:
        key = hk[n]
        q0, q1, q2, q3 = hq[n, 0], hq[n, 1], hq[n, 2], hq[n, 3]
        i = 0
        while True:
            m = 2 * i + 1
            if m >= n:
                break
            r = m + 1
            if r < n and (hk[r] < hk[m] or (hk[r] == hk[m] and hq[r, 0] < hq[m, 0])):
                m = r
            if key < hk[m] or (key == hk[m] and q0 < hq[m, 0]):
                break
            hk[i] = hk[m]
            hq[i, 0], hq[i, 1], hq[i, 2], hq[i, 3] = hq[m, 0], hq[m, 1], hq[m, 2], hq[m, 3]
            i = m
        hk[i] = key
        hq[i, 0], hq[i, 1], hq[i, 2], hq[i, 3] = q0, q1, q2, q3
    return top, a, b, c


@rng.compiled_inline
def _schedule(s: State, ev: Queue, when: float, kind: int, a: int, b: int) -> None:
    """des._Simulation._at: a timeout of max(0, when - now), due at now + that delay."""
    st = s.st
    now = s.sf[U_NOW]
    _heap_push(ev.ev_t, ev.ev_q, st[T_EVENTS], now + max(0.0, when - now), st[T_SEQ], kind,
               a, b)
    st[T_EVENTS] += 1
    st[T_SEQ] += 1


# ---- the book: invoice slots, customers' open invoices, settlements to book ---------------


@rng.compiled_inline
def _free_row(st: np.ndarray, pool: Pool, k: int) -> None:
    """The invoice's ladder can no longer move: its draws are never read again."""
    r = pool.inv_i[k, I_ROW]
    if r >= 0:
        pool.free[1, st[T_ROWS]] = r
        st[T_ROWS] += 1
        pool.inv_i[k, I_ROW] = -1


@rng.compiled_inline
def _free_slot(st: np.ndarray, pool: Pool, k: int) -> None:
    """Invoice k is booked and no collector task refers to it: its slot is free."""
    pool.inv_i[k, I_SEQ] = -1
    pool.free[0, st[T_SLOTS]] = k
    st[T_SLOTS] += 1


@rng.compiled_inline
def _unpin(st: np.ndarray, pool: Pool, k: int) -> None:
    """The invoice's collector chain ended: its draws go, and its slot once it is booked."""
    pool.inv_i[k, I_PIN] = 0
    _free_row(st, pool, k)
    if pool.inv_i[k, I_BOOKED] == 1:
        _free_slot(st, pool, k)


@rng.compiled
def _plan(k: int, now: float, s: State, pool: Pool, par: Params, acct: Accounts,
          lst: Listings, ev: Queue, finite: bool) -> None:
    """des._Simulation._plan: walk the ladder, carry the customer's effects over, list the
    settlement for booking, and schedule the next collector step (the invoice stays pinned
    to its slot until that chain ends)."""
    inv_f, inv_i, key, st = pool.inv_f, pool.inv_i, s.key, s.st
    c, g = inv_i[k, I_CUST], inv_i[k, I_GRADE]
    key[2], key[3] = np.uint64(c), np.uint64(inv_i[k, I_OINDEX])
    j = _walk(inv_f, inv_i, k, pool.rows[inv_i[k, I_ROW]], key, now, par, acct.tally[c],
              finite, acct.escalated[c])
    if inv_f[k, F_ISSUE] >= acct.back_at[c]:  # (CustomerBook.sync: the current account's)
        acct.lost_from[c] = min(acct.lost_from[c], inv_f[k, F_LOST_AT])
        acct.cancel_from[c] = min(acct.cancel_from[c], _closure(inv_f, k, par.p))
    settle = inv_f[k, F_SETTLE]
    if settle != inv_f[k, F_LISTED] and settle < INF:
        inv_f[k, F_LISTED] = settle
        inv_i[k, I_STAMP] += 1
        day = max(math.ceil(settle), st[T_TODAY] + 1)
        e_q, bucket = lst.e_q, lst.bucket
        if day < bucket.shape[0]:  # (a later day is never reached: nothing to book)
            st[T_ENTRIES] -= 1
            e = lst.e_free[st[T_ENTRIES]]
            e_q[e, E_SLOT], e_q[e, E_SEQ] = k, inv_i[k, I_SEQ]
            e_q[e, E_STAMP], e_q[e, E_NEXT] = inv_i[k, I_STAMP], -1
            if bucket[day, 1] < 0:
                bucket[day, 0] = e
            else:
                e_q[bucket[day, 1], E_NEXT] = e
            bucket[day, 1] = e
    if j >= 0:
        when = max(inv_f[k, F_EFF_DUE] + par.lad_f[g, j, D_DAY], inv_f[k, F_READY], now)
        _schedule(s, ev, when, EV_ENQUEUE, k, j)
        inv_i[k, I_PIN] = 1


@rng.compiled_inline
def _new_slot(st: np.ndarray, pool: Pool) -> int:
    """A free invoice slot (the caller then writes its invoice with _new_invoice)."""
    st[T_SLOTS] -= 1
    return int(pool.free[0, st[T_SLOTS]])


@rng.compiled_inline
def _new_row(st: np.ndarray, pool: Pool, k: int) -> int:
    """A row for invoice k's draws, held while its ladder may still move."""
    st[T_ROWS] -= 1
    r = pool.free[1, st[T_ROWS]]
    pool.inv_i[k, I_ROW] = r
    return int(r)


@rng.compiled_inline
def _register(st: np.ndarray, inv_i: np.ndarray, acct: Accounts, k: int, c: int) -> None:
    """CustomerBook.register: number the invoice and add it to its customer's open list."""
    inv_i[k, I_SEQ] = st[T_REGISTERED]
    st[T_REGISTERED] += 1
    inv_i[k, I_NEXT] = -1
    if acct.tail[c] < 0:
        acct.head[c] = k
    else:
        inv_i[acct.tail[c], I_NEXT] = k
    acct.tail[c] = k


@rng.compiled_inline
def _blocked(inv_f: np.ndarray, inv_i: np.ndarray, k: int, t: float, amount: float,
             limit: float, back: float) -> int:
    """CustomerBook.blocked over a customer's open list from invoice k: 0, or the fate of
    an order that cannot ship at time t (`back`: its latest return, before which its
    invoices are an old account's, CustomerBook.current)."""
    balance = amount
    while k >= 0:
        if inv_f[k, F_SETTLE] > t and inv_f[k, F_ISSUE] >= back:
            if inv_f[k, F_STOP] <= t:
                return L_STOP
            balance += inv_f[k, F_AMOUNT]
        k = inv_i[k, I_NEXT]
    if balance > limit:
        return L_LIMIT
    return 0


@rng.compiled_inline
def _line_cancelled(inv_f: np.ndarray, inv_i: np.ndarray, k: int, t: float, closed: float,
                    reopen: float, p: np.ndarray, back: float) -> bool:
    """CustomerBook.cancelled over a customer's open list from invoice k (`closed`: its
    account's closing time; `reopen`: acct.reopen_at, the invoices booked; `back`: see
    _blocked)."""
    known = _account_cancelled(t, closed, reopen, p)
    if known >= 0:
        return known == 1
    while k >= 0:
        if _cancels(inv_f, k, t, p) and inv_f[k, F_ISSUE] >= back:
            return True
        k = inv_i[k, I_NEXT]
    return False


@rng.compiled
def _issue(i: int, t: float, s: State, orders: Candidates, cust: Customers, acct: Accounts,
           pool: Pool, par: Params, g: int) -> int:
    """CustomerBook.issue: invoice candidate order i at time t, on grade g's terms (its
    customer's grade now); return its slot."""
    st, inv_f, inv_i, key = s.st, pool.inv_f, pool.inv_i, s.key
    c = orders.cust[i]
    orders.fate[i] = FATE_SHIPPED
    k = _new_slot(st, pool)
    _new_invoice(inv_f, inv_i, k, c, orders.number[i], cust, t, orders.amount[i], 0)
    inv_i[k, I_GRADE], inv_i[k, I_ACCOUNT] = g, acct.account_no[c]
    row = pool.rows[_new_row(st, pool, k)]
    key[2], key[3] = np.uint64(c), np.uint64(orders.number[i])
    _base_draws(row, key, cust.seg[c], par.seg_f)
    # its customer's payer type on the day of the order (CustomerBook.order_payers)
    payer = payer_at(cust.payer[c], cust.soured[c, 0], cust.soured[c, 1], orders.time[i])
    inv_i[k, I_PAYER] = payer
    _open_invoice(inv_f, inv_i, k, row, key, par.grade_f[g, G_NET], _tier(cust, c, g, payer),
                  t, cust, par)
    _register(st, inv_i, acct, k, c)
    acct.rebate_sales[c] += orders.amount[i]
    return k


@rng.compiled_inline
def _write_row(st: np.ndarray, out: Rows, inv_f: np.ndarray, inv_i: np.ndarray,
               k: int, letters: np.ndarray) -> None:
    """Invoice k's ledger row, after the rows written before it, with its registration
    number beside it (the row's place in the finished ledger's order). Rows are written as
    invoices are booked; writing each at its registration number instead scattered them over
    the whole ledger, a cache miss each (a sixth of the run at 100,000 customers)."""
    n = st[T_WRITTEN]
    _ledger_row(out.ledger, n, inv_f, inv_i, k)
    out.ledger[n].grade = letters[inv_i[k, I_GRADE]]
    out.seq[n] = inv_i[k, I_SEQ]
    st[T_WRITTEN] = n + 1


@rng.compiled
def _book(k: int, s: State, pool: Pool, acct: Accounts, out: Rows, par: Params) -> None:
    """des._book_settled for one invoice: CustomerBook.book, then its ledger row written
    and its slot let go (at once, or when its collector chain ends)."""
    st, inv_f, inv_i, p = s.st, pool.inv_f, pool.inv_i, par.p
    head, tail = acct.head, acct.tail
    c = inv_i[k, I_CUST]
    inv_i[k, I_BOOKED] = 1
    if acct.eased[c] == 0:
        acct.eased[c] = 1
        acct.eased_list[st[T_EASED]] = c
        st[T_EASED] += 1
    outcome = inv_i[k, I_OUTCOME]
    paid = outcome in (PAID, PAID_DUNNED, DISCOUNT, AGENCY, LAWSUIT)
    settle = inv_f[k, F_SETTLE]
    if paid:
        acct.receipts[c, math.floor(settle / p[P_MONTH])] += inv_f[k, F_AMOUNT]
    if settle > inv_f[k, F_EFF_DUE] + p[P_REBATE_GRACE] or not paid:
        acct.rebate_late[c] = 1
    if inv_f[k, F_ISSUE] >= acct.back_at[c]:  # (its current account's: CustomerBook.current)
        if outcome == WRITTEN_OFF:  # the account is closed from the day it is booked
            acct.cancel_from[c] = min(acct.cancel_from[c], float(st[T_TODAY]))
        if inv_f[k, F_CANCEL] < INF and p[P_REOPEN] < INF:  # (CustomerBook._settled)
            acct.reopen_at[c] = max(acct.reopen_at[c], settle + p[P_REOPEN])
    _close(inv_f, inv_i, k, p[P_END], par)
    _rate(inv_f, inv_i, k, float(st[T_TODAY]), acct.rating[c], p)
    _write_row(st, out, inv_f, inv_i, k, par.letters)
    # off the customer's open list (once booked it can block nothing: settled before now)
    prev, q = -1, head[c]
    while q != k:
        prev, q = q, inv_i[q, I_NEXT]
    if prev < 0:
        head[c] = inv_i[k, I_NEXT]
    else:
        inv_i[prev, I_NEXT] = inv_i[k, I_NEXT]
    if tail[c] == k:
        tail[c] = prev
    if inv_i[k, I_PIN] == 0:
        _free_slot(st, pool, k)


# ---- the collectors (des._Collectors, _granted, _served, _expired) --------------------------


@rng.compiled
def _start_service(task: int, now: float, s: State, tasks: Tasks, pool: Pool, par: Params,
                   ev: Queue) -> bool:
    """des._granted: a collector takes the task now; False if the invoice was paid first
    (the collector is then free again at once)."""
    st, sf, tk_i, inv_i = s.st, s.sf, tasks.tk_i, pool.inv_i
    tk_i[task, K_DONE] = 1
    k = tk_i[task, K_SLOT]
    if pool.inv_f[k, F_SETTLE] <= now:
        _unpin(st, pool, k)
        return False
    j = tk_i[task, K_STEP]
    draw = pool.rows[inv_i[k, I_ROW], COL_STEPS + STEP_DRAWS * j + 3]
    service = par.lad_f[inv_i[k, I_GRADE], j, D_SERVICE] * draw
    start, end = par.p[P_START], par.p[P_END]
    sf[U_BUSY] += max(0.0, min(now + service, end) - max(now, start))
    if start <= now < end:
        st[T_SERVED] += 1
        sf[U_WAIT] += now - tasks.tk_f[task]
    _schedule(s, ev, now + service, EV_SERVED, task, 0)
    return True


@rng.compiled
def _release(now: float, s: State, tasks: Tasks, pool: Pool, par: Params, ev: Queue) -> None:
    """_Collectors.release: the next task still wanted gets the collector, or it is free."""
    st = s.st
    while st[T_WAITING] > 0:
        task = _heap_pop(tasks.w_p, tasks.w_q, st[T_WAITING])[1]
        st[T_WAITING] -= 1
        if tasks.tk_i[task, K_DONE] == 1:
            continue  # dropped while it waited: removed now that it reached the front
        if _start_service(task, now, s, tasks, pool, par, ev):
            return
    st[T_STAFF] += 1


@rng.compiled_inline
def _priority(inv_f: np.ndarray, k: int, now: float, cp: np.ndarray) -> float:
    """des._priority: the task's place in the queue (lower first)."""
    order = cp[C_ORDER]
    if order == W_LARGEST:
        return -inv_f[k, F_AMOUNT]
    if order == W_OLDEST:
        return float(inv_f[k, F_EFF_DUE])
    if order == W_QUADRANT:
        large = inv_f[k, F_AMOUNT] >= cp[C_Q_AMOUNT]
        old = now - inv_f[k, F_EFF_DUE] >= cp[C_Q_AGE]
        return float((0 if large else 2) + (0 if old else 1))
    return 0.0


# ---- the loop -------------------------------------------------------------------------------


@rng.compiled_inline
def _prefetch_slot(inv_f: np.ndarray, inv_i: np.ndarray, k: int) -> None:
    """Ask for every line of invoice slot k (176 and 128 bytes, four and three lines)."""
    prefetch_at(inv_i, k, 0)
    prefetch_at(inv_i, k, 8)
    prefetch_at(inv_i, k, N_I - 1)
    prefetch_at(inv_f, k, 0)
    prefetch_at(inv_f, k, 8)
    prefetch_at(inv_f, k, 16)
    prefetch_at(inv_f, k, N_F - 1)


@rng.compiled_inline
def _prefetch_customer(c: int, m: int, cust: Customers, acct: Accounts) -> None:
    """Ask for the lines an order of customer c in month m reads (accepted and issued)."""
    prefetch(acct.lost_from, c)
    prefetch(acct.cancel_from, c)
    prefetch(acct.back_at, c)
    prefetch(acct.account_no, c)
    prefetch_at(acct.ordered, c, m)
    prefetch(acct.head, c)
    prefetch(acct.limit, c)
    prefetch(cust.seg, c)
    prefetch(cust.grade, c)
    prefetch(cust.payer, c)
    prefetch(cust.funding, c)
    prefetch(cust.bankrupt, c)
    prefetch(cust.recovery, c)
    prefetch(cust.tier, c)
    prefetch(acct.tail, c)
    prefetch(acct.rebate_sales, c)
    prefetch(acct.tally, c)
    prefetch(acct.rating, c)
    prefetch(acct.reopen_at, c)
    prefetch(acct.escalated, c)
    prefetch(cust.soured, c)
    prefetch(cust.joined, c)
    prefetch(cust.learn_extra, c)
    prefetch(cust.learn_span, c)


@rng.compiled
def _advance(k: int, j: int, now: float, s: State, pool: Pool, par: Params, acct: Accounts,
             lst: Listings, ev: Queue) -> None:
    """des._advance: past the step, and on with the ladder if the invoice is still open."""
    inv_f, inv_i = pool.inv_f, pool.inv_i
    if inv_i[k, I_STEP] == j:
        inv_i[k, I_STEP] += 1
    if inv_f[k, F_SETTLE] > now:
        inv_i[k, I_PIN] = 0  # (pinned again if the plan queues another step)
        _plan(k, now, s, pool, par, acct, lst, ev, True)
    else:  # the step ended the invoice: no plan carries its customer effects over
        c = inv_i[k, I_CUST]
        if inv_f[k, F_ISSUE] >= acct.back_at[c]:
            acct.lost_from[c] = min(acct.lost_from[c], inv_f[k, F_LOST_AT])
            acct.cancel_from[c] = min(acct.cancel_from[c], _closure(inv_f, k, par.p))
    if inv_i[k, I_PIN] == 0:
        _unpin(s.st, pool, k)


@rng.compiled
def _kernel(until: float, s: State, cust: Customers, acct: Accounts, orders: Candidates,
            held: Held, pool: Pool, lst: Listings, ev: Queue, tasks: Tasks, par: Params,
            out: Rows) -> int:
    """Process events in order until the next is at `until` or later (PAUSED), none is left
    (DONE), or an array is too short for the next one (NEED_ROOM; st[T_NEED] says how many
    places each pool needs). Every bit of state is in the arrays, so a call resumes where
    the last one stopped."""
    # (the records' arrays under short local names: a name is only a register here)
    st, sf, key = s.st, s.sf, s.key
    inv_f, inv_i = pool.inv_f, pool.inv_i
    ev_t, ev_q, tk_i, tk_f = ev.ev_t, ev.ev_q, tasks.tk_i, tasks.tk_f
    held_o, held_t, held_f, shipped = held.order, held.deadline, held.cause, held.shipped
    e_q, e_free, bucket = lst.e_q, lst.e_free, lst.bucket
    p, grade_f, cal, cp = par.p, par.grade_f, par.cal, par.cp
    limit, lost_from, cancel_from, head = acct.limit, acct.lost_from, acct.cancel_from, acct.head
    eased, eased_list, rebate_sales = acct.eased, acct.eased_list, acct.rebate_sales
    rebate_late, ordered, receipts = acct.rebate_late, acct.ordered, acct.receipts
    o_time, o_cust, o_amount, o_thin = orders.time, orders.cust, orders.amount, orders.thin
    fate, day_end = orders.fate, orders.day_end
    n = cust.seg.size
    finite = cp[C_FINITE] > 0.0
    month = p[P_MONTH]
    while st[T_EVENTS] > 0:
        if ev_t[0] >= until:
            return PAUSED
        need = 3
        if ev_q[0, 1] == EV_TICK:  # a day may issue an invoice per held and per new order
            need = st[T_HELD] + day_end[ev_q[0, 2]] - st[T_ORDER] + 2
        if (st[T_SLOTS] < need or st[T_ROWS] < need or st[T_ENTRIES] < need
                or ev_t.size - st[T_EVENTS] < need or tk_f.size - st[T_TASKS] < 1
                or held_o.size - st[T_HELD] < need):
            st[T_NEED] = need
            return NEED_ROOM
        now, kind, a, b = _heap_pop(ev_t, ev_q, st[T_EVENTS])
        st[T_EVENTS] -= 1
        sf[U_NOW] = now
        if kind == EV_ENQUEUE:  # des._enqueue
            k, j = a, b
            if inv_f[k, F_SETTLE] <= now:
                _unpin(st, pool, k)
                continue  # paid before the call came up
            c = inv_i[k, I_CUST]
            key[2], key[3] = np.uint64(c), np.uint64(inv_i[k, I_OINDEX])
            if _joins(inv_f, inv_i, k, pool.rows[inv_i[k, I_ROW]], key, now, now, par,
                      acct.tally[c], acct.escalated[c]):
                # its account was taken to a later step meanwhile: the call is not made
                _advance(k, j, now, s, pool, par, acct, lst, ev)
                continue
            g = inv_i[k, I_GRADE]
            if not _escalates(acct.escalated[c], g, j, now, p, _account_step(par.lad_f, g, j)):
                # the account's call (visit, hand-over, suit) of the last days takes it along
                _apply(inv_f, inv_i, k, pool.rows[inv_i[k, I_ROW]], key, j, now, par,
                       acct.tally[c], True)
                _advance(k, j, now, s, pool, par, acct, lst, ev)
                continue
            task = st[T_TASKS]
            st[T_TASKS] += 1
            tk_i[task, K_SLOT], tk_i[task, K_STEP], tk_i[task, K_DONE] = k, j, 0
            tk_f[task] = now
            priority = _priority(inv_f, k, now, cp)
            if st[T_STAFF] > 0:
                st[T_STAFF] -= 1
                if not _start_service(task, now, s, tasks, pool, par, ev):
                    _release(now, s, tasks, pool, par, ev)
            else:
                st[T_WSEQ] += 1
                _heap_push(tasks.w_p, tasks.w_q, st[T_WAITING], priority, st[T_WSEQ], task,
                           0, 0)
                st[T_WAITING] += 1
            if tk_i[task, K_DONE] == 0:
                _schedule(s, ev, now + cp[C_MAX_WAIT], EV_EXPIRE, task, 0)
        elif kind == EV_SERVED:  # des._served
            task = a
            _release(now, s, tasks, pool, par, ev)
            k, j = tk_i[task, K_SLOT], tk_i[task, K_STEP]
            c = inv_i[k, I_CUST]
            key[2], key[3] = np.uint64(c), np.uint64(inv_i[k, I_OINDEX])
            _apply(inv_f, inv_i, k, pool.rows[inv_i[k, I_ROW]], key, j, now, par,
                   acct.tally[c], False)
            _advance(k, j, now, s, pool, par, acct, lst, ev)
        elif kind == EV_EXPIRE:  # des._expired
            task = a
            if tk_i[task, K_DONE] == 1:
                continue
            tk_i[task, K_DONE] = 1
            if p[P_START] <= now < p[P_END]:
                st[T_DROPPED] += 1
            _advance(tk_i[task, K_SLOT], tk_i[task, K_STEP], now, s, pool, par, acct, lst, ev)
        else:  # the day tick (des._days)
            d = a
            day = float(d)
            st[T_TODAY] = d
            # the day's settlements, as listed (only an invoice's latest listing counts);
            # `ahead` runs a few listings in front asking for their invoices' lines, and each
            # step asks for the next listing's customer's (its slot was asked for by then)
            e = bucket[d, 0]
            ahead = e
            for _ in range(BOOK_AHEAD):
                if ahead >= 0:
                    _prefetch_slot(inv_f, inv_i, e_q[ahead, E_SLOT])
                    ahead = e_q[ahead, E_NEXT]
            while e >= 0:
                k, nxt = e_q[e, E_SLOT], e_q[e, E_NEXT]
                if ahead >= 0:
                    _prefetch_slot(inv_f, inv_i, e_q[ahead, E_SLOT])
                    ahead = e_q[ahead, E_NEXT]
                if nxt >= 0:
                    # (a stale listing's slot may hold another invoice by now: any line
                    # asked for is only a hint, but a month is only formed from a finite day)
                    k1 = e_q[nxt, E_SLOT]
                    c1 = inv_i[k1, I_CUST]
                    if inv_f[k1, F_SETTLE] < INF:
                        prefetch_at(receipts, c1, math.floor(inv_f[k1, F_SETTLE] / month))
                    prefetch(head, c1)
                    prefetch(acct.tail, c1)
                    prefetch(eased, c1)
                    prefetch(rebate_late, c1)
                    prefetch(acct.rating, c1)
                if (inv_i[k, I_SEQ] == e_q[e, E_SEQ] and inv_i[k, I_STAMP] == e_q[e, E_STAMP]
                        and inv_i[k, I_BOOKED] == 0):
                    _book(k, s, pool, acct, out, par)
                e_free[st[T_ENTRIES]] = e
                st[T_ENTRIES] += 1
                e = nxt
            bucket[d, 0] = bucket[d, 1] = -1
            if d > 0 and cal[CAL_MONTH, d] > cal[CAL_MONTH, d - 1]:  # CustomerBook.month_end
                m = cal[CAL_MONTH, d]
                method = p[P_LIMIT_METHOD]
                if method != 0.0 and m >= p[P_LIMIT_FROM]:
                    for c in range(n):
                        limit[c] = _limit(p, m, ordered[c], receipts[c], cust.factor[c],
                                          limit[c], cust.limit_from[c])
                    for h in range(st[T_HELD]):
                        c = o_cust[held_o[h]]
                        if eased[c] == 0:
                            eased[c] = 1
                            eased_list[st[T_EASED]] = c
                            st[T_EASED] += 1
            if cal[CAL_YEAR_END, d] == 1:  # CustomerBook.year_end
                if p[P_REBATE_RATE] > 0:
                    for c in range(n):
                        k = head[c]
                        while k >= 0:
                            if inv_f[k, F_EFF_DUE] + p[P_REBATE_GRACE] < day < inv_f[k,
                                                                                     F_SETTLE]:
                                rebate_late[c] = 1
                            k = inv_i[k, I_NEXT]
                        if (rebate_sales[c] >= p[P_REBATE_THRESHOLD] and rebate_late[c] == 0
                                and p[P_START] < day <= p[P_END]):
                            acct.rebate_paid[c] += p[P_REBATE_RATE] * rebate_sales[c]
                rebate_sales[:] = 0.0
                rebate_late[:] = 0
            # CustomerBook.release_held: all released orders invoiced, then each planned
            keep, n_ship = 0, 0
            for h in range(st[T_HELD]):
                i, deadline, cause = held_o[h], held_t[h], held_f[h]
                c = o_cust[i]
                if _expired(day, deadline, cust.bankrupt[c], lost_from[c]):
                    fate[i] = cause
                elif _line_cancelled(inv_f, inv_i, head[c], day, cancel_from[c],
                                     acct.reopen_at[c], p, acct.back_at[c]):  # cancelled or closed
                    fate[i] = _cancelled(o_thin[i], p)
                elif grade_f[_grade_now(acct.rating[c], cust.grade[c], day, p),
                             G_CREDIT] == 0.0:
                    fate[i] = _refused(o_thin[i], p)  # re-rated to a grade refused credit
                elif eased[c] == 1 and _blocked(
                        inv_f, inv_i, head[c], day, o_amount[i],
                        _cap(limit[c], cust.grade[c],
                             _grade_now(acct.rating[c], cust.grade[c], day, p), grade_f),
                        acct.back_at[c]) == 0:
                    shipped[n_ship] = _issue(i, day, s, orders, cust, acct, pool, par,
                                             _grade_now(acct.rating[c], cust.grade[c], day, p))
                    n_ship += 1
                else:
                    held_o[keep], held_t[keep], held_f[keep] = i, deadline, cause
                    keep += 1
            st[T_HELD] = keep
            for q in range(st[T_EASED]):
                eased[eased_list[q]] = 0
            st[T_EASED] = 0
            for q in range(n_ship):
                _plan(shipped[q], day, s, pool, par, acct, lst, ev, finite)
                if inv_i[shipped[q], I_PIN] == 0:
                    _free_row(st, pool, shipped[q])
            # the day's orders (CustomerBook.accept), each planned as it ships
            last = day_end[d]
            while st[T_ORDER] < last:
                i = st[T_ORDER]
                st[T_ORDER] += 1
                # the lines the next orders will read, asked for while this one is worked on
                # (two orders ahead: the customer's values; one ahead: its first open invoice,
                # found from the customer's values asked for an order ago)
                if i + 2 < last:
                    _prefetch_customer(o_cust[i + 2], math.floor(o_time[i + 2] / month),
                                       cust, acct)
                if i + 1 < last:
                    h = head[o_cust[i + 1]]
                    if h >= 0:
                        prefetch(inv_f, h)
                        prefetch(inv_i, h)
                c, t, amount = o_cust[i], o_time[i], o_amount[i]
                ended = account_end(lost_from[c], cancel_from[c], p[P_BACK])
                if t >= ended:
                    # won back, on a fresh account (CustomerBook.won_back)
                    orders.returned[i], orders.closed[i] = lost_from[c], cancel_from[c]
                    acct.back_at[c] = ended
                    acct.account_no[c] += 1
                    lost_from[c], cancel_from[c], acct.reopen_at[c] = INF, INF, -INF
                elif t >= lost_from[c]:
                    fate[i] = L_LOST
                    continue
                if _line_cancelled(inv_f, inv_i, head[c], t, cancel_from[c], acct.reopen_at[c],
                                   p, acct.back_at[c]):
                    fate[i] = _cancelled(o_thin[i], p)
                    continue
                g = _grade_now(acct.rating[c], cust.grade[c], t, p)
                if grade_f[g, G_CREDIT] == 0.0:
                    fate[i] = _refused(o_thin[i], p)  # re-rated to a grade refused credit
                    continue
                ordered[c, math.floor(t / month)] += amount
                block = _blocked(inv_f, inv_i, head[c], t, amount,
                                 _cap(limit[c], cust.grade[c], g, grade_f), acct.back_at[c])
                if block == L_LIMIT and orders.approval[i] < grade_f[g, G_APPROVAL]:
                    block = 0  # released after approval
                if block != 0:
                    h = st[T_HELD]
                    held_o[h], held_f[h] = i, block
                    held_t[h] = _deadline(t, key, c, orders.number[i], cust.seg[c], par)
                    st[T_HELD] += 1
                    continue
                k = _issue(i, t, s, orders, cust, acct, pool, par, g)
                _plan(k, t, s, pool, par, acct, lst, ev, finite)
                if inv_i[k, I_PIN] == 0:
                    _free_row(st, pool, k)
            if d + 1 < bucket.shape[0]:
                _schedule(s, ev, day + 1.0, EV_TICK, d + 1, 0)
    return DONE


@rng.compiled
def _open_book(op: OpeningBook, s: State, cust: Customers, acct: Accounts, pool: Pool,
               shipped: np.ndarray, lst: Listings, ev: Queue, par: Params,
               finite: bool) -> None:
    """CustomerBook.open_book, then each opening invoice planned at day 0, as the SimPy
    engine does before its scheduler starts."""
    st, inv_f, inv_i, key = s.st, pool.inv_f, pool.inv_i, s.key
    for q in range(op.customer.size):
        c = op.customer[q]
        k = _new_slot(st, pool)
        _new_invoice(inv_f, inv_i, k, c, op.number[q], cust, op.issue[q], op.amount[q], 1)
        row = pool.rows[_new_row(st, pool, k)]
        key[2], key[3] = np.uint64(c), np.uint64(op.number[q])
        _open_opening(inv_f, inv_i, k, row, key, op.draws[q], op.net[cust.grade[c]], cust,
                      par)
        _register(st, inv_i, acct, k, c)
        shipped[q] = k
    for q in range(op.customer.size):
        _plan(shipped[q], 0.0, s, pool, par, acct, lst, ev, finite)
        if inv_i[shipped[q], I_PIN] == 0:
            _free_row(st, pool, shipped[q])


@rng.compiled
def _close_open(s: State, pool: Pool, out: Rows, par: Params) -> None:
    """The invoices not booked by the end, closed as of the end into their ledger rows."""
    inv_f, inv_i = pool.inv_f, pool.inv_i
    for k in range(inv_i.shape[0]):
        if inv_i[k, I_SEQ] >= 0 and inv_i[k, I_BOOKED] == 0:
            _close(inv_f, inv_i, k, par.p[P_END], par)
            _write_row(s.st, out, inv_f, inv_i, k, par.letters)


# ---- the driver -----------------------------------------------------------------------------


class EventRun:
    """One replication laid out for the kernel: its records (every array it reads and
    writes), the pools among them made longer when it asks. `advance(until)` runs the events
    before `until`; `finish()` closes the book and returns the engine's output."""

    def __init__(self, scenario: Scenario, policy: Policy, seed: int, engine: str,
                 room: int | None = None) -> None:
        """`room`: the invoices, listings and events the pools start with room for (by
        default a share of the candidate orders; the pools grow when a run needs more)."""
        staff = policy.collections.collectors
        start = scenario.horizon.warmup_days
        self.end = end = start + scenario.horizon.horizon_days
        rules = RuleBook(scenario, policy, collectors_finite=staff is not None, seed=seed)
        rules.window = (start, end)
        customers = draw_customers(scenario, seed)
        self.out = EngineOutput(engine=engine, window=(start, end),
                                ledger=np.empty(0, dtype=LEDGER_DTYPE), actions={},
                                collector=CollectorStats(collectors=staff))
        self.scenario, self.customers = scenario, customers
        self.book = book = CustomerBook(scenario, policy, seed, customers, rules, self.out)
        candidates = book.draw_candidates(end)
        arrays = _policy_arrays(scenario, policy, rules, book, start, end)
        orders = book.order_rules()
        n = customers.count
        n_days = math.ceil(end)
        width = COL_STEPS + STEP_DRAWS * rules.max_steps
        cols = book.columns
        o_time = cols.time
        opening = Opening(scenario, seed, rules, customers, book, orders.grade,
                          by_customer=False)
        n_op = opening.count
        slots = n_op + (max(4096, candidates // 8) if room is None else room)
        self.s = State(st=np.zeros(N_T, dtype=np.int64), sf=np.zeros(3),
                       key=np.zeros(4, dtype=np.uint64))
        self.cust = cust = _customer_columns(customers, book, orders, arrays)
        self.acct = Accounts(
            limit=np.array(cust.limit0, dtype=np.float64), lost_from=np.full(n, INF),
            back_at=np.full(n, -INF), account_no=np.zeros(n, dtype=np.int64),
            cancel_from=np.full(n, INF), reopen_at=np.full(n, -INF),
            head=np.full(n, -1, dtype=np.int64),
            tail=np.full(n, -1, dtype=np.int64), eased=np.zeros(n, dtype=np.int8),
            eased_list=np.zeros(n, dtype=np.int64), ordered=np.zeros((n, book.months)),
            receipts=np.zeros((n, book.months)), rebate_sales=np.zeros(n),
            rebate_late=np.zeros(n, dtype=np.int8), rebate_paid=book.rebate_paid,
            tally=np.zeros((n, len(ACTIONS) + 1, 2)),
            escalated=np.full((n, ESC_SLOTS), -INF),
            rating=_ratings(cust.grade))
        self.orders = Candidates(
            time=o_time, cust=cols.cust, number=cols.number, amount=cols.amount,
            thin=cols.thin, approval=cols.approval,
            fate=np.frombuffer(book.fate, dtype=np.int8), returned=np.full(o_time.size, INF),
            closed=np.full(o_time.size, INF),
            day_end=np.searchsorted(o_time, np.arange(1, n_days + 1, dtype=np.float64)
                                    ).astype(np.int64))
        self.held = Held(np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=np.int64),
                         np.zeros(0, dtype=np.int64))
        self.pool = Pool(np.zeros((0, N_F)), np.zeros((0, N_I), dtype=np.int64),
                         np.zeros((0, width)), np.zeros((2, 0), dtype=np.int64))
        self.lst = Listings(np.zeros((0, 4), dtype=np.int64), np.zeros(0, dtype=np.int64),
                            np.full((n_days, 2), -1, dtype=np.int64))
        self.ev = Queue(np.zeros(0), np.zeros((0, 4), dtype=np.int64))
        self.tasks = Tasks(np.zeros((0, 3), dtype=np.int64), np.zeros(0), np.zeros(0),
                           np.zeros((0, 4), dtype=np.int64))
        self.par = par = _params(scenario, policy, arrays, book, n_days)
        # (every candidate order makes one invoice at most; pages a run never reaches are
        # never mapped)
        self.rows = Rows(np.zeros(candidates + n_op, dtype=LEDGER_DTYPE),
                         np.zeros(candidates + n_op, dtype=np.int64))
        #: the kernel compiled for these records' types (_compiled_for)
        self._kernel: Callable[..., int] | None = None
        s, st = self.s, self.s.st
        s.key[:2] = streams._seed_key(seed)
        st[T_TODAY] = -1
        st[T_STAFF] = staff or 0
        self._grow_slots(slots)
        self._grow_rows(n_op + (1024 if room is None else room))
        self._grow_held(max(n_op, 1024 if room is None else room))
        self._grow_entries(slots)
        self._grow_events(2 * slots + 16)
        self._grow_tasks(max(1024, candidates // 16) if room is None else room)
        _open_book(opening.record(), s, cust, self.acct, self.pool, self.held.shipped,
                   self.lst, self.ev, par, staff is not None)
        # the scheduler's first day comes before anything else due at time 0 (SimPy starts a
        # process with an urgent event): scheduled as if before every other event
        _heap_push(self.ev.ev_t, self.ev.ev_q, st[T_EVENTS], 0.0, -1, EV_TICK, 0, 0)
        st[T_EVENTS] += 1

    # ---- growing the pools (each record built again around its longer arrays) -------------

    def _grow_slots(self, more: int) -> None:
        pool = self.pool
        size = pool.inv_f.shape[0]
        inv_i = _longer(pool.inv_i, more)
        inv_i[size:, I_SEQ] = -1
        self.pool = pool._replace(inv_f=_longer(pool.inv_f, more), inv_i=inv_i)
        self._grow_free(0, T_SLOTS, size, more)

    def _grow_rows(self, more: int) -> None:
        size = self.pool.rows.shape[0]
        self.pool = self.pool._replace(rows=_longer(self.pool.rows, more))
        self._grow_free(1, T_ROWS, size, more)

    def _grow_free(self, which: int, count: int, size: int, more: int) -> None:
        """Free places size .. size + more - 1 on top of stack `which` (0: invoice slots,
        1: draw rows) of the free lists, whose st[count] places are in use as free."""
        st = self.s.st
        free = self.pool.free
        capacity = max(self.pool.inv_f.shape[0], self.pool.rows.shape[0])
        if free.shape[1] < capacity:
            wider = np.zeros((2, capacity), dtype=np.int64)
            wider[:, :free.shape[1]] = free
            free = wider
            self.pool = self.pool._replace(free=free)
        used = int(st[count])
        free[which, used:used + more] = np.arange(size + more - 1, size - 1, -1)
        st[count] += more

    def _grow_held(self, more: int) -> None:
        self.held = Held(*(_longer(a, more) for a in self.held))

    def _grow_entries(self, more: int) -> None:
        st, lst = self.s.st, self.lst
        size = lst.e_q.shape[0]
        e_free = _longer(lst.e_free, more)
        used = int(st[T_ENTRIES])
        e_free[used:used + more] = np.arange(size + more - 1, size - 1, -1)
        st[T_ENTRIES] += more
        self.lst = lst._replace(e_q=_longer(lst.e_q, more), e_free=e_free)

    def _grow_events(self, more: int) -> None:
        self.ev = Queue(*(_longer(a, more) for a in self.ev))

    def _grow_tasks(self, more: int) -> None:
        self.tasks = Tasks(*(_longer(a, more) for a in self.tasks))

    # ---- running --------------------------------------------------------------------------

    def advance(self, until: float) -> None:
        """Run every event due before `until` (the end of the run at most)."""
        st = self.s.st
        until = float(min(until, self.end))  # (one type: one compiled kernel)
        while True:
            records = (self.s, self.cust, self.acct, self.orders, self.held, self.pool,
                       self.lst, self.ev, self.tasks, self.par, self.rows)
            if self._kernel is None:
                self._kernel = _compiled_for(_kernel, (until, *records))
            if self._kernel(until, *records) != NEED_ROOM:
                return
            self._kernel = None  # (the records are built again around longer pools)
            need = int(st[T_NEED])
            if st[T_SLOTS] < need:
                self._grow_slots(max(need, self.pool.inv_f.shape[0]))
            if st[T_ROWS] < need:
                self._grow_rows(max(need, self.pool.rows.shape[0]))
            if self.held.order.size - st[T_HELD] < need:
                self._grow_held(max(need, self.held.order.size))
            if st[T_ENTRIES] < need:
                self._grow_entries(max(need, self.lst.e_q.shape[0]))
            if self.ev.ev_t.size - st[T_EVENTS] < need:
                self._grow_events(max(need, self.ev.ev_t.size))
            if self.tasks.tk_f.size - st[T_TASKS] < 1:
                self._grow_tasks(self.tasks.tk_f.size)

    def finish(self) -> EngineOutput:
        """Close the invoices still open, and the book: the replication's output."""
        st, out, book, acct = self.s.st, self.out, self.book, self.acct
        _close_open(self.s, self.pool, self.rows, self.par)
        rows = int(st[T_REGISTERED])
        assert st[T_WRITTEN] == rows  # (every invoice registered has its row)
        ledger = self.rows.ledger[:rows]
        # by customer, then in the order the invoices were registered (issued)
        permute(ledger, by_customer(ledger["customer"], self.rows.seq[:rows]))
        out.ledger = ledger
        book.lost_from, book.cancel_from = acct.lost_from.tolist(), acct.cancel_from.tolist()
        back = (self.orders.returned < INF) | (self.orders.closed < INF)
        book.returned = (self.orders.cust[back].tolist(), self.orders.returned[back].tolist(),
                         self.orders.closed[back].tolist())
        book.finish_orders()
        out.actions = actions_summary(acct.tally[:, :BUSY])
        if out.collector.collectors is not None:
            out.collector.busy_days, out.collector.wait_days_total = (float(self.s.sf[U_BUSY]),
                                                                      float(self.s.sf[U_WAIT]))
            out.collector.tasks_served = int(st[T_SERVED])
            out.collector.tasks_dropped = int(st[T_DROPPED])
        else:  # the work an unlimited team did (fast._walk tallied it per customer)
            out.collector.busy_days, out.collector.tasks_served = collector_work(
                acct.tally[:, BUSY])
        c = self.customers
        population(out, c.joined, self.book.joins, c.initial, c.bankruptcy_day,
                   *book.absence_sums())
        return out


def _compiled_for(dispatcher: Any, args: tuple[Any, ...]) -> Callable[..., int]:
    """The machine code `dispatcher` runs for these arguments, to call directly.

    A call through numba's dispatcher finds the code by the arguments' types, on every call:
    in C for an array, but through Python for a record (a named tuple), field by field,
    about 170 us for the kernel's records, against 2 us for the same arrays passed one by
    one. The SimPy engine calls the kernel once a simulated day, so that was a third of its
    time (measured). The types are found here once, the code compiled or loaded from the
    cache if it is not yet, and its entry point called from then on (1 us a call): valid
    while the records keep their types, which a pool grown longer keeps, but the caller asks
    again after every growth all the same."""
    types = tuple(numba.typeof(a) for a in args)
    if types not in dispatcher.overloads:
        dispatcher.compile(types)
    return cast(Callable[..., int], dispatcher.overloads[types].entry_point)


def _ratings(grade: np.ndarray) -> np.ndarray:
    """Every customer's rating record at the start: its own grade (behaviour.R_* columns)."""
    rating = np.zeros((grade.size, N_RATING))
    rating[:, R_GRADE] = rating[:, R_OWN] = grade
    return rating


def _longer(pool: np.ndarray, more: int) -> np.ndarray:
    """The pool with `more` zeroed rows after its own. A pool's first rows are fresh zeros
    (not a copy onto them), so that the operating system maps the pages of the part a run
    never reaches lazily, untouched: at 100,000 customers the first invoice slots alone are
    about 100 MB, and a copy wrote every page of them."""
    rows = np.zeros((more, *pool.shape[1:]), dtype=pool.dtype)
    return rows if pool.shape[0] == 0 else np.concatenate([pool, rows])
