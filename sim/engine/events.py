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

import numpy as np

from .. import rng, streams
from ..behaviour import INF, RuleBook, actions_summary, collector_work
from ..draws import COL_STEPS, STEP_DRAWS, draw_customers
from ..ledger import LEDGER_DTYPE
from ..memory import prefetch, prefetch_at
from ..policy import Policy
from ..scenario import ACTIONS, Scenario
from .book import CustomerBook
from .fast import (
    AGENCY,
    BUSY,
    CAL_MONTH,
    CAL_YEAR_END,
    D_DAY,
    D_SERVICE,
    DISCOUNT,
    F_AMOUNT,
    F_CANCEL,
    F_EFF_DUE,
    F_LISTED,
    F_LOST_AT,
    F_READY,
    F_SETTLE,
    F_STOP,
    G_APPROVAL,
    G_CEILING,
    G_NET,
    G_STEPS,
    I_BOOKED,
    I_CUST,
    I_GRADE,
    I_NEXT,
    I_OINDEX,
    I_OUTCOME,
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
    P_END,
    P_LIMIT_FROM,
    P_LIMIT_METHOD,
    P_MONTH,
    P_REBATE_GRACE,
    P_REBATE_RATE,
    P_REBATE_THRESHOLD,
    P_START,
    PAID,
    PAID_DUNNED,
    WRITTEN_OFF,
    Opening,
    _apply,
    _base_draws,
    _calendar,
    _cancelled,
    _close,
    _deadline,
    _expired,
    _ledger_row,
    _limit,
    _new_invoice,
    _open_invoice,
    _open_opening,
    _policy_arrays,
    _walk,
)
from .output import (
    FATE_SHIPPED,
    CollectorStats,
    EngineOutput,
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
# collector parameters (cp)
C_FINITE, C_MAX_WAIT, C_ORDER, C_Q_AMOUNT, C_Q_AGE = range(5)
W_FIFO, W_LARGEST, W_OLDEST, W_QUADRANT = range(4)
WORK_ORDERS = ("fifo", "largest_first", "oldest_first", "quadrant")
# task columns (tk_i): the invoice's slot, the ladder step, done
K_SLOT, K_STEP, K_DONE = range(3)
# booking entries (e_q): slot, the invoice's registration number, its listing number, next
E_SLOT, E_SEQ, E_STAMP, E_NEXT = range(4)


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
def _schedule(st: np.ndarray, sf: np.ndarray, ev_t: np.ndarray, ev_q: np.ndarray,
              when: float, kind: int, a: int, b: int) -> None:
    """des._Simulation._at: a timeout of max(0, when - now), due at now + that delay."""
    now = sf[U_NOW]
    _heap_push(ev_t, ev_q, st[T_EVENTS], now + max(0.0, when - now), st[T_SEQ], kind, a, b)
    st[T_EVENTS] += 1
    st[T_SEQ] += 1


# ---- the book: invoice slots, customers' open invoices, settlements to book ---------------


@rng.compiled_inline
def _free_row(st: np.ndarray, inv_i: np.ndarray, free: np.ndarray, k: int) -> None:
    """The invoice's ladder can no longer move: its draws are never read again."""
    r = inv_i[k, I_ROW]
    if r >= 0:
        free[1, st[T_ROWS]] = r
        st[T_ROWS] += 1
        inv_i[k, I_ROW] = -1


@rng.compiled_inline
def _free_slot(st: np.ndarray, inv_i: np.ndarray, free: np.ndarray, k: int) -> None:
    """Invoice k is booked and no collector task refers to it: its slot is free."""
    inv_i[k, I_SEQ] = -1
    free[0, st[T_SLOTS]] = k
    st[T_SLOTS] += 1


@rng.compiled_inline
def _unpin(st: np.ndarray, inv_i: np.ndarray, free: np.ndarray, k: int) -> None:
    """The invoice's collector chain ended: its draws go, and its slot once it is booked."""
    inv_i[k, I_PIN] = 0
    _free_row(st, inv_i, free, k)
    if inv_i[k, I_BOOKED] == 1:
        _free_slot(st, inv_i, free, k)


@rng.compiled
def _plan(k: int, now: float, st: np.ndarray, sf: np.ndarray, inv_f: np.ndarray,
          inv_i: np.ndarray, rows: np.ndarray, key: np.ndarray, grade_f: np.ndarray,
          lad_f: np.ndarray, p: np.ndarray, payer_f: np.ndarray, tally: np.ndarray,
          lost_from: np.ndarray, cancel_from: np.ndarray, e_q: np.ndarray,
          e_free: np.ndarray, bucket: np.ndarray, ev_t: np.ndarray, ev_q: np.ndarray,
          finite: bool) -> None:
    """des._Simulation._plan: walk the ladder, carry the customer's effects over, list the
    settlement for booking, and schedule the next collector step (the invoice stays pinned
    to its slot until that chain ends)."""
    c, g = inv_i[k, I_CUST], inv_i[k, I_GRADE]
    key[2], key[3] = np.uint64(c), np.uint64(inv_i[k, I_OINDEX])
    j = _walk(inv_f, inv_i, k, rows[inv_i[k, I_ROW]], now, int(grade_f[g, G_STEPS]), lad_f, p,
              payer_f, tally[c], key, finite)
    lost_from[c] = min(lost_from[c], inv_f[k, F_LOST_AT])
    cancel_from[c] = min(cancel_from[c], inv_f[k, F_CANCEL])
    settle = inv_f[k, F_SETTLE]
    if settle != inv_f[k, F_LISTED] and settle < INF:
        inv_f[k, F_LISTED] = settle
        inv_i[k, I_STAMP] += 1
        day = max(math.ceil(settle), st[T_TODAY] + 1)
        if day < bucket.shape[0]:  # (a later day is never reached: nothing to book)
            st[T_ENTRIES] -= 1
            e = e_free[st[T_ENTRIES]]
            e_q[e, E_SLOT], e_q[e, E_SEQ] = k, inv_i[k, I_SEQ]
            e_q[e, E_STAMP], e_q[e, E_NEXT] = inv_i[k, I_STAMP], -1
            if bucket[day, 1] < 0:
                bucket[day, 0] = e
            else:
                e_q[bucket[day, 1], E_NEXT] = e
            bucket[day, 1] = e
    if j >= 0:
        when = max(inv_f[k, F_EFF_DUE] + lad_f[g, j, D_DAY], inv_f[k, F_READY], now)
        _schedule(st, sf, ev_t, ev_q, when, EV_ENQUEUE, k, j)
        inv_i[k, I_PIN] = 1


@rng.compiled_inline
def _new_slot(st: np.ndarray, inv_i: np.ndarray, free: np.ndarray) -> int:
    """A free invoice slot (the caller then writes its invoice with _new_invoice)."""
    st[T_SLOTS] -= 1
    return int(free[0, st[T_SLOTS]])


@rng.compiled_inline
def _new_row(st: np.ndarray, inv_i: np.ndarray, free: np.ndarray, k: int) -> int:
    """A row for invoice k's draws, held while its ladder may still move."""
    st[T_ROWS] -= 1
    r = free[1, st[T_ROWS]]
    inv_i[k, I_ROW] = r
    return int(r)


@rng.compiled_inline
def _register(st: np.ndarray, inv_i: np.ndarray, head: np.ndarray, tail: np.ndarray,
              k: int, c: int) -> None:
    """CustomerBook.register: number the invoice and add it to its customer's open list."""
    inv_i[k, I_SEQ] = st[T_REGISTERED]
    st[T_REGISTERED] += 1
    inv_i[k, I_NEXT] = -1
    if tail[c] < 0:
        head[c] = k
    else:
        inv_i[tail[c], I_NEXT] = k
    tail[c] = k


@rng.compiled_inline
def _blocked(inv_f: np.ndarray, inv_i: np.ndarray, k: int, t: float, amount: float,
             limit: float) -> int:
    """CustomerBook.blocked over a customer's open list from invoice k: 0, or the fate of
    an order that cannot ship at time t."""
    balance = amount
    while k >= 0:
        if inv_f[k, F_SETTLE] > t:
            if inv_f[k, F_STOP] <= t:
                return L_STOP
            balance += inv_f[k, F_AMOUNT]
        k = inv_i[k, I_NEXT]
    if balance > limit:
        return L_LIMIT
    return 0


@rng.compiled
def _issue(i: int, t: float, st: np.ndarray, o_cust: np.ndarray, o_index: np.ndarray,
           o_amount: np.ndarray, fate: np.ndarray, c_seg: np.ndarray, c_grade: np.ndarray,
           c_payer: np.ndarray, c_funding: np.ndarray, c_bankrupt: np.ndarray,
           c_recovery: np.ndarray, c_tier: np.ndarray, head: np.ndarray, tail: np.ndarray,
           rebate_sales: np.ndarray, inv_f: np.ndarray, inv_i: np.ndarray, rows: np.ndarray,
           free: np.ndarray, key: np.ndarray, grade_f: np.ndarray, seg_f: np.ndarray,
           p: np.ndarray, payer_f: np.ndarray) -> int:
    """CustomerBook.issue: invoice candidate order i at time t; return its slot."""
    c = o_cust[i]
    fate[i] = FATE_SHIPPED
    k = _new_slot(st, inv_i, free)
    seg, grade = c_seg[c], c_grade[c]
    _new_invoice(inv_f, inv_i, k, c, o_index[i], seg, grade, c_payer[c], t, o_amount[i], 0)
    row = rows[_new_row(st, inv_i, free, k)]
    key[2], key[3] = np.uint64(c), np.uint64(o_index[i])
    _base_draws(row, key, seg, seg_f)
    _open_invoice(inv_f, inv_i, k, row, grade_f[grade, G_NET], grade_f[grade], c_tier[c],
                  c_funding[c], c_bankrupt[c], c_recovery[c], t, seg_f, p, payer_f, key)
    _register(st, inv_i, head, tail, k, c)
    rebate_sales[c] += o_amount[i]
    return k


@rng.compiled_inline
def _write_row(st: np.ndarray, ledger: np.ndarray, ledger_seq: np.ndarray, inv_f: np.ndarray,
               inv_i: np.ndarray, k: int) -> None:
    """Invoice k's ledger row, after the rows written before it, with its registration
    number beside it (the row's place in the finished ledger's order). Rows are written as
    invoices are booked; writing each at its registration number instead scattered them over
    the whole ledger, a cache miss each (a sixth of the run at 100,000 customers)."""
    n = st[T_WRITTEN]
    _ledger_row(ledger, n, inv_f, inv_i, k)
    ledger_seq[n] = inv_i[k, I_SEQ]
    st[T_WRITTEN] = n + 1


@rng.compiled
def _book(k: int, st: np.ndarray, inv_f: np.ndarray, inv_i: np.ndarray, head: np.ndarray,
          tail: np.ndarray, free: np.ndarray, eased: np.ndarray, eased_list: np.ndarray,
          receipts: np.ndarray, rebate_late: np.ndarray, ledger: np.ndarray,
          ledger_seq: np.ndarray, seg_f: np.ndarray, p: np.ndarray,
          cancel_from: np.ndarray) -> None:
    """des._book_settled for one invoice: CustomerBook.book, then its ledger row written
    and its slot let go (at once, or when its collector chain ends)."""
    c = inv_i[k, I_CUST]
    inv_i[k, I_BOOKED] = 1
    if eased[c] == 0:
        eased[c] = 1
        eased_list[st[T_EASED]] = c
        st[T_EASED] += 1
    outcome = inv_i[k, I_OUTCOME]
    paid = outcome in (PAID, PAID_DUNNED, DISCOUNT, AGENCY, LAWSUIT)
    settle = inv_f[k, F_SETTLE]
    if paid:
        receipts[c, math.floor(settle / p[P_MONTH])] += inv_f[k, F_AMOUNT]
    if settle > inv_f[k, F_EFF_DUE] + p[P_REBATE_GRACE] or not paid:
        rebate_late[c] = 1
    if outcome == WRITTEN_OFF:  # the account is closed from the day the write-off is booked
        cancel_from[c] = min(cancel_from[c], float(st[T_TODAY]))
    _close(inv_f, inv_i, k, p[P_END], seg_f, p)
    _write_row(st, ledger, ledger_seq, inv_f, inv_i, k)
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
        _free_slot(st, inv_i, free, k)


# ---- the collectors (des._Collectors, _granted, _served, _expired) --------------------------


@rng.compiled
def _start_service(task: int, now: float, st: np.ndarray, sf: np.ndarray, tk_i: np.ndarray,
                   tk_f: np.ndarray, inv_f: np.ndarray, inv_i: np.ndarray, rows: np.ndarray,
                   free: np.ndarray, lad_f: np.ndarray, p: np.ndarray, ev_t: np.ndarray,
                   ev_q: np.ndarray) -> bool:
    """des._granted: a collector takes the task now; False if the invoice was paid first
    (the collector is then free again at once)."""
    tk_i[task, K_DONE] = 1
    k = tk_i[task, K_SLOT]
    if inv_f[k, F_SETTLE] <= now:
        _unpin(st, inv_i, free, k)
        return False
    j = tk_i[task, K_STEP]
    draw = rows[inv_i[k, I_ROW], COL_STEPS + STEP_DRAWS * j + 3]
    service = lad_f[inv_i[k, I_GRADE], j, D_SERVICE] * draw
    start, end = p[P_START], p[P_END]
    sf[U_BUSY] += max(0.0, min(now + service, end) - max(now, start))
    if start <= now < end:
        st[T_SERVED] += 1
        sf[U_WAIT] += now - tk_f[task]
    _schedule(st, sf, ev_t, ev_q, now + service, EV_SERVED, task, 0)
    return True


@rng.compiled
def _release(now: float, st: np.ndarray, sf: np.ndarray, tk_i: np.ndarray, tk_f: np.ndarray,
             w_p: np.ndarray, w_q: np.ndarray, inv_f: np.ndarray, inv_i: np.ndarray,
             rows: np.ndarray, free: np.ndarray, lad_f: np.ndarray, p: np.ndarray,
             ev_t: np.ndarray, ev_q: np.ndarray) -> None:
    """_Collectors.release: the next task still wanted gets the collector, or it is free."""
    while st[T_WAITING] > 0:
        task = _heap_pop(w_p, w_q, st[T_WAITING])[1]
        st[T_WAITING] -= 1
        if tk_i[task, K_DONE] == 1:
            continue  # dropped while it waited: removed now that it reached the front
        if _start_service(task, now, st, sf, tk_i, tk_f, inv_f, inv_i, rows, free, lad_f, p,
                          ev_t, ev_q):
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
    """Ask for every line of invoice slot k (168 and 128 bytes, four and three lines)."""
    prefetch_at(inv_i, k, 0)
    prefetch_at(inv_i, k, 8)
    prefetch_at(inv_i, k, N_I - 1)
    prefetch_at(inv_f, k, 0)
    prefetch_at(inv_f, k, 8)
    prefetch_at(inv_f, k, 16)
    prefetch_at(inv_f, k, N_F - 1)


@rng.compiled_inline
def _prefetch_customer(c: int, m: int, c_seg: np.ndarray, c_grade: np.ndarray,
                       c_payer: np.ndarray, c_funding: np.ndarray, c_bankrupt: np.ndarray,
                       c_recovery: np.ndarray, c_tier: np.ndarray, limit: np.ndarray,
                       lost_from: np.ndarray, cancel_from: np.ndarray, head: np.ndarray,
                       tail: np.ndarray, ordered: np.ndarray, rebate_sales: np.ndarray,
                       tally: np.ndarray) -> None:
    """Ask for the lines an order of customer c in month m reads (accepted and issued)."""
    prefetch(lost_from, c)
    prefetch(cancel_from, c)
    prefetch_at(ordered, c, m)
    prefetch(head, c)
    prefetch(limit, c)
    prefetch(c_seg, c)
    prefetch(c_grade, c)
    prefetch(c_payer, c)
    prefetch(c_funding, c)
    prefetch(c_bankrupt, c)
    prefetch(c_recovery, c)
    prefetch(c_tier, c)
    prefetch(tail, c)
    prefetch(rebate_sales, c)
    prefetch(tally, c)


@rng.compiled
def _advance(k: int, j: int, now: float, st: np.ndarray, sf: np.ndarray, inv_f: np.ndarray,
             inv_i: np.ndarray, rows: np.ndarray, free: np.ndarray, key: np.ndarray,
             grade_f: np.ndarray, lad_f: np.ndarray, p: np.ndarray, payer_f: np.ndarray,
             tally: np.ndarray, lost_from: np.ndarray, cancel_from: np.ndarray,
             e_q: np.ndarray, e_free: np.ndarray, bucket: np.ndarray, ev_t: np.ndarray,
             ev_q: np.ndarray) -> None:
    """des._advance: past the step, and on with the ladder if the invoice is still open."""
    if inv_i[k, I_STEP] == j:
        inv_i[k, I_STEP] += 1
    if inv_f[k, F_SETTLE] > now:
        inv_i[k, I_PIN] = 0  # (pinned again if the plan queues another step)
        _plan(k, now, st, sf, inv_f, inv_i, rows, key, grade_f, lad_f, p, payer_f, tally,
              lost_from, cancel_from, e_q, e_free, bucket, ev_t, ev_q, True)
    else:  # the step ended the invoice: no plan carries its customer effects over
        c = inv_i[k, I_CUST]
        lost_from[c] = min(lost_from[c], inv_f[k, F_LOST_AT])
        cancel_from[c] = min(cancel_from[c], inv_f[k, F_CANCEL])
    if inv_i[k, I_PIN] == 0:
        _unpin(st, inv_i, free, k)


@rng.compiled
def _kernel(
        until: float, st: np.ndarray, sf: np.ndarray,
        c_seg: np.ndarray, c_grade: np.ndarray, c_payer: np.ndarray, c_funding: np.ndarray,
        c_bankrupt: np.ndarray, c_recovery: np.ndarray, c_tier: np.ndarray,
        c_factor: np.ndarray, c_limit_from: np.ndarray, limit: np.ndarray,
        lost_from: np.ndarray,
        cancel_from: np.ndarray, head: np.ndarray, tail: np.ndarray, eased: np.ndarray,
        eased_list: np.ndarray, ordered: np.ndarray, receipts: np.ndarray,
        rebate_sales: np.ndarray, rebate_late: np.ndarray, rebate_paid: np.ndarray,
        tally: np.ndarray,
        o_time: np.ndarray, o_cust: np.ndarray, o_index: np.ndarray, o_amount: np.ndarray,
        o_thin: np.ndarray, o_approval: np.ndarray, fate: np.ndarray, day_end: np.ndarray,
        held_o: np.ndarray, held_t: np.ndarray, held_f: np.ndarray, shipped: np.ndarray,
        inv_f: np.ndarray, inv_i: np.ndarray, rows: np.ndarray, free: np.ndarray,
        e_q: np.ndarray, e_free: np.ndarray, bucket: np.ndarray,
        ev_t: np.ndarray, ev_q: np.ndarray, tk_i: np.ndarray, tk_f: np.ndarray,
        w_p: np.ndarray, w_q: np.ndarray,
        grade_f: np.ndarray, lad_f: np.ndarray, seg_f: np.ndarray, payer_f: np.ndarray,
        p: np.ndarray, cp: np.ndarray, cal: np.ndarray, key: np.ndarray, ledger: np.ndarray,
        ledger_seq: np.ndarray) -> int:
    """Process events in order until the next is at `until` or later (PAUSED), none is left
    (DONE), or an array is too short for the next one (NEED_ROOM; st[T_NEED] says how many
    places each pool needs). Every bit of state is in the arrays, so a call resumes where
    the last one stopped."""
    n = c_seg.size
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
                _unpin(st, inv_i, free, k)
                continue  # paid before the call came up
            task = st[T_TASKS]
            st[T_TASKS] += 1
            tk_i[task, K_SLOT], tk_i[task, K_STEP], tk_i[task, K_DONE] = k, j, 0
            tk_f[task] = now
            priority = _priority(inv_f, k, now, cp)
            if st[T_STAFF] > 0:
                st[T_STAFF] -= 1
                if not _start_service(task, now, st, sf, tk_i, tk_f, inv_f, inv_i, rows,
                                      free, lad_f, p, ev_t, ev_q):
                    _release(now, st, sf, tk_i, tk_f, w_p, w_q, inv_f, inv_i, rows, free,
                             lad_f, p, ev_t, ev_q)
            else:
                st[T_WSEQ] += 1
                _heap_push(w_p, w_q, st[T_WAITING], priority, st[T_WSEQ], task, 0, 0)
                st[T_WAITING] += 1
            if tk_i[task, K_DONE] == 0:
                _schedule(st, sf, ev_t, ev_q, now + cp[C_MAX_WAIT], EV_EXPIRE, task, 0)
        elif kind == EV_SERVED:  # des._served
            task = a
            _release(now, st, sf, tk_i, tk_f, w_p, w_q, inv_f, inv_i, rows, free, lad_f, p,
                     ev_t, ev_q)
            k, j = tk_i[task, K_SLOT], tk_i[task, K_STEP]
            c = inv_i[k, I_CUST]
            key[2], key[3] = np.uint64(c), np.uint64(inv_i[k, I_OINDEX])
            _apply(inv_f, inv_i, k, rows[inv_i[k, I_ROW]], inv_i[k, I_GRADE], j, now, lad_f, p,
                   payer_f, tally[c], key)
            _advance(k, j, now, st, sf, inv_f, inv_i, rows, free, key, grade_f, lad_f, p,
                     payer_f, tally, lost_from, cancel_from, e_q, e_free, bucket, ev_t, ev_q)
        elif kind == EV_EXPIRE:  # des._expired
            task = a
            if tk_i[task, K_DONE] == 1:
                continue
            tk_i[task, K_DONE] = 1
            if p[P_START] <= now < p[P_END]:
                st[T_DROPPED] += 1
            _advance(tk_i[task, K_SLOT], tk_i[task, K_STEP], now, st, sf, inv_f, inv_i, rows,
                     free, key, grade_f, lad_f, p, payer_f, tally, lost_from, cancel_from,
                     e_q, e_free, bucket, ev_t, ev_q)
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
                    prefetch(tail, c1)
                    prefetch(eased, c1)
                    prefetch(rebate_late, c1)
                if (inv_i[k, I_SEQ] == e_q[e, E_SEQ] and inv_i[k, I_STAMP] == e_q[e, E_STAMP]
                        and inv_i[k, I_BOOKED] == 0):
                    _book(k, st, inv_f, inv_i, head, tail, free, eased, eased_list, receipts,
                          rebate_late, ledger, ledger_seq, seg_f, p, cancel_from)
                e_free[st[T_ENTRIES]] = e
                st[T_ENTRIES] += 1
                e = nxt
            bucket[d, 0] = bucket[d, 1] = -1
            if d > 0 and cal[CAL_MONTH, d] > cal[CAL_MONTH, d - 1]:  # CustomerBook.month_end
                m = cal[CAL_MONTH, d]
                method = p[P_LIMIT_METHOD]
                if method != 0.0 and m >= p[P_LIMIT_FROM]:
                    for c in range(n):
                        limit[c] = _limit(p, m, ordered[c], receipts[c], c_factor[c], limit[c],
                                          c_limit_from[c])
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
                            rebate_paid[c] += p[P_REBATE_RATE] * rebate_sales[c]
                rebate_sales[:] = 0.0
                rebate_late[:] = 0
            # CustomerBook.release_held: all released orders invoiced, then each planned
            keep, n_ship = 0, 0
            for h in range(st[T_HELD]):
                i, deadline, cause = held_o[h], held_t[h], held_f[h]
                c = o_cust[i]
                if _expired(day, deadline, c_bankrupt[c], lost_from[c]):
                    fate[i] = cause
                elif day >= cancel_from[c]:  # the line was cancelled or the account closed
                    fate[i] = _cancelled(o_thin[i], p)
                elif eased[c] == 1 and _blocked(inv_f, inv_i, head[c], day, o_amount[i],
                                                limit[c] * grade_f[c_grade[c], G_CEILING]
                                                ) == 0:
                    shipped[n_ship] = _issue(
                        i, day, st, o_cust, o_index, o_amount, fate, c_seg, c_grade, c_payer,
                        c_funding, c_bankrupt, c_recovery, c_tier, head, tail, rebate_sales,
                        inv_f, inv_i, rows, free, key, grade_f, seg_f, p, payer_f)
                    n_ship += 1
                else:
                    held_o[keep], held_t[keep], held_f[keep] = i, deadline, cause
                    keep += 1
            st[T_HELD] = keep
            for q in range(st[T_EASED]):
                eased[eased_list[q]] = 0
            st[T_EASED] = 0
            for q in range(n_ship):
                _plan(shipped[q], day, st, sf, inv_f, inv_i, rows, key, grade_f, lad_f, p,
                      payer_f, tally, lost_from, cancel_from, e_q, e_free, bucket, ev_t, ev_q,
                      finite)
                if inv_i[shipped[q], I_PIN] == 0:
                    _free_row(st, inv_i, free, shipped[q])
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
                                       c_seg, c_grade, c_payer, c_funding, c_bankrupt,
                                       c_recovery, c_tier, limit, lost_from, cancel_from, head,
                                       tail, ordered, rebate_sales, tally)
                if i + 1 < last:
                    h = head[o_cust[i + 1]]
                    if h >= 0:
                        prefetch(inv_f, h)
                        prefetch(inv_i, h)
                c, t, amount = o_cust[i], o_time[i], o_amount[i]
                if t >= lost_from[c]:
                    fate[i] = L_LOST
                    continue
                if t >= cancel_from[c]:
                    fate[i] = _cancelled(o_thin[i], p)
                    continue
                ordered[c, math.floor(t / month)] += amount
                g = c_grade[c]
                block = _blocked(inv_f, inv_i, head[c], t, amount, limit[c] * grade_f[g, G_CEILING])
                if block == L_LIMIT and o_approval[i] < grade_f[g, G_APPROVAL]:
                    block = 0  # released after approval
                if block != 0:
                    h = st[T_HELD]
                    held_o[h], held_f[h] = i, block
                    held_t[h] = _deadline(t, key, c, o_index[i], c_seg[c], seg_f, p)
                    st[T_HELD] += 1
                    continue
                k = _issue(i, t, st, o_cust, o_index, o_amount, fate, c_seg, c_grade, c_payer,
                           c_funding, c_bankrupt, c_recovery, c_tier, head, tail,
                           rebate_sales, inv_f, inv_i, rows, free, key, grade_f, seg_f, p,
                           payer_f)
                _plan(k, t, st, sf, inv_f, inv_i, rows, key, grade_f, lad_f, p, payer_f,
                      tally, lost_from, cancel_from, e_q, e_free, bucket, ev_t, ev_q, finite)
                if inv_i[k, I_PIN] == 0:
                    _free_row(st, inv_i, free, k)
            if d + 1 < bucket.shape[0]:
                _schedule(st, sf, ev_t, ev_q, day + 1.0, EV_TICK, d + 1, 0)
    return DONE


@rng.compiled
def _open_book(op_cust: np.ndarray, op_issue: np.ndarray, op_amount: np.ndarray,
               op_index: np.ndarray, op_draws: np.ndarray, op_net: np.ndarray,
               st: np.ndarray, sf: np.ndarray, c_seg: np.ndarray, c_grade: np.ndarray,
               c_payer: np.ndarray, c_funding: np.ndarray, c_bankrupt: np.ndarray,
               c_recovery: np.ndarray, head: np.ndarray, tail: np.ndarray,
               lost_from: np.ndarray, cancel_from: np.ndarray, tally: np.ndarray,
               inv_f: np.ndarray, inv_i: np.ndarray, rows: np.ndarray, free: np.ndarray,
               shipped: np.ndarray, e_q: np.ndarray, e_free: np.ndarray, bucket: np.ndarray,
               ev_t: np.ndarray, ev_q: np.ndarray, grade_f: np.ndarray, lad_f: np.ndarray,
               seg_f: np.ndarray, payer_f: np.ndarray, p: np.ndarray, key: np.ndarray,
               finite: bool) -> None:
    """CustomerBook.open_book, then each opening invoice planned at day 0, as the SimPy
    engine does before its scheduler starts."""
    for q in range(op_cust.size):
        c = op_cust[q]
        grade = c_grade[c]
        k = _new_slot(st, inv_i, free)
        _new_invoice(inv_f, inv_i, k, c, op_index[q], c_seg[c], grade, c_payer[c],
                     op_issue[q], op_amount[q], 1)
        row = rows[_new_row(st, inv_i, free, k)]
        key[2], key[3] = np.uint64(c), np.uint64(op_index[q])
        _open_opening(inv_f, inv_i, k, row, op_draws[q], op_net[grade], grade_f[grade],
                      c_funding[c], c_bankrupt[c], c_recovery[c], seg_f, lad_f, p, payer_f, key)
        _register(st, inv_i, head, tail, k, c)
        shipped[q] = k
    for q in range(op_cust.size):
        _plan(shipped[q], 0.0, st, sf, inv_f, inv_i, rows, key, grade_f, lad_f, p, payer_f,
              tally, lost_from, cancel_from, e_q, e_free, bucket, ev_t, ev_q, finite)
        if inv_i[shipped[q], I_PIN] == 0:
            _free_row(st, inv_i, free, shipped[q])


@rng.compiled
def _close_open(st: np.ndarray, inv_f: np.ndarray, inv_i: np.ndarray, ledger: np.ndarray,
                ledger_seq: np.ndarray, seg_f: np.ndarray, p: np.ndarray) -> None:
    """The invoices not booked by the end, closed as of the end into their ledger rows."""
    for k in range(inv_i.shape[0]):
        if inv_i[k, I_SEQ] >= 0 and inv_i[k, I_BOOKED] == 0:
            _close(inv_f, inv_i, k, p[P_END], seg_f, p)
            _write_row(st, ledger, ledger_seq, inv_f, inv_i, k)


# ---- the driver -----------------------------------------------------------------------------


class EventRun:
    """One replication laid out for the kernel: every array it reads and writes, made longer
    when it asks. `advance(until)` runs the events before `until`; `finish()` closes the
    book and returns the engine's output."""

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
        o_time = np.frombuffer(book.o_time, dtype=np.float64)
        opening = Opening(scenario, seed, rules, customers, book, orders.grade,
                          by_customer=False)
        op = (opening.customer, opening.issue, opening.amount, opening.index, opening.draws,
              opening.net)
        slots = op[0].size + (max(4096, candidates // 8) if room is None else room)
        self.a: dict[str, np.ndarray] = {
            "st": np.zeros(N_T, dtype=np.int64), "sf": np.zeros(3),
            "c_seg": orders.segment, "c_grade": orders.grade,
            "c_payer": customers.payer.astype(np.int64),
            "c_funding": customers.funding_cost_annual, "c_bankrupt": orders.bankrupt,
            "c_recovery": customers.recovery_share,
            "c_tier": book.tier_array, "c_factor": arrays["factor"],
            "c_limit_from": book.limit_months,
            "limit": np.array(arrays["limit0"], dtype=np.float64),
            "lost_from": np.full(n, INF), "cancel_from": np.full(n, INF),
            "head": np.full(n, -1, dtype=np.int64), "tail": np.full(n, -1, dtype=np.int64),
            "eased": np.zeros(n, dtype=np.int8), "eased_list": np.zeros(n, dtype=np.int64),
            "ordered": np.zeros((n, book.months)), "receipts": np.zeros((n, book.months)),
            "rebate_sales": np.zeros(n), "rebate_late": np.zeros(n, dtype=np.int8),
            "rebate_paid": book.rebate_paid, "tally": np.zeros((n, len(ACTIONS) + 1, 2)),
            "o_time": o_time, "o_cust": np.frombuffer(book.o_cust, dtype=np.int64),
            "o_index": np.frombuffer(book.o_index, dtype=np.int64),
            "o_amount": np.frombuffer(book.o_amount, dtype=np.float64),
            "o_thin": np.frombuffer(book.o_thin, dtype=np.float64),
            "o_approval": np.frombuffer(book.o_approval, dtype=np.float64),
            "fate": np.frombuffer(book.fate, dtype=np.int8),
            "day_end": np.searchsorted(o_time, np.arange(1, n_days + 1, dtype=np.float64)
                                       ).astype(np.int64),
            "held_o": np.zeros(0, dtype=np.int64), "held_t": np.zeros(0),
            "held_f": np.zeros(0, dtype=np.int64), "shipped": np.zeros(0, dtype=np.int64),
            "inv_f": np.zeros((0, N_F)), "inv_i": np.zeros((0, N_I), dtype=np.int64),
            "rows": np.zeros((0, width)), "free": np.zeros((2, 0), dtype=np.int64),
            "e_q": np.zeros((0, 4), dtype=np.int64), "e_free": np.zeros(0, dtype=np.int64),
            "bucket": np.full((n_days, 2), -1, dtype=np.int64),
            "ev_t": np.zeros(0), "ev_q": np.zeros((0, 4), dtype=np.int64),
            "tk_i": np.zeros((0, 3), dtype=np.int64), "tk_f": np.zeros(0),
            "w_p": np.zeros(0), "w_q": np.zeros((0, 4), dtype=np.int64),
            **{name: arrays[name] for name in ("grade_f", "lad_f", "seg_f", "payer_f", "p")},
            "cp": _collector_params(policy), "cal": _calendar(book.month, book.year, n_days),
            "key": np.zeros(4, dtype=np.uint64),
            # (every candidate order makes one invoice at most; pages a run never reaches
            # are never mapped)
            "ledger": np.zeros(candidates + op[0].size, dtype=LEDGER_DTYPE),
            "ledger_seq": np.zeros(candidates + op[0].size, dtype=np.int64),
        }
        self.a["key"][:2] = streams._seed_key(seed)
        st = self.a["st"]
        st[T_TODAY] = -1
        st[T_STAFF] = staff or 0
        self._grow_slots(slots)
        self._grow_rows(op[0].size + (1024 if room is None else room))
        self._grow_held(max(op[0].size, 1024 if room is None else room))
        self._grow_entries(slots)
        self._grow_events(2 * slots + 16)
        self._grow_tasks(max(1024, candidates // 16) if room is None else room)
        a = self.a
        _open_book(*op, st, a["sf"], a["c_seg"], a["c_grade"], a["c_payer"], a["c_funding"],
                   a["c_bankrupt"], a["c_recovery"], a["head"], a["tail"], a["lost_from"],
                   a["cancel_from"], a["tally"], a["inv_f"], a["inv_i"], a["rows"], a["free"],
                   a["shipped"], a["e_q"], a["e_free"], a["bucket"], a["ev_t"], a["ev_q"],
                   a["grade_f"], a["lad_f"], a["seg_f"], a["payer_f"], a["p"], a["key"],
                   staff is not None)
        # the scheduler's first day comes before anything else due at time 0 (SimPy starts a
        # process with an urgent event): scheduled as if before every other event
        _heap_push(a["ev_t"], a["ev_q"], st[T_EVENTS], 0.0, -1, EV_TICK, 0, 0)
        st[T_EVENTS] += 1

    # ---- growing the pools ----------------------------------------------------------------

    def _grow_slots(self, more: int) -> None:
        a = self.a
        size = a["inv_f"].shape[0]
        a["inv_f"] = _longer(a["inv_f"], more)
        a["inv_i"] = _longer(a["inv_i"], more)
        a["inv_i"][size:, I_SEQ] = -1
        self._grow_free(0, T_SLOTS, size, more)

    def _grow_rows(self, more: int) -> None:
        a = self.a
        size = a["rows"].shape[0]
        a["rows"] = _longer(a["rows"], more)
        self._grow_free(1, T_ROWS, size, more)

    def _grow_free(self, which: int, count: int, size: int, more: int) -> None:
        """Free places size .. size + more - 1 on top of stack `which` (0: invoice slots,
        1: draw rows) of the free lists, whose st[count] places are in use as free."""
        a, st = self.a, self.a["st"]
        free = a["free"]
        capacity = max(a["inv_f"].shape[0], a["rows"].shape[0])
        if free.shape[1] < capacity:
            wider = np.zeros((2, capacity), dtype=np.int64)
            wider[:, :free.shape[1]] = free
            a["free"] = free = wider
        used = int(st[count])
        free[which, used:used + more] = np.arange(size + more - 1, size - 1, -1)
        st[count] += more

    def _grow_held(self, more: int) -> None:
        a = self.a
        for name in ("held_o", "held_t", "held_f", "shipped"):
            a[name] = _longer(a[name], more)

    def _grow_entries(self, more: int) -> None:
        a, st = self.a, self.a["st"]
        size = a["e_q"].shape[0]
        a["e_q"], a["e_free"] = _longer(a["e_q"], more), _longer(a["e_free"], more)
        used = int(st[T_ENTRIES])
        a["e_free"][used:used + more] = np.arange(size + more - 1, size - 1, -1)
        st[T_ENTRIES] += more

    def _grow_events(self, more: int) -> None:
        a = self.a
        a["ev_t"], a["ev_q"] = _longer(a["ev_t"], more), _longer(a["ev_q"], more)

    def _grow_tasks(self, more: int) -> None:
        a = self.a
        for name in ("tk_i", "tk_f", "w_p", "w_q"):
            a[name] = _longer(a[name], more)

    # ---- running --------------------------------------------------------------------------

    def advance(self, until: float) -> None:
        """Run every event due before `until` (the end of the run at most)."""
        a, st = self.a, self.a["st"]
        until = min(until, self.end)
        while _kernel(until, *(a[name] for name in _KERNEL_ARGS)) == NEED_ROOM:
            need = int(st[T_NEED])
            if st[T_SLOTS] < need:
                self._grow_slots(max(need, a["inv_f"].shape[0]))
            if st[T_ROWS] < need:
                self._grow_rows(max(need, a["rows"].shape[0]))
            if a["held_o"].size - st[T_HELD] < need:
                self._grow_held(max(need, a["held_o"].size))
            if st[T_ENTRIES] < need:
                self._grow_entries(max(need, a["e_q"].shape[0]))
            if a["ev_t"].size - st[T_EVENTS] < need:
                self._grow_events(max(need, a["ev_t"].size))
            if a["tk_f"].size - st[T_TASKS] < 1:
                self._grow_tasks(a["tk_f"].size)

    def finish(self) -> EngineOutput:
        """Close the invoices still open, and the book: the replication's output."""
        a, st, out, book = self.a, self.a["st"], self.out, self.book
        _close_open(st, a["inv_f"], a["inv_i"], a["ledger"], a["ledger_seq"], a["seg_f"],
                    a["p"])
        rows = int(st[T_REGISTERED])
        assert st[T_WRITTEN] == rows  # (every invoice registered has its row)
        ledger = a["ledger"][:rows]
        ledger["grade"] = np.asarray([s.grade for s in self.scenario.segments])[
            ledger["segment"]]
        # by customer, then in the order the invoices were registered (issued)
        permute(ledger, by_customer(ledger["customer"], a["ledger_seq"][:rows]))
        out.ledger = ledger
        book.lost_from, book.cancel_from = a["lost_from"].tolist(), a["cancel_from"].tolist()
        book.finish_orders()
        out.actions = actions_summary(a["tally"][:, :BUSY])
        if out.collector.collectors is not None:
            out.collector.busy_days, out.collector.wait_days_total = (float(a["sf"][U_BUSY]),
                                                                      float(a["sf"][U_WAIT]))
            out.collector.tasks_served = int(st[T_SERVED])
            out.collector.tasks_dropped = int(st[T_DROPPED])
        else:  # the work an unlimited team did (fast._walk tallied it per customer)
            out.collector.busy_days, out.collector.tasks_served = collector_work(
                a["tally"][:, BUSY])
        c = self.customers
        population(out, c.joined, self.book.joins, c.initial, c.bankruptcy_day,
                   a["lost_from"])
        return out


_KERNEL_ARGS = (
    "st", "sf", "c_seg", "c_grade", "c_payer", "c_funding", "c_bankrupt", "c_recovery",
    "c_tier", "c_factor", "c_limit_from", "limit", "lost_from", "cancel_from", "head", "tail",
    "eased", "eased_list", "ordered", "receipts", "rebate_sales", "rebate_late", "rebate_paid",
    "tally",
    "o_time", "o_cust", "o_index", "o_amount", "o_thin", "o_approval", "fate", "day_end",
    "held_o", "held_t", "held_f", "shipped", "inv_f", "inv_i", "rows", "free", "e_q",
    "e_free", "bucket", "ev_t", "ev_q", "tk_i", "tk_f", "w_p", "w_q", "grade_f", "lad_f",
    "seg_f", "payer_f", "p", "cp", "cal", "key", "ledger", "ledger_seq")


def _longer(pool: np.ndarray, more: int) -> np.ndarray:
    """The pool with `more` zeroed rows after its own. A pool's first rows are fresh zeros
    (not a copy onto them), so that the operating system maps the pages of the part a run
    never reaches lazily, untouched: at 100,000 customers the first invoice slots alone are
    about 100 MB, and a copy wrote every page of them."""
    rows = np.zeros((more, *pool.shape[1:]), dtype=pool.dtype)
    return rows if pool.shape[0] == 0 else np.concatenate([pool, rows])


def _collector_params(policy: Policy) -> np.ndarray:
    c = policy.collections
    return np.asarray([1.0 if c.collectors is not None else 0.0, c.max_wait_days,
                       float(WORK_ORDERS.index(c.work_order)), c.quadrant_amount,
                       c.quadrant_age_days])

