"""The customer book: who may order, on what terms, against which limit.

Order acceptance (credit standard, demand thinning, lost customers, stop-shipping, credit
limits, held orders) and the yearly rebate live here, apart from any event machinery, so that
every engine applies the same rules.
"""

from __future__ import annotations

import functools
import math
from array import array
from typing import Any, NamedTuple, cast

import numpy as np

from .. import rng, streams
from ..behaviour import (
    GRADES,
    INF,
    N_RATING,
    R_GRADE,
    R_OWN,
    Invoice,
    Outcome,
    RuleBook,
    back_days,
    demand_multiplier,
    grade_at,
    learning_days,
    payer_at,
    rated_late,
    reference_multiplier,
    rerate,
)
from ..draws import (
    CustomerTable,
    OrderTable,
    arrival_csr,
    dist_params,
    invoice_draws,
    max_multiplier,
    order_gap_days,
    sample,
    sample_q,
)
from ..policy import Policy
from ..scenario import PAYER_TYPES, Scenario
from ..terms import Terms, best_tier_array
from .opening import OpeningInvoices
from .orders import candidate_table, tally_all
from .output import (
    CAUSES,
    FATE_CASH,
    FATE_LOST,
    FATE_SHIPPED,
    ORDER_TALLY,
    EngineOutput,
    absence_table,
    account_end,
    lost_and_away,
    stable_order,
    store_order_tally,
)

__all__ = ["DRAW_BATCH", "CustomerBook"]

#: Candidate orders whose behavioural draws the SimPy engine draws together.
DRAW_BATCH = 16_384

PAID_OUTCOMES = frozenset({Outcome.PAID, Outcome.PAID_DUNNED, Outcome.DISCOUNT, Outcome.AGENCY,
                           Outcome.LAWSUIT})


class OrderColumns(NamedTuple):
    """The candidate orders the event loop takes, in time order, a column each."""

    time: np.ndarray  #: when it is placed (days, float64)
    cust: np.ndarray  #: its customer (int64)
    number: np.ndarray  #: its number among its customer's orders (int64)
    amount: np.ndarray  #: its amount (float64)
    thin: np.ndarray  #: its thinning draw (float64)
    approval: np.ndarray  #: its approval draw, if it is over the limit (float64)


class OrderRules(NamedTuple):
    """The arguments orders.candidate_table() and orders.tally_all() take after the arrivals:
    per customer its segment, grade (0-3 for A-D), bankruptcy day and whether it buys from
    the company at all (1; 0 for a newcomer the policy's terms did not win); per segment the
    amount's distribution (draws.dist_params); per grade whether it buys on credit and its
    demand share; and the highest demand multiplier."""

    segment: np.ndarray
    grade: np.ndarray
    bankrupt: np.ndarray
    joins: np.ndarray
    amount: np.ndarray
    credit: np.ndarray
    share: np.ndarray
    m_max: float


def zeroed_doubles(count: int) -> array[float]:
    """A typed array of `count` zeros."""
    return array("d", [0.0]) * count  # (repeating one zero: 4x faster than from bytes)


def _typed(code: str, column: np.ndarray) -> array[Any]:
    """A column as a typed Python array: scalar access to NumPy arrays is slow in the event
    loop, and lists of Python numbers would cost 32 bytes a value, not 8."""
    typed = array(code)
    values = np.ascontiguousarray(column, dtype=np.float64 if code == "d" else np.int64)
    typed.frombytes(values.data.cast("B"))
    return typed


def _typed_column(code: str, field: str) -> functools.cached_property[array[Any]]:
    """A CustomerBook attribute: its order column `field` (OrderColumns) as a typed array,
    made the first time it is read (the compiled engines read the NumPy columns only)."""
    def typed(book: CustomerBook) -> array[Any]:
        return _typed(code, getattr(book.columns, field))

    return functools.cached_property(typed)


def limit_scale(policy: Policy) -> np.ndarray:
    """Per (own grade, grade now), what a re-rated customer's credit limit is multiplied by:
    its grade factors' ratio (policy.credit_limit.grade_factors), since the limit rests on
    what the company expects it to buy times its grade's factor. 1 on the diagonal, and
    everywhere without limits (an unlimited line stays unlimited) or where its own grade's
    factor is 0 (its limit is 0 whatever the ratio)."""
    scale = np.ones((len(GRADES), len(GRADES)))
    rule = policy.credit_limit
    if rule.method == "none":
        return scale
    for a, own in enumerate(GRADES):
        base = rule.factor(own)
        for b, now in enumerate(GRADES):
            if a != b and base > 0.0:
                scale[a, b] = rule.factor(now) / base
    return scale


class CustomerBook:
    """Per-customer state of one replication and the order-acceptance rules."""

    def __init__(self, scenario: Scenario, policy: Policy, seed: int, customers: CustomerTable,
                 rules: RuleBook, out: EngineOutput) -> None:
        """The customers' terms, tiers and limits; the SimPy engine then gives the book its
        orders (draw_candidates() or load_orders()), the fast engine draws them itself."""
        self.scenario, self.policy, self.rules, self.out = scenario, policy, rules, out
        self.seed, self.customers = seed, customers
        self.start, self.end = out.window
        self.year = float(scenario.conventions.days_in_year)
        self.month = self.year / 12.0
        self.m_max = max_multiplier(scenario)
        seg_grade = [s.grade for s in scenario.segments]
        # (as an array too: NumPy turns a list of 10,000 letters into one in 0.5 ms)
        self.grade_array = np.asarray(seg_grade)[customers.segment]
        n = customers.count
        #: every invoice in the order it was registered (None once an engine retired it)
        self.invoices: list[Invoice | None] = []
        self.held: list[tuple[int, float, str]] = []
        # customers whose held orders may ship now: a block only eases when one of the
        # customer's invoices settles or the limits are recomputed, so only these are rechecked
        self.eased: set[int] = set()
        self.terms: dict[str, Terms | None] = {
            g: (policy.terms.get(g) if g in policy.accepted_grades else None)
            for g in ("A", "B", "C", "D")}
        # each grade's demand response to its terms, through its own tables (demand.by_grade)
        self.mult = {g: demand_multiplier(scenario, t, g) for g, t in self.terms.items()}
        self.cash_kept = scenario.demand.cash_only_share_kept
        #: days after its payment that a line cancelled by a ladder step re-opens (None: never)
        self.reopen_days = policy.credit_limit.reopen_after_days
        #: per segment, its customers' patience with a held order (None: the scenario's hold)
        self.patience_params = [None if s.order_patience_days is None
                                else dist_params(s.order_patience_days)
                                for s in scenario.segments]
        self.approval_share = scenario.demand.blocked_approval_share
        # per grade: the share of the limit up to which orders are approved by rule, and the
        # chance of approval above it (CreditLimit.ceiling and approval_chance)
        rule = policy.credit_limit
        self.ceiling = {g: rule.ceiling(g) for g in "ABCD"}
        self.approval = {g: rule.approval_chance(g, self.approval_share) for g in "ABCD"}
        #: each customer's discount tier on its grade's terms (-1: none), and its opening
        #: credit limit (None: no limits), as arrays for the compiled engines
        #: and by payer type (a customer whose type sours takes the tier of its new type)
        self.tier_table = self._discount_tiers(customers)
        self.tier_array = self.tier_table[np.arange(n), customers.payer]
        #: re-rating on the payment record (policy.rerating): each customer's record (R_*
        #: columns of behaviour.rerate), its tier on every grade's terms by payer type, and
        #: per (own grade, grade now) what its limit is multiplied by (the grade factors' ratio)
        self.rerating = policy.rerating
        self.rerates = policy.rerating.late_payments is not None
        own = np.searchsorted(np.asarray(list(GRADES)), self.grade_array).astype(float)
        self.rating = np.zeros((n if self.rerates else 0, N_RATING))
        if self.rerates:
            self.rating[:, R_GRADE] = self.rating[:, R_OWN] = own
        self.tier_by = (self._discount_tiers(customers, every_grade=True) if self.rerates
                        else np.zeros((0, 4, len(PAYER_TYPES)), dtype=np.int64))
        self.limit_scale = limit_scale(policy)
        self._scale_rows = cast(list[list[float]], self.limit_scale.tolist())
        self.months = math.ceil(self.end / self.month) + 2
        self.limit0 = (self._expected_limits() if policy.credit_limit.method != "none"
                       else None)
        self.rebate_sales = np.zeros(n)
        self.rebate_late = np.zeros(n, dtype=bool)
        self.rebate_paid = np.zeros(n)  # per customer, so that every engine sums alike
        self.k0, self.k1 = streams._seed_key(seed)
        # the orders the event loop takes, in time order (see draw_candidates())
        self.fate = bytearray()  # what became of each of them
        # the candidates' behavioural draws, a batch of them at a time (see _row())
        self.batches: dict[int, Any] = {}
        self.batch_invoices: dict[int, list[Invoice]] = {}
        self.width = 0

    # The reference engine's per-customer state, as Python lists and typed arrays: made when
    # it first asks. The compiled engines keep their own arrays, and making these for 10,000
    # customers was 2 ms, a twentieth of a fast-engine replication.

    @functools.cached_property
    def tier(self) -> list[int]:
        """Each customer's discount tier (-1: none)."""
        return cast(list[int], self.tier_array.tolist())

    @functools.cached_property
    def limit(self) -> list[float] | None:
        """Each customer's credit limit in force (None: no limits); month_end replaces it."""
        return None if self.limit0 is None else cast(list[float], self.limit0.tolist())

    @functools.cached_property
    def grade(self) -> list[str]:
        """Each customer's grade letter."""
        return cast(list[str], self.grade_array.tolist())

    @functools.cached_property
    def segment(self) -> list[int]:
        """Each customer's segment."""
        return cast(list[int], self.customers.segment.tolist())

    @functools.cached_property
    def payer(self) -> list[int]:
        """Each customer's payer type (its index in PAYER_TYPES)."""
        return cast(list[int], self.customers.payer.tolist())

    @functools.cached_property
    def funding(self) -> list[float]:
        """Each customer's annual funding cost."""
        return cast(list[float], self.customers.funding_cost_annual.tolist())

    @functools.cached_property
    def bankrupt(self) -> list[float]:
        """Each customer's bankruptcy day (inf: never)."""
        return cast(list[float], self.customers.bankruptcy_day.tolist())

    @functools.cached_property
    def recovery(self) -> list[float]:
        """Each customer's recovery share in bankruptcy."""
        return cast(list[float], self.customers.recovery_share.tolist())

    @functools.cached_property
    def learning(self) -> tuple[list[float], list[float], list[float]]:
        """Per customer, how it learns the terms (learning_days): the extra days on its
        first day (0 for the opening population, which knows them), the days until it has
        learnt them, and the day it arrived."""
        extra, span = self.learning_arrays()
        return (cast(list[float], extra.tolist()), cast(list[float], span.tolist()),
                cast(list[float], self.customers.joined.tolist()))

    def learning_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """Per customer, learning_days' `extra` and `span` (see `learning`), as the
        compiled engines read them."""
        c = self.customers
        segs = self.scenario.segments
        extra = np.asarray([s.learning.extra_days for s in segs])[c.segment]
        extra[:c.initial] = 0.0
        span = np.asarray([s.learning.months for s in segs])[c.segment] * self.month
        return extra, span

    @functools.cached_property
    def lost_from(self) -> list[float]:
        """Each customer's latest loss (inf: not lost, or won back since)."""
        return [INF] * self.customers.count

    @functools.cached_property
    def back_at(self) -> list[float]:
        """Each customer's latest return on a fresh account (-inf: none, won_back()): the
        invoices issued before it are an old account's (current())."""
        return [-INF] * self.customers.count

    @functools.cached_property
    def back_days(self) -> float:
        """Days a lost customer stays away (demand.customer_loss.valued_days; inf: for good)."""
        return back_days(self.scenario)

    def ends_at(self, c: int) -> float:
        """When customer c's account ends (output.account_end: back_days after it was lost
        or closed for good; inf: not yet, or never)."""
        return cast(float, account_end(self.lost_from[c], self.cancel_from[c],
                                       self.back_days))

    def won_back(self, c: int) -> None:
        """Customer c, whose account has ended, buys again as a customer like it would: on a
        fresh account. The old account's loss and closing join the record (`returned`);
        from now on only the invoices issued from its return act on its account (current()):
        a stop, the balance against its limit, a cancelled line, a closing, a loss. Its old
        debts stay in collection."""
        self.returned[0].append(c)
        self.returned[1].append(self.lost_from[c])
        self.returned[2].append(self.cancel_from[c])
        self.back_at[c] = self.ends_at(c)
        self.account_no[c] += 1
        self.lost_from[c] = INF
        self.cancel_from[c] = INF
        self.reopen_at[c] = -INF

    @functools.cached_property
    def account_no(self) -> list[int]:
        """Each customer's current account's number: 0 for its first, one more each time
        it came back (its invoices carry it: their loss draws are the account's own)."""
        return [0] * self.customers.count

    def current(self, inv: Invoice) -> bool:
        """Whether the invoice is its customer's current account's (issued since its
        latest return, won_back())."""
        return inv.issue >= self.back_at[inv.customer]

    @functools.cached_property
    def returned(self) -> tuple[list[int], list[float], list[float]]:
        """The customers won back, as they came back (each customer's in time order): the
        customer, and when the account the return ended lost it and was closed for good
        (INF: never)."""
        return [], [], []

    def absences(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every customer's accounts: losses, closings and ends (output.absence_table)."""
        return absence_table(self.customers.count, self.returned,
                             np.asarray(self.lost_from, dtype=np.float64),
                             np.asarray(self.cancel_from, dtype=np.float64), self.back_days)

    def absence_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """Per customer, its losses within the window and its days away (output.absence)."""
        n = self.customers.count
        lost, away = np.zeros(n, dtype=np.int64), np.zeros(n)
        start_of, losses, _, ends = self.absences()
        cast(Any, lost_and_away)(start_of, losses, ends, self.customers.joined,
                                 self.customers.bankruptcy_day, self.start, self.end, lost,
                                 away)
        return lost, away

    @functools.cached_property
    def cancel_from(self) -> list[float]:
        """Each customer's day its credit line was cancelled for good or its account closed
        (inf: never). A line that re-opens (credit_limit.reopen_after_days) is not here: see
        cancelled()."""
        return [INF] * self.customers.count

    @functools.cached_property
    def reopen_at(self) -> list[float]:
        """Each customer's latest re-opening time of a line cancelled by an invoice that has
        left its open list (paid: its settle day + reopen_after_days; -inf: none)."""
        return [-INF] * self.customers.count

    @functools.cached_property
    def _ordered(self) -> array[float]:
        """Orders placed on credit terms (shipped or blocked), per customer and month in a
        row: the sales method's base, so that blocked orders do not shrink the limit that
        blocked them. A typed array, written a value at a time by the event loop (NumPy's
        scalar += costs ~10x more); `ordered_month` views it one row per customer."""
        return zeroed_doubles(self.customers.count * self.months)

    @functools.cached_property
    def ordered_month(self) -> np.ndarray:
        """`_ordered` as a NumPy view, one row per customer (for the month-end limits)."""
        return np.frombuffer(self._ordered).reshape(self.customers.count, self.months)

    @functools.cached_property
    def open(self) -> list[list[Invoice]]:
        """Each customer's open invoices, as issued: made when the reference engine first
        asks (the compiled engines keep their own, and ten thousand lists cost 2 ms)."""
        return [[] for _ in range(self.customers.count)]

    def draw_candidates(self, end: float) -> int:
        """Draw every customer's potential orders and keep, in time order, those the policy
        may ship on credit (the candidates); return how many. The others never enter the
        event loop: finish_orders() draws them again, with the same keys, to tally them."""
        self._end = end
        start, times = arrival_csr(self.k0, self.k1, 0, self.customer_gaps(),
                                   self.customers.joined, end)
        cust, index, time, amount, thin, approval = cast(Any, candidate_table)(
            self.k0, self.k1, start, times, *self.order_rules())
        del start, times  # drawn again, a customer at a time, to tally them (finish_orders)
        # by time, then customer and order number: the table comes by customer and order
        # number, so one stable sort by time keeps those ties in that order
        order = stable_order(time)
        # candidate r of the event loop (in time order) is candidate _rank[r] by customer
        self._rank = order.astype(np.int32)
        self._columns(time, cust, index, amount, thin, approval, order)
        return int(order.size)

    def load_orders(self, orders: OrderTable) -> None:
        """Take every order of a deterministic (textbook) run, in time order."""
        self.orders = orders
        self._columns(orders.time, orders.customer, orders.index, orders.amount, orders.thin,
                      orders.approval)

    def _columns(self, time: np.ndarray, cust: np.ndarray, index: np.ndarray,
                 amount: np.ndarray, thin: np.ndarray, approval: np.ndarray,
                 order: np.ndarray | None = None) -> None:
        """The event loop's order columns (`order`: rearranged so, one column at a time), as
        NumPy arrays for the compiled engines; the reference engine's typed copies of them
        are made only when it first asks (`o_time`, ...): at 100,000 customers the copies
        were 280 MB of fresh pages and a tenth of a second the SimPy engine never used."""
        def arranged(column: np.ndarray, dtype: type) -> np.ndarray:
            return np.ascontiguousarray(column if order is None else column[order],
                                        dtype=dtype)

        self.columns = OrderColumns(
            time=arranged(time, np.float64), cust=arranged(cust, np.int64),
            number=arranged(index, np.int64), amount=arranged(amount, np.float64),
            thin=arranged(thin, np.float64), approval=arranged(approval, np.float64))
        self.fate = bytearray(time.size)  # (a bytearray: written an order at a time)

    # the columns as typed Python arrays, for the reference engine's scalar reads (see _typed)
    o_time = _typed_column("d", "time")
    o_cust = _typed_column("q", "cust")
    o_index = _typed_column("q", "number")
    o_amount = _typed_column("d", "amount")
    o_thin = _typed_column("d", "thin")
    o_approval = _typed_column("d", "approval")

    @functools.cached_property
    def o_payer(self) -> array[int]:
        """Each candidate's payer type on the day of its order (order_payers)."""
        return _typed("q", self.order_payers(self.columns.time, self.columns.cust))

    def customer_gaps(self) -> np.ndarray:
        """Mean days between each customer's potential orders (at the highest demand)."""
        by_segment = np.asarray([order_gap_days(s, self.m_max, self.year)
                                 for s in self.scenario.segments])
        return np.asarray(by_segment[self.customers.segment], dtype=np.float64)

    def order_rules(self) -> OrderRules:
        """What decides each customer's candidate orders, as the compiled code reads it."""
        c = self.customers
        grade = np.searchsorted(np.asarray(list("ABCD")), self.grade_array)
        amount = np.stack([dist_params(s.order_amount) for s in self.scenario.segments])
        credit = np.asarray([1.0 if t is not None and t.net_days > 0 else 0.0
                             for t in (self.terms[g] for g in "ABCD")])
        share = np.asarray([self.mult[g] for g in "ABCD"])
        return OrderRules(c.segment.astype(np.int64), grade.astype(np.int64),
                          np.ascontiguousarray(c.bankruptcy_day, dtype=np.float64),
                          self.joins.astype(np.int64), amount, credit, share,
                          float(self.m_max))

    @functools.cached_property
    def joins(self) -> np.ndarray:
        """Per customer, whether it buys from the company: the opening population does; a
        newcomer stays if its own draw falls within its grade's demand share at the policy's
        terms (the same response that thins orders; the cash-only share on a grade refused
        credit), drawn at the highest multiplier so that every policy thins the same ones."""
        c = self.customers
        share = np.asarray([self.mult[s.grade] for s in self.scenario.segments])[c.segment]
        return (np.arange(c.count) < c.initial) | (c.join_draw * self.m_max < share)

    def reference_shares(self) -> np.ndarray:
        """Per customer, the demand multiplier of the market's terms for its orders' reference
        sales: the reference's multiplier (through its grade's tables), or -1 for a newcomer
        the market's terms would not have won (none of its orders are then reference sales)."""
        c = self.customers
        by_segment = np.asarray([reference_multiplier(self.scenario, s.grade)
                                 for s in self.scenario.segments])
        m_ref = by_segment[c.segment]
        won = (np.arange(c.count) < c.initial) | (c.join_draw * self.m_max < m_ref)
        return np.where(won, m_ref, -1.0)

    @functools.cached_property
    def limit_months(self) -> np.ndarray:
        """Per customer, the first month whose start recomputes its limit from its own
        history: the policy's first month for the opening population, and for a newcomer
        that many months after the first month it spent whole with the company (until
        then the limit expected from its rating holds). As floats, as the compiled engines
        read it."""
        c = self.customers
        first = float(self.policy.credit_limit.first_month())
        return first + np.ceil(c.joined / self.month)

    def _row(self, i: int, inv: Invoice) -> Any:
        """Order i's draw row, as a memoryview of doubles: no Python float objects for
        draws an invoice never reads (lists of them cost ~1.4 KiB per invoice).

        Candidates are drawn a batch at a time, when the first of them is invoiced: they
        are keyed by (customer, order), so the batching changes no number. release_batches()
        lets a batch go once none of its orders can still ship.
        """
        b, j = divmod(i, DRAW_BATCH)
        flat = self.batches.get(b)
        if flat is None:
            picked = slice(b * DRAW_BATCH, (b + 1) * DRAW_BATCH)
            cust = self.columns.cust[picked]
            index = self.columns.number[picked]
            draws = invoice_draws(self.seed, cust, index, self.rules.max_steps)
            payer = np.frombuffer(self.o_payer, dtype=np.int64)[picked]
            self.rules.prepare(draws, payer, self.customers.segment[cust])
            self.width = draws.shape[1]
            flat = self.batches[b] = memoryview(np.ascontiguousarray(draws).reshape(-1).data)
            self.batch_invoices[b] = []
        self.batch_invoices[b].append(inv)
        w = self.width
        return flat[j * w:(j + 1) * w]

    def release_batches(self, day: float) -> None:
        """Let go of the draw batches none of whose orders can still ship; an invoice of
        theirs still open keeps a copy of its own row."""
        hold = self.scenario.demand.blocked_hold_days
        for b in list(self.batches):
            last = min((b + 1) * DRAW_BATCH, len(self.o_time)) - 1
            if day <= self.o_time[last] + hold + 1.0:
                continue
            for inv in self.batch_invoices.pop(b):
                if not inv.booked:
                    inv.row = memoryview(bytearray(cast(Any, inv.row))).cast("d")
            del self.batches[b]

    def _discount_tiers(self, customers: CustomerTable, every_grade: bool = False
                        ) -> np.ndarray:
        """The discount tier each customer would take on its grade's terms (-1: none), were
        it of each payer type (a column per type): the one whose saving beats most the cost
        of paying early at its funding cost, against the day it would otherwise pay, the
        type's habitual lateness past net (docs/model.md §5.3). `every_grade`: on each
        grade's terms (customers, grades A-D, payer types), for customers re-rated."""
        shape = (customers.count, len(PAYER_TYPES))
        tier = np.full((customers.count, 4, len(PAYER_TYPES)) if every_grade else shape, -1,
                       dtype=np.int64)
        grades = self.grade_array
        # a grade's customers by payer types at once: funding costs down, stretches across
        # (the same operations on each pair as one type at a time, in a tenth of the calls)
        stretch = self.stretch_days()[np.newaxis, :]
        for g, (grade, terms) in enumerate(self.terms.items()):
            if terms is None or not terms.discounts:
                continue
            if every_grade:
                tier[:, g, :] = best_tier_array(
                    terms, customers.funding_cost_annual[:, np.newaxis], self.year, stretch)
                continue
            rows = grades == grade
            if rows.any():
                tier[rows, :] = best_tier_array(
                    terms, customers.funding_cost_annual[rows, np.newaxis], self.year, stretch)
        # a type that never pays of its own accord pays only when pressed, never early for
        # a discount (§5.3): its stretch is unbounded, so no tier's saving beats the funding
        never = [k for k, lag in enumerate(self.rules.lag) if lag is None]
        tier[..., never] = -1
        return tier

    def grade_now(self, c: int, t: float) -> int:
        """Customer c's grade index (0-3 for A-D) at time t: its own, or as re-rated."""
        if not self.rerates:
            return self.grade_index[c]
        return int(grade_at(self.rating[c], t, self.rerating.clean_days))

    @functools.cached_property
    def grade_index(self) -> list[int]:
        """Each customer's own grade as an index, 0-3 for A-D."""
        return [GRADES.index(g) for g in self.grade]

    @functools.cached_property
    def tiers(self) -> list[list[int]]:
        """Each customer's discount tier by payer type (tier_table), as lists."""
        return cast(list[list[int]], self.tier_table.tolist())

    def order_payers(self, time: np.ndarray, cust: np.ndarray) -> np.ndarray:
        """Each order's payer type: its customer's on the day of the order (payer_at, in a
        compiled loop: NumPy's gathers and comparisons took 9 ms of a replication)."""
        c = self.customers
        payers = np.empty(time.size, dtype=np.int64)
        _order_payers(np.ascontiguousarray(time, dtype=np.float64),
                      np.ascontiguousarray(cust, dtype=np.int64), c.payer, c.soured, payers)
        return payers

    def stretch_days(self) -> np.ndarray:
        """Per payer type, the days past net it pays of its own accord on average (its mean
        lag less its early days, at least 0; 0 for a type that never pays of its own accord,
        which takes no discount: _discount_tiers)."""
        return np.asarray([0.0 if lag is None else max(lag.mean - early, 0.0)
                           for lag, early in zip(self.rules.lag, self.rules.early,
                                                 strict=True)])

    # ---- demand --------------------------------------------------------------------------

    def _lose(self, i: int, cause: str) -> None:
        self.fate[i] = FATE_LOST + CAUSES.index(cause)

    def _refused(self, i: int) -> None:
        """An order of a customer re-rated to a grade refused credit: paid in cash within
        the cash-only share, else lost to the credit standard."""
        if self.o_thin[i] * self.m_max >= self.cash_kept:
            self._lose(i, "credit_refused")
        else:
            self.fate[i] = FATE_CASH

    def _cancelled(self, i: int) -> None:
        """An order after its customer's line was cancelled: paid in cash within the
        cash-only share, else lost."""
        if self.o_thin[i] * self.m_max >= self.cash_kept:
            self._lose(i, "credit_cancelled")
        else:
            self.fate[i] = FATE_CASH

    def finish_orders(self) -> None:
        """Give the orders the policy never shipped on credit their fate (see accept()), and
        take the tallies of potential, lost and cash sales from every order's fate."""
        self.out.rebates = float(self.rebate_paid.sum())
        if self.scenario.deterministic is not None:
            return  # deterministic mode tallies every order as it goes
        acc = np.zeros(ORDER_TALLY)
        by_customer = np.empty(len(self.fate), dtype=np.int8)  # the fates, by customer
        by_customer[self._rank] = np.frombuffer(self.fate, dtype=np.int8)
        amounts = np.empty(len(self.fate))
        amounts[self._rank] = self.columns.amount
        cast(Any, tally_all)(self.k0, self.k1, self.customer_gaps(), self.customers.joined,
                             self._end, *self.order_rules(), self.cash_kept, by_customer,
                             amounts, *self.absences(), self.start, self.end,
                             self.reference_shares(), acc)
        store_order_tally(self.out, acc)

    def accept(self, i: int) -> Invoice | None:
        """Decide a candidate order's fate; return the new invoice if it ships now."""
        c, t, amount = self.o_cust[i], self.o_time[i], self.o_amount[i]
        if t >= self.ends_at(c):
            self.won_back(c)
        elif t >= self.lost_from[c]:
            self._lose(i, "customer_lost")
            return None
        if self.cancelled(c, t):
            self._cancelled(i)
            return None
        g = self.grade_now(c, t)
        if self.terms[GRADES[g]] is None:
            self._refused(i)  # re-rated to a grade refused credit
            return None
        self._ordered[c * self.months + math.floor(t / self.month)] += amount
        block = self.blocked(c, t, amount, g)
        if block == "credit_limit" and self.o_approval[i] < self.approval[GRADES[g]]:
            block = None  # forced release after approval
        if block is not None:
            self.held.append((i, t + self.patience(i), block))
            return None
        return self.issue(i, t, g)

    def patience(self, i: int) -> float:
        """Days the customer of candidate i waits for it if it is held (its own draw)."""
        c = self.o_cust[i]
        dist = self.patience_params[self.segment[c]]
        if dist is None:
            return self.scenario.demand.blocked_hold_days
        u = rng.uniform_at(self.k0, self.k1, int(streams.Stream.ORDER_PATIENCE), c,
                           self.o_index[i], 0)
        return float(sample_q(u, dist))

    def cancelled(self, c: int, t: float) -> bool:
        """Whether customer c's line is cancelled at time t: its account closed, or, where
        a cancelled line re-opens, some invoice of its had a cancel_credit_line step done by
        t and was not paid `reopen_after_days` before t (still unpaid: still cancelled).
        Invoices that left the open list count through reopen_at."""
        if t >= self.cancel_from[c]:
            return True
        days = self.reopen_days
        if days is None:
            return False  # (every cancellation is then in cancel_from)
        if t < self.reopen_at[c]:
            return True
        return any(inv.cancel_from <= t < inv.settle + days and self.current(inv)
                   for inv in self.open[c])

    def blocked(self, c: int, t: float, amount: float, g: int) -> str | None:
        """Why an order of this customer, of grade index g now, cannot ship at time t (None
        if it can)."""
        book = self.open[c]
        # approved by rule up to the grade's ceiling, the limit rescaled to the grade now
        # (the same products in every engine)
        cap = INF if self.limit is None else (
            self.limit[c] * self._scale_rows[self.grade_index[c]][g] * self.ceiling[GRADES[g]])
        if not book:
            return None if amount <= cap else "credit_limit"
        live = [inv for inv in book if inv.settle > t]
        if len(live) != len(book):
            if self.reopen_days is None:
                self.open[c] = live
            else:
                # a settled invoice leaves the list once booked, not before: until then a
                # collector may still do a step planned before its settlement (a finite
                # team works after the order's day began) and cancel the line (as the event
                # kernel keeps an invoice on its customer's list until it is booked)
                self._settled(c, book, t)
                self.open[c] = [inv for inv in book if inv.settle > t or not inv.booked]
        balance = amount
        for inv in live:
            if not self.current(inv):
                continue  # (its old account's: won_back())
            if inv.stop_from <= t:
                return "stop_shipping"
            balance += inv.amount
        if balance > cap:
            return "credit_limit"
        return None

    def _settled(self, c: int, book: list[Invoice], t: float) -> None:
        """Customer c's invoices settled by t and booked leave its open list: the latest
        re-opening of a line one of them cancelled stays in reopen_at (a booked plan never
        moves: no step is done after its settlement)."""
        assert self.reopen_days is not None
        for inv in book:
            if inv.settle <= t and inv.booked and inv.cancel_from < INF and self.current(inv):
                self.reopen_at[c] = max(self.reopen_at[c], inv.settle + self.reopen_days)

    def release_held(self, day: float) -> list[Invoice]:
        """Ship held orders whose block has cleared; lose those that waited too long."""
        shipped: list[Invoice] = []
        keep: list[tuple[int, float, str]] = []
        for i, deadline, cause in self.held:
            c = self.o_cust[i]
            if day > deadline or day >= self.bankrupt[c] or day >= self.lost_from[c]:
                self._lose(i, cause)
            elif self.cancelled(c, day):
                self._cancelled(i)  # the line was cancelled or the account closed meanwhile
            elif self.terms[GRADES[self.grade_now(c, day)]] is None:
                self._refused(i)  # re-rated meanwhile to a grade refused credit
            elif c in self.eased and self.blocked(c, day, self.o_amount[i],
                                                  self.grade_now(c, day)) is None:
                shipped.append(self.issue(i, day, self.grade_now(c, day)))
            else:
                keep.append((i, deadline, cause))
        self.held = keep
        self.eased.clear()
        return shipped

    # ---- invoices ------------------------------------------------------------------------

    def issue(self, i: int, t: float, g: int) -> Invoice:
        """Invoice a potential order at time t, on the terms of grade index g (its
        customer's grade now), and plan its unprompted course."""
        c = self.o_cust[i]
        self.fate[i] = FATE_SHIPPED
        inv = Invoice(c, self.o_index[i], t, self.o_amount[i])
        inv.account = self.account_no[c]
        # its customer's payer type on the day of the order (it may have soured since it came)
        payer = self.o_payer[i]
        inv.segment, inv.grade, inv.payer = self.segment[c], GRADES[g], payer
        inv.row = self._row(i, inv)
        terms = self.terms[inv.grade]
        assert terms is not None  # accept() only issues on credit terms
        extra, span, joined = self.learning
        tier = (self.tiers[c][payer] if g == self.grade_index[c]
                else int(self.tier_by[c, g, payer]))
        self.rules.open_invoice(inv, terms, tier, self.funding[c],
                                self.bankrupt[c],
                                self.recovery[c],
                                learning=learning_days(extra[c], span[c], t - joined[c]))
        self.register(inv)
        return inv

    def open_book(self, opening: OpeningInvoices, customers: CustomerTable) -> list[Invoice]:
        """Create the opening invoices at day 0, their ladders resumed where their age is."""
        self.rules.prepare(opening.draws, customers.payer[opening.customer],
                           customers.segment[opening.customer])
        rows = opening.draws.tolist()
        made: list[Invoice] = []
        for k, c in enumerate(opening.customer.tolist()):
            grade = self.grade[c]
            terms = self.terms[grade] or Terms(net_days=30.0)  # sold on credit before
            overdue = float(opening.days_overdue[k])
            inv = Invoice(c, int(opening.index[k]), -overdue - terms.net_days,
                          float(opening.amount[k]))
            inv.segment, inv.grade, inv.payer = self.segment[c], grade, self.payer[c]
            inv.row, inv.opening = rows[k], True
            self.rules.open_invoice(inv, terms, -1, self.funding[c], self.bankrupt[c],
                                    self.recovery[c], now=0.0)
            ladder = self.rules.ladders[grade]
            inv.step = next((j for j, r in enumerate(ladder) if inv.eff_due + r.day >= 0.0),
                            len(ladder))
            self.open[c].append(inv)
            inv.seq = len(self.invoices)
            self.invoices.append(inv)
            made.append(inv)
        return made

    def register(self, inv: Invoice) -> None:
        """Add an invoice to its customer's book."""
        c = inv.customer
        self.open[c].append(inv)
        inv.seq = len(self.invoices)
        self.invoices.append(inv)
        self.rebate_sales[c] += inv.amount

    def sync(self, inv: Invoice) -> None:
        """Carry an invoice's customer-level effects (customer lost, line cancelled or account
        closed) over: a line that re-opens stays with its invoice (see cancelled()). A
        customer won back is on a fresh account: the invoices of its old one act on it no more
        (where collectors are unlimited an invoice's effects are carried over once, at its
        issue, and won_back() clears them)."""
        c = inv.customer
        if not self.current(inv):
            return
        self.lost_from[c] = min(self.lost_from[c], inv.lost_at)
        closes = inv.cancel_from if self.reopen_days is None else inv.closed_from
        self.cancel_from[c] = min(self.cancel_from[c], closes)

    # ---- credit limits and rebates ---------------------------------------------------------

    def _expected_limits(self) -> np.ndarray:
        """Limits from expected sales, used until enough history exists; by the
        working-assets method, each customer's limit for the whole run."""
        if self.policy.credit_limit.method == "working_assets":
            return self._working_asset_limits()
        per_seg = []
        for seg in self.scenario.segments:
            monthly = seg.orders_per_year * self.mult[seg.grade] * seg.order_amount.mean / 12.0
            per_seg.append(self._limit_from_monthly(monthly, seg.grade))
        return np.asarray(per_seg)[self.customers.segment]

    def _working_asset_limits(self) -> np.ndarray:
        """Working assets x the policy's share x the grade factor, per customer [004 p.74]:
        the assets are each customer's own draw (keyed by customer, so the same under any
        policy)."""
        c = self.customers
        u = streams.uniforms(self.seed, streams.Stream.WORKING_ASSETS,
                             np.arange(c.count, dtype=np.int64), np.zeros(c.count, np.int64))
        assets = np.empty(c.count)
        for g, seg in enumerate(self.scenario.segments):
            mine = c.segment == g
            assert seg.working_assets is not None  # policy.check_compatible refuses it
            assets[mine] = sample(u[mine, 0], seg.working_assets)
        rule = self.policy.credit_limit
        factor = np.asarray([rule.factor(g) for g in self.grade_array.tolist()])
        return assets * rule.working_assets_share * factor

    def _limit_from_monthly(self, monthly: float | np.ndarray, grade: str | np.ndarray
                            ) -> float | np.ndarray:
        lim = self.policy.credit_limit
        return monthly * lim.standard_credit_period_days / 30.0 * np.vectorize(lim.factor)(grade)

    def month_end(self, month: int, receipts: np.ndarray) -> None:
        """Recompute credit limits at the start of a month from the last months' history."""
        rule = self.policy.credit_limit
        method = rule.method
        if self.limit is None or month < rule.first_month():
            return
        grades = self.grade_array
        old = np.asarray(self.limit)
        if method == "sales" and rule.smoothing is not None:
            # expected monthly purchases, smoothed: the same operations, in the same order,
            # as fast._limit (kept in limit terms, so the limit is the only state)
            alpha = rule.smoothing
            last = self.ordered_month[:, month - 1]
            new = (alpha * np.asarray(self._limit_from_monthly(last, grades))
                   + (1.0 - alpha) * old)
        else:
            if method == "sales":
                quarterly = self.ordered_month[:, month - 3:month].sum(axis=1)
                monthly = quarterly / 3.0  # quarterly x period / 90 = monthly x period / 30
            else:
                # (6 x last month + 5 x the one before + ... + 1 x six months back) / 21,
                # summed oldest first in a fixed order (a BLAS product may sum in any order)
                total = receipts[:, month - 6] * 1.0
                for k in range(2, 7):
                    total = total + receipts[:, month - 7 + k] * float(k)
                monthly = total / 21.0
            new = np.asarray(self._limit_from_monthly(monthly, grades))
        # a newcomer keeps the limit its rating gives until it has the months of history
        self.limit = np.where(month >= self.limit_months, new, old).tolist()
        self.eased.update(self.o_cust[i] for i, _, _ in self.held)

    def year_end(self, when: float) -> None:
        """Pay the settlement rebate to large customers who paid on time all year."""
        rebate = self.policy.rebate
        if rebate.rate > 0:
            for c, invs in enumerate(self.open):
                if any(inv.eff_due + rebate.on_time_grace_days < when < inv.settle
                       for inv in invs):
                    self.rebate_late[c] = True
            due = (self.rebate_sales >= rebate.threshold_annual_sales) & ~self.rebate_late
            if self.start < when <= self.end:
                self.rebate_paid[due] += rebate.rate * self.rebate_sales[due]
        self.rebate_sales[:] = 0.0
        self.rebate_late[:] = False

    def book(self, inv: Invoice, receipts: array[float], day: int) -> None:
        """Record a settled invoice, on the day it is booked, in the customer's receipts (a
        customer's months in a row of the flat `receipts`) and on-time record. A write-off
        closes the customer's account from that day: no more credit (its orders are paid in
        cash or lost, as after a cancelled credit line)."""
        c = inv.customer
        self.eased.add(c)
        if inv.outcome is Outcome.WRITTEN_OFF and self.current(inv):
            self.cancel_from[c] = min(self.cancel_from[c], float(day))
        if inv.outcome in PAID_OUTCOMES:
            receipts[c * self.months + math.floor(inv.settle / self.month)] += inv.amount
        late_after = inv.eff_due + self.policy.rebate.on_time_grace_days
        if inv.settle > late_after or inv.outcome not in PAID_OUTCOMES:
            self.rebate_late[c] = True
        rating = self.rerating
        if self.rerates and rated_late(inv.settle, inv.eff_due, inv.disputed, inv.credited_at,
                                       rating.late_days):
            assert rating.late_payments is not None
            rerate(self.rating[c], float(day), float(rating.late_payments), rating.clean_days)


@rng.compiled
def _order_payers(time: np.ndarray, cust: np.ndarray, payer: np.ndarray, soured: np.ndarray,
                  out: np.ndarray) -> None:
    """CustomerBook.order_payers into `out`."""
    for i in range(time.size):
        c = cust[i]
        out[i] = payer_at(payer[c], soured[c, 0], soured[c, 1], time[i])
