"""Pure response rules: discount take-up, unprompted payment, disputes and the dunning walk.

Everything here is a function of (scenario, policy, an invoice's own draws, the time a step is
done). The engines decide *when* a step is done (at once, or when a collector is free); the
rules decide what follows. docs/model.md states each rule as a formula.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

from . import draws, elementary, rng, streams
from .policy import LadderStep, Policy
from .scenario import ACTIONS, PAYER_TYPES, Action, PayerProfile, PayerType, Scenario
from .terms import Terms

__all__ = ["Invoice", "Outcome", "RuleBook", "StepRule", "account_year", "collector_work",
           "demand_multiplier", "grade_at", "learning_days", "payer_at", "rated_late", "rerate"]

INF = math.inf
#: the steps that act on the customer's whole account: its invoices overdue when it is taken
#: to one of them join it (RuleBook.join): every action from the stop on, in ACTIONS' order
#: (the compiled engines test `action >= A_STOP`)
ACCOUNT_STEPS = frozenset(ACTIONS[ACTIONS.index(Action.STOP_SHIPPING):])


def _slot(grade: str, step: int) -> int:
    """Where a customer's escalation record keeps step `step` of grade `grade`'s ladder."""
    return "ABCD".index(grade) * draws.MAX_STEPS + step


class Outcome(IntEnum):
    """How an invoice ended (or that it is still open at the end of the run)."""

    OPEN = 0
    PAID = 1  # paid unprompted
    PAID_DUNNED = 2  # paid after a dunning step
    DISCOUNT = 3  # paid within a discount window
    AGENCY = 4  # collected by an agency
    LAWSUIT = 5  # collected through the courts
    WRITTEN_OFF = 6  # given up by the write-off rule or a failed lawsuit
    BANKRUPT = 7  # customer bankrupt: recovery share paid, the rest written off


@dataclass(frozen=True)
class StepRule:
    """A ladder step with everything the walk needs to apply it, pre-computed."""

    index: int
    day: float
    action: Action
    cost: float
    service_days: float  # mean collector time in days (0 = automated)
    response: tuple[float, ...]  # by payer type index
    loss: float  # chance the customer leaves after this step
    min_amount: float = 0.0  # smaller invoices skip the step


class Invoice:
    """A mutable invoice record as one engine walks it (slots: one is made per invoice)."""

    __slots__ = (
        "account",
        "amount",
        "booked",
        "cancel_from",
        "closed_from",
        "credited",
        "credited_at",
        "customer",
        "discount",
        "disputed",
        "due",
        "dunning_cost",
        "eff_due",
        "fee",
        "grade",
        "halt",
        "index",
        "issue",
        "listed",
        "listings",
        "lost_at",
        "n_actions",
        "opening",
        "outcome",
        "paid",
        "payer",
        "penalty",
        "ready",
        "row",
        "segment",
        "seq",
        "settle",
        "step",
        "stop_from",
        "written_off",
    )

    def __init__(self, customer: int, index: int, issue: float, amount: float) -> None:
        self.customer = customer
        self.index = index
        self.issue = issue
        self.amount = amount
        self.account = 0  # its customer's account number (CustomerBook.account_no)
        self.segment = 0
        self.grade = ""
        self.payer = 0
        self.row: Sequence[float] = ()
        self.due = self.eff_due = issue
        self.disputed = False
        self.credited = self.discount = self.paid = self.written_off = 0.0
        self.penalty = self.fee = self.dunning_cost = 0.0
        self.credited_at = INF
        self.settle = INF
        self.outcome = Outcome.OPEN
        self.step = 0
        self.ready = -INF  # earliest time the next step may run (after a broken promise)
        self.n_actions = 0
        self.stop_from = INF
        self.cancel_from = INF  # its customer's line cancelled (a step, or a lawsuit) from then
        self.closed_from = INF  # its customer's account closed for good (a lawsuit) from then
        self.lost_at = INF  # the customer leaves after a harsh step done at this time
        self.halt = INF  # the customer's bankruptcy: nothing the ladder does counts after it
        self.opening = False
        self.booked = False
        self.listed = math.nan  # the settle date an engine last listed for booking
        self.listings = 0  # how many times it was listed: only the latest listing counts
        self.seq = -1  # the invoice's place in the order invoices were registered


@rng.compiled_inline
def learning_days(extra: float, span: float, age: float) -> float:
    """Days a newcomer still learning the terms [002] adds to its payer type's lateness on
    an invoice issued `age` days after it arrived: `extra` on its first day, falling linearly
    to nothing at `span` days (segments[].learning; every engine calls this one function)."""
    if extra <= 0.0 or age >= span:
        return 0.0
    return extra * (1.0 - age / span)


@rng.compiled_inline
def payer_at(payer: int, first: float, second: float, t: float) -> int:
    """A customer's payer type on day t: its own, one step worse from the day it first
    soured (`first`), two from the second (`second`; inf: never; segments[].souring_per_year,
    draws.CustomerTable.soured). Every engine calls this one function."""
    return payer + (1 if t >= first else 0) + (1 if t >= second else 0)


#: the risk grades, best first (a grade's index is its place here)
GRADES = ("A", "B", "C", "D")

#: a customer's rating record (rerate, grade_at): its grade now (re-rated, 0-3 for A-D),
#: since when it has had no late payment, its late payments since then, its own grade
R_GRADE, R_SINCE, R_LATE, R_OWN = range(4)
N_RATING = 4


#: account_year: the years of one account's loss draws, before the next account's begin
ACCOUNT_STRIDE = 1 << 20


@rng.compiled_inline
def account_year(when: float, year_days: float, account: int) -> int:
    """The index of a customer's loss draw for a step at `when` on its account number
    `account` (0: its first; one more each time it came back on a fresh account): the year
    of the run, so a customer's first account keeps the draws it always had, and each later
    account has its own (docs/model.md §4, "Customers lost and won back")."""
    return math.floor(when / year_days) + ACCOUNT_STRIDE * account


@rng.compiled_inline
def rated_late(settle: float, eff_due: float, disputed: bool, credited_at: float,
               late_days: float) -> bool:
    """Whether a settled invoice counts as a late payment on its customer's record
    (policy.rerating): settled more than `late_days` after its dispute-adjusted due date, or
    disputed by the customer without the dispute being upheld. Every engine calls this."""
    return settle - eff_due > late_days or (disputed and credited_at == INF)


@rng.compiled_inline
def rerate(rating: np.ndarray, day: float, after: float, clean: float) -> None:
    """A late payment booked on `day` on a customer's record (`rating`, R_* columns):
    first the clean periods of `clean` days passed since its last late payment raise its
    grade a step each, back to its own at most, and wipe its count; then the payment counts,
    and the `after`-th since the last wipe lowers the grade a step (to D at worst).
    Every engine calls this one function."""
    periods = math.floor((day - rating[R_SINCE]) / clean)
    if periods >= 1.0:
        rating[R_GRADE] = max(rating[R_OWN], rating[R_GRADE] - periods)
        rating[R_LATE] = 0.0
    rating[R_SINCE] = day
    rating[R_LATE] += 1.0
    if rating[R_LATE] >= after:
        rating[R_GRADE] = min(rating[R_GRADE] + 1.0, 3.0)
        rating[R_LATE] = 0.0


@rng.compiled_inline
def grade_at(rating: np.ndarray, t: float, clean: float) -> int:
    """A customer's grade at time t from its record: its re-rated grade raised a step for
    every `clean` days since its last late payment, back to its own at most (rerate)."""
    grade = rating[R_GRADE]
    if grade > rating[R_OWN]:
        periods = math.floor((t - rating[R_SINCE]) / clean)
        if periods >= 1.0:
            grade = max(rating[R_OWN], grade - periods)
    return int(grade)


def _interp(table: tuple[tuple[float, float], ...], x: float) -> float:
    xs = [row[0] for row in table]
    ys = [row[1] for row in table]
    return float(np.interp(x, xs, ys))


def demand_multiplier(scenario: Scenario, terms: Terms | None, grade: str | None = None
                      ) -> float:
    """Order-rate multiplier of a grade's terms (None = cash only) against market terms.

    The one demand response every engine reads (through CustomerBook): the grade's tables
    (demand.by_grade, else the scenario-wide ones; `grade` None: the latter) at the terms'
    effective credit period (stated days, plus half a month with end-of-month dating, see
    Terms.effective_credit_days) and at their best discount rate.
    """
    demand = scenario.demand
    if terms is None or terms.net_days == 0:
        return demand.cash_only_share_kept
    period, discount = demand.tables(grade)
    days = terms.effective_credit_days(float(scenario.conventions.days_in_year))
    best_rate = max((t.rate for t in terms.discounts), default=0.0)
    return _interp(period, days) * _interp(discount, best_rate)


def reference_multiplier(scenario: Scenario, grade: str | None = None) -> float:
    """The demand the market's terms win from a grade's customers (demand.market_terms, read
    through the grade's own tables; 1 where no market terms are stated): the reference that
    shortage cost is measured against."""
    market = scenario.demand.market_terms
    return 1.0 if market is None else demand_multiplier(scenario, market, grade)


def back_days(scenario: Scenario) -> float:
    """Days a lost customer stays away before it buys again (inf: for good)."""
    days = scenario.demand.customer_loss.valued_days
    return INF if days is None else float(days)


ACTION_INDEX = {a: k for k, a in enumerate(ACTIONS)}


def actions_summary(tally: np.ndarray) -> dict[str, tuple[float, float]]:
    """Dunning actions within the window: action -> (count, cost), summed over customers
    in customer order (the same sum for every engine)."""
    total = tally.sum(axis=0)
    return {a.value: (float(total[k, 0]), float(total[k, 1]))
            for k, a in enumerate(ACTIONS) if total[k, 0] or total[k, 1]}


def collector_work(per_customer: np.ndarray) -> tuple[float, int]:
    """(collector days, tasks) from per-customer rows: one sum, in customer order, that
    every engine takes alike (an unlimited team's work, or a screened team's offered work)."""
    total = np.ascontiguousarray(per_customer, dtype=np.float64).sum(axis=0)
    return float(total[0]), int(total[1])


class RuleBook:
    """Scenario and policy turned into the plain numbers the walk reads in its loop."""

    def __init__(self, scenario: Scenario, policy: Policy, collectors_finite: bool,
                 seed: int | None = None) -> None:
        """`seed` keys the customers' own draws (account_uniform); only an engine that walks
        invoices needs it."""
        self.scenario = scenario
        self._key = None if seed is None else streams._seed_key(seed)
        self.policy = policy
        self.collectors_finite = collectors_finite
        self.year = float(scenario.conventions.days_in_year)
        legal = scenario.legal
        self.legal = legal
        profiles = [scenario.payer_profile(p) for p in PAYER_TYPES]
        self.early = [p.early_days for p in profiles]
        self.lag = [p.lag_days for p in profiles]
        self.delay = [p.response_delay_days for p in profiles]
        self.breaks = [p.promise_break_share for p in profiles]
        self.deterred = [p.deterred_by_penalty_share for p in profiles]
        self.defaulter = PAYER_TYPES.index(PayerType.DEFAULTER)
        self.penalty = policy.late_penalty
        self.write_off_days = policy.write_off.days_overdue
        minutes = policy.collections.minutes_per_day
        self.service_cv = policy.collections.service_time_cv
        loss = scenario.demand.customer_loss.after_action
        self.ladders: dict[str, tuple[StepRule, ...]] = {}
        for grade in ("A", "B", "C", "D"):
            steps = policy.ladder_for(grade)
            if len(steps) > draws.MAX_STEPS:
                raise ValueError(f"a ladder may have at most {draws.MAX_STEPS} steps")
            self.ladders[grade] = tuple(
                self._rule(i, s, profiles, loss.get(s.action, 0.0), minutes)
                for i, s in enumerate(steps))
        self.max_steps = max((len(v) for v in self.ladders.values()), default=0)
        #: statistics window and the dunning tally within it, per customer (so that any
        #: engine that dunns each customer's invoices in the same order sums alike):
        #: customer -> [count, cost] by action, in ACTIONS order
        self.window = (0.0, INF)
        self.tally: dict[int, list[float]] = {}
        self.offered: dict[int, list[float]] = {}
        #: a step done on an account covers its other invoices reaching the same step within
        #: this many days (collections.covers_account_days; 0: each invoice on its own), and
        #: per customer, when each grade's ladder step last escalated its account (-inf: never)
        self.covers_days = policy.collections.covers_account_days
        self.escalated: dict[int, list[float]] = {}

    def _count(self, customer: int, action: Action, when: float, cost: float,
               times: float = 1.0) -> None:
        if self.window[0] <= when < self.window[1]:
            entry = self.tally.get(customer)
            if entry is None:
                entry = self.tally[customer] = [0.0] * (2 * len(ACTIONS))
            k = 2 * ACTION_INDEX[action]
            entry[k] += times
            entry[k + 1] += cost

    def _offered(self, customer: int, when: float, service: float) -> None:
        """Collector days worked within the window, and tasks started in it, per customer
        (an unlimited team's work, priced at the salary rate; the compiled engines sum alike)."""
        entry = self.offered.get(customer)
        if entry is None:
            entry = self.offered[customer] = [0.0, 0.0]
        start, end = self.window
        entry[0] += max(0.0, min(when + service, end) - max(when, start))
        if start <= when < end:
            entry[1] += 1.0

    def offered_total(self, customers: int) -> tuple[float, int]:
        """Collector days worked and tasks served by an unlimited team, summed over customers
        in customer order (see collector_work)."""
        table = np.zeros((customers, 2))
        for customer, entry in self.offered.items():
            table[customer] = entry
        return collector_work(table)

    def action_tally(self, customers: int) -> np.ndarray:
        """The tally as an array (customer, action, [count, cost])."""
        table = np.zeros((customers, len(ACTIONS), 2))
        for customer, entry in self.tally.items():
            table[customer] = np.asarray(entry).reshape(len(ACTIONS), 2)
        return table

    @staticmethod
    def _rule(index: int, step: LadderStep, profiles: list[PayerProfile], loss: float,
              minutes: float) -> StepRule:
        response = tuple(p.response.get(step.action, 0.0) for p in profiles)
        return StepRule(index=index, day=step.day, action=step.action, cost=step.cost,
                        service_days=step.collector_minutes / minutes, response=response,
                        loss=loss, min_amount=step.min_amount)

    def age_factor(self, days_overdue: float) -> float:
        """Collection success falls with age: Weibull value curve of [004 p.99]."""
        if days_overdue <= 0:
            return 1.0
        # x ** shape as exp(shape log x), in arsim's own IEEE functions (sim/elementary.py),
        # not the C library's, whose last bit depends on the machine: a cluster of different
        # machines gives the same bits (fast._age_factor computes it alike)
        curve = self.scenario.age_factor
        x = days_overdue / self.year / curve.scale_years
        return float(elementary.exp(-elementary.exp(curve.shape * elementary.log(x))))

    def service_days(self, inv: Invoice, rule: StepRule) -> float:
        """A collector task's duration in (working) days, from the invoice's own draw."""
        return rule.service_days * inv.row[draws.COL_STEPS + draws.STEP_DRAWS * rule.index + 3]

    def prepare(self, table: np.ndarray, payer: np.ndarray, segment: np.ndarray) -> None:
        """Turn an invoice draw table's uniforms into days, in place, vectorised.

        Afterwards COL_LAG holds the unprompted payment lag (days after due, inf = never),
        COL_DISPUTE_DAYS the dispute's days from invoicing to resolution, and each step's
        service column a unit-mean multiplier of the step's collector time. Rows are
        (customer, order) draws, so this changes no number any other invoice sees.
        """
        lag = np.full(table.shape[0], INF)
        for index, dist in enumerate(self.lag):
            rows = payer == index
            if dist is not None and rows.any():
                lag[rows] = draws.sample(table[rows, draws.COL_LAG], dist) - self.early[index]
        days = np.zeros(table.shape[0])
        for index, seg in enumerate(self.scenario.segments):
            rows = segment == index
            if rows.any():
                disputes = seg.disputes
                days[rows] = disputes.raised_after_days + draws.sample(
                    table[rows, draws.COL_DISPUTE_DAYS], disputes.resolution_days)
        table[:, draws.COL_LAG] = lag
        table[:, draws.COL_DISPUTE_DAYS] = days
        for j in range(self.max_steps):
            col = draws.COL_STEPS + draws.STEP_DRAWS * j + 3
            table[:, col] = (streams.gamma(table[:, col], 1.0, self.service_cv)
                             if self.service_cv > 0 else 1.0)

    # ---- the start of an invoice's life -------------------------------------------------

    def open_invoice(self, inv: Invoice, terms: Terms, tier: int, funding: float,
                     bankrupt_day: float, recovery: float, now: float | None = None,
                     learning: float = 0.0) -> None:
        """Settle disputes, discount and the unprompted payment date of a new invoice.

        `tier` is the discount tier the customer would take (-1: none), see best_tier().
        `learning` is the days a newcomer still learning the terms adds to its lateness
        (learning_days).
        `now` is later than the issue day for an invoice of the opening book: it is still
        open now, so a payment planned before now restarts the payer's own lag from now, and
        an invoice past the write-off age is written off now.
        """
        seg = self.scenario.segments[inv.segment]
        row = inv.row
        # an opening invoice's due date is fixed by its stated age, whatever the dating
        dated = inv.issue if inv.opening else terms.dating_day(inv.issue, self.year / 12.0)
        inv.due = dated + terms.net_days
        inv.eff_due = inv.due
        disputes = seg.disputes
        resolve = -INF
        if row[draws.COL_DISPUTE] < disputes.share:
            inv.disputed = True
            resolve = inv.issue + row[draws.COL_DISPUTE_DAYS]
            if row[draws.COL_DISPUTE_UPHELD] < disputes.upheld_share:
                inv.credited_at = resolve
            inv.eff_due = max(inv.due, resolve)
        elif tier >= 0 and inv.payer != self.defaulter and (
                row[draws.COL_CASH] < seg.cash_available_share):
            chosen = terms.discounts[tier]
            self._finish(inv, dated + chosen.window_days, Outcome.DISCOUNT, rate=chosen.rate)
            self._bankrupt(inv, bankrupt_day, recovery)
            return
        start = inv.issue if now is None else now
        # an early payer may pay before the due date, but not before its dispute is resolved
        planned = max(self._unprompted(inv, funding, learning), resolve)
        if planned < start:
            planned = start + max(0.0, inv.row[draws.COL_LAG])
        self._finish(inv, planned, Outcome.PAID)
        if self.write_off_days is not None:
            cutoff = max(inv.eff_due + self.write_off_days, start)
            if cutoff < inv.settle:
                self._finish(inv, cutoff, Outcome.WRITTEN_OFF)
        self._bankrupt(inv, bankrupt_day, recovery)

    def _unprompted(self, inv: Invoice, funding: float, learning: float) -> float:
        row = inv.row
        # a newcomer learning the terms pays later than its type (a never-payer never pays)
        lag = row[draws.COL_LAG] + learning
        pen = self.penalty
        if (pen.rate_annual > funding and lag > pen.grace_days
                and row[draws.COL_PENALTY] < self.deterred[inv.payer]):
            lag = pen.grace_days  # the penalty costs more than its own funds: pays in grace
        return inv.eff_due + lag

    def _bankrupt(self, inv: Invoice, day: float, recovery: float) -> None:
        """If the customer goes bankrupt before the invoice's planned end, it ends in the
        bankruptcy: the recovery share, paid late. The ladder still runs until that day and
        anything it achieves before it (a payment, a write-off) comes first."""
        if day >= inv.settle:
            return
        inv.halt = day
        inv.settle = day + self.scenario.segments[inv.segment].bankruptcy_recovery_days
        inv.outcome = Outcome.BANKRUPT
        inv.paid = recovery  # a share until settled; _close turns it into money

    def _finish(self, inv: Invoice, when: float, outcome: Outcome, rate: float = 0.0) -> None:
        """Set the invoice's (planned) end, if it comes before the one already planned."""
        if when >= inv.settle or when >= inv.halt:
            return  # later than the plan, or after the customer's bankruptcy
        inv.settle = when
        inv.outcome = outcome
        inv.paid = rate  # discount rate or recovery share, turned into money by close()

    # ---- the dunning walk -----------------------------------------------------------------

    def walk(self, inv: Invoice, now: float) -> StepRule | None:
        """Run the ladder from the invoice's next step until it ends or needs a collector.

        Automated steps (and, with unlimited collectors, every step) are applied at their own
        time. Returns the collector step to queue, or None when the plan is complete.
        """
        ladder = self.ladders[inv.grade]
        while inv.step < len(ladder):
            rule = ladder[inv.step]
            if inv.amount < rule.min_amount:
                inv.step += 1  # too small for this step
                continue
            when = max(inv.eff_due + rule.day, inv.ready, now)
            if self.join(inv, when, now):
                continue  # taken along to the account's later step: walk on from there
            if when >= inv.settle or when >= inv.halt:
                return None
            if rule.service_days > 0 and self.collectors_finite:
                return rule  # (the engine asks escalate() when the call comes up)
            if not self.escalate(inv, rule, when):
                self.apply(inv, rule, when, covered=True)
                inv.step += 1
                continue
            service = self.service_days(inv, rule)
            if service > 0:  # collector time, worked by a team that never makes a call wait
                self._offered(inv.customer, when, service)
            self.apply(inv, rule, when + service)
            inv.step += 1
        return None

    def join(self, inv: Invoice, until: float, now: float) -> bool:
        """Take the invoice along to a step its account was taken to while it was overdue.

        A stop, a cancelled line, a hand-over to an agency or a lawsuit acts on the whole
        account: an invoice that was overdue (and had nothing pending: after its last step
        and any promised day) when its account was escalated to such a step further down its
        ladder, at a time T before `until` (its own next step) and before it is settled,
        joins that step, covered, at max(T, now): its steps in between are skipped, its
        ladder goes on after the joined one. The earliest such escalation is joined first.
        Returns whether it joined one (with `covers_days` 0, never)."""
        if self.covers_days <= 0.0:
            return False
        last = self.escalated.get(inv.customer)
        if last is None:
            return False
        ladder = self.ladders[inv.grade]
        base = _slot(inv.grade, 0)
        low = max(inv.ready, inv.eff_due)
        high = min(until, inv.settle, inv.halt)
        best, at = -1, INF
        for j in range(inv.step, len(ladder)):
            rule = ladder[j]
            if rule.action not in ACCOUNT_STEPS or inv.amount < rule.min_amount:
                continue
            t = last[base + j]
            if low <= t < high and t < at:
                best, at = j, t
        if best < 0:
            return False
        self.apply(inv, ladder[best], max(at, now), covered=True)
        inv.step = max(inv.step, best + 1)  # (an agency or a lawsuit that took it has ended it)
        return True

    def escalate(self, inv: Invoice, rule: StepRule, when: float) -> bool:
        """Whether the step, due on the invoice at `when`, escalates its account (and is
        done: a cost, a collector's time) or is covered by the same step done on the account
        within the last `covers_days` days (one call, one visit, one hand-over, one lawsuit
        per account and escalation). An escalation is recorded at the time it is raised."""
        if self.covers_days <= 0.0:
            return True
        last = self.escalated.get(inv.customer)
        if last is None:
            last = self.escalated[inv.customer] = [-INF] * (4 * draws.MAX_STEPS)
        # a slot per grade's ladder and step (a re-rated customer's invoices may walk the
        # ladders of different grades: step j of one is not step j of another)
        slot = _slot(inv.grade, rule.index)
        if last[slot] <= when < last[slot] + self.covers_days:
            return False
        last[slot] = when
        return True

    def apply(self, inv: Invoice, rule: StepRule, when: float, covered: bool = False) -> None:
        """Apply one dunning step done at `when`: costs, customer effects, the response.

        `covered`: the account's own escalation to this step, made within the last
        `covers_days` days, takes the invoice along: it answers the step (the response, the
        account's effects) without another fixed cost or count (see escalate())."""
        if when >= inv.settle or when >= inv.halt:
            return
        base = draws.COL_STEPS + draws.STEP_DRAWS * rule.index
        row = inv.row
        self._charge(inv, rule, when, covered)
        inv.ready = when
        action = rule.action
        if action is Action.STOP_SHIPPING:
            inv.stop_from = min(inv.stop_from, when)
        elif action is Action.CANCEL_CREDIT_LINE:
            inv.cancel_from = min(inv.cancel_from, when)
        if rule.loss > 0.0 and self.account_uniform(inv, action, when) < rule.loss:
            inv.lost_at = min(inv.lost_at, when)
        if action is Action.LAWSUIT:
            self._lawsuit(inv, rule, when, row[base], covered)
            return
        chance = rule.response[inv.payer] * self.age_factor(when - inv.eff_due)
        if row[base] >= chance:
            return
        if action is Action.AGENCY:
            self._finish(inv, when + row[base + 4] * self.legal.agency_days, Outcome.AGENCY)
            inv.step = 10**6  # the agency has the case: in-house dunning stops
            return
        promised = max(when + self.delay[inv.payer], inv.eff_due)
        if row[base + 1] < self.breaks[inv.payer]:
            inv.ready = max(inv.ready, promised)
            return  # a broken promise: the ladder resumes once the promised day has passed
        self._finish(inv, promised, Outcome.PAID_DUNNED)

    def _charge(self, inv: Invoice, rule: StepRule, when: float, covered: bool) -> None:
        """Count the step on the invoice and, unless its account's escalation covers it,
        its fixed cost on the invoice and in the tally."""
        if when < self.window[1]:  # (a step planned beyond the run's end is not yet done)
            inv.n_actions += 1
            if not covered:
                inv.dunning_cost += rule.cost
        if not covered:
            self._count(inv.customer, rule.action, when, rule.cost)

    def account_uniform(self, inv: Invoice, action: Action, when: float) -> float:
        """The customer's own draw for leaving when the invoice's account suffers this kind
        of step at time `when` (draw j of its key, j the year of the run the step falls in,
        offset by the account's number: account_year).

        One draw per customer, kind of step and year, not per invoice: a customer with five
        overdue invoices handed to an agency is one account escalated once, and leaves (or
        not) once; so it leaves at its account's first step of that kind in a year, if ever.
        A year later the account may be escalated afresh and draws again (drawn once for the
        whole run, an account that survived one escalation would never leave after another,
        and losses would fade over a long run)."""
        if self._key is None:
            raise RuntimeError("RuleBook needs the replication's seed to walk invoices")
        year = account_year(when, self.year, inv.account)
        return float(rng.uniform_at(self._key[0], self._key[1], int(streams.Stream.ACCOUNT_LOSS),
                                    inv.customer, ACTION_INDEX[action], year))

    def _lawsuit(self, inv: Invoice, rule: StepRule, when: float, u: float,
                 covered: bool) -> None:
        # suing a customer closes its account: no more credit, whatever the judgment [003]
        inv.cancel_from = min(inv.cancel_from, when)
        inv.closed_from = min(inv.closed_from, when)
        if not covered:  # (one suit's costs for the account's debts it takes along)
            if when < self.window[1]:
                inv.dunning_cost += self.legal.lawsuit_cost
            self._count(inv.customer, Action.LAWSUIT, when, self.legal.lawsuit_cost, times=0.0)
        end = when + self.legal.lawsuit_days
        chance = rule.response[inv.payer] * self.age_factor(when - inv.eff_due)
        age_cutoff = INF
        if inv.outcome is Outcome.WRITTEN_OFF:
            # a write-off by age waits for the judgment: it needs one [000]
            age_cutoff, inv.settle, inv.outcome = inv.settle, INF, Outcome.OPEN
        if u < chance:
            self._finish(inv, end, Outcome.LAWSUIT, rate=self.legal.lawsuit_recovery_share)
        elif self.policy.write_off.after_failed_lawsuit:
            self._finish(inv, end, Outcome.WRITTEN_OFF)
        elif age_cutoff < INF:
            self._finish(inv, max(end, age_cutoff), Outcome.WRITTEN_OFF)
        inv.step = 10**6  # nothing in-house follows a lawsuit

    # ---- money at the end -----------------------------------------------------------------

    def close(self, inv: Invoice, end: float) -> None:
        """Turn the planned end into money, as of `end` (open if it ends later)."""
        share = inv.paid
        inv.paid = 0.0
        credited = inv.amount * self.scenario.segments[inv.segment].disputes.credited_share
        # the run is [start, end): an event exactly at the end falls after it, as in every
        # cost, KPI and aging figure (so the ledger and the aging agree)
        if inv.credited_at <= inv.settle and inv.credited_at < end:
            inv.credited = credited
        owed = inv.amount - inv.credited
        if inv.settle >= end:
            inv.outcome = Outcome.OPEN
            return
        kind = inv.outcome
        if kind is Outcome.DISCOUNT:
            inv.discount = inv.amount * share
            inv.paid = owed - inv.discount
        elif kind in (Outcome.PAID, Outcome.PAID_DUNNED, Outcome.AGENCY):
            inv.paid = owed
            if kind is Outcome.AGENCY:
                inv.fee = owed * self.legal.agency_fee_share
            self._charge_penalty(inv, owed)
        elif kind in (Outcome.LAWSUIT, Outcome.BANKRUPT):
            inv.paid = owed * share
            inv.written_off = owed - inv.paid
        else:  # written off (or the deterministic bad-debt share)
            inv.written_off = owed

    def _charge_penalty(self, inv: Invoice, owed: float) -> None:
        pen = self.penalty
        late = inv.settle - inv.eff_due - pen.grace_days
        if pen.steps and late > 0:  # stepped by length of delay [000]
            inv.penalty = owed * pen.rate_days(late) / self.year * pen.collected_share
        elif pen.rate_annual > 0 and late > 0:
            inv.penalty = owed * pen.rate_annual * late / self.year * pen.collected_share
