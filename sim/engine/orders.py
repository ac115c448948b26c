"""A customer's potential orders: drawn, split into candidates and the rest, and tallied.

Both engines call these compiled functions, so that an order's amount, its thinning draw, whether
it can ever ship on credit and the sums of potential, cash and lost sales are the same bits in
either. The fast engine calls them one customer at a time inside its kernel; the SimPy engine
calls `candidate_table` once at the start (only candidates enter its event loop) and
`tally_all` once at the end, when the customers' loss and cancellation times are known.
"""

from __future__ import annotations

import numba
import numpy as np

from .. import rng
from ..draws import DIST_LOGNORMAL, arrivals, sample_q
from ..streams import Stream
from .output import CAUSES, FATE_LOST, REFERENCE, away_at, closed_at, rejected_fate, tally_order

__all__ = ["AMOUNTS_ALL", "AMOUNTS_CANDIDATES", "AMOUNTS_NONE", "AMOUNTS_OTHERS", "candidate_table",
           "classify", "tally_all", "tally_customer"]

_AMOUNT, _THIN = int(Stream.ORDER_AMOUNT), int(Stream.ORDER_THINNING)
_APPROVAL = int(Stream.ORDER_APPROVAL)
_L_TERMS, _L_REFUSED = FATE_LOST + CAUSES.index("terms"), FATE_LOST + CAUSES.index(
    "credit_refused")


#: Which of a customer's orders `classify` draws the amounts of.
AMOUNTS_ALL, AMOUNTS_CANDIDATES, AMOUNTS_OTHERS, AMOUNTS_NONE = range(4)


@rng.compiled
def classify(k0: np.uint64, k1: np.uint64, c: int, bankrupt: float, o_time: np.ndarray,
             amount_dist: np.ndarray, credit: bool, share: float, m_max: float,
             o_amount: np.ndarray, o_thin: np.ndarray, o_cand: np.ndarray,
             o_fate: np.ndarray, o_z: np.ndarray, amounts: int = AMOUNTS_ALL) -> None:
    """Customer c's orders o_time[j] (order number j): amount, thinning draw, and whether the
    policy may ship it on credit (a candidate); no fate yet (`o_z`: scratch, as long as the
    other columns). A bankrupt customer orders no more:
    its later orders are neither candidates nor given a fate (their columns hold uniforms no
    one reads, as does the amount of an order whose amount `amounts` leaves out).

    `amounts` says whose amounts to draw (AMOUNTS_*): the quantile is most of the cost, and
    a count of candidates needs none, a tally only those it does not already hold."""
    n = o_time.size
    # (the vectorised loops run on to whole vectors, into the arrays' spare room)
    n_v = min(rng.lanes(n), o_amount.size, o_thin.size, o_z.size)
    # every order's two uniforms first, in a loop of Philox blocks alone, which the compiler
    # runs several orders at a time in vector registers (a block one at a time waits on its
    # own ten rounds, about 15 times slower); the quantiles then take the amount's uniform
    cu, thin_s, amount_s = np.uint64(c), np.uint64(_THIN), np.uint64(_AMOUNT)
    for j in range(n_v):
        o_thin[j] = rng.unit(rng.block(k0, k1, cu, np.uint64(j), thin_s, np.uint64(0))[0])
        o_amount[j] = rng.unit(rng.block(k0, k1, cu, np.uint64(j), amount_s, np.uint64(0))[0])
    lognormal = amount_dist[0] == DIST_LOGNORMAL and amounts != AMOUNTS_NONE
    if lognormal:  # every order's amount as a lognormal, in vector registers too
        mu, sigma = amount_dist[1], amount_dist[2]
        for j in range(n_v):
            o_z[j] = rng.lognormal_both(o_amount[j], mu, sigma)
    for j in range(n):
        o_fate[j] = 0
        o_cand[j] = 0
        if o_time[j] < bankrupt:
            o_cand[j] = 1 if credit and o_thin[j] * m_max < share else 0
            if (amounts == AMOUNTS_ALL or (amounts == AMOUNTS_CANDIDATES and o_cand[j] == 1)
                    or (amounts == AMOUNTS_OTHERS and o_cand[j] == 0)):
                if lognormal:  # (sample_q's lognormal, drawn above)
                    o_amount[j] = o_z[j]
                else:
                    o_amount[j] = sample_q(o_amount[j], amount_dist)


@rng.compiled
def tally_customer(acc: np.ndarray, o_time: np.ndarray, bankrupt: float, o_amount: np.ndarray,
                   o_thin: np.ndarray, o_cand: np.ndarray, o_fate: np.ndarray, credit: bool,
                   joined: bool, m_max: float, cash_kept: float, losses: np.ndarray,
                   closures: np.ndarray, ends: np.ndarray, start: float, end: float,
                   m_ref: float) -> None:
    """Give the customer's orders that were never candidates their fate, then add every live
    order within the window [start, end) to the tally, in order-number order: to the
    potential sales, to the reference sales if the market's terms would win it (its thinning
    draw below the reference's multiplier `m_ref`, which is negative for a newcomer the
    market's terms would not win), and to its fate's sums.

    A newcomer the policy's terms did not win (`joined` false) never bought: its orders are
    lost to the terms (to the credit standard on a grade refused credit).

    An order is live before the customer's bankruptcy. The customer's accounts, in time
    order (output.absence_table), each lost it at `losses` and closed at `closures` (INF:
    never) and ended at `ends`: while it is away (away_at) its orders the policy would have
    had are lost with it; after an end it buys again, on a fresh account (closed_at).

    The potential sales are summed in a local variable, the same additions in the same order:
    summed in acc[0], each addition waited on the store of the one before (the compiler
    cannot tell that `acc` is none of the other arrays)."""
    potential, reference = acc[0], acc[REFERENCE]
    for j in range(o_time.size):
        t = o_time[j]
        if t >= bankrupt:
            continue
        if o_cand[j] == 0:
            if not joined:
                o_fate[j] = _L_TERMS if credit else _L_REFUSED
            else:
                o_fate[j] = rejected_fate(t, o_thin[j] * m_max < cash_kept, credit,
                                          away_at(t, losses, ends),
                                          closed_at(t, closures, ends))
        if start <= t < end:
            potential += o_amount[j]
            if o_thin[j] * m_max < m_ref:
                reference += o_amount[j]
            tally_order(acc, o_amount[j], o_fate[j])
    acc[0], acc[REFERENCE] = potential, reference


@numba.njit(cache=True, error_model="numpy")
def candidate_table(k0: np.uint64, k1: np.uint64, o_start: np.ndarray, o_times: np.ndarray,
                    c_seg: np.ndarray, c_grade: np.ndarray, c_bankrupt: np.ndarray,
                    c_joins: np.ndarray, amount_f: np.ndarray, g_credit: np.ndarray,
                    g_share: np.ndarray, m_max: float
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                               np.ndarray]:
    """Every candidate order as columns (customer, order number, time, amount, thinning draw,
    approval draw), by customer and order number.

    Two passes, the first only counting (without amounts), so that no
    column is ever longer than the number of candidates (at 100,000 customers the potential
    orders are nearly twice as many)."""
    most = 1
    for c in range(c_seg.size):
        most = max(most, o_start[c + 1] - o_start[c])
    most = rng.lanes(most)
    s_amount, s_thin, s_z = np.empty(most), np.empty(most), np.empty(most)
    s_cand, s_fate = np.empty(most, np.int64), np.empty(most, np.int64)
    cust, index = np.empty(0, np.int64), np.empty(0, np.int64)
    time, amount, thin, approval = np.empty(0), np.empty(0), np.empty(0), np.empty(0)
    count = 0
    for fill in range(2):  # count the candidates, then fill exactly that many rows
        if fill:
            cust, index = np.empty(count, np.int64), np.empty(count, np.int64)
            time, amount, thin, approval = (np.empty(count), np.empty(count), np.empty(count),
                                            np.empty(count))
        k = 0
        for c in range(c_seg.size):
            a, b = o_start[c], o_start[c + 1]
            g = c_grade[c]
            classify(k0, k1, c, c_bankrupt[c], o_times[a:b], amount_f[c_seg[c]],
                     g_credit[g] > 0.0 and c_joins[c] > 0, g_share[g], m_max, s_amount,
                     s_thin, s_cand, s_fate, s_z,
                     AMOUNTS_CANDIDATES if fill else AMOUNTS_NONE)
            for j in range(b - a):
                if s_cand[j] == 1:
                    if fill:
                        cust[k], index[k], time[k] = c, j, o_times[a + j]
                        amount[k], thin[k] = s_amount[j], s_thin[j]
                        approval[k] = rng.uniform_at(k0, k1, _APPROVAL, c, j, 0)
                    k += 1
        count = k
    return cust, index, time, amount, thin, approval


@numba.njit(cache=True, error_model="numpy")
def tally_all(k0: np.uint64, k1: np.uint64, gaps: np.ndarray, t0: np.ndarray, end_day: float,
              c_seg: np.ndarray, c_grade: np.ndarray, c_bankrupt: np.ndarray,
              c_joins: np.ndarray, amount_f: np.ndarray, g_credit: np.ndarray,
              g_share: np.ndarray, m_max: float, cash_kept: float, cand_fate: np.ndarray,
              cand_amount: np.ndarray, loss_start: np.ndarray, losses: np.ndarray,
              closures: np.ndarray, ends: np.ndarray, start: float, end: float,
              c_ref: np.ndarray, acc: np.ndarray) -> None:
    """Every customer's orders tallied (tally_customer), drawn again from their keys.

    `cand_fate` and `cand_amount` hold the candidates' fates and amounts by customer and order
    number (candidate_table's order), so they are met one after another as the customers'
    orders are drawn again; only the other orders' amounts are drawn again. Customer c's
    accounts are rows loss_start[c]:loss_start[c + 1] of `losses`, `closures` and `ends`
    (output.absence_table)."""
    buf = np.empty(64)
    s_amount, s_thin, s_z = np.empty(64), np.empty(64), np.empty(64)
    s_cand, s_fate = np.empty(64, np.int64), np.empty(64, np.int64)
    k = 0
    for c in range(c_seg.size):
        buf, n = arrivals(k0, k1, c, gaps[c], t0[c], end_day, buf)
        if s_amount.size < n:
            m = rng.lanes(2 * n)
            s_amount, s_thin, s_z = np.empty(m), np.empty(m), np.empty(m)
            s_cand, s_fate = np.empty(m, np.int64), np.empty(m, np.int64)
        g = c_grade[c]
        credit = g_credit[g] > 0.0
        times = buf[:n]
        joined = c_joins[c] > 0
        classify(k0, k1, c, c_bankrupt[c], times, amount_f[c_seg[c]], credit and joined,
                 g_share[g], m_max, s_amount, s_thin, s_cand, s_fate, s_z, AMOUNTS_OTHERS)
        for j in range(n):
            if s_cand[j] == 1:
                s_fate[j], s_amount[j] = cand_fate[k], cand_amount[k]
                k += 1
        tally_customer(acc, times, c_bankrupt[c], s_amount, s_thin, s_cand, s_fate, credit,
                       joined, m_max, cash_kept, losses[loss_start[c]:loss_start[c + 1]],
                       closures[loss_start[c]:loss_start[c + 1]],
                       ends[loss_start[c]:loss_start[c + 1]], start, end, c_ref[c])
