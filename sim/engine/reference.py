"""The reference engine: the SimPy engine's model in plain Python (`--engine reference`).

This is the readable statement of how a replication unfolds, and the oracle the compiled
engines are tested against invoice by invoice (`events.py` reproduces its events in its
order; `fast.py` its outcomes where customers are uncoupled). It is 10 times slower than they
are; textbook (deterministic) mode runs here.

One scheduler process wakes once a day, ships that day's orders (each at its own time) and
books settled invoices; invoices never sleep through their ladder. Automated dunning steps are
applied as the invoice's plan is made; only steps that need a collector become events, queued
for the team, because only they depend on other customers (see design.md).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Callable, Generator
from typing import Any

import numpy as np
import simpy

from ..behaviour import INF, Invoice, RuleBook, StepRule, actions_summary
from ..draws import draw_customers, draw_orders, max_multiplier
from ..ledger import LEDGER_DTYPE, Ledger, ledger_row, to_ledger
from ..policy import Policy
from ..scenario import Scenario
from .book import CustomerBook, zeroed_doubles
from .determ import issue_deterministic
from .gcpause import gc_paused
from .opening import opening_invoices
from .output import CollectorStats, EngineOutput, by_customer, permute, population

__all__ = ["run_reference"]


def run_reference(scenario: Scenario, policy: Policy, seed: int) -> EngineOutput:
    """Simulate one replication with the reference engine."""
    with gc_paused():
        return _Simulation(scenario, policy, seed).run()


class _Task:
    """A dunning step waiting for a collector."""

    __slots__ = ("done", "inv", "queued_at", "rule")

    def __init__(self, inv: Invoice, rule: StepRule, now: float) -> None:
        self.inv, self.rule = inv, rule
        self.queued_at = now
        self.done = False


class _Collectors:
    """A team of collectors working a priority queue of tasks.

    SimPy's PriorityResource re-sorts its whole queue on every request; with thousands of
    calls waiting that dominated the run, so the queue is a heap here, with lazy removal of
    tasks that expired or whose invoice was paid while they waited. Ties are served in the
    order they were queued.
    """

    def __init__(self, size: int, grant: Callable[[_Task], None]) -> None:
        self.free = size
        self.grant = grant
        self.waiting: list[tuple[float, int, _Task]] = []
        self.seq = 0

    def request(self, task: _Task, priority: float) -> None:
        if self.free > 0:
            self.free -= 1
            self.grant(task)
        else:
            self.seq += 1
            heapq.heappush(self.waiting, (priority, self.seq, task))

    def release(self) -> None:
        while self.waiting:
            task = heapq.heappop(self.waiting)[2]
            if not task.done:
                self.grant(task)
                return
        self.free += 1


class _Simulation:
    def __init__(self, scenario: Scenario, policy: Policy, seed: int) -> None:
        self.scenario, self.policy = scenario, policy
        start = scenario.horizon.warmup_days
        self.end = start + scenario.horizon.horizon_days
        staff = policy.collections.collectors
        self.rules = RuleBook(scenario, policy, collectors_finite=staff is not None, seed=seed)
        self.rules.window = (start, self.end)
        self.seed = seed
        self.customers = customers = draw_customers(scenario, seed)
        self.out = EngineOutput(engine="reference", window=(start, self.end),
                                ledger=np.empty(0, dtype=LEDGER_DTYPE),
                                actions={}, collector=CollectorStats(collectors=staff))
        self.book = CustomerBook(scenario, policy, seed, customers, self.rules, self.out)
        if scenario.deterministic is not None:
            self.book.load_orders(draw_orders(scenario, seed, max_multiplier(scenario),
                                              self.end))
            self.candidates = 0
        else:
            self.candidates = self.book.draw_candidates(self.end)
        self.env = simpy.Environment()
        self.staff = _Collectors(staff or 0, self._granted)
        # settlements to book, by the day they are booked on: (listing number, invoice)
        self.settling: dict[int, list[tuple[int, Invoice]]] = {}
        self.today = -1  # the last day whose settlements were booked
        self.seq = 0
        # receipts by customer and month: flat and typed for the event loop, viewed by NumPy
        self._receipts = zeroed_doubles(self.customers.count * self.book.months)
        self.receipts = np.frombuffer(self._receipts).reshape(self.customers.count,
                                                              self.book.months)
        self.rows: Ledger | None = None  # ledger rows, written as invoices retire
        self.retired: list[tuple[object, ...]] = []
        self.retired_seq: list[int] = []

    # ---- the daily scheduler -----------------------------------------------------------

    def run(self) -> EngineOutput:
        opening = opening_invoices(self.scenario, self.seed, self.rules.max_steps,
                                   self.customers.payer)
        if self.scenario.deterministic is None:
            # every candidate order makes at most one invoice: room for all of them
            capacity = self.candidates + (opening.count if opening else 0)
            self.rows = np.zeros(capacity, dtype=LEDGER_DTYPE)
        if opening is not None:
            for inv in self.book.open_book(opening, self.customers):
                self._plan(inv, 0.0)
        self.env.process(self._days())
        self.env.run(until=self.end)
        for left in self.book.invoices:
            if left is not None:
                self.rules.close(left, self.end)
        self.book.finish_orders()
        return self._finish()

    def _days(self) -> Generator[simpy.Event, Any, None]:
        determ = self.scenario.deterministic is not None
        order_time = self.book.o_time
        todo = range(len(order_time))  # every candidate (every order, in textbook mode)
        times = order_time
        first = 0
        month_days, year_days = self.book.month, self.book.year
        for day in range(math.ceil(self.end)):
            self._book_settled(day)
            self.book.release_batches(float(day))
            if day > 0 and math.floor(day / month_days) > math.floor((day - 1) / month_days):
                self.book.month_end(math.floor(day / month_days), self.receipts)
            if day > 0 and math.floor(day / year_days) > math.floor((day - 1) / year_days):
                self.book.year_end(float(day))
            for inv in self.book.release_held(float(day)):
                self._plan(inv, float(day))
            last = bisect.bisect_left(times, day + 1.0, lo=first)
            for i in todo[first:last]:
                if determ:
                    issue_deterministic(self.book, i)
                    continue
                accepted = self.book.accept(i)
                if accepted is not None:
                    self._plan(accepted, accepted.issue)
            first = last
            yield self.env.timeout(1.0)

    def _plan(self, inv: Invoice, now: float) -> None:
        """Walk an invoice's ladder as far as it goes without a collector."""
        rule = self.rules.walk(inv, now)
        self.book.sync(inv)
        settle = inv.settle
        if settle != inv.listed and settle < INF:
            # booked at the start of the first day at or after it (a day-bucket, not a heap:
            # most plans never change, and a changed one leaves a stale entry behind)
            inv.listed = settle
            inv.listings += 1
            day = max(math.ceil(settle), self.today + 1)
            self.settling.setdefault(day, []).append((inv.listings, inv))
        if rule is not None:
            when = max(inv.eff_due + rule.day, inv.ready, now)
            self._at(when, lambda: self._enqueue(inv, rule))

    def _book_settled(self, day: int) -> None:
        self.today = day
        for listing, inv in self.settling.pop(day, ()):
            if inv.booked or listing != inv.listings:
                continue  # a newer plan replaced this entry
            inv.booked = True
            self.book.book(inv, self._receipts, day)
            if self.rows is not None:
                self._retire(inv)
        self._flush()

    def _retire(self, inv: Invoice) -> None:
        """Write a settled invoice's ledger row now and let the invoice go.

        Booked means settled before the end of the run, so closing it now gives what
        closing it at the end would; holding hundreds of thousands of finished invoices
        as Python objects is most of the engine's memory otherwise.
        """
        self.rules.close(inv, self.end)
        self.retired.append(ledger_row(inv))
        self.retired_seq.append(inv.seq)
        self.book.invoices[inv.seq] = None  # the customer's open list lets go when pruned
        inv.row = ()  # its draws are never read again: let its draw batch go

    def _flush(self) -> None:
        """Write the day's retired invoices into the ledger in one go."""
        if self.retired and self.rows is not None:
            self.rows[np.asarray(self.retired_seq)] = np.array(self.retired, dtype=LEDGER_DTYPE)
        self.retired.clear()
        self.retired_seq.clear()

    def _at(self, when: float, action: Callable[[], None]) -> None:
        event = self.env.timeout(max(0.0, when - self.env.now))
        event.callbacks.append(lambda _event: action())

    # ---- collectors ----------------------------------------------------------------------

    def _priority(self, inv: Invoice) -> float:
        order = self.policy.collections.work_order
        if order == "largest_first":
            return -inv.amount
        if order == "oldest_first":
            return inv.eff_due
        if order == "quadrant":
            c = self.policy.collections
            large = inv.amount >= c.quadrant_amount
            old = self.env.now - inv.eff_due >= c.quadrant_age_days
            return float((0 if large else 2) + (0 if old else 1))
        return 0.0

    def _enqueue(self, inv: Invoice, rule: StepRule) -> None:
        if inv.settle <= self.env.now:
            return  # paid before the call came up: nothing to do
        if self.rules.join(inv, self.env.now, self.env.now):
            # its account was taken to a later step (a stop, a hand-over, a suit) meanwhile:
            # the call is not made, the invoice goes along and walks on from there
            self._advance(inv, rule)
            return
        if not self.rules.escalate(inv, rule, self.env.now):
            # the account's call (visit, hand-over, suit) of the last days takes it along
            self.rules.apply(inv, rule, self.env.now, covered=True)
            self._advance(inv, rule)
            return
        task = _Task(inv, rule, self.env.now)
        self.staff.request(task, self._priority(inv))
        if not task.done:
            self._at(self.env.now + self.policy.collections.max_wait_days,
                     lambda: self._expired(task))

    def _granted(self, task: _Task) -> None:
        """A collector takes the task now (it may find the invoice already paid)."""
        task.done = True
        now = self.env.now
        inv, rule = task.inv, task.rule
        if inv.settle <= now:
            self.staff.release()
            return
        service = self.rules.service_days(inv, rule)
        stats = self.out.collector
        start, end = self.out.window
        stats.busy_days += max(0.0, min(now + service, end) - max(now, start))
        if start <= now < end:
            stats.tasks_served += 1
            stats.wait_days_total += now - task.queued_at
        self._at(now + service, lambda: self._served(task))

    def _served(self, task: _Task) -> None:
        self.staff.release()
        self.rules.apply(task.inv, task.rule, self.env.now)
        self._advance(task.inv, task.rule)

    def _expired(self, task: _Task) -> None:
        if task.done:
            return
        task.done = True  # still in the queue: removed lazily when it reaches the front
        start, end = self.out.window
        if start <= self.env.now < end:
            self.out.collector.tasks_dropped += 1
        self._advance(task.inv, task.rule)

    def _advance(self, inv: Invoice, rule: StepRule) -> None:
        if inv.step == rule.index:
            inv.step += 1
        if inv.settle > self.env.now:
            self._plan(inv, self.env.now)
        else:
            # the step ended the invoice (a promise to pay at once) and may also have lost
            # the customer or cancelled its line: no new plan carries that over
            self.book.sync(inv)

    # ---- the result ----------------------------------------------------------------------

    def _finish(self) -> EngineOutput:
        out = self.out
        if self.rows is None:
            out.ledger = to_ledger(inv for inv in self.book.invoices if inv is not None)
        else:
            for inv in self.book.invoices:
                if inv is not None:
                    self.rows[inv.seq] = ledger_row(inv)
            out.ledger = self.rows[:len(self.book.invoices)]
        # by customer, each customer's invoices as they were issued: the order in which the
        # fast engine, simulating one customer after another, writes them
        permute(out.ledger, by_customer(out.ledger["customer"]))
        out.actions = actions_summary(self.rules.action_tally(self.customers.count))
        if out.collector.collectors is None:  # the work an unlimited team did
            out.collector.busy_days, out.collector.tasks_served = self.rules.offered_total(
                self.customers.count)
        c = self.customers
        population(out, c.joined, self.book.joins, c.initial, c.bankruptcy_day,
                   *self.book.absence_sums())
        return out

