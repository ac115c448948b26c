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
- `RuleBook.prepare` and `draws.invoice_draws` -> `_prefetch` (the draws most invoices
  read, for all of a customer's orders at once), `_base_from`, `_step_draws`, `_lag`,
  `_drawn` (the others drawn from their keys when first read)
- `CustomerBook.accept`, `blocked`, `release_held`, `issue`, `register`, `book`,
  `month_end`, `year_end`, `open_book` and the day loop of `des._Simulation._days` ->
  `_customers` (the potential orders through `orders.classify` and `orders.tally_customer`,
  which the SimPy engine calls too)

The only thing the event simulation can resolve and this loop cannot is a finite collector
team (calls wait in one queue for all customers), so the fast engine refuses scenarios with
one (see `exact_for`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from .. import elementary, rng, streams
from ..behaviour import (
    ACCOUNT_STEPS,
    GRADES,
    INF,
    N_RATING,
    R_GRADE,
    R_LATE,
    R_OWN,
    R_SINCE,
    Outcome,
    RuleBook,
    account_year,
    actions_summary,
    collector_work,
    grade_at,
    learning_days,
    payer_at,
    rated_late,
    rerate,
)
from ..draws import (
    COL_APPROVAL,
    COL_CASH,
    COL_DISPUTE,
    COL_DISPUTE_DAYS,
    COL_DISPUTE_UPHELD,
    COL_LAG,
    COL_PENALTY,
    COL_STEPS,
    DIST_LOGNORMAL,
    MAX_STEPS,
    STEP_DRAWS,
    CustomerTable,
    arrival_csr,
    dist_params,
    draw_customers,
    sample_q,
)
from ..errors import EngineError
from ..ledger import LEDGER_DTYPE
from ..policy import Policy
from ..scenario import ACTIONS, PAYER_TYPES, Action, PayerType, Scenario
from ..streams import Stream
from .book import CustomerBook, OrderRules
from .gcpause import gc_paused
from .opening import opening_invoices
from .orders import classify, tally_customer
from .output import (
    CAUSES,
    FATE_CASH,
    FATE_LOST,
    FATE_SHIPPED,
    ORDER_TALLY,
    CollectorStats,
    EngineOutput,
    absence,
    account_end,
    population,
    store_order_tally,
)
from .output import by_customer as customer_order  # (`by_customer` is Opening's flag)

__all__ = ["Customers", "Params", "exact_for", "run_fast", "screening_for"]

# outcome codes as plain ints for the kernel
OPEN, PAID, PAID_DUNNED, DISCOUNT = (int(Outcome.OPEN), int(Outcome.PAID),
                                     int(Outcome.PAID_DUNNED), int(Outcome.DISCOUNT))
AGENCY, LAWSUIT, WRITTEN_OFF, BANKRUPT = (int(Outcome.AGENCY), int(Outcome.LAWSUIT),
                                          int(Outcome.WRITTEN_OFF), int(Outcome.BANKRUPT))
A_STOP = ACTIONS.index(Action.STOP_SHIPPING)
#: A customer's escalation record (`esc`): a slot per grade and ladder step (_esc_slot), then
#: the latest time an account step (A_STOP on) escalated its account
ESC_LATEST = 4 * MAX_STEPS
ESC_SLOTS = ESC_LATEST + 1
A_CANCEL = ACTIONS.index(Action.CANCEL_CREDIT_LINE)
A_AGENCY = ACTIONS.index(Action.AGENCY)
A_LAWSUIT = ACTIONS.index(Action.LAWSUIT)
L_TERMS, L_CANCELLED = FATE_LOST + CAUSES.index("terms"), FATE_LOST + CAUSES.index(
    "credit_cancelled")
L_LIMIT, L_STOP = FATE_LOST + CAUSES.index("credit_limit"), FATE_LOST + CAUSES.index(
    "stop_shipping")
L_LOST = FATE_LOST + CAUSES.index("customer_lost")
L_REFUSED = FATE_LOST + CAUSES.index("credit_refused")
NO_STEP = 10**6
BUSY = len(ACTIONS)  # the tally's extra row: collector days offered, collector tasks

# invoice columns: floats (inv_f) and integers (inv_i), one row per invoice
(F_ISSUE, F_DUE, F_EFF_DUE, F_SETTLE, F_CREDITED_AT, F_AMOUNT, F_PAID, F_DISCOUNT, F_CREDITED,
 F_WRITTEN_OFF, F_PENALTY, F_FEE, F_DUNNING, F_STOP, F_CANCEL, F_LOST_AT, F_HALT, F_READY,
 F_SHARE, F_BOOK_DAY, F_LISTED, F_CLOSE) = range(22)
N_F = 22  # (F_CANCEL: a cancel_credit_line step or a lawsuit; F_CLOSE: a lawsuit alone)
# (I_SEQ .. I_ROW: the event kernel's bookkeeping, see events.py)
(I_CUST, I_OINDEX, I_SEG, I_GRADE, I_PAYER, I_OPENING, I_DISPUTED, I_OUTCOME, I_ACTIONS,
 I_STEP, I_SEQ, I_NEXT, I_STAMP, I_PIN, I_BOOKED, I_ROW) = range(16)
# the number of its customer's account it belongs to (0: the first, one more per return,
# CustomerBook.account_no): its account's loss draws are its own
I_ACCOUNT = 16
N_I = 17
# per segment (seg_f), per payer type (payer_f), per ladder step (lad_f)
S_DISPUTE_SHARE, S_UPHELD, S_CREDITED, S_CASH, S_RECOVERY_DAYS, S_RAISED, S_DAYS = range(7)
# (S_DAYS.. S_DAYS + 3: the dispute's resolution days as draws.dist_params; then whether the
# segment's customers have a patience of their own, and its distribution)
S_HAS_PATIENCE, S_PATIENCE = S_DAYS + 4, S_DAYS + 5
Y_LAG, Y_HAS_LAG, Y_EARLY = 3, 7, 8  # payer_f: the lag's distribution (4 columns), ...
G_NET, G_RATE, G_WINDOW, G_STEPS = 0, 1, 3, 5  # grade_f: two discount tiers at most
G_CEILING, G_APPROVAL = 6, 7  # grade_f: approval by rule up to limit x ceiling, else by chance
G_EOM = 8  # grade_f: 1 if the terms are end-of-month dated
G_CREDIT = 9  # grade_f: 1 if the grade buys on credit (accepted_grades)
G_SCALE = 10  # grade_f[own, G_SCALE + g]: a re-rated customer's limit factor (book.limit_scale)
G_FIRST_ACCOUNT = 14  # grade_f: the index of the ladder's first account step (its length: none)
N_G = 15
# the streams the kernel draws from, as plain ints
ST_AMOUNT, ST_THIN, ST_APPROVAL = (int(Stream.ORDER_AMOUNT), int(Stream.ORDER_THINNING),
                                   int(Stream.ORDER_APPROVAL))
ST_DISPUTE, ST_CASH, ST_LAG, ST_PENALTY = (int(Stream.DISPUTE), int(Stream.CASH_AVAILABLE),
                                           int(Stream.PAYMENT_LAG), int(Stream.PENALTY))
ST_RESPONSE, ST_BREAK, ST_LOSS = (int(Stream.DUNNING_RESPONSE), int(Stream.PROMISE_BREAK),
                                  int(Stream.ACCOUNT_LOSS))
ST_SERVICE, ST_AGENCY = int(Stream.SERVICE_TIME), int(Stream.AGENCY)
ST_PATIENCE = int(Stream.ORDER_PATIENCE)
Y_DELAY, Y_BREAKS, Y_DETERRED = range(3)
# a row's order-level columns go unused in the kernels: the lag's uniform waits in one, drawn
# with the customer's orders (_prefetch) until the lag is needed (_lag), NaN if it was not
R_LAG_U = COL_APPROVAL
D_DAY, D_COST, D_SERVICE, D_LOSS, D_MIN, D_ACTION, D_RESPONSE = range(7)  # + payer type
# scalars (p)
(P_START, P_END, P_YEAR, P_MONTH, P_HOLD, P_CASH_KEPT, P_M_MAX, P_LIMIT_METHOD,
 P_STD_PERIOD, P_WRITE_OFF, P_AFTER_LAWSUIT, P_PEN_RATE, P_PEN_GRACE, P_PEN_COLLECTED,
 P_AGENCY_FEE, P_AGENCY_DAYS, P_LAWSUIT_COST, P_LAWSUIT_DAYS, P_LAWSUIT_RECOVERY,
 P_REBATE_RATE, P_REBATE_THRESHOLD, P_REBATE_GRACE, P_DEFAULTER, P_SERVICE_CV,
 P_SERVICE_SHAPE, P_SERVICE_SCALE, P_SMOOTHING, P_LIMIT_FROM,
 P_AGE_SCALE, P_AGE_SHAPE, P_PEN_STEPS) = range(31)
P_PEN_DAYS, P_PEN_RATES = 31, 35  # up to 4 penalty steps: their days, then their rates
P_REOPEN = 39  # days after its payment that a cancelled line re-opens (INF: never)
P_COVERS = 40  # days a step done on an account covers its other invoices (0: none)
# policy.rerating: late payments that lower a grade (0: never re-rated), days late that count,
# clean days that raise it back
P_RERATE_AFTER, P_RERATE_LATE, P_RERATE_CLEAN = 41, 42, 43
P_PER_MONTH = 44  # 1 / P_MONTH (_month_of)
P_BACK = 45  # days a lost customer stays away (demand.customer_loss.valued_days; INF: for good)
N_P = 46
# (the market's multiplier is per customer: Customers.ref)
# the collector team (Params.cp): finite, longest wait, work order, the quadrant's bounds
C_FINITE, C_MAX_WAIT, C_ORDER, C_Q_AMOUNT, C_Q_AGE = range(5)
W_FIFO, W_LARGEST, W_OLDEST, W_QUADRANT = range(4)
WORK_ORDERS = ("fifo", "largest_first", "oldest_first", "quadrant")
#: p[P_LIMIT_METHOD] (0: no limits; a fixed limit, by working assets, is never recomputed)
LIMIT_SALES, LIMIT_RECEIPTS, LIMIT_FIXED = 1.0, 2.0, 3.0


# ---- the compiled state, as typed records ---------------------------------------------------
#
# The kernels' arrays travel in a few records (typing.NamedTuple, which numba passes as a
# tuple of its arrays), grouped by what they describe, so that a new rule adds one field to
# one record and reads it in the helper that needs it, rather than one more argument through
# every function between the driver and that helper. A record is built once by the Python
# driver; one whose arrays grow (the event kernel's pools) is rebuilt with the longer array.
# Inlined helpers take whole records at no cost; a helper compiled on its own is passed each
# array of each record it takes (numba flattens a tuple argument into its arrays' descriptors,
# 7-9 machine words each), so the hot ones of those take only the records they read most of.


class Customers(NamedTuple):
    """Each customer's fixed columns, indexed by customer (both compiled engines; the event
    kernel keeps the limit in force among the accounts' state, from `limit0`)."""

    seg: np.ndarray  #: segment index (int64)
    grade: np.ndarray  #: grade index, 0-3 for A-D (int64)
    payer: np.ndarray  #: payer type, index into PAYER_TYPES (int64)
    funding: np.ndarray  #: annual funding cost: whether paying early pays (the discount)
    bankrupt: np.ndarray  #: bankruptcy day (INF: never)
    recovery: np.ndarray  #: share of its debt recovered in bankruptcy
    tier: np.ndarray  #: per payer type, the discount tier it takes (-1: none; book.tier_table)
    tier_by: np.ndarray  #: per grade and payer type, its tier once re-rated (book.tier_by)
    soured: np.ndarray  #: the days its payer type worsens a first and a second step (inf: never)
    limit0: np.ndarray  #: its credit limit at the start (INF: none)
    factor: np.ndarray  #: its grade's limit factor
    limit_from: np.ndarray  #: the first month its limit rests on its own history (float)
    joins: np.ndarray  #: 1 if it buys from the company at all (book.joins)
    ref: np.ndarray  #: the market's demand multiplier for its orders (-1: not won; book)
    joined: np.ndarray  #: the day it arrived (0 for the opening population)
    learn_extra: np.ndarray  #: days late on its first day while it learns the terms (0: knows)
    learn_span: np.ndarray  #: days until it has learnt them (book.learning_arrays)


class Params(NamedTuple):
    """The scenario and the policy as the kernels read them (fixed during a run)."""

    grade_f: np.ndarray  #: per grade: terms, ladder length, approval rule (G_* columns)
    lad_f: np.ndarray  #: per grade and ladder step: day, cost, service, ... (D_* columns)
    seg_f: np.ndarray  #: per segment: disputes, cash, recovery, patience (S_* columns)
    payer_f: np.ndarray  #: per payer type: promise delay, breaks, lag (Y_* columns)
    p: np.ndarray  #: scalars (P_* indices)
    cal: np.ndarray  #: per day: month, year end, next year end, next month (_calendar)
    cp: np.ndarray  #: the collector team (C_* in events.py)
    letters: np.ndarray  #: per segment, its grade's letter (the ledger's `grade`)
    age: np.ndarray  #: per whole day overdue, bounds on the age factor (_age_bounds)


class Orders(NamedTuple):
    """The fast engine's orders: each customer's arrival times, and how they are sized and
    thinned (book.order_rules)."""

    start: np.ndarray  #: customer c's arrivals are times[start[c]:start[c + 1]]
    times: np.ndarray  #: arrival times, by customer
    amount_f: np.ndarray  #: per segment, the order amount's distribution (dist_params)
    credit: np.ndarray  #: per grade, 1.0 if it buys on credit
    share: np.ndarray  #: per grade, its demand share at the policy's terms


class OpeningBook(NamedTuple):
    """The opening book's invoices (Opening.record), either by customer or as drawn."""

    start: np.ndarray  #: by customer: customer c's are start[c]:start[c + 1]
    customer: np.ndarray  #: each invoice's customer
    issue: np.ndarray  #: issue day (before day 0)
    amount: np.ndarray
    number: np.ndarray  #: its order number (the draws' key)
    draws: np.ndarray  #: its prepared draw row
    net: np.ndarray  #: per grade, the net days its age is counted from


class Work(NamedTuple):
    """The fast kernel's work areas, sized for the customer with the most orders and
    invoices (`_workspace`): it allocates nothing itself."""

    f: np.ndarray  #: per order: amount, thinning, held's deadline, scratch; accounts (3)
    i: np.ndarray  #: per order: fate, candidate, held order, its cause, to book, live
    inv_f: np.ndarray  #: the customer's invoices, float columns (F_*)
    inv_i: np.ndarray  #: the customer's invoices, integer columns (I_*)
    ordered: np.ndarray  #: per month, the customer's orders (its limit's sales base)
    receipts: np.ndarray  #: per month, its receipts (the receipts method's base)
    row: np.ndarray  #: the invoice being worked on's draws (draws.py's COL_* layout)
    key: np.ndarray  #: its Philox key: seed words, customer, order number
    pre: np.ndarray  #: the draws most invoices read, per order (_prefetch, PRE_* rows)
    esc: np.ndarray  #: per grade's ladder step, when it last escalated the customer's account
    rating: np.ndarray  #: the customer's rating record (behaviour.R_* columns)


class Results(NamedTuple):
    """What the fast kernel leaves per customer, and the run's order tally."""

    lost_from: np.ndarray  #: its latest loss (INF: never, or won back since)
    lost: np.ndarray  #: its losses within the window (output.absence)
    away: np.ndarray  #: its days away, lost, within the window (output.absence)
    cancel_from: np.ndarray  #: when its line was cancelled or its account closed
    rebate_paid: np.ndarray  #: rebates paid to it in the window
    tally: np.ndarray  #: per customer, per action (+ BUSY): times and cost in the window
    acc: np.ndarray  #: the orders' tally (ORDER_TALLY)


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
#
# The helpers an invoice calls on its way (_open_invoice, _walk, _apply, _plan, _close) are
# inlined into their callers: numba passes each array as its whole descriptor (pointer, shape,
# strides, owner: 7-9 machine words), so a call with a dozen arrays moved over a hundred words
# through the stack per invoice. Inlined, the kernel took 32-34 ms instead of 40-42 on the
# default scenario (the SimPy engine's event kernel, which shares _walk and _apply, 8% less);
# the price is a longer first compile (about 11 s more for the fast engine, 6 s for the SimPy
# engine, once per install: the cache keeps the machine code).


@rng.compiled
def _finish(inv_f: np.ndarray, k: int, when: float, outcome: int, rate: float,
            inv_i: np.ndarray) -> None:
    if when >= inv_f[k, F_SETTLE] or when >= inv_f[k, F_HALT]:
        return
    inv_f[k, F_SETTLE] = when
    inv_i[k, I_OUTCOME] = outcome
    inv_f[k, F_SHARE] = rate


@rng.compiled
def _bankrupt(inv_f: np.ndarray, inv_i: np.ndarray, k: int, day: float, recovery: float,
              recovery_days: float) -> None:
    if day >= inv_f[k, F_SETTLE]:
        return
    inv_f[k, F_HALT] = day
    inv_f[k, F_SETTLE] = day + recovery_days
    inv_i[k, I_OUTCOME] = BANKRUPT
    inv_f[k, F_SHARE] = recovery


@rng.compiled
def _age_factor(days_overdue: float, p: np.ndarray) -> float:
    """RuleBook.age_factor, in the same IEEE operations."""
    if days_overdue <= 0:
        return 1.0
    x = days_overdue / p[P_YEAR] / p[P_AGE_SCALE]
    return elementary.exp(-elementary.exp(p[P_AGE_SHAPE] * elementary.log(x)))


#: Whole days overdue that `Params.age` bounds the age factor over (older: computed)
AGE_DAYS = 1024
#: How far the bounds are widened (relative): the factor's computed value differs from a
#: monotone function by a few units in the last place at most, far inside this
AGE_MARGIN = 1e-9


@rng.compiled
def _age_bounds(p: np.ndarray, age: np.ndarray) -> None:
    """age[0, d] and age[1, d]: an upper and a lower bound on the age factor at any age in
    [d, d + 1) days overdue (it falls with age: its values at d and at d + 1, widened by
    AGE_MARGIN), or (inf, -inf), which decide nothing, where the factor nears underflow."""
    for d in range(age.shape[1]):
        low = _age_factor(float(d + 1), p)
        if low < 1e-250:
            age[0, d], age[1, d] = INF, -INF
        else:
            age[0, d] = min(1.0, _age_factor(float(d), p) * (1.0 + AGE_MARGIN))
            age[1, d] = low * (1.0 - AGE_MARGIN)


@rng.compiled_inline
def _responds(u: float, response: float, days_overdue: float, par: Params) -> bool:
    """u < response x age factor (RuleBook's chance), the same answer computed the cheap way
    where it can be. The factor is at most 1, so fl(response x factor) <= response, and
    u >= response already fails; most steps fail so. Of the others, most are decided by
    the factor's bounds over the day the age falls in (`Params.age`: rounding is monotone,
    so u below response x the lower bound passes, u at or above response x the upper fails)
    and only a u between them computes the factor's logarithm and two exponentials, which
    took 4% of the fast engine's time. (response 0: the chance is 0 whatever the factor.)"""
    if u >= response:
        return False
    if days_overdue <= 0.0:
        return True  # (the factor is then exactly 1)
    if days_overdue < par.age.shape[1]:
        d = int(days_overdue)
        if u < response * par.age[1, d]:
            return True
        if u >= response * par.age[0, d]:
            return False
    return u < response * _age_factor(days_overdue, par.p)


@rng.compiled_inline
def _lag(row: np.ndarray, key: np.ndarray, payer: int, payer_f: np.ndarray) -> float:
    """The invoice's unprompted payment lag (RuleBook.prepare), drawn when first needed."""
    if row[COL_LAG] != row[COL_LAG]:
        row[COL_LAG] = INF
        if payer_f[payer, Y_HAS_LAG] > 0.0:
            u = row[R_LAG_U]  # (drawn with the customer's orders, or NaN: draw it now)
            if math.isnan(u):
                u = rng.uniform_at(key[0], key[1], ST_LAG, key[2], key[3], 0)
            row[COL_LAG] = sample_q(u, payer_f[payer, Y_LAG:Y_LAG + 4]) - payer_f[payer,
                                                                                  Y_EARLY]
    return float(row[COL_LAG])


@rng.compiled_inline
def _drawn(row: np.ndarray, col: int, key: np.ndarray, stream: int, j: int) -> float:
    """row[col], drawn now (draw j of `stream`) if the walk has not needed it before."""
    if row[col] != row[col]:
        row[col] = rng.uniform_at(key[0], key[1], stream, key[2], key[3], j)
    return float(row[col])


@rng.compiled_inline
def _step_drawn(row: np.ndarray, offset: int, key: np.ndarray, stream: int, j: int) -> float:
    """Step j's draw at `offset` in its step's columns (draw j of `stream`), drawn now if the
    walk has not needed it before. Draws j of a stream are word j % 4 of Philox block j // 4,
    so the block's three other words are the same stream's draws for the neighbouring steps:
    they are kept too, sparing a block when the walk reaches those steps."""
    base = COL_STEPS + STEP_DRAWS * j + offset
    if row[base] != row[base]:
        first = j - j % 4
        words = rng.block(key[0], key[1], key[2], key[3], np.uint64(stream),
                          np.uint64(first // 4))
        for q in range(4):
            col = COL_STEPS + STEP_DRAWS * (first + q) + offset
            if col < row.size and row[col] != row[col]:
                row[col] = rng.unit(words[q])
    return float(row[base])


@rng.compiled_inline
def _dating_day(issue: float, eom: float, month: float, opening: int) -> float:
    """sim/terms.py dating_day: the day the terms count from, the invoice's or its month's
    end (an opening invoice's due date is fixed by its stated age: RuleBook.open_invoice)."""
    if eom == 0.0 or opening == 1:
        return issue
    return (math.floor(issue / month) + 1.0) * month


@rng.compiled_inline
def _open_invoice(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray,
                  key: np.ndarray, net: float, tier: int, start: float, cust: Customers,
                  par: Params) -> None:
    """RuleBook.open_invoice (+ _unprompted, _bankrupt), for invoice k, due `net` days
    after its dating day; `tier`: the discount tier its customer takes (-1: none)."""
    c = inv_i[k, I_CUST]
    seg = inv_i[k, I_SEG]
    payer = inv_i[k, I_PAYER]
    issue = inv_f[k, F_ISSUE]
    terms = par.grade_f[inv_i[k, I_GRADE]]
    funding, bankrupt_day, recovery = cust.funding[c], cust.bankrupt[c], cust.recovery[c]
    seg_f, p, payer_f = par.seg_f, par.p, par.payer_f
    dated = _dating_day(issue, terms[G_EOM], p[P_MONTH], inv_i[k, I_OPENING])
    inv_f[k, F_DUE] = dated + net
    inv_f[k, F_EFF_DUE] = inv_f[k, F_DUE]
    resolve = -INF
    recovery_days = seg_f[seg, S_RECOVERY_DAYS]
    if row[COL_DISPUTE] < seg_f[seg, S_DISPUTE_SHARE]:
        inv_i[k, I_DISPUTED] = 1
        resolve = issue + row[COL_DISPUTE_DAYS]
        if row[COL_DISPUTE_UPHELD] < seg_f[seg, S_UPHELD]:
            inv_f[k, F_CREDITED_AT] = resolve
        inv_f[k, F_EFF_DUE] = max(inv_f[k, F_DUE], resolve)
    elif tier >= 0 and payer != p[P_DEFAULTER] and _drawn(
            row, COL_CASH, key, ST_CASH, 0) < seg_f[seg, S_CASH]:
        _finish(inv_f, k, dated + terms[G_WINDOW + tier], DISCOUNT, terms[G_RATE + tier],
                inv_i)
        _bankrupt(inv_f, inv_i, k, bankrupt_day, recovery, recovery_days)
        return
    # _unprompted (a newcomer still learning the terms pays later than its type)
    lag = _lag(row, key, payer, payer_f) + learning_days(
        cust.learn_extra[c], cust.learn_span[c], issue - cust.joined[c])
    if (p[P_PEN_RATE] > funding and lag > p[P_PEN_GRACE]
            and _drawn(row, COL_PENALTY, key, ST_PENALTY, 0) < payer_f[payer, Y_DETERRED]):
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


@rng.compiled
def _count(tally: np.ndarray, action: int, when: float, cost: float, times: float,
           p: np.ndarray) -> None:
    """RuleBook._count, into this customer's row of the tally."""
    if p[P_START] <= when < p[P_END]:
        tally[action, 0] += times
        tally[action, 1] += cost


@rng.compiled_inline
def _apply(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray, key: np.ndarray,
           j: int, when: float, par: Params, tally: np.ndarray, covered: bool) -> None:
    """RuleBook.apply (+ _lawsuit) of step j of the invoice's ladder, done at `when`
    (`tally`: its customer's; `covered`: taken along by its account's escalation)."""
    g = inv_i[k, I_GRADE]
    lad_f, p, payer_f = par.lad_f, par.p, par.payer_f
    if when >= inv_f[k, F_SETTLE] or when >= inv_f[k, F_HALT]:
        return
    base = COL_STEPS + STEP_DRAWS * j
    action = int(lad_f[g, j, D_ACTION])
    cost = lad_f[g, j, D_COST]
    payer = inv_i[k, I_PAYER]
    if when < p[P_END]:  # (a step planned beyond the run's end is not yet done)
        inv_i[k, I_ACTIONS] += 1
        if not covered:
            inv_f[k, F_DUNNING] += cost
    if not covered:
        _count(tally, action, when, cost, 1.0, p)
    inv_f[k, F_READY] = when
    if action == A_STOP:
        inv_f[k, F_STOP] = min(inv_f[k, F_STOP], when)
    elif action == A_CANCEL:
        inv_f[k, F_CANCEL] = min(inv_f[k, F_CANCEL], when)
    # RuleBook.account_uniform: one draw per customer, kind of step, year of the run and
    # account (key[2] is the customer); a uniform is never below 0, so with no loss share
    # the draw is not needed
    if lad_f[g, j, D_LOSS] > 0.0 and rng.uniform_at(
            key[0], key[1], ST_LOSS, key[2], action,
            account_year(when, p[P_YEAR], inv_i[k, I_ACCOUNT])) < lad_f[g, j, D_LOSS]:
        inv_f[k, F_LOST_AT] = min(inv_f[k, F_LOST_AT], when)
    eff_due = inv_f[k, F_EFF_DUE]
    if action == A_LAWSUIT:
        inv_f[k, F_CANCEL] = min(inv_f[k, F_CANCEL], when)  # (RuleBook._lawsuit)
        inv_f[k, F_CLOSE] = min(inv_f[k, F_CLOSE], when)
        if not covered:
            if when < p[P_END]:
                inv_f[k, F_DUNNING] += p[P_LAWSUIT_COST]
            _count(tally, A_LAWSUIT, when, p[P_LAWSUIT_COST], 0.0, p)
        end = when + p[P_LAWSUIT_DAYS]
        won = _responds(row[base], lad_f[g, j, D_RESPONSE + payer], when - eff_due, par)
        age_cutoff = INF
        if inv_i[k, I_OUTCOME] == WRITTEN_OFF:
            age_cutoff = inv_f[k, F_SETTLE]
            inv_f[k, F_SETTLE] = INF
            inv_i[k, I_OUTCOME] = OPEN
        if won:
            _finish(inv_f, k, end, LAWSUIT, p[P_LAWSUIT_RECOVERY], inv_i)
        elif p[P_AFTER_LAWSUIT] > 0:
            _finish(inv_f, k, end, WRITTEN_OFF, 0.0, inv_i)
        elif age_cutoff < INF:
            _finish(inv_f, k, max(end, age_cutoff), WRITTEN_OFF, 0.0, inv_i)
        inv_i[k, I_STEP] = NO_STEP
        return
    if not _responds(row[base], lad_f[g, j, D_RESPONSE + payer], when - eff_due, par):
        return
    if action == A_AGENCY:
        delay = _step_drawn(row, 4, key, ST_AGENCY, j) * p[P_AGENCY_DAYS]
        _finish(inv_f, k, when + delay, AGENCY, 0.0, inv_i)
        inv_i[k, I_STEP] = NO_STEP
        return
    promised = max(when + payer_f[payer, Y_DELAY], eff_due)
    if _step_drawn(row, 1, key, ST_BREAK, j) < payer_f[payer, Y_BREAKS]:
        inv_f[k, F_READY] = max(inv_f[k, F_READY], promised)
        return
    _finish(inv_f, k, promised, PAID_DUNNED, 0.0, inv_i)


@rng.compiled_inline
def _step_draws(row: np.ndarray, j: int, key: np.ndarray, service_days: float,
                p: np.ndarray) -> None:
    """Step j's draws (RuleBook.prepare's columns), drawn when the walk first reaches it.

    Most invoices are paid before their first step, so drawing a step's numbers only here
    saves most of the work; an opening invoice's row comes drawn in full (no NaN)."""
    base = COL_STEPS + STEP_DRAWS * j
    if row[base + 3] == row[base + 3]:  # (the response may be drawn already: see _step_drawn)
        return
    _step_drawn(row, 0, key, ST_RESPONSE, j)
    row[base + 3] = 1.0  # a step without collector time multiplies this by zero
    if p[P_SERVICE_CV] > 0.0 and service_days > 0.0:
        u = rng.uniform_at(key[0], key[1], ST_SERVICE, key[2], key[3], j)
        row[base + 3] = rng.gamma_q(u, p[P_SERVICE_SHAPE], p[P_SERVICE_SCALE])
    # the promise-break, customer-loss and agency draws stay NaN until read (_step_drawn)


@rng.compiled_inline
def _esc_slot(g: int, j: int) -> int:
    """Where a customer's escalation record keeps step j of grade g's ladder (behaviour._slot)."""
    return g * MAX_STEPS + j


@rng.compiled_inline
def _account_step(lad_f: np.ndarray, g: int, j: int) -> bool:
    """Whether step j of grade g's ladder acts on the whole account (stop, cancelled line,
    agency, lawsuit: the actions from A_STOP on), which the account's other overdue
    invoices join (RuleBook.join)."""
    return lad_f[g, j, D_ACTION] >= A_STOP


@rng.compiled_inline
def _escalates(esc: np.ndarray, g: int, j: int, when: float, p: np.ndarray,
               account: bool) -> bool:
    """RuleBook.escalate: whether step j of grade g's ladder, due at `when`, escalates the
    account (recorded in `esc`, the customer's row, a slot per grade and step) or is covered
    by the same step done on it within the last P_COVERS days. An account step (`account`,
    _account_step) also moves ESC_LATEST, the latest time any of them escalated, which lets
    _join_step pass over most invoices at once."""
    if p[P_COVERS] <= 0.0:
        return True
    s = _esc_slot(g, j)
    if esc[s] <= when < esc[s] + p[P_COVERS]:
        return False
    esc[s] = when
    if account:
        esc[ESC_LATEST] = max(esc[ESC_LATEST], when)
    return True


@rng.compiled_inline
def _join_step(inv_f: np.ndarray, inv_i: np.ndarray, k: int, until: float, par: Params,
               esc: np.ndarray) -> tuple[int, float]:
    """The account step invoice k joins before `until` (RuleBook.join), and when its account
    was taken to it: (-1, inf) if none."""
    p, lad_f = par.p, par.lad_f
    best, at = -1, INF
    if p[P_COVERS] <= 0.0:
        return best, at
    low = max(inv_f[k, F_READY], inv_f[k, F_EFF_DUE])
    if esc[ESC_LATEST] < low:  # (no account step escalated since: most invoices, most days)
        return best, at
    g = inv_i[k, I_GRADE]
    high = min(until, inv_f[k, F_SETTLE], inv_f[k, F_HALT])
    if high <= low:  # (no instant to join at: a step due by the due date, or paid by then)
        return best, at
    first = max(inv_i[k, I_STEP], int(par.grade_f[g, G_FIRST_ACCOUNT]))
    for j in range(first, int(par.grade_f[g, G_STEPS])):
        if not _account_step(lad_f, g, j) or inv_f[k, F_AMOUNT] < lad_f[g, j, D_MIN]:
            continue
        t = esc[_esc_slot(g, j)]
        if low <= t < high and t < at:
            best, at = j, t
    return best, at


@rng.compiled
def _join(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray, key: np.ndarray,
          j: int, when: float, par: Params, tally: np.ndarray) -> None:
    """Invoice k joins its account's step j at `when`, covered, and walks on after it.
    (Not inlined: it is rare, and one more copy of _apply in every walk cost a minute of
    compilation.)"""
    g = inv_i[k, I_GRADE]
    _step_draws(row, j, key, par.lad_f[g, j, D_SERVICE], par.p)
    _apply(inv_f, inv_i, k, row, key, j, when, par, tally, True)
    inv_i[k, I_STEP] = max(inv_i[k, I_STEP], j + 1)


@rng.compiled_inline
def _joins(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray, key: np.ndarray,
           until: float, now: float, par: Params, tally: np.ndarray, esc: np.ndarray) -> bool:
    """RuleBook.join: take invoice k along to the earliest later account step (stop,
    cancelled line, agency, lawsuit: the actions from A_STOP on) its account was taken to
    while it was overdue with nothing pending, before `until` and its settlement."""
    j, at = _join_step(inv_f, inv_i, k, until, par, esc)
    if j < 0:
        return False
    _join(inv_f, inv_i, k, row, key, j, max(at, now), par, tally)
    return True


@rng.compiled_inline
def _walk(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray, key: np.ndarray,
          now: float, par: Params, tally: np.ndarray, finite: bool, esc: np.ndarray) -> int:
    """RuleBook.walk: with unlimited collectors every step is applied at its own time and
    -1 returned; with a finite team (`finite`) the walk stops at the first step that needs
    a collector and returns it (its draws drawn), for the event kernel to queue."""
    g = inv_i[k, I_GRADE]
    lad_f, p = par.lad_f, par.p
    steps = int(par.grade_f[g, G_STEPS])
    while inv_i[k, I_STEP] < steps:
        j = inv_i[k, I_STEP]
        if inv_f[k, F_AMOUNT] < lad_f[g, j, D_MIN]:
            inv_i[k, I_STEP] += 1
            continue
        when = max(inv_f[k, F_EFF_DUE] + lad_f[g, j, D_DAY], inv_f[k, F_READY], now)
        if _joins(inv_f, inv_i, k, row, key, when, now, par, tally, esc):
            continue  # taken along to the account's later step: walk on from there
        if when >= inv_f[k, F_SETTLE] or when >= inv_f[k, F_HALT]:
            return -1
        _step_draws(row, j, key, lad_f[g, j, D_SERVICE], p)
        if finite and lad_f[g, j, D_SERVICE] > 0.0:
            return j
        if not _escalates(esc, g, j, when, p, _account_step(lad_f, g, j)):
            _apply(inv_f, inv_i, k, row, key, j, when, par, tally, True)
            inv_i[k, I_STEP] += 1
            continue
        service = lad_f[g, j, D_SERVICE] * row[COL_STEPS + STEP_DRAWS * j + 3]
        if service > 0:  # collector time, offered to a team that never makes it wait
            tally[BUSY, 0] += max(0.0, min(when + service, p[P_END]) - max(when, p[P_START]))
            if p[P_START] <= when < p[P_END]:
                tally[BUSY, 1] += 1.0
        _apply(inv_f, inv_i, k, row, key, j, when + service, par, tally, False)
        inv_i[k, I_STEP] += 1
    return -1


@rng.compiled_inline
def _rate_days(late: float, p: np.ndarray) -> float:
    """LatePenalty.rate_days: penalty rate x days over `late` days, step by step."""
    n = int(p[P_PEN_STEPS])
    accrued = p[P_PEN_RATE] * min(late, p[P_PEN_DAYS])
    for i in range(n):
        start = p[P_PEN_DAYS + i]
        stop = p[P_PEN_DAYS + i + 1] if i + 1 < n else INF
        if late > start:
            accrued += p[P_PEN_RATES + i] * (min(late, stop) - start)
    return accrued


@rng.compiled_inline
def _close(inv_f: np.ndarray, inv_i: np.ndarray, k: int, end: float, par: Params) -> None:
    """RuleBook.close (+ _charge_penalty): the planned end turned into money at `end`."""
    seg_f, p = par.seg_f, par.p
    share = inv_f[k, F_SHARE]
    amount = inv_f[k, F_AMOUNT]
    inv_f[k, F_PAID] = 0.0
    credited = amount * seg_f[inv_i[k, I_SEG], S_CREDITED]
    if inv_f[k, F_CREDITED_AT] <= inv_f[k, F_SETTLE] and inv_f[k, F_CREDITED_AT] < end:
        inv_f[k, F_CREDITED] = credited
    owed = amount - inv_f[k, F_CREDITED]
    if inv_f[k, F_SETTLE] >= end:  # (an event at the end falls after the run)
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
        if p[P_PEN_STEPS] > 0 and late > 0:  # stepped by length of delay
            inv_f[k, F_PENALTY] = (owed * _rate_days(late, p) / p[P_YEAR]
                                   * p[P_PEN_COLLECTED])
        elif p[P_PEN_RATE] > 0 and late > 0:
            inv_f[k, F_PENALTY] = (owed * p[P_PEN_RATE] * late / p[P_YEAR]
                                   * p[P_PEN_COLLECTED])
    elif kind in (LAWSUIT, BANKRUPT):
        inv_f[k, F_PAID] = owed * share
        inv_f[k, F_WRITTEN_OFF] = owed - inv_f[k, F_PAID]
    else:
        inv_f[k, F_WRITTEN_OFF] = owed


# ---- one customer, start to finish (CustomerBook + the day loop) ----------------------------


@rng.compiled_inline
def _new_invoice(inv_f: np.ndarray, inv_i: np.ndarray, k: int, c: int, oindex: int,
                 cust: Customers, issue: float, amount: float, opening: int) -> None:
    """Invoice k: customer c's order `oindex` (opening: 1 for the opening book's), with
    its customer's columns the rules read per invoice."""
    inv_f[k, :] = 0.0
    inv_i[k, :] = 0
    inv_i[k, I_CUST], inv_i[k, I_OINDEX], inv_i[k, I_SEG] = c, oindex, cust.seg[c]
    inv_i[k, I_GRADE], inv_i[k, I_PAYER] = cust.grade[c], cust.payer[c]
    inv_i[k, I_OPENING], inv_i[k, I_OUTCOME] = opening, OPEN
    inv_f[k, F_ISSUE], inv_f[k, F_AMOUNT] = issue, amount
    for col in (F_SETTLE, F_CREDITED_AT, F_STOP, F_CANCEL, F_LOST_AT, F_HALT, F_BOOK_DAY,
                F_CLOSE):
        inv_f[k, col] = INF
    inv_f[k, F_READY] = -INF
    inv_f[k, F_LISTED] = np.nan


@rng.compiled_inline
def _blocked(inv_f: np.ndarray, live: np.ndarray, n_live: int, t: float, amount: float,
             limit: float) -> int:
    """CustomerBook.blocked: 0, or the fate of an order that cannot ship now.

    `live` lists the customer's invoices not settled by the start of the day, as issued
    (the order CustomerBook sums the balance in)."""
    balance = amount
    for q in range(n_live):
        k = live[q]
        if inv_f[k, F_SETTLE] > t:
            if inv_f[k, F_STOP] <= t:
                return L_STOP
            balance += inv_f[k, F_AMOUNT]
    if balance > limit:
        return L_LIMIT
    return 0


@rng.compiled_inline
def _prune_live(inv_f: np.ndarray, live: np.ndarray, n_live: int, day: float,
                reopen: float, p: np.ndarray) -> tuple[int, float]:
    """Drop the invoices settled by `day` from the live list, keeping the rest in order;
    return how many are left and the latest re-opening of a line one of those dropped
    cancelled (CustomerBook._settled: `reopen`, moved on)."""
    kept = 0
    for q in range(n_live):
        k = live[q]
        if inv_f[k, F_SETTLE] > day:
            live[kept] = k
            kept += 1
        elif inv_f[k, F_CANCEL] < INF and p[P_REOPEN] < INF:
            reopen = max(reopen, inv_f[k, F_SETTLE] + p[P_REOPEN])
    return kept, reopen


@rng.compiled_inline
def _closure(inv_f: np.ndarray, k: int, p: np.ndarray) -> float:
    """CustomerBook.sync: from when invoice k closes its customer's line for good (a
    cancelled line that re-opens stays with its invoice)."""
    return inv_f[k, F_CANCEL] if p[P_REOPEN] == INF else inv_f[k, F_CLOSE]


@rng.compiled_inline
def _account_cancelled(t: float, closed: float, reopen: float, p: np.ndarray) -> int:
    """CustomerBook.cancelled from the account alone: 1 if its line is cancelled at t (its
    account closed by `closed`, or a line cancelled by an invoice no longer on its list
    re-opening only at `reopen`), 0 if not, -1 if its open invoices decide (_cancels)."""
    if t >= closed:
        return 1
    if p[P_REOPEN] == INF:
        return 0  # (every cancellation is then in `closed`)
    return 1 if t < reopen else -1


@rng.compiled_inline
def _cancels(inv_f: np.ndarray, k: int, t: float, p: np.ndarray) -> bool:
    """Whether invoice k keeps its customer's line cancelled at t: its cancel step was done
    by t and it was not paid reopen_after_days before t."""
    return inv_f[k, F_CANCEL] <= t < inv_f[k, F_SETTLE] + p[P_REOPEN]


@rng.compiled_inline
def _line_cancelled(inv_f: np.ndarray, live: np.ndarray, n_live: int, t: float,
                    closed: float, reopen: float, p: np.ndarray) -> bool:
    """CustomerBook.cancelled over the customer's live list (`closed`, `reopen`: see
    _account_cancelled)."""
    known = _account_cancelled(t, closed, reopen, p)
    if known >= 0:
        return known == 1
    for q in range(n_live):  # noqa: SIM110  (numba compiles no generator into an inlined any)
        if _cancels(inv_f, live[q], t, p):
            return True
    return False


@rng.compiled_inline
def _next_cancelled(inv_f: np.ndarray, live: np.ndarray, n_live: int, today: int,
                    closed: float, reopen: float, p: np.ndarray, day: int) -> int:
    """The first day after `today` (`day` if earlier) on which the customer's line is
    cancelled: the day loop visits it, so that held orders turn into cash or lost sales
    then rather than expire."""
    if closed < INF and math.ceil(closed) > today:
        day = min(day, math.ceil(closed))
    days = p[P_REOPEN]
    if days == INF:
        return day
    if reopen > today + 1:
        day = min(day, today + 1)
    for q in range(n_live):
        k = live[q]
        if inv_f[k, F_CANCEL] < INF:
            first = max(math.ceil(inv_f[k, F_CANCEL]), today + 1)
            if first < inv_f[k, F_SETTLE] + days:
                day = min(day, first)
    return day


@rng.compiled_inline
def _book_due(inv_f: np.ndarray, inv_i: np.ndarray, pend: np.ndarray, n_pend: int,
              day: float, receipts: np.ndarray, p: np.ndarray, rating: np.ndarray,
              back: float) -> tuple[int, bool, bool, float]:
    """Book settlements listed for days up to `day`, in the SimPy engine's order (by
    booking day, then as listed); `pend` lists the unbooked ones as listed. Returns
    (how many stay unbooked, any booked, any late for the rebate, the first booking day of
    a write-off of its current account, issued from its latest return `back` on: the
    account is closed from then on, see CustomerBook.book); a late payment goes on the
    customer's `rating` record."""
    any_booked, late, closed = False, False, INF
    while True:
        best = -1
        for q in range(n_pend):
            k = pend[q]
            if inv_f[k, F_BOOK_DAY] <= day and (
                    best < 0 or inv_f[k, F_BOOK_DAY] < inv_f[pend[best], F_BOOK_DAY]):
                best = q
        if best < 0:
            return n_pend, any_booked, late, closed
        k = pend[best]
        for q in range(best, n_pend - 1):
            pend[q] = pend[q + 1]
        n_pend -= 1
        any_booked = True
        outcome = inv_i[k, I_OUTCOME]
        paid = outcome in (PAID, PAID_DUNNED, DISCOUNT, AGENCY, LAWSUIT)
        settle = inv_f[k, F_SETTLE]
        if paid:
            receipts[_month_of(settle, p)] += inv_f[k, F_AMOUNT]
        if settle > inv_f[k, F_EFF_DUE] + p[P_REBATE_GRACE] or not paid:
            late = True
        if outcome == WRITTEN_OFF and inv_f[k, F_ISSUE] >= back:
            closed = min(closed, inv_f[k, F_BOOK_DAY])
        _rate(inv_f, inv_i, k, inv_f[k, F_BOOK_DAY], rating, p)


@rng.compiled_inline
def _rate(inv_f: np.ndarray, inv_i: np.ndarray, k: int, day: float, rating: np.ndarray,
          p: np.ndarray) -> None:
    """CustomerBook.book's re-rating: invoice k, booked on `day`, on its customer's record."""
    if p[P_RERATE_AFTER] > 0.0 and rated_late(
            inv_f[k, F_SETTLE], inv_f[k, F_EFF_DUE], inv_i[k, I_DISPUTED] == 1,
            inv_f[k, F_CREDITED_AT], p[P_RERATE_LATE]):
        rerate(rating, day, p[P_RERATE_AFTER], p[P_RERATE_CLEAN])


@rng.compiled_inline
def _grade_now(rating: np.ndarray, own: int, t: float, p: np.ndarray) -> int:
    """CustomerBook.grade_now: the customer's grade index at t (its own unless re-rated)."""
    if p[P_RERATE_AFTER] > 0.0:
        return grade_at(rating, t, p[P_RERATE_CLEAN])
    return own


@rng.compiled_inline
def _next_refusal(rating: np.ndarray, today: int, grade_f: np.ndarray, p: np.ndarray,
                  day: int) -> int:
    """The earlier of `day` and the next day after `today` on which the customer's grade,
    re-rated down and rising back a step every `clean_days`, rises to a grade refused
    credit: the day CustomerBook.release_held turns its held orders into refusals (a held
    order otherwise expires as credit_limit or stop_shipping on a later visit)."""
    clean = p[P_RERATE_CLEAN]
    if p[P_RERATE_AFTER] == 0.0 or rating[R_GRADE] <= rating[R_OWN]:
        return day
    since = rating[R_SINCE]
    periods = max(math.floor((today - since) / clean), 0.0)
    g_now = grade_at(rating, float(today), clean)
    for _ in range(4):  # (four grades: at most three steps back up to its own)
        if g_now <= rating[R_OWN]:
            break
        # the next step's day is the first day d >= since + (periods + 1) clean: the floor
        # of that or the day after (which also absorbs a rounding either way)
        d = max(math.floor(since + (periods + 1.0) * clean), today + 1)
        if d >= day:
            return day
        g = grade_at(rating, float(d), clean)
        if g == g_now:
            g = grade_at(rating, float(d + 1), clean)
            d += 1
        if g != g_now and grade_f[g, G_CREDIT] == 0.0:
            return min(day, d)
        g_now = g
        periods = math.floor((d - since) / clean)
    return day


@rng.compiled_inline
def _fresh(inv_f: np.ndarray, live: np.ndarray, n_live: int, back: float) -> int:
    """Keep on the live list only the invoices issued since the customer came back at
    `back` (CustomerBook.current); returns the list's new length."""
    keep = 0
    for q in range(n_live):
        if inv_f[live[q], F_ISSUE] >= back:
            live[keep] = live[q]
            keep += 1
    return keep


@rng.compiled_inline
def _refused(thin: float, p: np.ndarray) -> int:
    """CustomerBook._refused: the fate of an order of a customer re-rated to a grade
    refused credit."""
    return L_REFUSED if thin * p[P_M_MAX] >= p[P_CASH_KEPT] else FATE_CASH


@rng.compiled_inline
def _tier(cust: Customers, c: int, g: int, payer: int) -> int:
    """The discount tier customer c takes on grade g's terms as a payer of that type."""
    if g == cust.grade[c]:
        return int(cust.tier[c, payer])
    return int(cust.tier_by[c, g, payer])


@rng.compiled_inline
def _cap(limit: float, own: int, g: int, grade_f: np.ndarray) -> float:
    """CustomerBook.blocked's cap: the limit rescaled to grade g, times its ceiling."""
    return limit * grade_f[own, G_SCALE + g] * grade_f[g, G_CEILING]


@rng.compiled_inline
def _expired(day: float, deadline: float, bankrupt: float, lost_from: float) -> bool:
    """Whether a held order whose customer waits until `deadline` is lost by `day` (true
    from some day on, ever after)."""
    return day > deadline or day >= bankrupt or day >= lost_from


@rng.compiled_inline
def _cancelled(thin: float, p: np.ndarray) -> int:
    """CustomerBook._cancelled: the fate of an order after the customer's line was cancelled."""
    return L_CANCELLED if thin * p[P_M_MAX] >= p[P_CASH_KEPT] else FATE_CASH


@rng.compiled_inline
def _deadline(t: float, key: np.ndarray, c: int, i: int, seg: int, par: Params) -> float:
    """CustomerBook.patience: until when the customer waits for its order i, held at t."""
    seg_f, p = par.seg_f, par.p
    if seg_f[seg, S_HAS_PATIENCE] == 0.0:
        return t + p[P_HOLD]
    u = rng.uniform_at(key[0], key[1], ST_PATIENCE, c, i, 0)
    return t + sample_q(u, seg_f[seg, S_PATIENCE:S_PATIENCE + 4])


@rng.compiled_inline
def _month_of(t: float, p: np.ndarray) -> int:
    """math.floor(t / p[P_MONTH]), the same integer, by a multiplication wherever the product
    is clearly inside a month. The product and the quotient each lie within about 2.3e-16 x q
    months of the exact t / M (q = t / M, a few hundred here: under 1e-13 of a month; under
    1e-9 up to four million months), so more than 1e-9 of a month from a month's start both
    floors agree; nearer, the division decides. The division sat in the chain to the
    address of a month's sum, per order and per payment booked."""
    q = t * p[P_PER_MONTH]
    m = math.floor(q)
    if 1e-9 < q - m < 1.0 - 1e-9:
        return m
    return math.floor(t / p[P_MONTH])


@rng.compiled
def _limit(p: np.ndarray, month: int, ordered: np.ndarray, receipts: np.ndarray,
           factor: float, current: float, limit_from: float) -> float:
    """CustomerBook.month_end for one customer (the limit in force from this month):
    `limit_from` is the customer's first month on its own history (book.limit_months)."""
    method = p[P_LIMIT_METHOD]
    if month < limit_from:
        return current
    if method == LIMIT_SALES and p[P_SMOOTHING] > 0.0:
        alpha = p[P_SMOOTHING]  # expected monthly purchases, smoothed (CustomerBook.month_end)
        return (alpha * (ordered[month - 1] * p[P_STD_PERIOD] / 30.0 * factor)
                + (1.0 - alpha) * current)
    if method == LIMIT_SALES:
        quarterly = ordered[month - 3] + ordered[month - 2] + ordered[month - 1]
        monthly = quarterly / 3.0
    else:
        total = receipts[month - 6] * 1.0
        for k in range(2, 7):
            total = total + receipts[month - 7 + k] * float(k)
        monthly = total / 21.0
    return monthly * p[P_STD_PERIOD] / 30.0 * factor


@rng.compiled_inline
def _plan(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray, key: np.ndarray,
          now: float, today: int, par: Params, tally: np.ndarray, esc: np.ndarray) -> None:
    """des._Simulation._plan: walk the ladder and list the settlement for booking."""
    _walk(inv_f, inv_i, k, row, key, now, par, tally, False, esc)
    settle = inv_f[k, F_SETTLE]
    if settle < INF:
        inv_f[k, F_BOOK_DAY] = max(float(math.ceil(settle)), float(today + 1))


@rng.compiled
def _base_draws(row: np.ndarray, key: np.ndarray, seg: int, seg_f: np.ndarray) -> None:
    """A new invoice's own draws (invoice_draws + RuleBook.prepare), its steps left undrawn."""
    w0, w1, w2, _ = rng.block(key[0], key[1], key[2], key[3], np.uint64(ST_DISPUTE),
                              np.uint64(0))
    _base_from(row, rng.unit(w0), rng.unit(w1), rng.unit(w2), seg, seg_f, MAX_STEPS)


@rng.compiled_inline
def _base_from(row: np.ndarray, dispute: float, days: float, upheld: float, seg: int,
               seg_f: np.ndarray, steps: int) -> None:
    """_base_draws from the dispute stream's three uniforms, drawn by the caller, for an
    invoice whose ladder has `steps` steps (the columns of later steps are never read)."""
    row[COL_DISPUTE] = dispute
    row[COL_DISPUTE_DAYS] = np.nan  # read only for a disputed invoice: spare the quantile
    if dispute < seg_f[seg, S_DISPUTE_SHARE]:
        row[COL_DISPUTE_DAYS] = seg_f[seg, S_RAISED] + sample_q(days,
                                                                seg_f[seg, S_DAYS:S_DAYS + 4])
    row[COL_DISPUTE_UPHELD] = upheld
    row[COL_CASH] = row[COL_PENALTY] = np.nan  # drawn if read (see _drawn)
    row[COL_LAG] = row[R_LAG_U] = np.nan  # a discount taker never needs it (see _lag)
    row[COL_STEPS:COL_STEPS + STEP_DRAWS * steps] = np.nan


#: What `_prefetch` draws for each of a customer's orders, by row of `pre`: the dispute
#: stream's three uniforms, the cash and lag uniforms, the first block of responses, and the
#: lag itself (NaN: drawn when needed).
PRE_DISPUTE, PRE_CASH, PRE_LAG, PRE_RESPONSE, PRE_LAG_DAYS = 0, 3, 4, 5, 9
N_PRE = PRE_LAG_DAYS + 1


@rng.compiled
def _prefetch(k0: np.uint64, k1: np.uint64, c: int, n: int, payer: int, payer_f: np.ndarray,
              pre: np.ndarray) -> None:
    """The uniforms most invoices read, for each of customer c's n orders (as if each were
    invoiced), in a loop of Philox blocks alone: the compiler runs it several orders at a
    time in vector registers, where a block drawn when first read waits on its ten rounds
    alone (12.4 ns against 0.8 ns a block, measured). The same numbers either way. A
    lognormal lag (_lag's, the same bits) is computed in vector registers too."""
    n_v = min(rng.lanes(n), pre.shape[1])  # (on to whole vectors: rng.lanes)
    cu = np.uint64(c)
    dispute, cash, lag = np.uint64(ST_DISPUTE), np.uint64(ST_CASH), np.uint64(ST_LAG)
    response = np.uint64(ST_RESPONSE)
    for j in range(n_v):
        v = np.uint64(j)
        w0, w1, w2, _ = rng.block(k0, k1, cu, v, dispute, np.uint64(0))
        pre[PRE_DISPUTE, j], pre[PRE_DISPUTE + 1, j] = rng.unit(w0), rng.unit(w1)
        pre[PRE_DISPUTE + 2, j] = rng.unit(w2)
        pre[PRE_CASH, j] = rng.unit(rng.block(k0, k1, cu, v, cash, np.uint64(0))[0])
        pre[PRE_LAG, j] = rng.unit(rng.block(k0, k1, cu, v, lag, np.uint64(0))[0])
        r0, r1, r2, r3 = rng.block(k0, k1, cu, v, response, np.uint64(0))
        pre[PRE_RESPONSE, j], pre[PRE_RESPONSE + 1, j] = rng.unit(r0), rng.unit(r1)
        pre[PRE_RESPONSE + 2, j], pre[PRE_RESPONSE + 3, j] = rng.unit(r2), rng.unit(r3)
    if payer_f[payer, Y_HAS_LAG] > 0.0 and payer_f[payer, Y_LAG] == DIST_LOGNORMAL:
        mu, sigma, early = payer_f[payer, Y_LAG + 1], payer_f[payer, Y_LAG + 2], payer_f[
            payer, Y_EARLY]
        for j in range(n_v):
            pre[PRE_LAG_DAYS, j] = rng.lognormal_both(pre[PRE_LAG, j], mu, sigma) - early
    else:
        pre[PRE_LAG_DAYS, :n_v] = np.nan


@rng.compiled
def _open_opening(inv_f: np.ndarray, inv_i: np.ndarray, k: int, row: np.ndarray,
                  key: np.ndarray, drawn: np.ndarray, net: float, cust: Customers,
                  par: Params) -> None:
    """CustomerBook.open_book for opening invoice k (made by _new_invoice): its prepared
    draws into `row`, its course opened at day 0 and its ladder resumed where its age is."""
    for col in range(row.size):  # (a slice copy would allocate)
        row[col] = drawn[col]
    _open_invoice(inv_f, inv_i, k, row, key, net, -1, 0.0, cust, par)
    grade = inv_i[k, I_GRADE]
    steps = int(par.grade_f[grade, G_STEPS])
    inv_i[k, I_STEP] = steps
    for j in range(steps):
        if inv_f[k, F_EFF_DUE] + par.lad_f[grade, j, D_DAY] >= 0.0:
            inv_i[k, I_STEP] = j
            break


@rng.compiled_inline
def _issue(ws: Work, k: int, c: int, j: int, day: float, amount: float, today: int,
           cust: Customers, par: Params, tally: np.ndarray, ordered_at: float, g: int,
           account: int) -> None:
    """CustomerBook.issue + des._plan: invoice order j of customer c, placed at
    `ordered_at`, at `day` (its first draws from `ws.pre`, see _prefetch; `tally`: the
    customer's).

    Inlined where it is called (its caller passed ~190 machine words of array descriptors
    on every call otherwise, measured at over half of the kernel's own time)."""
    inv_f, inv_i, row, key, pre = ws.inv_f, ws.inv_i, ws.row, ws.key, ws.pre
    _new_invoice(inv_f, inv_i, k, c, j, cust, day, amount, 0)
    inv_i[k, I_GRADE] = g  # its customer's grade now (policy.rerating)
    inv_i[k, I_ACCOUNT] = account
    key[3] = np.uint64(j)
    _base_from(row, pre[PRE_DISPUTE, j], pre[PRE_DISPUTE + 1, j], pre[PRE_DISPUTE + 2, j],
               cust.seg[c], par.seg_f, int(par.grade_f[g, G_STEPS]))
    row[COL_CASH], row[R_LAG_U] = pre[PRE_CASH, j], pre[PRE_LAG, j]
    row[COL_LAG] = pre[PRE_LAG_DAYS, j]
    for q in range(4):  # (the response columns of steps 0-3, those the ladder has)
        col = COL_STEPS + STEP_DRAWS * q
        if col < row.size:
            row[col] = pre[PRE_RESPONSE + q, j]
    # its customer's payer type on the day of the order (CustomerBook.order_payers); a lag
    # prefetched for the customer's own type is drawn again from its uniform (_lag)
    payer = payer_at(cust.payer[c], cust.soured[c, 0], cust.soured[c, 1], ordered_at)
    if payer != cust.payer[c]:
        inv_i[k, I_PAYER] = payer
        row[COL_LAG] = np.nan
    _open_invoice(inv_f, inv_i, k, row, key, par.grade_f[g, G_NET],
                  _tier(cust, c, g, payer), day, cust, par)
    _plan(inv_f, inv_i, k, row, key, day, today, par, tally, ws.esc)


@rng.compiled_inline
def _listed(inv_f: np.ndarray, k: int, pend: np.ndarray, n_pend: int, live: np.ndarray,
            n_live: int) -> tuple[int, int]:
    """A newly planned invoice joins the lists of invoices to book and not yet settled."""
    if inv_f[k, F_BOOK_DAY] < INF:
        pend[n_pend] = k
        n_pend += 1
    live[n_live] = k
    return n_pend, n_live + 1


@rng.compiled
def _write_ledger(ledger: np.ndarray, n: int, inv_f: np.ndarray, inv_i: np.ndarray,
                  first: int, last: int, letters: np.ndarray) -> int:
    """The customer's invoices as ledger rows, from row n on (`letters`: the grades' letters,
    the invoice's written here: a NumPy pass over the finished ledger took 3% of the run)."""
    for k in range(first, last):
        _ledger_row(ledger, n, inv_f, inv_i, k)
        ledger[n].grade = letters[inv_i[k, I_GRADE]]
        n += 1
    return n


@rng.compiled_inline
def _ledger_row(ledger: np.ndarray, n: int, inv_f: np.ndarray, inv_i: np.ndarray,
                k: int) -> None:
    """Invoice k as ledger row n (ledger.ledger_row), its grade left to the caller (a letter
    per segment)."""
    r = ledger[n]
    outcome = inv_i[k, I_OUTCOME]
    r.customer, r.order_index = inv_i[k, I_CUST], inv_i[k, I_OINDEX]
    r.segment, r.payer = inv_i[k, I_SEG], inv_i[k, I_PAYER]
    r.opening, r.disputed = inv_i[k, I_OPENING] == 1, inv_i[k, I_DISPUTED] == 1
    r.issue_day, r.due_day = inv_f[k, F_ISSUE], inv_f[k, F_DUE]
    r.effective_due_day = inv_f[k, F_EFF_DUE]
    r.settle_day = INF if outcome == OPEN else inv_f[k, F_SETTLE]
    r.credited_day = inv_f[k, F_CREDITED_AT] if inv_f[k, F_CREDITED] > 0 else INF
    r.outcome = outcome
    r.amount, r.paid, r.discount = inv_f[k, F_AMOUNT], inv_f[k, F_PAID], inv_f[k, F_DISCOUNT]
    r.credited, r.written_off = inv_f[k, F_CREDITED], inv_f[k, F_WRITTEN_OFF]
    r.open = (inv_f[k, F_AMOUNT] - inv_f[k, F_PAID] - inv_f[k, F_DISCOUNT]
              - inv_f[k, F_CREDITED] - inv_f[k, F_WRITTEN_OFF])
    r.penalty, r.agency_fee = inv_f[k, F_PENALTY], inv_f[k, F_FEE]
    r.dunning_cost, r.actions = inv_f[k, F_DUNNING], inv_i[k, I_ACTIONS]


@rng.compiled
def _customers(c_from: int, k0: np.uint64, k1: np.uint64, cust: Customers, orders: Orders,
               op: OpeningBook, par: Params, ws: Work, res: Results, ledger: np.ndarray,
               n_out: int) -> tuple[int, int]:
    """Customers c_from, c_from + 1, ... start to finish, each into its ledger rows.

    Returns (the next customer to simulate, rows written): it stops early, before a customer
    whose invoices might not fit the ledger, so that the caller can make it longer.

    Compiled without reference counting (`_nrt=False`, as are the functions it calls): it
    allocates nothing, every work area comes in sized for the busiest customer (see
    `_workspace`). Counting references to the dozens of arrays passed down to each
    invoice's helpers was two thirds of the engine's time.
    """
    # (the records' arrays under short local names: a name is only a register here)
    p, grade_f, payer_f, cal = par.p, par.grade_f, par.payer_f, par.cal
    inv_f, inv_i, ordered, receipts, row, key, pre = (ws.inv_f, ws.inv_i, ws.ordered,
                                                      ws.receipts, ws.row, ws.key, ws.pre)
    c_bankrupt, lost_from, cancel_from, tally = (cust.bankrupt, res.lost_from,
                                                 res.cancel_from, res.tally)
    op_start = op.start
    n = cust.seg.size
    n_days = math.ceil(p[P_END])
    rebates = p[P_REBATE_RATE] > 0
    start, end = p[P_START], p[P_END]
    key[0], key[1] = k0, k1
    o_amount, o_thin, held_t, o_z = ws.f[0], ws.f[1], ws.f[2], ws.f[3]
    # a customer's accounts: their losses, closings and ends (output.absence_table)
    losses, closures, ends = ws.f[4], ws.f[5], ws.f[6]
    o_fate, o_cand, held_o, held_f, pend, live = (ws.i[0], ws.i[1], ws.i[2], ws.i[3],
                                                   ws.i[4], ws.i[5])
    for c in range(c_from, n):
        seg, grade, payer = cust.seg[c], cust.grade[c], cust.payer[c]
        o_time = orders.times[orders.start[c]:orders.start[c + 1]]
        n_o = o_time.size
        n_op = op_start[c + 1] - op_start[c]
        if n_out + n_o + n_op > ledger.size:
            return c, n_out
        key[2] = np.uint64(c)
        credit = orders.credit[grade] > 0.0
        joined = cust.joins[c] > 0
        classify(k0, k1, c, c_bankrupt[c], o_time, orders.amount_f[seg], credit and joined,
                 orders.share[grade], p[P_M_MAX], o_amount, o_thin, o_cand, o_fate, o_z)
        _prefetch(k0, k1, c, n_o, payer, payer_f, pre)
        first = 0
        last = first
        ordered[:] = 0.0
        receipts[:] = 0.0
        limit = cust.limit0[c]
        lost_from[c], cancel_from[c] = INF, INF
        n_lost = 0  # its accounts ended (losses[:n_lost]; the current: lost_from[c], ...)
        back = -INF  # its latest return (CustomerBook.back_at)
        rebate_sales, rebate_late, eased = 0.0, False, False
        reopen = -INF  # (CustomerBook.reopen_at)
        ws.esc[:] = -INF  # (RuleBook.escalated)
        rating = ws.rating  # (CustomerBook.rating)
        rating[R_GRADE], rating[R_OWN], rating[R_SINCE], rating[R_LATE] = grade, grade, 0.0, 0.0
        nh = 0
        m_seen = 0
        # the opening book: issued before day 0, its ladder resumed where its age is
        for q in range(op_start[c], op_start[c + 1]):
            k = last
            last += 1
            _new_invoice(inv_f, inv_i, k, c, op.number[q], cust, op.issue[q], op.amount[q], 1)
            _open_opening(inv_f, inv_i, k, row, key, op.draws[q], op.net[grade], cust, par)
            _plan(inv_f, inv_i, k, row, key, 0.0, -1, par, tally[c], ws.esc)
            lost_from[c] = min(lost_from[c], inv_f[k, F_LOST_AT])
            cancel_from[c] = min(cancel_from[c], _closure(inv_f, k, p))
        o = 0  # the next candidate order
        while o < n_o and o_cand[o] == 0:
            o += 1
        today = -1
        # invoices still to book, and those not settled yet (a plan is fixed at issue when
        # collectors are unlimited, so each list is filled once per invoice)
        n_pend = n_live = 0
        for k in range(first, last):
            n_pend, n_live = _listed(inv_f, k, pend, n_pend, live, n_live)
        while True:
            # the next day anything can happen to this customer
            day = n_days
            if o < n_o:
                day = min(day, math.floor(o_time[o]))
            if nh > 0:
                # a held order ships only on a day that eases its block (a settlement booked,
                # or a new month's limit); any other day it can only expire, and the next
                # such day (or the horizon's last, below) finds it expired just the same.
                # Visiting every day instead was 60% of the days the kernel visited.
                day = min(day, cal[CAL_NEXT_MONTH, today + 1])
                for q in range(n_pend):
                    day = min(day, int(inv_f[pend[q], F_BOOK_DAY]))
                # nor on the first day of a cancelled line or a closed account, which turns
                # the held orders into cash or lost sales rather than letting them expire
                day = _next_cancelled(inv_f, live, n_live, today, cancel_from[c], reopen, p,
                                      day)
                day = _next_refusal(rating, today, grade_f, p, day)
            if rebates:
                day = min(day, cal[CAL_NEXT_YEAR, today + 1])
            if day >= n_days:
                break
            today = day
            n_live, reopen = _prune_live(inv_f, live, n_live, float(day), reopen, p)
            n_pend, booked, late, closed = _book_due(inv_f, inv_i, pend, n_pend, float(day),
                                                     receipts, p, rating, back)
            cancel_from[c] = min(cancel_from[c], closed)
            eased = eased or booked
            rebate_late = rebate_late or late
            m_now = cal[CAL_MONTH, day]
            if day > 0 and m_now > m_seen:
                # every month begun since the last visit, in turn: a smoothed limit carries
                # each month's orders over (the other methods only read the latest months)
                limit_from = cust.limit_from[c]
                if p[P_LIMIT_METHOD] > 0 and m_now >= limit_from:
                    for m in range(max(m_seen + 1, int(limit_from)), m_now + 1):
                        limit = _limit(p, m, ordered, receipts, cust.factor[c], limit,
                                       limit_from)
                    if nh > 0:
                        eased = True
                m_seen = m_now
            if cal[CAL_YEAR_END, day] == 1:
                if rebates:
                    for k in range(first, last):
                        if (inv_f[k, F_EFF_DUE] + p[P_REBATE_GRACE] < day
                                < inv_f[k, F_SETTLE]):
                            rebate_late = True
                    if (rebate_sales >= p[P_REBATE_THRESHOLD] and not rebate_late
                            and start < day <= end):
                        res.rebate_paid[c] += p[P_REBATE_RATE] * rebate_sales
                rebate_sales, rebate_late = 0.0, False
            # release held orders whose block has cleared, lose those that waited too long
            keep = 0
            for h in range(nh):
                i, deadline, cause = held_o[h], held_t[h], held_f[h]
                if _expired(float(day), deadline, c_bankrupt[c], lost_from[c]):
                    o_fate[i] = cause
                elif _line_cancelled(inv_f, live, n_live, float(day), cancel_from[c], reopen,
                                     p):  # the line was cancelled or the account closed
                    o_fate[i] = _cancelled(o_thin[i], p)
                elif grade_f[_grade_now(rating, grade, float(day), p), G_CREDIT] == 0.0:
                    o_fate[i] = _refused(o_thin[i], p)  # re-rated to a grade refused credit
                elif eased and _blocked(inv_f, live, n_live, float(day), o_amount[i],
                                        _cap(limit, grade, _grade_now(rating, grade, float(day),
                                                                      p), grade_f)) == 0:
                    k = last
                    last += 1
                    o_fate[i] = FATE_SHIPPED
                    _issue(ws, k, c, i, float(day), o_amount[i], today, cust, par, tally[c],
                           o_time[i], _grade_now(rating, grade, float(day), p), n_lost)
                    rebate_sales += o_amount[i]
                    n_pend, n_live = _listed(inv_f, k, pend, n_pend, live, n_live)
                    lost_from[c] = min(lost_from[c], inv_f[k, F_LOST_AT])
                    cancel_from[c] = min(cancel_from[c], _closure(inv_f, k, p))
                else:
                    held_o[keep], held_t[keep], held_f[keep] = i, deadline, cause
                    keep += 1
            nh = keep
            eased = False
            # the day's orders
            while o < n_o and o_time[o] < day + 1.0:
                i = o
                o += 1
                while o < n_o and o_cand[o] == 0:
                    o += 1
                t, amount = o_time[i], o_amount[i]
                ended = account_end(lost_from[c], cancel_from[c], p[P_BACK])
                if t >= ended:
                    # won back, on a fresh account (CustomerBook.won_back): its old invoices,
                    # planned at their issue, carry no more effects over, and leave the
                    # list its account's checks read. It bought nothing while away, so only
                    # an opening invoice stated as not yet issued by then (§14) is the fresh
                    # account's, as every engine takes an invoice issued since the return.
                    back = ended
                    losses[n_lost], closures[n_lost], ends[n_lost] = (lost_from[c],
                                                                      cancel_from[c], back)
                    n_lost += 1
                    lost_from[c], cancel_from[c], reopen = INF, INF, -INF
                    n_live = _fresh(inv_f, live, n_live, back)
                elif t >= lost_from[c]:
                    o_fate[i] = L_LOST
                    continue
                if _line_cancelled(inv_f, live, n_live, t, cancel_from[c], reopen, p):
                    o_fate[i] = _cancelled(o_thin[i], p)
                    continue
                g = _grade_now(rating, grade, t, p)
                if grade_f[g, G_CREDIT] == 0.0:
                    o_fate[i] = _refused(o_thin[i], p)  # re-rated to a grade refused credit
                    continue
                ordered[_month_of(t, p)] += amount
                block = _blocked(inv_f, live, n_live, t, amount, _cap(limit, grade, g, grade_f))
                if block == L_LIMIT and (rng.uniform_at(k0, k1, ST_APPROVAL, c, i, 0)
                                         < grade_f[g, G_APPROVAL]):
                    block = 0
                if block != 0:
                    held_o[nh], held_f[nh] = i, block
                    held_t[nh] = _deadline(t, key, c, i, seg, par)
                    nh += 1
                    continue
                k = last
                last += 1
                o_fate[i] = FATE_SHIPPED
                _issue(ws, k, c, i, t, amount, today, cust, par, tally[c], t, g, n_lost)
                rebate_sales += amount
                n_pend, n_live = _listed(inv_f, k, pend, n_pend, live, n_live)
                lost_from[c] = min(lost_from[c], inv_f[k, F_LOST_AT])
                cancel_from[c] = min(cancel_from[c], _closure(inv_f, k, p))
        # the settlements booked on days the loop did not visit: a write-off among them
        # closes the account, which decides the fate of the orders never shipped on credit
        n_pend, _, _, closed = _book_due(inv_f, inv_i, pend, n_pend, float(n_days - 1),
                                         receipts, p, rating, back)
        cancel_from[c] = min(cancel_from[c], closed)
        for h in range(nh):  # held to the end: lost if they expired on a day not visited
            if _expired(float(n_days - 1), held_t[h], c_bankrupt[c], lost_from[c]):
                o_fate[held_o[h]] = held_f[h]
        for k in range(first, last):
            _close(inv_f, inv_i, k, end, par)
        n_out = _write_ledger(ledger, n_out, inv_f, inv_i, first, last, par.letters)
        # the orders never shipped on credit get their fate, then the tallies
        losses[n_lost], closures[n_lost] = lost_from[c], cancel_from[c]  # (its current one)
        ends[n_lost] = account_end(lost_from[c], cancel_from[c], p[P_BACK])
        n_lost += 1
        tally_customer(res.acc, o_time, c_bankrupt[c], o_amount, o_thin, o_cand, o_fate,
                       credit, joined, p[P_M_MAX], p[P_CASH_KEPT], losses[:n_lost],
                       closures[:n_lost], ends[:n_lost], start, end, cust.ref[c])
        res.lost[c], res.away[c] = absence(losses[:n_lost], ends[:n_lost], cust.joined[c],
                                           c_bankrupt[c], start, end)
    return n, n_out


# ---- the driver ---------------------------------------------------------------------------


#: Takes each chunk of ledger rows (a view, valid until it returns)
Chunks = Callable[[np.ndarray], None]
#: Ledger rows a chunked run holds at once (140 bytes each: about 9 MiB)
CHUNK_ROWS = 1 << 16


def run_fast(scenario: Scenario, policy: Policy, seed: int, screening: bool = False,
             chunks: Chunks | None = None, chunk_rows: int | None = None) -> EngineOutput:
    """Simulate one replication with the fast engine (the same result as `run_des`).

    With `screening`, a finite collector team is treated as one that never makes a call
    wait: an approximation for screening many policies quickly, whose figures the SimPy
    engine must confirm. Utilisation is then the collector time offered over the team's
    capacity (above 100%: the team could not cope) and the wait is unknown (NaN).

    With `chunks`, the ledger is not kept: its rows are handed to `chunks` as they are
    written, in ledger order, whole customers at a time, at most `chunk_rows` rows at a time
    (CHUNK_ROWS by default; more where one customer has more invoices), each chunk
    overwritten once `chunks` returns; the output's ledger is then empty. The same rows come
    out, in the same order.
    """
    reason = screening_for(scenario) if screening else exact_for(scenario, policy)
    if reason is not None:
        raise EngineError(f"the fast engine cannot run this scenario: {reason}; "
                          "use --engine des (or auto)")
    with gc_paused():
        return _run(scenario, policy, seed, screening, chunks,
                    CHUNK_ROWS if chunk_rows is None else chunk_rows)


def _run(scenario: Scenario, policy: Policy, seed: int, screening: bool,
         chunks: Chunks | None = None, chunk_rows: int = CHUNK_ROWS) -> EngineOutput:
    staff = policy.collections.collectors
    start = scenario.horizon.warmup_days
    end = start + scenario.horizon.horizon_days
    rules = RuleBook(scenario, policy, collectors_finite=False, seed=seed)
    customers = draw_customers(scenario, seed)
    out = EngineOutput(engine="screen" if screening else "fast", window=(start, end),
                       ledger=np.empty(0, dtype=LEDGER_DTYPE), actions={},
                       collector=CollectorStats(collectors=staff))
    book = CustomerBook(scenario, policy, seed, customers, rules, out)
    n = customers.count
    orders = book.order_rules()
    opening = Opening(scenario, seed, rules, customers, book, orders.grade)
    arrays = _policy_arrays(scenario, policy, rules, book, start, end)
    cust = _customer_columns(customers, book, orders, arrays)
    par = _params(scenario, policy, arrays, book, math.ceil(end))
    k0, k1 = streams._seed_key(seed)
    o_start, o_times = arrival_csr(k0, k1, 0, book.customer_gaps(), customers.joined, end)
    arrivals = Orders(o_start, o_times, orders.amount, orders.credit, orders.share)
    most = int(np.diff(o_start).max(initial=0)) + int(np.diff(opening.start).max(initial=0))
    ws = _workspace(most, book.months, opening.draws.shape[1])
    res = Results(np.full(n, INF), np.zeros(n, dtype=np.int64), np.zeros(n), np.full(n, INF),
                  np.zeros(n), np.zeros((n, len(ACTIONS) + 1, 2)), np.zeros(ORDER_TALLY))
    # room for the expected invoices and a margin; made longer if a run needs more. Not
    # zeroed: the kernel writes every field of every row it keeps (_ledger_row), and zeroing
    # 30 MB first was 1.5% of a replication. Chunked, room for a chunk, or for the busiest
    # customer where it has more invoices
    ledger = np.empty(max(1, chunk_rows, most) if chunks is not None else
                      int(1.1 * _expected_invoices(scenario, book, end)) + opening.count + 1024,
                      dtype=LEDGER_DTYPE)
    c, rows = 0, 0
    while True:
        c, rows = _customers(c, k0, k1, cust, arrivals, opening.record(), par, ws, res,
                             ledger, rows)
        if c >= n:
            break
        ledger, rows = _make_room(ledger, rows, chunks)
    if chunks is not None:
        if rows:
            chunks(ledger[:rows])
        ledger, rows = ledger[:0], 0
    out.ledger = ledger[:rows]
    store_order_tally(out, res.acc)
    out.rebates = float(res.rebate_paid.sum())
    out.actions = actions_summary(res.tally[:, :BUSY])
    # the work an unlimited team did, or (screening) the work offered to a finite one
    out.collector.busy_days, out.collector.tasks_served = collector_work(res.tally[:, BUSY])
    if staff is not None:
        out.collector.wait_days_total = math.nan
    population(out, customers.joined, book.joins, customers.initial,
               customers.bankruptcy_day, res.lost, res.away)
    return out


def _make_room(ledger: np.ndarray, rows: int, chunks: Chunks | None) -> tuple[np.ndarray, int]:
    """Room for the next customer's invoices, which did not fit after `rows` rows: the
    chunk so far handed to `chunks` and its rows reused, or (the whole ledger kept, or one
    customer's invoices more than a chunk's room) a longer ledger."""
    if chunks is not None and rows > 0:
        chunks(ledger[:rows])
        return ledger, 0
    return np.resize(ledger, int(1.5 * ledger.size) + 1024), rows


CAL_MONTH, CAL_YEAR_END, CAL_NEXT_YEAR, CAL_NEXT_MONTH = range(4)


def _calendar(month: float, year: float, days: int) -> np.ndarray:
    """Per day: its month's number, whether a year ends as it starts, and (indexed by the
    day + 1) the first year end and the first day of a new month after it, computed once
    with the SimPy engine's formulas: divisions and roundings per day were a third of the
    kernel's time."""
    day = np.arange(days + 2, dtype=np.float64)
    cal = np.zeros((4, days + 2), dtype=np.int64)
    cal[CAL_MONTH] = np.floor(day / month)
    cal[CAL_YEAR_END] = (day > 0) & (np.floor(day / year) > np.floor((day - 1) / year))
    today = day - 1.0
    cal[CAL_NEXT_YEAR] = np.ceil(np.maximum(1.0, np.floor(today / year) + 1) * year)
    # (after a day d - 1, the first day from d on that starts a month: past the calendar
    # when none does, which ends the loop all the same)
    starts = np.flatnonzero(np.diff(cal[CAL_MONTH]) > 0) + 1
    following = np.searchsorted(starts, np.arange(days + 2))
    cal[CAL_NEXT_MONTH] = np.append(starts, days + 2)[following]
    return cal


def _workspace(most: int, months: int, width: int) -> Work:
    """The kernel's work areas, sized for the customer with the most orders and invoices
    (`most`), its months and its draw rows' width."""
    most = rng.lanes(max(most, 1))
    return Work(f=np.zeros((7, most)), i=np.zeros((6, most), dtype=np.int64),
                inv_f=np.zeros((most, N_F)), inv_i=np.zeros((most, N_I), dtype=np.int64),
                ordered=np.zeros(months), receipts=np.zeros(months), row=np.zeros(width),
                key=np.zeros(4, dtype=np.uint64), pre=np.zeros((N_PRE, most)),
                esc=np.full(ESC_SLOTS, -INF), rating=np.zeros(N_RATING))


def _customer_columns(customers: CustomerTable, book: CustomerBook, orders: OrderRules,
                      arrays: dict[str, np.ndarray]) -> Customers:
    """The customers' fixed columns as both compiled engines read them."""
    learn_extra, learn_span = book.learning_arrays()
    return Customers(seg=orders.segment, grade=orders.grade,
                     payer=customers.payer.astype(np.int64),
                     funding=customers.funding_cost_annual, bankrupt=orders.bankrupt,
                     recovery=customers.recovery_share, tier=book.tier_table,
                     tier_by=book.tier_by,
                     soured=customers.soured,
                     limit0=arrays["limit0"], factor=arrays["factor"],
                     limit_from=book.limit_months, joins=orders.joins,
                     ref=book.reference_shares(),
                     joined=customers.joined, learn_extra=learn_extra, learn_span=learn_span)


def _params(scenario: Scenario, policy: Policy, arrays: dict[str, np.ndarray],
            book: CustomerBook, days: int) -> Params:
    """The scenario and the policy as the kernels read them (`arrays`: _policy_arrays's),
    with a calendar of `days` days."""
    c = policy.collections
    cp = np.asarray([1.0 if c.collectors is not None else 0.0, c.max_wait_days,
                     float(WORK_ORDERS.index(c.work_order)), c.quadrant_amount,
                     c.quadrant_age_days])
    age = np.empty((2, AGE_DAYS))
    _age_bounds(arrays["p"], age)
    return Params(grade_f=arrays["grade_f"], lad_f=arrays["lad_f"], seg_f=arrays["seg_f"],
                  payer_f=arrays["payer_f"], p=arrays["p"],
                  cal=_calendar(book.month, book.year, days), cp=cp,
                  letters=np.asarray(GRADES), age=age)


def _expected_invoices(scenario: Scenario, book: CustomerBook, end: float) -> float:
    """Invoices a run may be expected to issue: every segment's orders at its terms' rate."""
    years = end / book.year  # (newcomers, arriving evenly, order for half the run)
    return sum((s.customers + s.newcomers_per_year * book.mult[s.grade] * years / 2.0)
               * s.orders_per_year * book.mult[s.grade] * years
               for s in scenario.segments if book.terms[s.grade] is not None)


def _policy_arrays(scenario: Scenario, policy: Policy, rules: RuleBook, book: CustomerBook,
                   start: float, end: float) -> dict[str, np.ndarray]:
    """Scenario and policy as the plain arrays the kernel reads."""
    grade_f = np.zeros((4, N_G))
    lad_f = np.zeros((4, MAX_STEPS, D_RESPONSE + len(PAYER_TYPES)))
    for g, grade in enumerate(GRADES):
        terms = book.terms[grade]
        if terms is not None:
            grade_f[g, G_NET] = terms.net_days
            grade_f[g, G_EOM] = 1.0 if terms.end_of_month else 0.0
            for j, tier in enumerate(terms.discounts):
                grade_f[g, G_RATE + j], grade_f[g, G_WINDOW + j] = tier.rate, tier.window_days
        ladder = rules.ladders[grade]
        grade_f[g, G_STEPS] = len(ladder)
        grade_f[g, G_FIRST_ACCOUNT] = next(
            (j for j, rule in enumerate(ladder) if rule.action in ACCOUNT_STEPS), len(ladder))
        grade_f[g, G_CEILING] = book.ceiling[grade]
        grade_f[g, G_APPROVAL] = book.approval[grade]
        grade_f[g, G_CREDIT] = 0.0 if terms is None else 1.0
        grade_f[g, G_SCALE:G_SCALE + len(GRADES)] = book.limit_scale[g]
        for j, rule in enumerate(ladder):
            lad_f[g, j, :D_RESPONSE] = (rule.day, rule.cost, rule.service_days, rule.loss,
                                        rule.min_amount, ACTIONS.index(rule.action))
            lad_f[g, j, D_RESPONSE:] = rule.response
    seg_f = np.asarray([(s.disputes.share, s.disputes.upheld_share, s.disputes.credited_share,
                         s.cash_available_share, s.bankruptcy_recovery_days,
                         s.disputes.raised_after_days, *dist_params(s.disputes.resolution_days),
                         0.0 if s.order_patience_days is None else 1.0,
                         *(np.zeros(4) if s.order_patience_days is None
                           else dist_params(s.order_patience_days)))
                        for s in scenario.segments], dtype=float)
    payer_f = np.zeros((len(PAYER_TYPES), Y_EARLY + 1))
    for k, dist in enumerate(rules.lag):
        payer_f[k, :Y_LAG] = rules.delay[k], rules.breaks[k], rules.deterred[k]
        if dist is not None:
            payer_f[k, Y_LAG:Y_LAG + 4] = dist_params(dist)
            payer_f[k, Y_HAS_LAG], payer_f[k, Y_EARLY] = 1.0, rules.early[k]
    limits = policy.credit_limit
    method = {"none": 0.0, "sales": LIMIT_SALES, "receipts": LIMIT_RECEIPTS,
              "working_assets": LIMIT_FIXED}[limits.method]
    limit0 = (book.limit0 if book.limit0 is not None
              else np.full(book.customers.count, INF))
    factor = np.asarray([limits.factor(s.grade) for s in scenario.segments])[
        book.customers.segment]
    pen, rebate, legal = policy.late_penalty, policy.rebate, scenario.legal
    write_off = policy.write_off.days_overdue
    p = np.zeros(N_P)
    p[P_START], p[P_END], p[P_YEAR], p[P_MONTH] = start, end, book.year, book.month
    p[P_PER_MONTH] = 1.0 / book.month
    p[P_HOLD] = scenario.demand.blocked_hold_days
    p[P_CASH_KEPT], p[P_M_MAX] = book.cash_kept, book.m_max
    p[P_LIMIT_METHOD], p[P_STD_PERIOD] = method, limits.standard_credit_period_days
    p[P_SMOOTHING] = limits.smoothing if limits.smoothing is not None else 0.0
    p[P_LIMIT_FROM] = limits.first_month()
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
    p[P_AGE_SCALE], p[P_AGE_SHAPE] = scenario.age_factor.scale_years, scenario.age_factor.shape
    p[P_PEN_STEPS] = len(pen.steps)
    reopen = policy.credit_limit.reopen_after_days
    p[P_REOPEN] = INF if reopen is None else reopen
    p[P_COVERS] = policy.collections.covers_account_days
    p[P_BACK] = book.back_days
    rerating = policy.rerating
    p[P_RERATE_AFTER] = rerating.late_payments or 0
    p[P_RERATE_LATE], p[P_RERATE_CLEAN] = rerating.late_days, rerating.clean_days
    for i, (days, rate) in enumerate(pen.steps):
        p[P_PEN_DAYS + i], p[P_PEN_RATES + i] = days, rate
    if rules.service_cv > 0:
        shape, scale = streams.gamma_params(np.float64(1.0), np.float64(rules.service_cv))
        p[P_SERVICE_CV], p[P_SERVICE_SHAPE], p[P_SERVICE_SCALE] = 1.0, shape, scale
    return {"grade_f": grade_f, "lad_f": lad_f, "seg_f": seg_f, "payer_f": payer_f, "p": p,
            "limit0": limit0, "factor": factor}


class Opening:
    """The opening book, its draws drawn in full and prepared: grouped by customer (`start`
    indexes each customer's invoices), or (`by_customer=False`) as drawn, the order the
    reference engine opens them in."""

    def __init__(self, scenario: Scenario, seed: int, rules: RuleBook, customers: Any,
                 book: CustomerBook, grade_of: np.ndarray, by_customer: bool = True) -> None:
        n = customers.count
        self.net = np.asarray([t.net_days if t is not None else 30.0
                               for t in (book.terms[g] for g in GRADES)])
        drawn = opening_invoices(scenario, seed, rules.max_steps, customers.payer)
        if drawn is None or not drawn.count:
            self.start = np.zeros(n + 1, dtype=np.int64)
            self.customer = self.index = np.zeros(0, dtype=np.int64)
            self.issue = self.amount = np.zeros(0)
            self.draws = np.zeros((0, COL_STEPS + STEP_DRAWS * rules.max_steps))
            return
        rules.prepare(drawn.draws, customers.payer[drawn.customer],
                      customers.segment[drawn.customer])
        order = (customer_order(drawn.customer) if by_customer
                 else np.arange(drawn.count))
        cust = drawn.customer[order]
        self.customer = cust.astype(np.int64)
        self.start = np.searchsorted(cust, np.arange(n + 1)).astype(np.int64)
        self.issue = -drawn.days_overdue[order] - self.net[grade_of[cust]]
        self.amount = drawn.amount[order]
        self.index = drawn.index[order].astype(np.int64)
        self.draws = np.ascontiguousarray(drawn.draws[order])

    @property
    def count(self) -> int:
        """Number of opening invoices."""
        return int(self.issue.size)

    def record(self) -> OpeningBook:
        """The opening book as the kernels read it."""
        return OpeningBook(self.start, self.customer, self.issue, self.amount, self.index,
                           self.draws, self.net)
